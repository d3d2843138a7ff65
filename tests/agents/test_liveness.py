"""An agent whose last agent stream (her console) has been gone for 60 s becomes Away and her
unanswered offers go to others; agents who never opened one, or whose stream is open in any
process, are not touched (agents/liveness.py). The fake clock stands in for the minute, and the
tests run the liveness round themselves, as every process's loop does every 15 s; the last one
runs real `livedesk serve` processes on their own loops, with a limit of seconds."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import select

from livedesk.agents.liveness import AgentLiveness, Gone, verdict
from livedesk.app import create_app
from livedesk.config import Settings, StreamSettings
from livedesk.container import Container
from livedesk.kit.clock import FakeClock
from livedesk.models import Agent as AgentRow
from tests.conftest import REDIS_URL
from tests.e2e.server import ServerProcess
from tests.helpers import Agent, Api, agent_stream, open_stream

MINUTE = 60_000


def container(app: FastAPI) -> Container:
    c: Container = app.state.container
    return c


async def presence_of(agent: Agent) -> str:
    r = await agent.api.http.get("/api/v1/me", headers=agent.headers)
    assert r.status_code == 200, r.text
    return str(r.json()["presence"])


async def seen_at(c: Container, agent: Agent) -> int | None:
    agent_id = agent.agent["id"]
    value: int | None = await c.db.read(
        lambda conn: conn.execute(
            select(AgentRow.stream_seen_at).where(AgentRow.id == agent_id)
        ).scalar_one()
    )
    return value


async def until_seen_at(c: Container, agent: Agent, at: int) -> None:
    """Wait for the server to record the stream's close (nothing signals it to the client)."""
    async with asyncio.timeout(5):
        while await seen_at(c, agent) != at:  # noqa: ASYNC110 (nothing signals it)
            await asyncio.sleep(0.01)


async def until_open_streams(c: Container, count: int) -> None:
    async with asyncio.timeout(5):  # the server notices the disconnect
        while c.hub.open_streams != count:  # noqa: ASYNC110 (nothing signals a closed stream)
            await asyncio.sleep(0.01)


async def test_her_console_gone_for_a_minute_she_is_away_and_her_offer_goes_to_grace(
    live: Api, app: FastAPI, clock: FakeClock
) -> None:
    c = container(app)
    ada, grace, admin = (
        await live.agent("ada"),
        await live.agent("grace"),
        await live.agent("admin"),
    )
    supervising = open_stream(live.http, "/api/v1/supervisor/stream", admin.headers)
    async with supervising as supervisor:
        async with agent_stream(ada) as stream:
            await ada.presence("Online")
            first = await live.waiting_customer()
            offered = await stream.until(lambda e: e.event == "WorkOffered")
            assert (await ada.answer(offered.data["workId"])).status_code == 200
            clock.advance(10)
        await until_seen_at(c, ada, clock.now_ms())  # her tab closed: last seen now
        closed_at = clock.now_ms()
        clock.advance(35)
        second = await live.waiting_customer()  # she is Online still: offered to her
        [offer] = await ada.work("Assigned")
        assert offer["sessionId"] == second.session_id
        await grace.presence("Online")
        assert await grace.work() == []
        clock.advance(26)  # 61 s since her stream closed, the offer not yet expired
        assert await c.liveness.run_once() == [ada.agent["id"]]

        assert await presence_of(ada) == "Away"
        [given] = await grace.work("Assigned")  # her offer went to grace at once
        assert given["sessionId"] == second.session_id
        [kept] = await ada.work()  # the chat she had accepted stays hers
        assert (kept["sessionId"], kept["status"]) == (first.session_id, "Opened")
        r = await ada.api.http.get(f"/api/v1/sessions/{first.session_id}", headers=ada.headers)
        assert (r.json()["status"], r.json()["agentId"]) == ("Active", ada.agent["id"])
        changed = await supervisor.until(
            lambda e: e.event == "AgentPresenceChanged" and e.data["presence"] == "Away"
        )
        assert changed.data["agentId"] == ada.agent["id"]
        assert changed.data["at"] == closed_at + 61_000
        assert await seen_at(c, ada) is None  # forgotten until a stream of hers is seen again
        assert await c.liveness.run_once() == []  # settled: nothing more

    # Her console comes back: she stays Away until she chooses.
    async with agent_stream(ada):
        assert await seen_at(c, ada) == clock.now_ms()
        clock.advance(61)
        assert await c.liveness.run_once() == []
        assert await presence_of(ada) == "Away"
        await ada.presence("Online")
        assert await presence_of(ada) == "Online"


async def test_an_agent_who_never_opened_a_stream_is_not_concerned(
    api: Api, app: FastAPI, clock: FakeClock
) -> None:
    ada = await api.agent("ada")
    await ada.presence("Online")
    clock.advance(3600)
    assert await container(app).liveness.run_once() == []
    assert await presence_of(ada) == "Online"


async def test_an_open_stream_keeps_her_online(live: Api, app: FastAPI, clock: FakeClock) -> None:
    c = container(app)
    ada = await live.agent("ada")
    async with agent_stream(ada):
        await ada.presence("Online")
        for _ in range(3):
            clock.advance(61)
            assert await c.liveness.run_once() == []  # the round records her stream first
            assert await seen_at(c, ada) == clock.now_ms()
        assert await presence_of(ada) == "Online"


async def test_two_streams_one_closed_she_stays_online(
    live: Api, app: FastAPI, clock: FakeClock
) -> None:
    c = container(app)
    ada = await live.agent("ada")
    async with agent_stream(ada):
        await ada.presence("Online")
        async with agent_stream(ada):
            await until_open_streams(c, 2)
        await until_open_streams(c, 1)
        clock.advance(61)
        assert await c.liveness.run_once() == []
        assert await presence_of(ada) == "Online"


async def test_away_and_offline_are_her_choice_and_busy_goes_away(
    live: Api, app: FastAPI, clock: FakeClock
) -> None:
    c = container(app)
    ada, grace, admin = (
        await live.agent("ada"),
        await live.agent("grace"),
        await live.agent("admin"),
    )
    for agent, chosen in ((ada, "Away"), (grace, "Busy"), (admin, "Offline")):
        async with agent_stream(agent):
            await agent.presence(chosen)
    for agent in (ada, grace, admin):
        await until_seen_at(c, agent, clock.now_ms())
    clock.advance(61)
    assert await c.liveness.run_once() == [grace.agent["id"]]
    assert [await presence_of(a) for a in (ada, grace, admin)] == ["Away", "Away", "Offline"]
    # Her stream gone while she was Away is forgotten too: Online later from an API client
    # (a script, `livedesk demo`), she stays Online.
    assert await seen_at(c, ada) is None
    await ada.presence("Online")
    clock.advance(61)
    assert await c.liveness.run_once() == []
    assert await presence_of(ada) == "Online"


async def test_a_stream_open_in_another_process_keeps_her_online(
    live: Api, app: FastAPI, settings: Settings, clock: FakeClock
) -> None:
    """Two app instances on one database (and, on PostgreSQL, one Redis), each with its own
    stream hub, database pool and bus, as two `livedesk serve` processes are: ada's stream is
    open in A (the live server) only, and B runs the check."""
    a = container(app)
    other = create_app(settings, clock)
    async with other.router.lifespan_context(other):
        b = container(other)
        ada = await live.agent("ada")
        async with agent_stream(ada):
            await ada.presence("Online")
            clock.advance(45)
            assert await a.liveness.run_once() == []  # A records her stream
            clock.advance(16)  # 61 s since she connected, 16 s since A saw her stream
            assert await b.liveness.run_once() == []
            assert await presence_of(ada) == "Online"
            # A stops recording her (A died with her stream): B finds her gone after the
            # minute, once, however many processes check at the same time.
            clock.advance(61)
            away = await asyncio.gather(b.liveness.check(), b.liveness.check(), a.liveness.check())
            assert [agent_id for found in away for agent_id in found] == [ada.agent["id"]]
            assert await presence_of(ada) == "Away"


@pytest.mark.parametrize(
    ("presence", "seen", "expected"),
    [
        ("Online", None, None),  # never opened a stream (or forgotten since)
        ("Online", -MINUTE, None),  # exactly the limit: not yet
        ("Online", -MINUTE - 1, Gone.AWAY),
        ("Busy", -2 * MINUTE, Gone.AWAY),
        ("Away", -2 * MINUTE, Gone.FORGET),
        ("Offline", -2 * MINUTE, Gone.FORGET),
        ("Online", 5_000, None),  # recorded by a process whose clock is a little ahead
    ],
)
def test_verdict(presence: str, seen: int | None, expected: Gone | None) -> None:
    now = 1_000_000_000
    assert verdict(presence, None if seen is None else now + seen, now, MINUTE) is expected


async def test_0_turns_it_off(live: Api, app: FastAPI, clock: FakeClock) -> None:
    c = container(app)
    off = AgentLiveness(c.db, c.hub, clock, StreamSettings(agent_away_after_seconds=0))
    ada = await live.agent("ada")
    async with agent_stream(ada):
        await ada.presence("Online")
    await until_seen_at(c, ada, clock.now_ms())
    clock.advance(3600)
    assert await off.run_once() == []
    assert await presence_of(ada) == "Online"


def test_the_limit_leaves_room_for_two_records() -> None:
    with pytest.raises(ValidationError, match="at least twice"):
        StreamSettings(agent_away_after_seconds=20, agent_seen_seconds=15)
    assert StreamSettings(agent_away_after_seconds=0).agent_away_after_seconds == 0


@pytest.mark.e2e
async def test_real_processes_on_their_own_loops(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`livedesk serve` as it runs, on the real clock (a 3 s limit, a round every second): on
    PostgreSQL + Redis ada's stream is open in process A while B checks too; on SQLite, one
    process. Her stream open, she stays Online; closed, she is Away 3 s later, not before."""
    several = not database_url.startswith("sqlite")
    if several and REDIS_URL is None:
        pytest.skip("Redis: set LIVEDESK_TEST_REDIS_URL to run several processes")
    monkeypatch.setenv("LIVEDESK_STREAMS__AGENT_AWAY_AFTER_SECONDS", "3")
    monkeypatch.setenv("LIVEDESK_STREAMS__AGENT_SEEN_SECONDS", "1")
    servers = [ServerProcess(tmp_path / "a", database_url)]
    if several:
        servers.append(ServerProcess(tmp_path / "b", database_url))
    for server in servers:
        await server.start()
    try:
        async with (
            httpx.AsyncClient(base_url=servers[0].url, timeout=10) as a,
            httpx.AsyncClient(base_url=servers[-1].url, timeout=10) as b,
        ):
            ada = await Api(a).agent("ada")
            on_b = Agent(Api(b), ada.token, ada.agent)
            async with agent_stream(ada):
                await on_b.presence("Online")
                await asyncio.sleep(5)  # rounds run in every process meanwhile
                assert await presence_of(on_b) == "Online"
                closed = time.monotonic()  # the server records the close after this
            async with asyncio.timeout(15):
                while await presence_of(on_b) != "Away":  # noqa: ASYNC110 (another process)
                    await asyncio.sleep(0.1)
            assert time.monotonic() - closed >= 3
    finally:
        for server in servers:
            server.stop()
