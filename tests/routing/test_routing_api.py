"""Omni-Channel routing through the API: push offers, accept, decline, push timeout, capacity,
presence, priority and FIFO, caps and overflow, business hours, EWT and queue position."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from livedesk.kit.clock import FakeClock
from livedesk.models import MessagingSession, Record
from livedesk.setup.schemas import OrgFile
from livedesk.setup.service import apply_org
from tests.helpers import MIAW, Agent, Api, Customer, agent_stream, customer_stream


async def run_timers(app: FastAPI) -> None:
    await app.state.container.scheduler.run_due()


async def entry_types(customer: Customer) -> list[str]:
    r = await customer.history(direction="FromStart")
    assert r.status_code == 200, r.text
    return [e["entryType"] for e in r.json()["conversationEntries"]]


async def session_of(agent: Agent, session_id: str) -> dict[str, Any]:
    r = await agent.api.http.get(f"/api/v1/sessions/{session_id}", headers=agent.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def online(api: Api, name: str) -> Agent:
    agent = await api.agent(name)
    await agent.presence("Online")
    return agent


async def test_a_new_session_is_offered_and_accepted(api: Api) -> None:
    ada = await online(api, "ada")
    customer = await api.waiting_customer()
    [offer] = await ada.work("Assigned")
    assert offer["sessionId"] == customer.session_id and offer["queue"] == "General"
    r = await ada.answer(offer["workId"])
    assert r.status_code == 200 and r.json()["status"] == "Opened"
    session = await session_of(ada, offer["sessionId"])
    assert session["status"] == "Active" and session["agentId"] == ada.agent["id"]
    types = await entry_types(customer)
    assert types[:1] == ["RoutingResult"]
    assert {"ParticipantChanged", "RoutingWorkResult", "SessionStatusChanged"} <= set(types)
    again = await ada.answer(offer["workId"])
    assert again.status_code == 409 and again.json()["code"] == "work_not_offered"


async def test_the_topic_picks_the_queue(api: Api) -> None:
    ada = await online(api, "ada")
    await api.waiting_customer(routingAttributes={"Topic": "Loans", "_firstName": "Lin"})
    [offer] = await ada.work("Assigned")
    assert offer["queue"] == "Loans"


async def test_offline_and_away_agents_get_nothing_until_online(api: Api) -> None:
    ada = await api.agent("ada")
    await ada.presence("Away")
    customer = await api.waiting_customer()
    assert await ada.work() == []
    await ada.presence("Online")  # capacity appears: the queue drains by itself
    [offer] = await ada.work("Assigned")
    assert offer["sessionId"] == customer.session_id


async def test_decline_offers_the_next_agent(api: Api) -> None:
    ada = await online(api, "ada")
    grace = await online(api, "grace")
    customer = await api.waiting_customer()
    first = (await ada.work("Assigned")) or (await grace.work("Assigned"))
    [offer] = first
    declining, other = (ada, grace) if await ada.work("Assigned") else (grace, ada)
    r = await declining.answer(offer["workId"], "decline")
    assert r.status_code == 200 and r.json()["status"] == "Declined"
    [second] = await other.work("Assigned")
    assert second["sessionId"] == customer.session_id
    assert await declining.work() == []


async def test_a_single_agent_who_declined_is_offered_it_again(api: Api) -> None:
    ada = await online(api, "ada")
    await api.waiting_customer()
    [offer] = await ada.work("Assigned")
    await ada.answer(offer["workId"], "decline")
    [again] = await ada.work("Assigned")
    assert again["workId"] != offer["workId"] and again["sessionId"] == offer["sessionId"]


async def test_push_timeout_offers_the_next_agent(api: Api, app: FastAPI, clock: FakeClock) -> None:
    ada = await online(api, "ada")
    clock.advance(1)
    grace = await online(api, "grace")  # ada has been idle longer: she gets it first
    await api.waiting_customer()
    [offer] = await ada.work("Assigned")
    clock.advance(29)
    await run_timers(app)
    assert await ada.work("Assigned") == [offer]  # not early
    clock.advance(1)
    await run_timers(app)
    assert await ada.work() == []
    [second] = await grace.work("Assigned")
    assert second["sessionId"] == offer["sessionId"]
    late = await ada.answer(offer["workId"])
    assert late.status_code == 409 and late.json()["code"] == "work_not_offered"


async def test_an_expired_offer_cannot_be_accepted_before_its_timer_fires(
    api: Api, clock: FakeClock
) -> None:
    ada = await online(api, "ada")
    await api.waiting_customer()
    [offer] = await ada.work("Assigned")
    clock.advance(30)
    r = await ada.answer(offer["workId"])
    assert r.status_code == 409 and r.json()["code"] == "work_expired"


async def test_capacity_is_never_exceeded_and_freed_capacity_drains_the_queue(api: Api) -> None:
    ada = await online(api, "ada")  # capacity 3
    customers = [await api.waiting_customer() for _ in range(4)]
    offers = await ada.work("Assigned")
    assert [o["sessionId"] for o in offers] == [c.session_id for c in customers[:3]]
    for o in offers:
        assert (await ada.answer(o["workId"])).status_code == 200
    assert await ada.work("Assigned") == []
    r = await ada.act(offers[0]["sessionId"], actionType="endChat")
    assert r.status_code == 200
    [fourth] = await ada.work("Assigned")
    assert fourth["sessionId"] == customers[3].session_id


async def test_going_offline_reroutes_pending_offers(api: Api) -> None:
    ada = await online(api, "ada")
    await api.waiting_customer()
    [offer] = await ada.work("Assigned")
    grace = await online(api, "grace")
    assert await grace.work() == []
    await ada.presence("Offline")
    [moved] = await grace.work("Assigned")
    assert moved["sessionId"] == offer["sessionId"]


async def test_a_customer_ending_the_session_takes_the_offer_back(api: Api) -> None:
    ada = await online(api, "ada")
    customer = await api.waiting_customer()
    await ada.work("Assigned")
    r = await api.http.delete(
        f"{MIAW}/conversation/{customer.conversation_id}/session",
        params={"esDeveloperName": "Web_Chat"},
        headers=customer.headers,
    )
    assert r.status_code == 204
    assert await ada.work() == []


async def test_pulling_a_session_respects_capacity_and_offers(api: Api, app: FastAPI) -> None:
    ada = await api.agent("ada")  # Offline: nobody is offered anything
    customers = [await api.waiting_customer() for _ in range(4)]
    for c in customers[:3]:
        assert c.session_id is not None
        assert (await ada.accept(c.session_id)).status_code == 200
    assert customers[3].session_id is not None
    r = await ada.accept(customers[3].session_id)
    assert r.status_code == 409 and r.json()["code"] == "no_capacity"
    grace = await online(api, "grace")
    [offer] = await grace.work("Assigned")
    r = await ada.accept(offer["sessionId"])
    assert r.status_code == 409 and r.json()["code"] == "session_offered_to_another"


async def test_foreign_and_unknown_work_is_not_found(api: Api) -> None:
    ada = await online(api, "ada")
    grace = await api.agent("grace")
    await api.waiting_customer()
    [offer] = await ada.work("Assigned")
    for agent, work_id in ((grace, offer["workId"]), (ada, "nope"), (ada, offer["sessionId"])):
        r = await agent.answer(work_id)
        assert r.status_code == 404 and r.json()["code"] == "work_not_found"


async def test_queues_show_depth_and_agents(api: Api) -> None:
    ada = await online(api, "ada")
    await api.waiting_customer()
    r = await api.http.get("/api/v1/queues", headers=ada.headers)
    general = next(q for q in r.json()["queues"] if q["name"] == "General")
    assert general["waiting"] == 1 and general["agentsOnline"] == 1
    assert general["freeCapacity"] == 2  # the offer holds one unit


# --------------------------------------------------------------------------- a custom org


def custom_org(demo_org: OrgFile, **changes: Any) -> OrgFile:
    """The demo org with queues, hours and a deployment of the test's own."""
    ada_hash = next(a.password_hash for a in demo_org.agents if a.username == "ada")
    data: dict[str, Any] = {
        "org": {"id": "00DLD0000000001", "name": "LiveDesk Demo"},
        "business_hours": [
            {
                "name": "Office",
                "time_zone": "Europe/Paris",
                "weekly": {d: ["09:00-17:00"] for d in ("monday", "tuesday", "wednesday")},
                "holidays": [{"date": "2026-01-01"}],
            }
        ],
        "deployments": [
            {
                "developer_name": "Web_Chat",
                "queue": "General",
                "routing": {"rules": [{"attribute": "Topic", "equals": "VIP", "queue": "VIP"}]},
            }
        ],
        "queues": [
            {"name": "General", "priority": 2, "max_waiting": 2, "overflow_queue": "Spill"},
            {"name": "VIP", "priority": 1},
            {"name": "Spill", "max_waiting": 1},
        ],
        "agents": [
            {
                "username": "ada",
                "password_hash": ada_hash,
                "capacity": 1,
                "queues": ["General", "VIP", "Spill"],
            }
        ],
    }
    for key, value in changes.items():
        data[key] = value
    return OrgFile.model_validate(data)


async def test_priority_then_arrival_order(
    api: Api, app: FastAPI, demo_org: OrgFile, clock: FakeClock
) -> None:
    c = app.state.container
    await apply_org(c.db, c.clock, custom_org(demo_org))
    ada = await api.agent("ada")
    first = await api.waiting_customer()
    clock.advance(1)
    await api.waiting_customer()
    clock.advance(1)
    vip = await api.waiting_customer(routingAttributes={"Topic": "VIP"})
    await ada.presence("Online")  # capacity 1: the most urgent goes first
    [offer] = await ada.work("Assigned")
    assert offer["sessionId"] == vip.session_id
    await ada.answer(offer["workId"])
    await ada.act(offer["sessionId"], actionType="endChat")
    [offer] = await ada.work("Assigned")
    assert offer["sessionId"] == first.session_id


async def test_a_full_queue_overflows_then_refuses_with_a_case(
    api: Api, app: FastAPI, demo_org: OrgFile
) -> None:
    c = app.state.container
    await apply_org(c.db, c.clock, custom_org(demo_org))
    queued = [await api.waiting_customer() for _ in range(2)]  # General is full at 2
    spilled = await api.waiting_customer()
    refused = await api.waiting_customer(
        routingAttributes={"_firstName": "Ann", "_email": "ann@example.com", "Topic": "x"}
    )
    admin = await api.agent("admin")  # an agent lists only the sessions she has or had
    sessions = {
        s["id"]: s
        for s in (await api.http.get("/api/v1/sessions", headers=admin.headers)).json()["sessions"]
    }
    assert [sessions[q.session_id or ""]["queue"] for q in queued] == ["General", "General"]
    assert sessions[spilled.session_id or ""]["queue"] == "Spill"
    assert sessions[refused.session_id or ""]["status"] == "Ended"
    history = (await refused.history(direction="FromStart")).json()["conversationEntries"]
    routing = history[0]["entryPayload"]
    assert routing["failureType"] == "NotRouted" and routing["reasonForNotRouting"] == "QueueFull"
    assert "email" in history[1]["entryPayload"]["abstractMessage"]["staticContent"]["text"]
    assert history[2]["entryPayload"]["sessionStatus"] == "Ended"
    status = await api.http.get(
        f"{MIAW}/conversation/{refused.conversation_id}", headers=refused.headers
    )
    assert status.json()["reasonForNotRouting"] == "QueueFull"
    case = await c.db.read(
        lambda conn: conn.execute(
            select(Record.fields)
            .join(MessagingSession, MessagingSession.case_id == Record.id)
            .where(MessagingSession.id == refused.session_id)
        ).scalar_one()
    )
    assert case["SuppliedName"] == "Ann" and case["SuppliedEmail"] == "ann@example.com"
    assert case["Topic"] == "x" and case["ReasonForNotRouting"] == "QueueFull"


async def test_outside_business_hours_the_customer_is_told_when_we_open(
    api: Api, app: FastAPI, demo_org: OrgFile, clock: FakeClock
) -> None:
    org = custom_org(demo_org)
    org.deployments[0].business_hours = "Office"
    c = app.state.container
    await apply_org(c.db, c.clock, org)
    # FakeClock starts at 2026-01-01T00:00Z: a holiday (Thursday) → next opening Monday 5th
    customer = await api.waiting_customer(routingAttributes={"_firstName": "Bo"})
    history = (await customer.history(direction="FromStart")).json()["conversationEntries"]
    assert history[0]["entryPayload"]["reasonForNotRouting"] == "OutsideBusinessHours"
    text = history[1]["entryPayload"]["abstractMessage"]["staticContent"]["text"]
    assert "Monday 09:00 (Europe/Paris)" in text
    token = await api.http.post(
        f"{MIAW}/authorization/unauthenticated/access-token",
        json={
            "orgId": "00DLD0000000001",
            "esDeveloperName": "Web_Chat",
            "capabilitiesVersion": "1",
            "platform": "Web",
        },
    )
    hours = token.json()["context"]["configuration"]["embeddedServiceConfig"]["businessHours"]
    assert hours["isOpen"] is False and hours["timeZone"] == "Europe/Paris"


async def test_ewt_and_queue_position_reach_the_customer(live: Api, clock: FakeClock) -> None:
    ada = await online(live, "ada")
    served = await live.waiting_customer()
    [offer] = await ada.work("Assigned")
    clock.advance(20)  # waited 20 s
    await ada.answer(offer["workId"])
    await ada.presence("Busy")
    first = await live.waiting_customer()
    second = await live.customer()
    async with customer_stream(second, "0") as stream:
        await second.create_conversation()
        routing = await stream.until(lambda e: e.event == "CONVERSATION_ROUTING_RESULT")
        payload = json.loads(routing.data["conversationEntry"]["entryPayload"])
        assert payload["estimatedWaitTime"]["estimatedWaitTimeInSeconds"] == 20
        clock.advance(5)  # positions are announced at most every 3 s
        await live.http.delete(
            f"{MIAW}/conversation/{first.conversation_id}/session",
            params={"esDeveloperName": "Web_Chat"},
            headers=first.headers,
        )
        position = await stream.until(
            lambda e: e.event == "CONVERSATION_QUEUE_POSITION" and e.data["queuePosition"] == 1
        )
        assert position.data["estimatedWaitTime"]["estimatedWaitTimeInSeconds"] == 20
    status = await live.http.get(
        f"{MIAW}/conversation/{second.conversation_id}", headers=second.headers
    )
    body = status.json()
    assert body["queuePosition"] == 1 and body["estimatedWaitTimeInSeconds"] == 20
    assert served.session_id is not None


async def test_the_agent_stream_carries_offers(live: Api) -> None:
    ada = await live.agent("ada")
    async with agent_stream(ada, "0") as stream:
        await ada.presence("Online")
        customer = await live.waiting_customer()
        offered = await stream.until(lambda e: e.event == "WorkOffered")
        assert offered.data["sessionId"] == customer.session_id
        await ada.presence("Offline")
        cancelled = await stream.until(lambda e: e.event == "WorkCancelled")
        assert cancelled.data["reason"] == "presence"


async def accepted(api: Api, agent: Agent, **conversation: Any) -> Customer:
    customer = await api.waiting_customer(**conversation)
    [offer] = [w for w in await agent.work("Assigned") if w["sessionId"] == customer.session_id]
    assert (await agent.answer(offer["workId"])).status_code == 200
    return customer


async def test_transfer_to_a_queue_keeps_the_transcript(api: Api) -> None:
    ada = await online(api, "ada")
    customer = await accepted(api, ada)
    assert customer.session_id is not None
    await customer.send("my card is blocked")
    grace = await online(api, "grace")
    r = await ada.act(customer.session_id, actionType="transfer", queue="Billing")
    assert r.status_code == 200 and r.json()["status"] == "Waiting"
    offers = await grace.work("Assigned") + await ada.work("Assigned")
    [offer] = offers
    assert offer["sessionId"] == customer.session_id and offer["queue"] == "Billing"
    taker = grace if offer in await grace.work("Assigned") else ada
    assert (await taker.answer(offer["workId"])).status_code == 200
    session = await session_of(taker, customer.session_id)
    assert session["status"] == "Active" and session["queue"] == "Billing"
    texts = [
        e["entryPayload"].get("abstractMessage", {}).get("staticContent", {}).get("text")
        for e in session["transcript"]
    ]
    assert "my card is blocked" in texts
    history = (await customer.history(direction="FromStart")).json()["conversationEntries"]
    transfer = [e for e in history if e["entryType"] == "RoutingResult"][-1]["entryPayload"]
    assert transfer["routingType"] == "Transfer" and transfer["queue"] == "Billing"


async def test_transfer_to_an_agent_offers_it_to_them(api: Api) -> None:
    ada = await online(api, "ada")
    customer = await accepted(api, ada)
    assert customer.session_id is not None
    grace = await api.agent("grace")
    r = await ada.act(customer.session_id, actionType="transfer", agentId=grace.agent["id"])
    assert r.status_code == 409 and r.json()["code"] == "agent_unavailable"  # grace is offline
    await grace.presence("Online")
    r = await ada.act(customer.session_id, actionType="transfer", agentId=grace.agent["id"])
    assert r.status_code == 200
    [offer] = await grace.work("Assigned")
    assert offer["sessionId"] == customer.session_id
    assert await ada.work() == []  # ada's capacity is free again


async def test_transfer_refusals(api: Api) -> None:
    ada = await online(api, "ada")
    customer = await accepted(api, ada)
    grace = await api.agent("grace")
    sid = customer.session_id or ""
    cases = [
        (ada, {"queue": "Nowhere"}, 404, "queue_not_found"),
        (ada, {}, 400, "invalid_transfer"),
        (ada, {"queue": "Billing", "agentId": grace.agent["id"]}, 400, "invalid_transfer"),
        (ada, {"agentId": ada.agent["id"]}, 400, "invalid_transfer"),
        (ada, {"agentId": "00000000-0000-4000-8000-000000000000"}, 404, "agent_not_found"),
        (grace, {"queue": "Billing"}, 404, "session_not_found"),  # not one she may read
    ]
    for agent, body, status, code in cases:
        r = await agent.act(sid, actionType="transfer", **body)
        assert (r.status_code, r.json()["code"]) == (status, code), body


async def test_offers_carry_the_servers_time_for_a_countdown(live: Api, clock: FakeClock) -> None:
    """An offer says when it was made and the work list says the server's time now: a client
    counts down on the server's clock, not its own."""
    ada = await online(live, "ada")
    async with agent_stream(ada) as stream:
        await live.waiting_customer()
        offered = await stream.until(lambda e: e.event == "WorkOffered")
    assert offered.data["offeredAt"] == clock.now_ms()
    assert offered.data["expiresAt"] - offered.data["offeredAt"] == 30_000
    clock.advance(10)
    r = await live.http.get("/api/v1/work", headers=ada.headers)
    [item] = r.json()["work"]
    assert r.json()["now"] == clock.now_ms()
    assert item["offeredAt"] == offered.data["offeredAt"]
    assert item["expiresAt"] - r.json()["now"] == 20_000
