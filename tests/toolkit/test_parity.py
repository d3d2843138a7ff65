"""The Conversation Toolkit has two callers, the agent API (`POST /api/v1/sessions/{id}/actions`)
and flows (an `action` element run by the agent who started the interview). Each row of CASES runs
its action once through each and asserts the same outcome: the same result status or the same
refusal (the API's `code`, and its `message` as the flow's fault), and then the same world
afterwards: what the customer's and the agents' streams and histories show, the session, the
agents' work and the queues' capacity, the customer flows started, the platform events published.

Each caller gets a world of its own, so neither sees the other's routing, queue positions or
waiting times: the API acts in the demo org, the flow in a twin of it (the same org file under
another org id). Both orgs hold one `Parity_<action>` flow per action type, which passes every
field of the action from the interview's inputs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import Connection, text

from livedesk.setup.schemas import OrgFile
from livedesk.setup.service import apply_org
from livedesk.streams.repository import events_after
from livedesk.streams.service import agent_recipient, end_user_recipient, event_recipient
from livedesk.toolkit.schemas import ACTION_TYPES, SessionAction
from tests.helpers import MIAW, ORG, Agent, Api, Customer

TWIN = "00DLD0000000007"  # the flow's world: the demo org under another id
AGENTS = ("ada", "grace", "admin")  # ada holds the session, grace is her peer, admin supervises
FIELDS = [name for name in SessionAction.model_fields if name != "actionType"]
MISSING = "00000000-0000-4000-8000-000000000000"


# -- the table -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """An input that differs between the worlds: the id of something the setup made."""

    name: str  # case, ada, grace


CASE, PEER, SELF = Ref("case"), Ref("grace"), Ref("ada")


@dataclass(frozen=True)
class Done:
    status: str  # the action's result status (the flow stores it)


@dataclass(frozen=True)
class Refused:
    code: str  # the API's error code; the flow faults with the same message


@dataclass(frozen=True)
class Case:
    action: str
    inputs: dict[str, Any]
    expected: Done | Refused
    setup: tuple[str, ...]  # steps of SETUP, in order, after Ada accepted the customer
    actor: str  # who acts (through the API / by starting the flow)
    session: Ref | str | None  # how the session is named (None: by its own id)
    accept: bool  # False: the session still waits in Ada's queue


def row(
    name: str,
    action: str,
    inputs: dict[str, Any],
    expected: Done | Refused,
    *setup: str,
    actor: str = "ada",
    session: Ref | str | None = None,
    accept: bool = True,
) -> Any:
    return pytest.param(Case(action, inputs, expected, setup, actor, session, accept), id=name)


FORM_LINK = "lwc:flow:Use_of_Funds_Customer"

# Inputs each action accepts (on a session with a Case).
VALID_INPUTS: list[tuple[str, dict[str, Any]]] = [
    ("sendMessage", {"message": "Hi"}),
    ("setAgentInput", {"message": "Hi"}),
    ("endChat", {}),
    ("initFileTransfer", {"recordId": CASE}),
    ("launchFlow", {"flowName": "Use_of_Funds_Customer"}),
    ("sendComponent", {"component": "Answered_Question"}),
    ("transfer", {"queue": "Billing"}),
    ("markInactive", {}),
]

CASES = [
    # What each action does.
    row("send", "sendMessage", {"message": "Hello from the toolkit"}, Done("sent")),
    row("send-form-link", "sendMessage", {"message": FORM_LINK}, Done("sent")),
    row("send-inactive", "sendMessage", {"message": "Still there?"}, Done("sent"), "inactive"),
    row("input", "setAgentInput", {"message": "Dear customer, ", "setAtCursor": True}, Done("set")),
    row("input-inactive", "setAgentInput", {"message": "Hm"}, Done("set"), "inactive"),
    row("end", "endChat", {}, Done("Ended")),
    row("end-ended", "endChat", {}, Done("Ended"), "customer_ended"),
    row(
        "file",
        "initFileTransfer",
        {"recordId": CASE, "message": "Your ID, please"},
        Done("requested"),
        "case",
    ),
    row(
        "launch",
        "launchFlow",
        {"flowName": "Use_of_Funds_Customer", "recordId": CASE},
        Done("launched"),
        "case",
    ),
    row("transfer-queue", "transfer", {"queue": "Billing"}, Done("Waiting")),
    row("transfer-agent", "transfer", {"agentId": PEER}, Done("Waiting"), "peer_online"),
    row("inactive", "markInactive", {}, Done("Inactive")),
    # What each action refuses.
    row("send-empty", "sendMessage", {"message": ""}, Refused("empty_message")),
    row("send-blank", "sendMessage", {"message": "   "}, Refused("empty_message")),
    row("send-long", "sendMessage", {"message": "x" * 10_001}, Refused("message_too_long")),
    row("input-blank", "setAgentInput", {"message": " "}, Refused("empty_message")),
    row(
        "send-customer-ended",
        "sendMessage",
        {"message": "Hello?"},
        Refused("session_ended_by_end_user"),
        "customer_ended",
    ),
    row(
        "input-customer-ended",
        "setAgentInput",
        {"message": "Hello?"},
        Refused("session_ended_by_end_user"),
        "customer_ended",
    ),
    row("send-ended", "sendMessage", {"message": "Hi"}, Refused("session_ended"), "agent_ended"),
    row(
        "send-closed",
        "sendMessage",
        {"message": "Hi"},
        Refused("conversation_closed"),
        "customer_closed",
    ),
    row(
        "send-form-link-customer-ended",
        "sendMessage",
        {"message": FORM_LINK},
        Refused("session_ended_by_end_user"),
        "customer_ended",
    ),
    row("launch-no-name", "launchFlow", {}, Refused("missing_flow_name")),
    row("launch-unknown", "launchFlow", {"flowName": "Nope"}, Refused("flow_not_found")),
    row(
        "launch-agent-flow",
        "launchFlow",
        {"flowName": "Use_of_Funds_Agent"},
        Refused("flow_not_found"),
    ),
    row(
        "launch-customer-ended",
        "launchFlow",
        {"flowName": "Use_of_Funds_Customer"},
        Refused("session_ended_by_end_user"),
        "customer_ended",
    ),
    row("file-no-record", "initFileTransfer", {}, Refused("missing_record_id")),
    row("file-unknown", "initFileTransfer", {"recordId": MISSING}, Refused("record_not_found")),
    row("file-not-uuid", "initFileTransfer", {"recordId": "nope"}, Refused("record_not_found")),
    row(
        "file-inactive",
        "initFileTransfer",
        {"recordId": CASE},
        Refused("session_not_active"),
        "case",
        "inactive",
    ),
    row("transfer-nowhere", "transfer", {}, Refused("invalid_transfer")),
    row(
        "transfer-both",
        "transfer",
        {"queue": "Billing", "agentId": PEER},
        Refused("invalid_transfer"),
    ),
    row("transfer-self", "transfer", {"agentId": SELF}, Refused("invalid_transfer")),
    row("transfer-unknown-queue", "transfer", {"queue": "Nope"}, Refused("queue_not_found")),
    row("transfer-offline-agent", "transfer", {"agentId": PEER}, Refused("agent_unavailable")),
    row(
        "transfer-ended",
        "transfer",
        {"queue": "Billing"},
        Refused("session_not_active"),
        "agent_ended",
    ),
    row("inactive-inactive", "markInactive", {}, Refused("session_not_active"), "inactive"),
    row("inactive-ended", "markInactive", {}, Refused("session_not_active"), "agent_ended"),
    row("component", "sendComponent", {"component": "Answered_Question"}, Done("sent")),
    row("component-form", "sendComponent", {"component": "Post_Chat_Survey"}, Done("sent")),
    row(
        "component-inactive",
        "sendComponent",
        {"component": "Answered_Question"},
        Done("sent"),
        "inactive",
    ),
    row("component-no-name", "sendComponent", {}, Refused("missing_component")),
    row(
        "component-unknown",
        "sendComponent",
        {"component": "c:card"},
        Refused("component_not_found"),
    ),
    row(
        "component-customer-ended",
        "sendComponent",
        {"component": "Answered_Question"},
        Refused("session_ended_by_end_user"),
        "customer_ended",
    ),
    row(
        "component-ended",
        "sendComponent",
        {"component": "Answered_Question"},
        Refused("session_ended"),
        "agent_ended",
    ),
    # Whose session: the admin reads Ada's session but may not act on it; Grace cannot even see
    # it; nobody acts on a session still waiting, not even an agent of its queue.
    *[
        row(
            f"{action}-not-yours",
            action,
            inputs,
            Refused("not_your_session"),
            "case",
            actor="admin",
        )
        for action, inputs in VALID_INPUTS
    ],
    row(
        "send-unseen", "sendMessage", {"message": "Hi"}, Refused("session_not_found"), actor="grace"
    ),
    row(
        "send-waiting", "sendMessage", {"message": "Hi"}, Refused("not_your_session"), accept=False
    ),
    # How the session is named: by its Case (as the demo's flow does), or wrongly.
    row("send-via-case", "sendMessage", {"message": "Hi"}, Done("sent"), "case", session=CASE),
    row("end-via-case", "endChat", {}, Done("Ended"), "case", session=CASE),
    row(
        "send-no-session",
        "sendMessage",
        {"message": "Hi"},
        Refused("session_not_found"),
        session=MISSING,
    ),
    row(
        "send-bad-session",
        "sendMessage",
        {"message": "Hi"},
        Refused("invalid_session_id"),
        session="nope",
    ),
    # A field the action's schema refuses: both name the field.
    row(
        "file-record-id-too-long",
        "initFileTransfer",
        {"recordId": "r" * 65},
        Refused("invalid_request"),
    ),
]


# -- the worlds ------------------------------------------------------------------------------


def parity_flow(action: str) -> dict[str, Any]:
    """An agent flow that runs `action` on the session `sessionId` with every field of the
    action from its inputs (an input not given is empty, as a field left out of the API's body)."""
    return {
        "name": f"Parity_{action}",
        "audience": "agent",
        "variables": {
            "sessionId": {"input": True},
            **{f: {"input": True} for f in FIELDS},
            "result": {},
        },
        "start": "act",
        "elements": [
            {
                "name": "act",
                "type": "action",
                "action": action,
                "inputs": {"sessionId": "sessionId", **{f: f for f in FIELDS}},
                "store": "result",
            }
        ],
    }


def with_parity_flows(demo_org: OrgFile, org_id: str) -> OrgFile:
    data = demo_org.model_dump(mode="json")
    data["org"]["id"] = org_id
    data["flows"] = [*data["flows"], *(parity_flow(a) for a in ACTION_TYPES)]
    return OrgFile.model_validate(data)


@dataclass
@dataclass
class World:
    api: Api
    org_id: str
    customer: Customer
    agents: dict[str, Agent]
    refs: dict[str, str] = field(default_factory=dict)

    @property
    def session_id(self) -> str:
        return self.customer.session_id or ""

    def session(self, named: Ref | str | None) -> str:
        """What names the session in an action: its id, a Ref's id, or the text given."""
        if named is None:
            return self.session_id
        return self.refs[named.name] if isinstance(named, Ref) else named

    def inputs(self, given: dict[str, Any]) -> dict[str, Any]:
        return {k: self.refs[v.name] if isinstance(v, Ref) else v for k, v in given.items()}


async def new_world(api: Api, org_id: str, accept: bool) -> World:
    """A customer waiting in the org's General queue (accepted by Ada unless not `accept`) and
    Ada Online."""
    customer = await api.customer(org_id=org_id)
    assert (await customer.create_conversation()).status_code == 201
    agents: dict[str, Agent] = {}
    for username in AGENTS:
        agents[username] = await api.agent(username, org_id=org_id)
    world = World(api, org_id, customer, agents, {u: a.agent["id"] for u, a in agents.items()})
    if accept:
        assert (await agents["ada"].accept(world.session_id)).status_code == 200
    await agents["ada"].presence("Online")
    return world


def _ok(response: Any, status: int = 200) -> None:
    assert response.status_code == status, response.text


async def _case(w: World) -> None:
    w.refs["case"] = await w.agents["ada"].link_case(w.session_id)


async def _peer_online(w: World) -> None:
    await w.agents["grace"].presence("Online")


async def _inactive(w: World) -> None:
    _ok(await w.agents["ada"].act(w.session_id, actionType="markInactive"))


async def _agent_ended(w: World) -> None:
    _ok(await w.agents["ada"].act(w.session_id, actionType="endChat"))


async def _customer_ended(w: World) -> None:
    url = f"{MIAW}/conversation/{w.customer.conversation_id}/session"
    _ok(await w.api.http.delete(url, headers=w.customer.headers), 204)


async def _customer_closed(w: World) -> None:
    url = f"{MIAW}/conversation/{w.customer.conversation_id}"
    _ok(await w.api.http.delete(url, headers=w.customer.headers), 204)


SETUP = {
    "case": _case,
    "peer_online": _peer_online,
    "inactive": _inactive,
    "agent_ended": _agent_ended,
    "customer_ended": _customer_ended,
    "customer_closed": _customer_closed,
}


# -- what a world shows ----------------------------------------------------------------------

UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def stored(conn: Connection, w: World) -> dict[str, Any]:
    """What the world's streams hold (what an SSE client reads from the start), and the
    customer flows started for the customer."""
    recipients = {
        "customer": end_user_recipient(w.customer.subject),
        "Use_Of_Fund__e": event_recipient(w.org_id, "Use_Of_Fund__e"),
        **{u: agent_recipient(w.refs[u]) for u in AGENTS},
    }
    streams = {
        name: [[event, json.loads(data)] for _, event, data in events_after(conn, r, 0, 1000)]
        for name, r in recipients.items()
    }
    forms = conn.execute(
        text(
            "SELECT flow, status FROM flow_interviews WHERE owner_role = 'EndUser' "
            "AND owner_id = :owner ORDER BY created_at, id"
        ),
        {"owner": w.customer.subject},
    )
    return {"streams": streams, "customer_flows": [list(f) for f in forms]}


def agent_messages(conn: Connection, w: World) -> list[str | None]:
    """What sent each agent's message automatically (`automated_by`: None for her own)."""
    rows = conn.execute(
        text(
            "SELECT automated_by FROM conversation_entries WHERE conversation_id = :c "
            "AND sender_role = 'Agent' AND entry_type = 'Message' ORDER BY seq"
        ),
        {"c": w.customer.conversation_id},
    )
    return [row[0] for row in rows]


async def outcome(app: FastAPI, w: World) -> Any:
    """Everything the world shows, its ids replaced by names (or by their order of appearance)
    so that the two worlds compare."""
    ada, admin = w.agents["ada"], w.agents["admin"]
    session = await w.api.http.get(f"/api/v1/sessions/{w.session_id}", headers=admin.headers)
    assert session.status_code == 200, session.text
    history = await w.customer.history(direction="FromStart")
    assert history.status_code == 200, history.text
    queues = await w.api.http.get("/api/v1/queues", headers=ada.headers)
    seen = {
        "session": session.json(),
        "history": history.json()["conversationEntries"],
        "work": {u: await w.agents[u].work() for u in AGENTS},
        "queues": queues.json(),
        **await app.state.container.db.read(lambda conn: stored(conn, w)),
    }
    named = json.dumps(seen, sort_keys=True)
    labels = {
        w.org_id: "<org>",
        w.session_id: "<session>",
        w.customer.conversation_id or "": "<conversation>",
        w.customer.subject: "<customer>",
        **{v: f"<{k}>" for k, v in w.refs.items()},
    }
    for real, label in labels.items():
        named = named.replace(real, label)
    others: dict[str, str] = {}
    named = UUID.sub(lambda m: others.setdefault(m.group().lower(), f"<id{len(others)}>"), named)
    return json.loads(named)


# -- the test --------------------------------------------------------------------------------


@pytest.fixture
async def orgs(app: FastAPI, demo_org: OrgFile) -> None:
    c = app.state.container
    for org_id in (ORG, TWIN):
        await apply_org(c.db, c.clock, with_parity_flows(demo_org, org_id))


@pytest.mark.parametrize("case", CASES)
async def test_the_agent_api_and_a_flow_act_alike(
    api: Api, app: FastAPI, orgs: None, case: Case
) -> None:
    by_api = await new_world(api, ORG, case.accept)
    by_flow = await new_world(api, TWIN, case.accept)
    for world in (by_api, by_flow):
        for step in case.setup:
            await SETUP[step](world)

    r = await by_api.agents[case.actor].act(
        by_api.session(case.session), actionType=case.action, **by_api.inputs(case.inputs)
    )
    db = app.state.container.db
    before = await db.read(lambda conn: agent_messages(conn, by_flow))
    flow_actor = by_flow.agents[case.actor]
    inputs = {"sessionId": by_flow.session(case.session), **by_flow.inputs(case.inputs)}
    started = await api.http.post(
        f"/api/v1/flows/Parity_{case.action}/interviews",
        json={"inputs": inputs},
        headers=flow_actor.headers,
    )
    assert started.status_code == 201, started.text
    interview = started.json()
    stored_interview = await api.http.get(
        f"/api/v1/interviews/{interview['id']}", headers=flow_actor.headers
    )
    assert stored_interview.json() == interview

    expected = case.expected
    if isinstance(expected, Done):
        assert r.status_code == 200, r.text
        assert r.json()["status"] == expected.status
        assert (interview["status"], interview["error"]) == ("finished", None)
        assert interview["variables"]["result"] == expected.status
    else:
        assert r.status_code >= 400 and r.json()["code"] == expected.code, r.text
        assert interview["status"] == "failed"
        assert interview["error"] == f"act: {r.json()['message']}"  # the fault names the element

    api_side, flow_side = await outcome(app, by_api), await outcome(app, by_flow)
    for part in api_side:  # session, history, work, queues, streams, customer_flows
        assert flow_side[part] == api_side[part], part
    # What the flow sent is marked as sent by a flow (and kept out of the agent's replies in
    # reports); what the agent sent is not.
    by_agent = await db.read(lambda conn: agent_messages(conn, by_api))
    by_flows = await db.read(lambda conn: agent_messages(conn, by_flow))
    assert by_agent == [None] * len(by_agent)
    assert by_flows == before + ["flow"] * (len(by_flows) - len(before))
    assert len(by_flows) == len(by_agent)


def test_a_flow_cannot_name_an_unknown_action(demo_org: OrgFile) -> None:
    """The API refuses an unknown action type when it comes (`unknown_action`); a flow naming
    one is refused when the org file is loaded, so no interview ever runs it."""
    flow = parity_flow("sendMessage")
    flow["elements"][0]["action"] = "fly"
    data = demo_org.model_dump(mode="json")
    data["flows"] = [*data["flows"], flow]
    with pytest.raises(ValidationError, match="fly"):
        OrgFile.model_validate(data)


def test_every_action_type_has_rows() -> None:
    """A new action type needs its rows here."""
    actions = {p.values[0].action for p in CASES}
    assert actions == set(ACTION_TYPES)
