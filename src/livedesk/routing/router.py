"""Routing passes: offer waiting sessions to agents with capacity, in one transaction per pass.

A pass runs whenever something may let work move (a session starts waiting, an agent comes
Online, work ends, an offer is declined or times out). In this process, passes of one org run one
at a time and requests made during a pass are folded into one more pass after it, so a burst of
triggers costs two passes, not a hundred. Across processes, passes of an org are serialised by a
transaction-scoped lock (PostgreSQL; SQLite has a single writer), and a partial unique index
refuses a second live offer of a session whatever happens.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection

from livedesk.kit.clock import Clock
from livedesk.kit.db import Database
from livedesk.orgs import repository as org_repository
from livedesk.orgs.schemas import RoutingModel
from livedesk.routing import engine, repository, work
from livedesk.routing.placement import ewt_seconds
from livedesk.streams.notices import CustomerEvent, customer_notice

POSITIONS_EVERY_MS = 3000


@dataclass
class _OrgPasses:
    requested: int = 0
    completed: int = 0
    running: bool = False
    done: asyncio.Condition = field(default_factory=asyncio.Condition)


class Router:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._orgs: dict[str, _OrgPasses] = {}
        self._positions_at: dict[str, int] = {}
        self.decisions = 0  # offers made by this process, and the time its passes took
        self.pass_seconds = 0.0

    async def reroute(self, org_ids: Iterable[str]) -> None:
        """Run a pass for each org that starts after this call, and wait for it."""
        # (Called after the commit of every unit of work that told RoutingNeeded.)
        for org_id in set(org_ids):
            await self._request(org_id)

    async def _request(self, org_id: str) -> None:
        state = self._orgs.setdefault(org_id, _OrgPasses())
        state.requested += 1
        wanted = state.requested
        if state.running:
            async with state.done:
                await state.done.wait_for(lambda: state.completed >= wanted or not state.running)
            if state.completed >= wanted:
                return
        state.running = True
        try:
            # Let the requests that are already on their way join this pass: units of work run
            # without awaiting on SQLite, so without this every request would run its own pass.
            await asyncio.sleep(0)
            while state.completed < state.requested:
                target = state.requested
                await self.run_pass(org_id)
                state.completed = target
        finally:
            state.running = False
            async with state.done:
                state.done.notify_all()

    async def run_pass(self, org_id: str) -> int:
        """One routing pass over the org's waiting sessions; returns the number of offers."""
        now = self._clock.now_ms()
        # Queue positions move with every accepted session; customers hear of it at most every
        # few seconds (the routing status call always answers with the live position).
        positions = now - self._positions_at.get(org_id, -POSITIONS_EVERY_MS) >= POSITIONS_EVERY_MS
        if positions:
            self._positions_at[org_id] = now

        def unit(conn: Connection) -> int:
            repository.lock_org_routing(conn, org_id)
            if positions:
                announce_positions(conn, org_id, now)
            agents = [a for a in repository.agent_loads(conn, org_id) if a.free > 0]
            if not agents:
                return 0  # nobody can take anything: no need to look at the queues
            served = set().union(*(a.queues for a in agents))
            waiting, rows = repository.waiting_work(conn, org_id, served)
            if not waiting:
                return 0
            queues = org_repository.queue_configs(conn, org_id)
            models: dict[str, RoutingModel] = {
                name: config.routing_model for name, config in queues.items()
            }
            offers = engine.plan(waiting, agents, models)
            for o in offers:
                work.offer(conn, org_id, rows[o.session_id], o.agent_id, queues.get(o.queue), now)
            return len(offers)

        started = time.perf_counter()
        count = await self._db.transaction(unit)
        self.pass_seconds += time.perf_counter() - started
        self.decisions += count
        return count


def announce_positions(conn: Connection, org_id: str, now: int) -> None:
    """Tell each waiting customer their place in the queue when it changed."""
    ewts: dict[str, int | None] = {}
    position, queue = 0, None
    for row in repository.queue_order(conn, org_id):
        position = position + 1 if row.queue_name == queue else 1
        queue = row.queue_name
        if row.queue_position == position:
            continue
        repository.set_queue_position(conn, row.id, position)
        if queue not in ewts:
            ewts[queue] = ewt_seconds(conn, org_id, queue, now)
        ewt = ewts[queue]
        customer_notice(
            conn,
            row.end_user_id,
            CustomerEvent.QUEUE_POSITION,
            {
                "conversationId": row.conversation_id,
                "sessionId": row.id,
                "queue": queue,
                "queuePosition": position,
                "estimatedWaitTime": {
                    "isEWTRequested": True,
                    "estimatedWaitTimeInSeconds": -1 if ewt is None else ewt,
                },
            },
            now,
        )
