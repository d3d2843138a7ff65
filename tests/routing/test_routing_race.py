"""200 sessions and 20 agents answering offers at random from concurrent tasks, with push
timeouts firing in between: no session is ever on offer to two agents, no agent ever holds more
than its capacity, and every session is answered. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Connection, func, select

from livedesk.kit.clock import FakeClock
from livedesk.models import Agent as AgentRow
from livedesk.models import AgentWork, MessagingSession
from livedesk.setup.schemas import OrgFile
from livedesk.setup.service import apply_org
from tests.helpers import Agent, Api

SESSIONS = 200
AGENTS = 20


def race_org(demo_org: OrgFile, rng: random.Random) -> OrgFile:
    password_hash = next(a.password_hash for a in demo_org.agents if a.username == "ada")
    return OrgFile.model_validate(
        {
            "org": {"id": "00DLD0000000001", "name": "LiveDesk Demo"},
            "deployments": [{"developer_name": "Web_Chat", "queue": "General"}],
            "queues": [
                {"name": "General", "max_waiting": 1000, "push_timeout_seconds": 30},
            ],
            "agents": [
                {
                    "username": f"racer{i}",
                    "password_hash": password_hash,
                    "capacity": rng.randint(1, 3),
                    "queues": ["General"],
                }
                for i in range(AGENTS)
            ],
        }
    )


def snapshot(conn: Connection) -> tuple[int, list[tuple[str, int, int]]]:
    """(most live offers of one session, [(agent, live weight, capacity)])."""
    live = AgentWork.status.in_(("Assigned", "Opened"))
    per_session = (
        select(func.count().label("n")).where(live).group_by(AgentWork.session_id).subquery()
    )
    most = conn.execute(select(func.coalesce(func.max(per_session.c.n), 0))).scalar_one()
    load = conn.execute(
        select(AgentRow.username, func.coalesce(func.sum(AgentWork.weight), 0), AgentRow.capacity)
        .outerjoin(AgentWork, (AgentWork.agent_id == AgentRow.id) & live)
        .group_by(AgentRow.id, AgentRow.username, AgentRow.capacity)
    ).all()
    return int(most), [(u, int(w), int(c)) for u, w, c in load]


async def test_no_double_offers_no_overruns_every_session_answered(
    api: Api, app: FastAPI, demo_org: OrgFile, clock: FakeClock
) -> None:
    rng = random.Random(20261123)
    c = app.state.container
    await apply_org(c.db, c.clock, race_org(demo_org, rng))
    violations: list[str] = []
    answered: set[str] = set()
    done = asyncio.Event()

    agents: list[Agent] = []
    for i in range(AGENTS):
        row = await c.db.read(
            lambda conn, i=i: conn.execute(
                select(AgentRow).where(AgentRow.username == f"racer{i}")
            ).one()
        )
        token, _ = c.signer.issue("agent", row.id, row.org_id, 3600, roles=["agent"])
        agents.append(Agent(api, token, {"id": row.id}))

    async def check() -> None:
        most, loads = await c.db.read(snapshot)
        if most > 1:
            violations.append(f"a session had {most} live offers")
        violations.extend(f"{u} held {w} > {cap}" for u, w, cap in loads if w > cap)

    async def agent_loop(agent: Agent, seed: int) -> None:
        r = random.Random(seed)
        await agent.presence("Online")
        while not done.is_set():
            for item in await agent.work():
                if item["status"] == "Opened":
                    if r.random() < 0.5:
                        await agent.act(item["sessionId"], actionType="endChat")
                    continue
                roll = r.random()
                if roll < 0.55:
                    resp = await agent.answer(item["workId"])
                    if resp.status_code == 200:
                        answered.add(item["sessionId"])
                        if len(answered) == SESSIONS:
                            done.set()
                    else:  # it may have just timed out: that is allowed, nothing else is
                        assert resp.json()["code"] in ("work_not_offered", "work_expired"), (
                            resp.text
                        )
                elif roll < 0.8:
                    resp = await agent.answer(item["workId"], "decline")
                    assert resp.status_code in (200, 409), resp.text
                # else: ignore it and let the push timeout take it back
            await asyncio.sleep(r.random() * 0.01)

    async def clock_loop() -> None:
        while not done.is_set():
            await asyncio.sleep(0.05)
            clock.advance(10)
            await c.scheduler.run_due()
            await check()

    async def customers() -> None:
        for _ in range(SESSIONS // 20):
            await asyncio.gather(*(api.waiting_customer() for _ in range(20)))

    workers = [asyncio.create_task(agent_loop(a, rng.random())) for a in agents]
    ticker = asyncio.create_task(clock_loop())
    await customers()
    await asyncio.wait_for(done.wait(), 120)
    await asyncio.gather(*workers, ticker)
    await check()
    assert violations == []
    accepted = await c.db.read(
        lambda conn: conn.execute(
            select(func.count()).where(MessagingSession.accepted_at.is_not(None))
        ).scalar_one()
    )
    assert accepted == SESSIONS
    statuses: dict[str, Any] = dict(
        await c.db.read(
            lambda conn: conn.execute(
                select(AgentWork.status, func.count()).group_by(AgentWork.status)
            ).all()
        )
    )
    # the race really raced: offers were declined and timed out along the way
    assert statuses.get("Declined", 0) > 0 and statuses.get("TimedOut", 0) > 0, statuses
