"""The flow interpreter, element by element, on a fake runtime; and flow validation at load."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from livedesk.flows.definition import Flow
from livedesk.flows.interpreter import InputError, Interview, resume, start


class FakeRuntime:
    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {
            "500A": {"id": "500A", "object": "Case", "Subject": "Loan", "SessionId": "S1"}
        }
        self.events: list[tuple[int, str, dict[str, Any], int]] = []  # replay, type, fields, at
        self.actions: list[tuple[str, dict[str, Any]]] = []

    def get_records(self, object_name: str, where: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            r
            for r in self.records.values()
            if r["object"] == object_name and all(r.get(k) == v for k, v in where.items())
        ]

    def create_record(self, object_name: str, fields: dict[str, Any]) -> str:
        if object_name.endswith("__e"):
            replay = len(self.events) + 1
            self.events.append((replay, object_name, fields, 10))
            return str(replay)
        record_id = f"R{len(self.records)}"
        self.records[record_id] = {"id": record_id, "object": object_name, **fields}
        return record_id

    def update_record(self, object_name: str, record_id: str, fields: dict[str, Any]) -> None:
        if record_id not in self.records:
            raise LookupError(f"no record {record_id}")
        self.records[record_id].update(fields)

    def act(self, action: str, inputs: dict[str, Any]) -> Any:
        self.actions.append((action, inputs))
        return "ok"

    def find_event(
        self, event_type: str, where: dict[str, Any], since_ms: int, after_replay: int
    ) -> tuple[int, dict[str, Any]] | None:
        for replay, kind, fields, at in self.events:
            if (
                kind == event_type
                and replay > after_replay
                and at >= since_ms
                and all(str(fields.get(k)) == str(v) for k, v in where.items())
            ):
                return replay, fields
        return None


AGENT_FLOW: dict[str, Any] = {
    "name": "Use_of_Funds_Agent",
    "audience": "agent",
    "variables": {
        "recordId": {"input": True},
        "case": {"type": "record"},
        "answer": {"type": "record"},
        "reason": {},
    },
    "start": "find_case",
    "elements": [
        {
            "name": "find_case",
            "type": "get_records",
            "object": "Case",
            "where": {"id": "recordId"},
            "store": "case",
            "next": "launch",
        },
        {
            "name": "launch",
            "type": "action",
            "action": "sendMessage",
            "inputs": {
                "sessionId": "case.SessionId",
                "message": "'lwc:flow:Use_of_Funds_Customer&recordId=' & recordId",
            },
            "next": "explain",
        },
        {
            "name": "explain",
            "type": "action",
            "action": "sendMessage",
            "inputs": {
                "sessionId": "case.SessionId",
                "message": "'A form regarding the use of funds must be completed'",
            },
            "next": "wait",
        },
        {
            "name": "wait",
            "type": "wait_for_event",
            "event_type": "Use_Of_Fund__e",
            "where": {"id": "recordId"},
            "store": "answer",
            "next": "remember",
        },
        {
            "name": "remember",
            "type": "assignment",
            "set": {"reason": "answer.use_of_fund_reason"},
            "next": "store",
        },
        {
            "name": "store",
            "type": "update_record",
            "object": "Case",
            "id": "recordId",
            "fields": {"Use_of_Funds__c": "reason"},
            "next": "thank",
        },
        {
            "name": "thank",
            "type": "action",
            "action": "sendMessage",
            "inputs": {
                "sessionId": "case.SessionId",
                "message": "'Thank you, the use of funds concerns ' & reason",
            },
            "next": "show",
        },
        {
            "name": "show",
            "type": "screen",
            "title": "Answer received",
            "fields": [{"name": "summary", "type": "display", "text": "Reason: {!reason}"}],
        },
    ],
}

CUSTOMER_FLOW: dict[str, Any] = {
    "name": "Use_of_Funds_Customer",
    "audience": "customer",
    "variables": {"recordId": {"input": True}, "why": {}},
    "start": "ask",
    "elements": [
        {
            "name": "ask",
            "type": "screen",
            "title": "Use of funds",
            "fields": [
                {
                    "name": "why",
                    "type": "choice",
                    "label": "What is it for?",
                    "required": True,
                    "choices": ["🛠 Renovation Work", "🚗 Car", "Other"],
                }
            ],
            "next": "publish",
        },
        {
            "name": "publish",
            "type": "create_record",
            "object": "Use_Of_Fund__e",
            "fields": {"id": "recordId", "use_of_fund_reason": "why"},
            "next": "route",
        },
        {
            "name": "route",
            "type": "decision",
            "rules": [{"when": "why = 'Other'", "next": "other"}],
            "default": "done",
        },
        {"name": "other", "type": "screen", "title": "An agent will call you"},
        {"name": "done", "type": "screen", "title": "Thanks, {!why} noted"},
    ],
}


def test_the_co_work_flows_react_to_their_own_event_only() -> None:
    runtime = FakeRuntime()
    agent_flow, customer_flow = Flow.model_validate(AGENT_FLOW), Flow.model_validate(CUSTOMER_FLOW)
    agent = start(agent_flow, {"recordId": "500A"}, runtime, now=0)
    assert agent.status == "waiting" and agent.waiting == {
        "event_type": "Use_Of_Fund__e",
        "where": {"id": "500A"},
    }
    assert runtime.actions[0] == (
        "sendMessage",
        {"sessionId": "S1", "message": "lwc:flow:Use_of_Funds_Customer&recordId=500A"},
    )
    # another customer's answer does not wake this agent's flow
    runtime.create_record("Use_Of_Fund__e", {"id": "500B", "use_of_fund_reason": "Car"})
    assert resume(agent_flow, agent, runtime).status == "waiting"
    customer = start(customer_flow, {"recordId": "500A"}, runtime, now=0)
    assert (
        customer.status == "screen"
        and customer.screen["fields"][0]["choices"][0] == "🛠 Renovation Work"
    )
    customer = resume(customer_flow, customer, runtime, {"why": "🛠 Renovation Work"})
    assert (
        customer.status == "screen"
        and customer.screen["title"] == "Thanks, 🛠 Renovation Work noted"
    )
    agent = resume(agent_flow, agent, runtime)
    assert (
        agent.status == "screen"
        and agent.screen["fields"][0]["text"] == "Reason: 🛠 Renovation Work"
    )
    assert runtime.records["500A"]["Use_of_Funds__c"] == "🛠 Renovation Work"
    assert runtime.actions[-1][1]["message"] == (
        "Thank you, the use of funds concerns 🛠 Renovation Work"
    )
    assert resume(agent_flow, agent, runtime).status == "finished"


def test_an_event_published_before_the_wait_began_is_received() -> None:
    runtime = FakeRuntime()
    flow = Flow.model_validate(AGENT_FLOW)
    runtime.events.append((1, "Use_Of_Fund__e", {"id": "500A", "use_of_fund_reason": "Car"}, 5))
    interview = start(flow, {"recordId": "500A"}, runtime, now=0)
    assert interview.status == "screen" and interview.variables["reason"] == "Car"
    old = FakeRuntime()
    old.events.append((1, "Use_Of_Fund__e", {"id": "500A", "use_of_fund_reason": "Car"}, 5))
    assert start(flow, {"recordId": "500A"}, old, now=6).status == "waiting"  # from before: no


def test_interviews_are_plain_json_and_resume_after_a_reload() -> None:
    runtime = FakeRuntime()
    flow = Flow.model_validate(AGENT_FLOW)
    waiting = start(flow, {"recordId": "500A"}, runtime, now=0).to_json()
    reloaded = Interview.from_json(waiting)
    runtime.create_record("Use_Of_Fund__e", {"id": "500A", "use_of_fund_reason": "Car"})
    assert resume(flow, reloaded, runtime).status == "screen"


def test_screen_input_is_checked() -> None:
    flow = Flow.model_validate(CUSTOMER_FLOW)
    runtime = FakeRuntime()
    interview = start(flow, {"recordId": "500A"}, runtime, now=0)
    for values, problem in (
        ({}, "is required"),
        ({"why": "Yacht"}, "is not one of the choices"),
        ({"why": "Car", "extra": 1}, "no field 'extra'"),
    ):
        with pytest.raises(InputError, match=problem):
            resume(flow, Interview.from_json(interview.to_json()), runtime, values)
    decided = resume(flow, interview, runtime, {"why": "Other"})
    assert decided.screen is not None and decided.screen["title"] == "An agent will call you"
    with pytest.raises(InputError):
        start(flow, {"notAnInput": 1}, runtime, now=0)


def test_a_failing_step_or_a_loop_fails_the_interview_clearly() -> None:
    flow = Flow.model_validate(
        {
            **AGENT_FLOW,
            "start": "store",
            "elements": [
                {"name": "store", "type": "update_record", "object": "Case", "id": "'nope'"}
            ],
        }
    )
    failed = start(flow, {}, FakeRuntime(), now=0)
    assert failed.status == "failed" and "store: no record nope" in (failed.error or "")
    loop = Flow.model_validate(
        {
            "name": "Loop",
            "variables": {"n": {"default": 0}},
            "start": "inc",
            "elements": [
                {"name": "inc", "type": "assignment", "set": {"n": "n + 1"}, "next": "inc"}
            ],
        }
    )
    looped = start(loop, {}, FakeRuntime(), now=0)
    assert looped.status == "failed" and "steps" in (looped.error or "")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"start": "nowhere"}, "`start` names an unknown element 'nowhere'"),
        (
            {"elements": [{"name": "a", "type": "assignment", "set": {"x": "1 +"}}], "start": "a"},
            "element a, set.x: The expression ends too early at line 1, column 4",
        ),
        ({"elements": [{"name": "a", "type": "teleport"}], "start": "a"}, "does not match any"),
        (
            {
                "elements": [{"name": "a", "type": "decision", "rules": [], "default": "b"}],
                "start": "a",
            },
            "next 'b' is not an element",
        ),
        (
            {
                "elements": [{"name": "a", "type": "assignment", "set": {"ghost": "1"}}],
                "start": "a",
            },
            "unknown variable 'ghost'",
        ),
    ],
)
def test_flows_are_validated_at_load(change: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        Flow.model_validate({**AGENT_FLOW, **change})
