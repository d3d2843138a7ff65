"""The co-work scenario of DESIGN section 1 through the API: two customers and two agents run
the demo flows at the same time; each agent's flow reacts only to its own customer's answer, and
the Case holds it."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from livedesk.app import create_app
from livedesk.config import Settings
from livedesk.events.publishing import publish_in_unit
from livedesk.kit.clock import FakeClock
from livedesk.kit.effects import Effects
from livedesk.setup.schemas import OrgFile
from livedesk.setup.service import apply_org
from tests.helpers import ORG, Agent, Api, Customer

E = "/api/v1/events/Use_Of_Fund__e"


async def with_case(api: Api, agent_name: str) -> tuple[Customer, Agent, str]:
    customer, agent = await api.chatting(agent_name)
    return customer, agent, await agent.link_case(customer.session_id or "")


async def texts(customer: Customer) -> list[str]:
    entries = (await customer.history(direction="FromStart")).json()["conversationEntries"]
    return [
        e["entryPayload"]["abstractMessage"]["staticContent"]["text"]
        for e in entries
        if e["entryType"] == "Message" and e["sender"]["role"] == "Agent"
    ]


async def answer_form(api: Api, customer: Customer, reason: str, miaw: bool = False) -> None:
    """The customer answers the flow screen the agent's message put in the chat window."""
    entries = (await customer.history(direction="FromStart")).json()["conversationEntries"]
    form = next(
        e["entryPayload"]["abstractMessage"]
        for e in entries
        if e["entryPayload"].get("abstractMessage", {}).get("messageType") == "FormMessage"
    )
    assert form["flow"]["flowName"] == "Use_of_Funds_Customer"
    assert form["flow"]["screen"]["fields"][0]["choices"][0] == "🛠 Renovation Work"
    if not miaw:
        r = await api.http.post(
            f"/iamessage/api/v2/conversation/{customer.conversation_id}/flow/"
            f"{form['flow']['interviewId']}",
            json={"values": {"use_of_fund_reason": reason}},
            headers=customer.headers,
        )
        assert r.status_code == 202, r.text
        return
    body = {
        "message": {
            "id": str(uuid.uuid4()),
            "messageType": "FormResponseMessage",
            "formResponse": {
                "formatType": "Result",
                "interviewId": form["flow"]["interviewId"],
                "values": {"use_of_fund_reason": reason},
            },
        },
        "esDeveloperName": "Web_Chat",
    }
    url = f"/iamessage/api/v2/conversation/{customer.conversation_id}/message"
    first = await api.http.post(url, json=body, headers=customer.headers)
    again = await api.http.post(url, json=body, headers=customer.headers)  # a retry: once
    assert first.status_code == again.status_code == 202, first.text
    assert first.json() == again.json()


async def start_flow(api: Api, agent: Agent, case_id: str) -> dict[str, Any]:
    r = await api.http.post(
        "/api/v1/flows/Use_of_Funds_Agent/interviews",
        json={"inputs": {"recordId": case_id}},
        headers=agent.headers,
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_two_agents_two_customers_each_flow_reacts_to_its_own_answer(
    api: Api, app: FastAPI
) -> None:
    lin, ada, case_a = await with_case(api, "ada")
    bo, grace, case_b = await with_case(api, "grace")
    first = await start_flow(api, ada, case_a)
    second = await start_flow(api, grace, case_b)
    assert first["status"] == second["status"] == "waiting"
    assert (await texts(lin))[0] == f"lwc:flow:Use_of_Funds_Customer&recordId={case_a}"
    assert (await texts(bo))[0] == f"lwc:flow:Use_of_Funds_Customer&recordId={case_b}"
    await answer_form(api, bo, "🚗 Vehicle", miaw=True)  # as a MIAW FormResponseMessage
    a = await api.http.get(f"/api/v1/interviews/{first['id']}", headers=ada.headers)
    b = await api.http.get(f"/api/v1/interviews/{second['id']}", headers=grace.headers)
    assert a.json()["status"] == "waiting"  # not woken by the other customer's answer
    assert b.json()["status"] == "screen"
    assert b.json()["screen"]["fields"][0]["text"] == "Use of funds: 🚗 Vehicle"
    await answer_form(api, lin, "🛠 Renovation Work")
    thanks = [
        e
        for e in (await lin.history(direction="FromStart")).json()["conversationEntries"]
        if e["sender"]["role"] == "System" and e["entryType"] == "Message"
    ][-1]
    assert thanks["entryPayload"]["abstractMessage"]["flow"]["screen"]["title"] == (
        "Thank you! We noted: 🛠 Renovation Work"
    )
    a = await api.http.get(f"/api/v1/interviews/{first['id']}", headers=ada.headers)
    assert a.json()["status"] == "screen"
    assert (await texts(lin))[-1] == (
        "Thank you for completing the questionnaire 😃, we have noted that the use of funds "
        "concerns 🛠 Renovation Work"
    )
    case = await api.http.get(f"/api/v1/records/Case/{case_a}", headers=ada.headers)
    assert case.json()["fields"]["Use_of_Funds__c"] == "🛠 Renovation Work"
    done = await api.http.post(
        f"/api/v1/interviews/{first['id']}/next", json={"values": {}}, headers=ada.headers
    )
    assert done.json()["status"] == "finished"
    other = await api.http.get(f"/api/v1/interviews/{first['id']}", headers=grace.headers)
    assert other.status_code == 404


async def test_a_waiting_interview_completes_after_a_restart(
    api: Api, app: FastAPI, settings: Settings, clock: FakeClock
) -> None:
    lin, ada, case_a = await with_case(api, "ada")
    started = await start_flow(api, ada, case_a)
    assert started["status"] == "waiting"
    restarted = create_app(settings, clock)  # a new server process on the same database
    async with restarted.router.lifespan_context(restarted):
        transport = httpx.ASGITransport(app=restarted)
        async with httpx.AsyncClient(transport=transport, base_url="http://again") as http:
            r = await http.post(
                E, json={"id": case_a, "use_of_fund_reason": "Other"}, headers=lin.headers
            )
            assert r.status_code == 201
            row = await http.get(f"/api/v1/interviews/{started['id']}", headers=ada.headers)
    assert row.json()["status"] == "screen" and row.json()["variables"]["reason"] == "Other"


async def test_form_answers_are_checked(api: Api, app: FastAPI) -> None:
    lin, ada, case_a = await with_case(api, "ada")
    await start_flow(api, ada, case_a)
    entries = (await lin.history(direction="FromStart")).json()["conversationEntries"]
    interview_id = next(
        e["entryPayload"]["abstractMessage"]["flow"]["interviewId"]
        for e in entries
        if "flow" in e["entryPayload"].get("abstractMessage", {})
    )
    url = f"/iamessage/api/v2/conversation/{lin.conversation_id}/flow/{interview_id}"
    r = await api.http.post(
        url, json={"values": {"use_of_fund_reason": "Yacht"}}, headers=lin.headers
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid_screen_values"
    stranger = await api.waiting_customer()
    r = await api.http.post(
        f"/iamessage/api/v2/conversation/{stranger.conversation_id}/flow/{interview_id}",
        json={"values": {"use_of_fund_reason": "Other"}},
        headers=stranger.headers,
    )
    assert r.status_code == 404


async def test_flow_errors(api: Api) -> None:
    ada = await api.agent("ada")
    r = await api.http.post("/api/v1/flows/Nope/interviews", json={}, headers=ada.headers)
    assert r.status_code == 404 and r.json()["code"] == "flow_not_found"
    r = await api.http.post(
        "/api/v1/flows/Use_of_Funds_Agent/interviews",
        json={"inputs": {"bogus": 1}},
        headers=ada.headers,
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid_flow_input"
    r = await api.http.get("/api/v1/interviews/nope", headers=ada.headers)
    assert r.status_code == 404
    r = await api.http.post(
        "/api/v1/flows/Use_of_Funds_Customer/interviews", json={}, headers=ada.headers
    )
    assert r.status_code == 400 and r.json()["code"] == "customer_flow"


async def test_launch_flow_action_puts_the_form_in_the_chat(api: Api, app: FastAPI) -> None:
    lin, ada, case_a = await with_case(api, "ada")
    r = await ada.act(
        lin.session_id or "",
        actionType="launchFlow",
        flowName="Use_of_Funds_Customer",
        recordId=case_a,
    )
    assert r.status_code == 200 and r.json()["status"] == "launched"
    await answer_form(api, lin, "Other")
    events = await api.http.get(E, params={"filter": f"id = {case_a}"}, headers=ada.headers)
    assert [e["fields"]["use_of_fund_reason"] for e in events.json()["events"]] == ["Other"]
    r = await ada.act(lin.session_id or "", actionType="launchFlow", flowName="Use_of_Funds_Agent")
    assert r.status_code == 404 and r.json()["code"] == "flow_not_found"  # not a customer flow


async def test_flows_can_use_the_toolkit_actions(api: Api, app: FastAPI, demo_org: OrgFile) -> None:
    wrap_up = {
        "name": "Wrap_Up",
        "audience": "agent",
        "variables": {"sessionId": {"input": True}},
        "start": "prefill",
        "elements": [
            {
                "name": "prefill",
                "type": "action",
                "action": "setAgentInput",
                "inputs": {"sessionId": "sessionId", "message": "'Anything else?'"},
                "next": "bye",
            },
            {
                "name": "bye",
                "type": "action",
                "action": "endChat",
                "inputs": {"sessionId": "sessionId"},
            },
        ],
    }
    org = OrgFile.model_validate(
        {
            **demo_org.model_dump(mode="json"),
            "flows": [*demo_org.model_dump(mode="json")["flows"], wrap_up],
        }
    )
    c = app.state.container
    await apply_org(c.db, c.clock, org)
    lin, ada = await api.chatting()
    r = await api.http.post(
        "/api/v1/flows/Wrap_Up/interviews",
        json={"inputs": {"sessionId": lin.session_id}},
        headers=ada.headers,
    )
    assert r.status_code == 201 and r.json()["status"] == "finished", r.text
    session = await api.http.get(f"/api/v1/sessions/{lin.session_id}", headers=ada.headers)
    assert session.json()["status"] == "Ended" and session.json()["endedByRole"] == "Agent"


async def test_an_event_that_woke_nothing_before_a_crash_is_found_at_start_up(
    api: Api, app: FastAPI, settings: Settings, clock: FakeClock
) -> None:
    lin, ada, case_a = await with_case(api, "ada")
    started = await start_flow(api, ada, case_a)
    assert started["status"] == "waiting"
    c = app.state.container
    fields = {"id": case_a, "use_of_fund_reason": "Other"}
    publisher = {"role": "EndUser", "subject": lin.subject}
    # Committed, but the process "died" before waking anyone: what the unit told is lost.
    c.db.effects, effects = _Lost(), c.db.effects
    await c.db.transaction(
        lambda conn: publish_in_unit(conn, ORG, "Use_Of_Fund__e", fields, publisher, clock.now_ms())
    )
    c.db.effects = effects
    row = await api.http.get(f"/api/v1/interviews/{started['id']}", headers=ada.headers)
    assert row.json()["status"] == "waiting"
    restarted = create_app(settings, clock)
    async with restarted.router.lifespan_context(restarted):
        await restarted.state.waking  # start-up resumes waiting interviews in the background
        transport = httpx.ASGITransport(app=restarted)
        async with httpx.AsyncClient(transport=transport, base_url="http://again") as http:
            row = await http.get(f"/api/v1/interviews/{started['id']}", headers=ada.headers)
    assert row.json()["status"] == "screen" and row.json()["variables"]["reason"] == "Other"


async def test_an_interview_that_cannot_resume_stops_neither_start_up_nor_the_others(
    api: Api, app: FastAPI, settings: Settings, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    _, ada, case_a = await with_case(api, "ada")
    broken = await start_flow(api, ada, case_a)
    bo, grace, case_b = await with_case(api, "grace")
    fine = await start_flow(api, grace, case_b)
    c = app.state.container
    # `livedesk apply` of an org file without that flow any more:
    await c.db.transaction(
        lambda conn: conn.execute(
            text("UPDATE flow_interviews SET flow = 'Gone' WHERE id = :id"), {"id": broken["id"]}
        )
    )
    r = await api.http.post(
        E, json={"id": case_b, "use_of_fund_reason": "Other"}, headers=bo.headers
    )
    assert r.status_code == 201  # the publisher does not pay for a broken interview
    row = await api.http.get(f"/api/v1/interviews/{fine['id']}", headers=grace.headers)
    assert row.json()["status"] == "screen"
    restarted = create_app(settings, clock)
    async with restarted.router.lifespan_context(restarted):  # starts
        await restarted.state.waking
    assert any("could not resume interview" in r.message for r in caplog.records)


class _Lost(Effects):
    """Effects that never reach anyone (a process that stops right after a commit)."""

    async def dispatch(self, told: list[object]) -> None:
        return None
