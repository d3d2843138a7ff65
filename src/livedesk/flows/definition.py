"""Flow definitions (YAML in the org file or a flow file), validated at load: element types,
references between elements, and every expression compiled, with errors that say where."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from livedesk.flows.expressions import ExpressionError, compile_expression
from livedesk.toolkit.schemas import ActionType

_NAME = r"^[A-Za-z][A-Za-z0-9_]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Variable(Strict):
    type: Literal["text", "number", "boolean", "record", "list"] = "text"
    input: bool = False
    output: bool = False
    default: Any = None


class ScreenField(Strict):
    name: str = Field(pattern=_NAME)
    type: Literal["text", "number", "choice", "display", "image", "email"] = "text"
    label: str = ""
    text: str | None = Field(None, description="display: merge text; image: its url")
    choices: list[str] = []
    required: bool = False


class Element(Strict):
    name: str = Field(pattern=_NAME, max_length=80)
    next: str | None = None


class Screen(Element):
    type: Literal["screen"]
    title: str = ""
    fields: list[ScreenField] = []


class GetRecords(Element):
    type: Literal["get_records"]
    object: str
    where: dict[str, str] = Field({}, description="field: expression")
    store: str
    first: bool = True


class CreateRecord(Element):
    type: Literal["create_record"]
    object: str = Field(description="an object, or a platform event type (…__e) to publish")
    fields: dict[str, str] = {}
    store_id: str | None = None


class UpdateRecord(Element):
    type: Literal["update_record"]
    object: str
    id: str = Field(description="expression giving the record id")
    fields: dict[str, str] = {}


class Rule(Strict):
    when: str
    next: str | None


class Decision(Element):
    type: Literal["decision"]
    rules: list[Rule]
    default: str | None = None


class Assignment(Element):
    type: Literal["assignment"]
    set: dict[str, str]


class Action(Element):
    type: Literal["action"]
    action: ActionType
    inputs: dict[str, str] = {}
    store: str | None = None


class WaitForEvent(Element):
    type: Literal["wait_for_event"]
    event_type: str
    where: dict[str, str] = Field({}, description="field: expression, e.g. id: recordId")
    store: str


AnyElement = Annotated[
    Screen
    | GetRecords
    | CreateRecord
    | UpdateRecord
    | Decision
    | Assignment
    | Action
    | WaitForEvent,
    Field(discriminator="type"),
]


class Flow(Strict):
    name: str = Field(pattern=_NAME, max_length=80)
    label: str | None = None
    audience: Literal["agent", "customer", "any"] = "any"
    variables: dict[str, Variable] = {}
    start: str
    elements: list[AnyElement]

    @model_validator(mode="after")
    def _consistent(self) -> Flow:
        names = [e.name for e in self.elements]
        if len(set(names)) != len(names):
            raise ValueError("element names must be unique")
        known = set(names)
        if self.start not in known:
            raise ValueError(f"`start` names an unknown element {self.start!r}")
        for element in self.elements:
            for target in _targets(element):
                if target is not None and target not in known:
                    raise ValueError(f"element {element.name}: next {target!r} is not an element")
            for where, text in _expressions(element):
                try:
                    compile_expression(text)
                except ExpressionError as exc:
                    raise ValueError(f"element {element.name}, {where}: {exc}") from None
            for var in _stores(element):
                if var not in self.variables:
                    raise ValueError(f"element {element.name}: unknown variable {var!r}")
        return self

    def element(self, name: str) -> Any:
        return next(e for e in self.elements if e.name == name)


def _targets(element: Any) -> list[str | None]:
    targets = [element.next]
    if isinstance(element, Decision):
        targets += [r.next for r in element.rules] + [element.default]
    return targets


def _expressions(element: Any) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for attribute in ("where", "fields", "set", "inputs"):
        mapping = getattr(element, attribute, None)
        if isinstance(mapping, dict):
            found += [(f"{attribute}.{k}", v) for k, v in mapping.items()]
    if isinstance(element, UpdateRecord):
        found.append(("id", element.id))
    if isinstance(element, Decision):
        found += [(f"rules[{i}].when", r.when) for i, r in enumerate(element.rules)]
    return found


def _stores(element: Any) -> list[str]:
    stores = [getattr(element, "store", None), getattr(element, "store_id", None)]
    if isinstance(element, Assignment):
        stores += list(element.set)
    return [s for s in stores if s is not None]
