"""The supervisor API (issue 16): a supervisor sees her queues only, an admin every queue, an agent
nothing (403); the overview's figures; a session's detail, read only; and the supervision stream:
what happens to a session of her queues, the queue's line and its agents' presence and load, live
and resumable, and nothing of other queues."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from livedesk.kit.clock import FakeClock
from livedesk.setup.schemas import OrgFile
from livedesk.setup.service import apply_org
from tests.auth.orgs import with_agents
from tests.helpers import Agent, Api, Customer, Event, open_stream, uid

OVERVIEW = "/api/v1/supervisor/overview"
STREAM = "/api/v1/supervisor/stream"


@pytest.fixture
async def supervised_org(app: FastAPI, demo_org: OrgFile) -> None:
    """The demo org (ada and grace serve General, Billing and Loans; admin is an admin) with sue,
    a supervisor of Billing only, bob who serves Billing and lou who serves Loans only."""
    org = with_agents(
        demo_org,
        sue={"roles": ["supervisor"], "queues": ["Billing"], "capacity": 0},
        bob={"queues": ["Billing"]},
        lou={"queues": ["Loans"]},
    )
    c = app.state.container
    await apply_org(c.db, c.clock, org)


async def waiting(api: Api, topic: str = "General", first: str = "Lin") -> Customer:
    """A customer waiting in the queue of `topic` (the demo deployment's rules)."""
    return await api.waiting_customer(
        routingAttributes={"Topic": topic, "_firstName": first, "_lastName": "Wu"}
    )


async def overview(agent: Agent) -> dict[str, Any]:
    r = await agent.api.http.get(OVERVIEW, headers=agent.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def supervisor_stream(agent: Agent, last_event_id: str | None = None) -> Any:
    return open_stream(agent.api.http, STREAM, agent.headers, last_event_id)


def by_name(items: list[dict[str, Any]], key: str = "name") -> dict[str, dict[str, Any]]:
    return {item[key]: item for item in items}


# ------------------------------------------------------------------------------ who sees what


async def test_a_supervisor_sees_her_queues_an_admin_all_an_agent_nothing(
    api: Api, supervised_org: None
) -> None:
    sue, admin, ada = await api.agent("sue"), await api.agent("admin"), await api.agent("ada")

    mine = await overview(sue)
    assert [q["name"] for q in mine["queues"]] == ["Billing"]
    # Those who serve Billing (sue serves it too: her agent entry's queues); not lou, not admin.
    assert sorted(a["username"] for a in mine["agents"]) == ["ada", "bob", "grace", "sue"]

    everything = await overview(admin)
    assert [q["name"] for q in everything["queues"]] == ["Billing", "General", "Loans"]
    assert sorted(a["username"] for a in everything["agents"]) == [
        "ada",
        "bob",
        "grace",
        "lou",
        "sue",
    ]

    for path in (OVERVIEW, f"/api/v1/supervisor/sessions/{uid()}", STREAM):
        r = await api.http.get(path, headers=ada.headers)
        assert r.status_code == 403, r.text
        assert r.json()["code"] == "supervisors_only"


async def test_her_agents_sessions_are_those_of_her_queues(api: Api, supervised_org: None) -> None:
    ada, sue, admin = await api.agent("ada"), await api.agent("sue"), await api.agent("admin")
    billing, general = await waiting(api, "Billing"), await waiting(api, "General")
    for customer in (billing, general):
        assert (await ada.accept(customer.session_id or "")).status_code == 200

    [hers] = [a for a in (await overview(sue))["agents"] if a["username"] == "ada"]
    assert [s["id"] for s in hers["sessions"]] == [billing.session_id]
    assert hers["used"] == 2  # her load is all of it, the sessions shown only those of Billing
    [all_of_hers] = [a for a in (await overview(admin))["agents"] if a["username"] == "ada"]
    assert {s["id"] for s in all_of_hers["sessions"]} == {billing.session_id, general.session_id}
    assert "Wu" not in str([a for a in (await overview(sue))["agents"] if a["username"] == "lou"])


async def test_the_session_detail_is_read_only_and_only_for_her_queues(
    api: Api, supervised_org: None
) -> None:
    ada, sue, admin = await api.agent("ada"), await api.agent("sue"), await api.agent("admin")
    billing, general = await waiting(api, "Billing"), await waiting(api, "General")
    assert (await billing.send("my invoice is wrong")).status_code == 202
    assert (await ada.accept(billing.session_id or "")).status_code == 200

    r = await api.http.get(f"/api/v1/supervisor/sessions/{billing.session_id}", headers=sue.headers)
    assert r.status_code == 200, r.text
    detail = r.json()
    # What the agent API shows for the session, from the same code.
    mine = await api.http.get(f"/api/v1/sessions/{billing.session_id}", headers=ada.headers)
    assert detail == mine.json()
    assert detail["status"] == "Active" and detail["queue"] == "Billing"
    assert "my invoice is wrong" in str(detail["transcript"])

    for other in (general.session_id, uid()):  # not hers, or not at all: the same answer
        r = await api.http.get(f"/api/v1/supervisor/sessions/{other}", headers=sue.headers)
        assert r.status_code == 404 and r.json()["code"] == "session_not_found", r.text
    r = await api.http.get("/api/v1/supervisor/sessions/nope", headers=sue.headers)
    assert r.status_code == 400 and r.json()["code"] == "invalid_session_id"
    r = await api.http.get(
        f"/api/v1/supervisor/sessions/{general.session_id}", headers=admin.headers
    )
    assert r.status_code == 200, r.text

    # Read only: there is nothing to write through it, and she does not act on the session.
    r = await api.http.post(
        f"/api/v1/supervisor/sessions/{billing.session_id}", headers=sue.headers
    )
    assert r.status_code == 405
    r = await sue.act(billing.session_id or "", actionType="sendMessage", message="hi")
    assert r.status_code == 403 and r.json()["code"] == "not_your_session"


# ------------------------------------------------------------------------------ the figures


async def test_the_overview_figures(api: Api, supervised_org: None, clock: FakeClock) -> None:
    ada, sue, admin = await api.agent("ada"), await api.agent("sue"), await api.agent("admin")
    # Billing's estimate: one session accepted after waiting 20 s.
    early = await waiting(api, "Billing", "Ann")
    clock.advance(20)
    assert (await ada.accept(early.session_id or "")).status_code == 200
    general = await waiting(api, "General", "Gus")
    assert (await ada.accept(general.session_id or "")).status_code == 200  # ada: 2 of 3
    # Two wait in Billing: for 45 s and for 15 s.
    first = await waiting(api, "Billing", "Bea")
    clock.advance(30)
    await waiting(api, "Billing", "Cy")
    clock.advance(15)
    await ada.presence("Online")  # (routing may offer her one: offers are not her load)

    mine = await overview(sue)
    billing = by_name(mine["queues"])["Billing"]
    assert billing == {
        "name": "Billing",
        "waiting": 2,
        "longestWaitSeconds": 45,
        "oldestQueuedAt": clock.now_ms() - 45_000,
        "estimatedWaitTimeInSeconds": 20,
        "agentsOnline": 1,
        "freeCapacity": 1,
    }
    queues = await api.http.get("/api/v1/queues", headers=ada.headers)
    assert by_name(queues.json()["queues"])["Billing"]["estimatedWaitTimeInSeconds"] == 20
    assert mine["at"] == clock.now_ms()

    agents = by_name(mine["agents"], "username")
    assert (agents["ada"]["used"], agents["ada"]["capacity"]) == (2, 3)
    assert agents["ada"]["presence"] == "Online"
    assert agents["ada"]["displayName"] == "Ada Lovelace"
    [session] = agents["ada"]["sessions"]
    assert session == {
        "id": early.session_id,
        "conversationId": early.conversation_id,
        "status": "Active",
        "queue": "Billing",
        "customerName": "Ann Wu",
        "startTime": clock.now_ms() - 65_000,
        "acceptTime": clock.now_ms() - 45_000,
    }
    assert (agents["bob"]["used"], agents["bob"]["presence"]) == (0, "Offline")
    assert agents["bob"]["sessions"] == []

    everything = by_name((await overview(admin))["queues"])
    assert everything["General"]["waiting"] == 0
    assert everything["General"]["longestWaitSeconds"] == 0
    assert everything["General"]["oldestQueuedAt"] is None
    assert everything["General"]["estimatedWaitTimeInSeconds"] == 0
    assert everything["Loans"]["estimatedWaitTimeInSeconds"] is None
    assert first.session_id is not None


# ------------------------------------------------------------------------------ the stream


def brief(event: Event) -> tuple[Any, ...]:
    """What an event says, without its times."""
    d = event.data
    if event.event == "SessionChanged":
        return (event.event, d["event"], d["status"], d["queue"], d["agentId"], sorted(d["queues"]))
    if event.event == "QueueChanged":
        return (event.event, d["queue"], d["waiting"])
    if event.event == "AgentLoadChanged":
        return (event.event, d["agentId"], d["used"], d["capacity"])
    return (event.event, d["agentId"], d["presence"])


async def read_until(stream: Any, session_id: str | None, event: str = "route") -> list[Event]:
    """Events up to the SessionChanged of `session_id` by `event` (the sentinel, included)."""
    seen = []
    while True:
        got = await stream.next(timeout=5)
        seen.append(got)
        if got.event == "SessionChanged" and (got.data["sessionId"], got.data["event"]) == (
            session_id,
            event,
        ):
            return seen


async def test_the_stream_follows_a_session_of_her_queue_and_nothing_else(
    live: Api, supervised_org: None
) -> None:
    sue, admin = await live.agent("sue"), await live.agent("admin")
    ada, grace, lou = await live.agent("ada"), await live.agent("grace"), await live.agent("lou")
    a, g = ada.agent["id"], grace.agent["id"]
    async with supervisor_stream(sue) as stream, supervisor_stream(admin) as everything:
        customer = await waiting(live, "Billing")
        sid = customer.session_id or ""
        assert (await ada.accept(sid)).status_code == 200
        # Elsewhere: a Loans session lou takes and ends, and lou's presence.
        loans = await waiting(live, "Loans")
        assert (await lou.accept(loans.session_id or "")).status_code == 200
        r = await lou.act(loans.session_id or "", actionType="endChat")
        assert r.status_code == 200, r.text
        await lou.presence("Away")
        # Back in Billing: handed to grace, who takes it and ends it; ada goes Away.
        await grace.presence("Online")
        r = await ada.act(sid, actionType="transfer", agentId=g)
        assert r.status_code == 200, r.text
        [offer] = await grace.work("Assigned")
        assert (await grace.answer(offer["workId"])).status_code == 200
        r = await grace.act(sid, actionType="endChat")
        assert r.status_code == 200, r.text
        await ada.presence("Away")
        sentinel = await waiting(live, "Billing")

        seen = await read_until(stream, sentinel.session_id)
        assert [brief(e) for e in seen] == [
            ("SessionChanged", "route", "Waiting", "Billing", None, ["Billing"]),
            ("QueueChanged", "Billing", 1),
            ("SessionChanged", "accept", "Active", "Billing", a, ["Billing"]),
            ("QueueChanged", "Billing", 0),
            ("AgentLoadChanged", a, 1, 3),
            ("AgentPresenceChanged", g, "Online"),
            ("SessionChanged", "transfer", "Waiting", "Billing", None, ["Billing"]),
            ("QueueChanged", "Billing", 1),
            ("AgentLoadChanged", a, 0, 3),
            ("SessionChanged", "accept", "Active", "Billing", g, ["Billing"]),
            ("QueueChanged", "Billing", 0),
            ("AgentLoadChanged", g, 1, 3),
            ("SessionChanged", "end", "Ended", "Billing", g, ["Billing"]),
            ("AgentLoadChanged", g, 0, 3),
            ("AgentPresenceChanged", a, "Away"),
            ("SessionChanged", "route", "Waiting", "Billing", None, ["Billing"]),
        ]
        first = seen[0].data
        assert first["customerName"] == "Lin Wu" and first["previousStatus"] == "New"
        assert first["sessionId"] == sid and first["conversationId"] == customer.conversation_id
        assert seen[12].data["previousStatus"] == "Active"

        # An admin hears of every queue: the Loans session and lou too.
        told = await read_until(everything, sentinel.session_id)
        about_loans = [brief(e) for e in told if "Loans" in e.data["queues"]]
        assert ("SessionChanged", "end", "Ended", "Loans", lou.agent["id"], ["Loans"]) in (
            about_loans
        )
        assert ("AgentPresenceChanged", lou.agent["id"], "Away") in about_loans


async def test_the_stream_resumes_after_last_event_id_with_nothing_lost_or_repeated(
    live: Api, supervised_org: None
) -> None:
    sue, ada = await live.agent("sue"), await live.agent("ada")
    start = (await overview(sue))["lastEventId"]
    customer = await waiting(live, "Billing")
    sid = customer.session_id or ""
    # From the overview's position: what happened since, and nothing before.
    async with supervisor_stream(sue, start) as stream:
        seen = await read_until(stream, sid)
        assert [e.event for e in seen] == ["SessionChanged"]
        line = await stream.next()
        assert brief(line) == ("QueueChanged", "Billing", 1)
        last = line.id
    assert last is not None
    # While she is away: accepted, and another one waits in Loans (not hers) and Billing.
    assert (await ada.accept(sid)).status_code == 200
    await waiting(live, "Loans")
    sentinel = await waiting(live, "Billing")
    async with supervisor_stream(sue, last) as stream:
        seen = await read_until(stream, sentinel.session_id)
    assert [brief(e) for e in seen] == [
        ("SessionChanged", "accept", "Active", "Billing", ada.agent["id"], ["Billing"]),
        ("QueueChanged", "Billing", 0),
        ("AgentLoadChanged", ada.agent["id"], 1, 3),
        ("SessionChanged", "route", "Waiting", "Billing", None, ["Billing"]),
    ]
    ids = [int(e.id or 0) for e in seen]
    assert ids == sorted(ids) and ids[0] > int(last)


async def test_a_transfer_to_another_queue_is_told_to_both_queues_supervisors(
    live: Api, supervised_org: None
) -> None:
    sue, ada = await live.agent("sue"), await live.agent("ada")
    customer = await waiting(live, "General")
    sid = customer.session_id or ""
    assert (await ada.accept(sid)).status_code == 200
    async with supervisor_stream(sue) as stream:
        r = await ada.act(sid, actionType="transfer", queue="Billing")
        assert r.status_code == 200, r.text
        seen = await read_until(stream, sid, "transfer")
        assert brief(seen[-1]) == (
            "SessionChanged",
            "transfer",
            "Waiting",
            "Billing",
            None,
            ["Billing", "General"],
        )
        assert brief(await stream.next()) == ("QueueChanged", "Billing", 1)
        assert brief(await stream.next()) == ("AgentLoadChanged", ada.agent["id"], 0, 3)
        assert len(seen) == 1  # nothing of the session while it was in General
