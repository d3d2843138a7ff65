"""Running a flow: a pure step machine over an interview's state. Everything outside the
interview (records, events, session actions) goes through the `Runtime` port, so the service runs
it inside a unit of work and tests run it on a fake.

An interview stops at a Screen (until values arrive), at a Wait for Event (until a matching event
exists: one published after the interview started counts even if it came before the wait began),
or at the end. Its state is plain JSON, persisted after every step by the service.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

from livedesk.flows import definition as d
from livedesk.flows.expressions import compile_expression, evaluate, merge, text_of

MAX_STEPS = 500
Status = Literal["screen", "waiting", "finished", "failed"]


class Runtime(Protocol):
    def get_records(self, object_name: str, where: dict[str, Any]) -> list[dict[str, Any]]: ...
    def create_record(self, object_name: str, fields: dict[str, Any]) -> str: ...
    def update_record(self, object_name: str, record_id: str, fields: dict[str, Any]) -> None: ...
    def act(self, action: str, inputs: dict[str, Any]) -> Any: ...
    def find_event(
        self, event_type: str, where: dict[str, Any], since_ms: int, after_replay: int
    ) -> tuple[int, dict[str, Any]] | None: ...


class InputError(ValueError):
    """Screen values that do not fit the screen (the caller answers 400)."""


@dataclass
class Interview:
    flow: str
    started_at: int
    variables: dict[str, Any]
    at: str | None
    status: Status = "screen"
    screen: dict[str, Any] | None = None
    waiting: dict[str, Any] | None = None
    consumed: dict[str, int] = field(default_factory=dict)  # event type → last replay id used
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Interview:
        return cls(**data)


def start(flow: d.Flow, inputs: dict[str, Any], runtime: Runtime, now: int) -> Interview:
    variables = {name: v.default for name, v in flow.variables.items()}
    for name, value in inputs.items():
        spec = flow.variables.get(name)
        if spec is None or not spec.input:
            raise InputError(f"{flow.name} has no input variable {name!r}")
        variables[name] = value
    interview = Interview(flow.name, now, variables, flow.start)
    return _run(flow, interview, runtime)


def resume(
    flow: d.Flow, interview: Interview, runtime: Runtime, values: dict[str, Any] | None = None
) -> Interview:
    """Continue after a screen (with its values) or a wait (if the event has come)."""
    if interview.status == "screen":
        screen = flow.element(interview.at or "")
        _take_values(screen, interview, values or {})
        interview.at = screen.next
        return _run(flow, interview, runtime)
    if interview.status == "waiting":
        return _run(flow, interview, runtime)
    return interview


def _run(flow: d.Flow, interview: Interview, runtime: Runtime) -> Interview:
    interview.screen = interview.waiting = None
    for _ in range(MAX_STEPS):
        if interview.at is None:
            interview.status = "finished"
            return interview
        element = flow.element(interview.at)
        try:
            if isinstance(element, d.Screen):
                interview.status = "screen"
                interview.screen = _render(element, interview.variables)
                return interview
            if isinstance(element, d.WaitForEvent) and not _event_arrived(
                element, interview, runtime
            ):
                interview.status = "waiting"
                return interview
            interview.at = _step(element, interview, runtime)
        except Exception as exc:  # a failing record call or action ends the interview clearly
            interview.status = "failed"
            interview.error = f"{element.name}: {exc}"
            return interview
    interview.status = "failed"
    interview.error = f"more than {MAX_STEPS} steps without a screen or a wait (a loop?)"
    return interview


def _value(expression: str, variables: dict[str, Any]) -> Any:
    return evaluate(compile_expression(expression), variables)


def _values(mapping: dict[str, str], variables: dict[str, Any]) -> dict[str, Any]:
    return {key: _value(expression, variables) for key, expression in mapping.items()}


def _step(element: Any, interview: Interview, runtime: Runtime) -> str | None:
    v = interview.variables
    if isinstance(element, d.Assignment):
        for name, expression in element.set.items():
            v[name] = _value(expression, v)
    elif isinstance(element, d.Decision):
        for rule in element.rules:
            if evaluate(compile_expression(rule.when), v) not in (None, False, "", 0):
                return rule.next
        return element.default
    elif isinstance(element, d.GetRecords):
        found = runtime.get_records(element.object, _values(element.where, v))
        v[element.store] = (found[0] if found else None) if element.first else found
    elif isinstance(element, d.CreateRecord):
        created = runtime.create_record(element.object, _values(element.fields, v))
        if element.store_id is not None:
            v[element.store_id] = created
    elif isinstance(element, d.UpdateRecord):
        runtime.update_record(
            element.object, text_of(_value(element.id, v)), _values(element.fields, v)
        )
    elif isinstance(element, d.Action):
        result = runtime.act(element.action, _values(element.inputs, v))
        if element.store is not None:
            v[element.store] = result
    elif isinstance(element, d.WaitForEvent):
        pass  # the event was stored by _event_arrived
    return str(element.next) if element.next is not None else None


def _event_arrived(element: d.WaitForEvent, interview: Interview, runtime: Runtime) -> bool:
    where = _values(element.where, interview.variables)
    after = interview.consumed.get(element.event_type, 0)
    found = runtime.find_event(element.event_type, where, interview.started_at, after)
    if found is None:
        interview.waiting = {"event_type": element.event_type, "where": where}
        return False
    replay_id, fields = found
    interview.consumed[element.event_type] = replay_id
    interview.variables[element.store] = fields
    return True


def _render(screen: d.Screen, variables: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": screen.name,
        "title": merge(screen.title, variables),
        "fields": [
            {
                "name": f.name,
                "type": f.type,
                "label": merge(f.label, variables),
                **({"text": merge(f.text, variables)} if f.text is not None else {}),
                **({"choices": f.choices} if f.choices else {}),
                "required": f.required,
            }
            for f in screen.fields
        ],
        "final": screen.next is None,
    }


def _take_values(screen: d.Screen, interview: Interview, values: dict[str, Any]) -> None:
    inputs = {f.name: f for f in screen.fields if f.type not in ("display", "image")}
    unknown = set(values) - set(inputs)
    if unknown:
        raise InputError(f"the screen has no field {sorted(unknown)[0]!r}")
    for name, spec in inputs.items():
        value = values.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if spec.required:
                raise InputError(f"{spec.label or name} is required")
            continue
        if spec.type == "choice" and value not in spec.choices:
            raise InputError(f"{value!r} is not one of the choices of {spec.label or name}")
        if spec.type == "number" and not isinstance(value, int | float):
            raise InputError(f"{spec.label or name} must be a number")
        if spec.type in ("text", "email", "choice") and not isinstance(value, str):
            raise InputError(f"{spec.label or name} must be text")
        interview.variables[name] = value
