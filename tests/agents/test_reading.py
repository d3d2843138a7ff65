"""Who reads what (DESIGN 8): an agent reads a conversation while she has, had or is offered one
of its sessions; a supervisor those of her queues; an admin all of her org. The same rule for one
session, the list, files and taking a waiting session; anything else is a 404."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from livedesk.flows.runtime import DbRuntime
from livedesk.setup.schemas import OrgFile
from livedesk.setup.service import apply_org
from tests.attachments.test_attachments import PNG, attachment_of, upload
from tests.auth.orgs import ORG2, apply_acme, with_agents
from tests.helpers import ORG, Agent, Api


async def read(agent: Agent, session_id: str | None) -> httpx.Response:
    return await agent.api.http.get(f"/api/v1/sessions/{session_id}", headers=agent.headers)


async def listed(agent: Agent, **params: Any) -> set[str]:
    r = await agent.api.http.get("/api/v1/sessions", params=params, headers=agent.headers)
    assert r.status_code == 200, r.text
    return {s["id"] for s in r.json()["sessions"]}


def hidden(r: httpx.Response) -> bool:
    return r.status_code == 404 and r.json()["code"] == "session_not_found"


async def test_an_agent_reads_what_she_has_had_or_is_offered(api: Api) -> None:
    customer, ada = await api.chatting()
    await customer.send("my card number is 4242")
    grace = await api.agent("grace")
    sid = customer.session_id
    mine = await read(ada, sid)
    assert mine.status_code == 200, mine.text
    assert any("4242" in str(e) for e in mine.json()["transcript"])
    for name in (sid, customer.conversation_id):  # by the session's id or its conversation's
        assert hidden(await read(grace, name))
    assert sid in await listed(ada) and sid in await listed(ada, mine="true")
    assert sid not in await listed(grace)

    # Offered: she reads it while the offer stands, not after it was taken back.
    await grace.presence("Online")
    waiting = await api.waiting_customer()
    [offer] = await grace.work("Assigned")
    assert offer["sessionId"] == waiting.session_id
    assert (await read(grace, waiting.session_id)).status_code == 200
    assert waiting.session_id in await listed(grace)
    assert hidden(await read(ada, waiting.session_id))
    await grace.presence("Offline")
    assert hidden(await read(grace, waiting.session_id))

    # Had: after a transfer away she still reads it, and no longer acts on it.
    await grace.presence("Online")
    r = await ada.act(sid or "", actionType="transfer", agentId=grace.agent["id"])
    assert r.status_code == 200, r.text
    assert (await read(grace, sid)).status_code == 200  # offered to her now
    assert (await read(ada, sid)).status_code == 200
    r = await ada.act(sid or "", actionType="sendMessage", message="still there?")
    assert r.status_code == 403 and r.json()["code"] == "not_your_session"


async def test_a_supervisor_reads_her_queues_and_an_admin_her_org(
    api: Api, app: FastAPI, demo_org: OrgFile
) -> None:
    c = app.state.container
    supervisors = {
        "sam": {"roles": ["supervisor"], "queues": ["Loans"]},
        "tess": {"roles": ["supervisor"], "queues": ["General"]},
    }
    await apply_org(c.db, c.clock, with_agents(demo_org, **supervisors))
    customer, _ = await api.chatting()  # in General
    assert (await upload(customer, PNG)).status_code == 202
    url = (await attachment_of(customer))["url"]
    sam, tess = await api.agent("sam"), await api.agent("tess")
    admin, grace = await api.agent("admin"), await api.agent("grace")
    sid = customer.session_id
    for reader in (tess, admin):
        assert (await read(reader, sid)).status_code == 200
        assert sid in await listed(reader)
        assert (await api.http.get(url, headers=reader.headers)).status_code == 200
    for stranger in (sam, grace):  # a supervisor of another queue, an agent who never had it
        assert hidden(await read(stranger, sid))
        assert sid not in await listed(stranger)
        download = await api.http.get(url, headers=stranger.headers)
        assert download.status_code == 404 and download.json()["code"] == "attachment_not_found"


async def test_only_her_queues_waiting_sessions_can_be_taken(
    api: Api, app: FastAPI, demo_org: OrgFile
) -> None:
    c = app.state.container
    await apply_org(
        c.db, c.clock, with_agents(demo_org, lou={"queues": ["Loans"]}, sam={"queues": []})
    )
    waiting = await api.waiting_customer()  # General, offered to nobody (all offline)
    for outsider in (await api.agent("lou"), await api.agent("sam")):
        assert hidden(await outsider.accept(waiting.session_id or ""))
    grace = await api.agent("grace")  # a member of General takes it
    assert (await grace.accept(waiting.session_id or "")).status_code == 200


async def test_a_flow_finds_the_sessions_of_its_own_org_only(api: Api, app: FastAPI) -> None:
    """Flows run in system context (the org's, not the agent's), but never another org's."""
    customer, _ = await api.chatting()
    await apply_acme(app)
    c = app.state.container

    def found(conn: Any, org_id: str) -> list[str]:
        rows = DbRuntime(conn, org_id, None, 0).get_records(
            "MessagingSession", {"Status": "Active"}
        )
        return [r["id"] for r in rows]

    assert await c.db.read(lambda conn: found(conn, ORG)) == [customer.session_id]
    assert await c.db.read(lambda conn: found(conn, ORG2)) == []
