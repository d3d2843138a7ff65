"""Whether an agent's console is still there: an Online (or Busy) agent whose last agent stream
(`GET /api/v1/agent/stream`) has been gone for `streams.agent_away_after_seconds` becomes Away,
so a closed tab never keeps taking work.

Every process records, for the agents with an agent stream open in it (its stream hub knows
them), that they were seen now (`agents.stream_seen_at`): when a stream opens, when one closes,
and every `streams.agent_seen_seconds`, in one UPDATE for all of them. So the database knows the
last time any process saw a stream of hers, wherever her streams are.

The check runs in every process, right after its own record (a process never finds its own
streams gone), and is safe to run anywhere at any time: it reads the agents last seen before
the limit, and settles each in a unit of work of her own that takes the org's routing lock, then
her row's, and decides again on what it reads there (`verdict`, pure). A process that recorded
her meanwhile, or another check that settled her first, leaves nothing to do. An agent who
still takes work goes Away through the path every presence change takes
(`agents.service.change_presence`: supervisors told, her unanswered offers back to their queues
for others, routing told; sessions she accepted stay hers), logged with the reason "console
disconnected". Either way her stream is forgotten (`stream_seen_at` back to NULL): only an
agent stream seen since lets the check concern her again. An agent who never opened one (API
clients, scripts, `livedesk demo`), or whose console went while she was Away or Offline, keeps
the presence she chooses.

A stream that comes back leaves her Away: she chooses when to take work again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from enum import StrEnum
from functools import partial
from typing import Any

from sqlalchemy import Connection, select, update

from livedesk.agents.service import change_presence
from livedesk.config import StreamSettings
from livedesk.kit.background import Background
from livedesk.kit.clock import Clock
from livedesk.kit.db import Database
from livedesk.models import Agent
from livedesk.routing import repository as routing_repository
from livedesk.streams.hub import StreamHub
from livedesk.streams.service import agent_recipient

log = logging.getLogger(__name__)
CHUNK = 500
TAKING_WORK = ("Online", "Busy")
REASON = "console disconnected"


class Gone(StrEnum):
    """What becomes of an agent whose console is gone."""

    AWAY = "away"  # she was taking work: Away, and her stream forgotten
    FORGET = "forget"  # she was Away or Offline: her presence stays, her stream is forgotten


def verdict(presence: str, seen_at: int | None, now: int, away_after_ms: int) -> Gone | None:
    """None while an agent stream of hers was seen within `away_after_ms`, or none has been
    since she was last found gone (or ever); otherwise what becomes of her."""
    if seen_at is None or now - seen_at <= away_after_ms:
        return None
    return Gone.AWAY if presence in TAKING_WORK else Gone.FORGET


class AgentLiveness:
    def __init__(
        self, db: Database, hub: StreamHub, clock: Clock, settings: StreamSettings
    ) -> None:
        self._db = db
        self._hub = hub
        self._clock = clock
        self._away_after_ms = int(settings.agent_away_after_seconds * 1000)
        self._every = settings.agent_seen_seconds
        self._background = Background("livedesk-agent-liveness")

    @property
    def enabled(self) -> bool:
        return self._away_after_ms > 0

    async def run_once(self) -> list[str]:
        """One round, as the loop runs it: record the agent streams open here, then set Away
        whoever's are gone; the ids of the agents set Away."""
        await self.record(self.open_here())
        return await self.check()

    def open_here(self) -> list[str]:
        """The agents with an agent stream open in this process."""
        prefix = agent_recipient("")
        return [r[len(prefix) :] for r in self._hub.recipients() if r.startswith(prefix)]

    async def record(self, agent_ids: Iterable[str]) -> None:
        """These agents had an agent stream open here just now (one UPDATE per 500)."""
        ids = sorted(set(agent_ids))
        if not self.enabled or not ids:
            return
        now = self._clock.now_ms()
        for i in range(0, len(ids), CHUNK):
            await self._db.transaction(partial(_record_seen, agent_ids=ids[i : i + CHUNK], now=now))

    async def stream_opened(self, agent_id: str) -> None:
        await self._record_safely(agent_id)

    async def stream_closed(self, agent_id: str) -> None:
        """Her last sight: the check counts from here (unless another stream of hers is open,
        here or elsewhere, and keeps being recorded)."""
        await self._record_safely(agent_id)

    async def check(self) -> list[str]:
        """Settle every agent whose last agent stream was seen too long ago; the ids of those
        set Away."""
        if not self.enabled:
            return []
        now = self._clock.now_ms()
        gone = await self._db.read(partial(_seen_before, cutoff=now - self._away_after_ms))
        away: list[str] = []
        for agent_id, org_id in gone:
            seen_at = await self._db.transaction(
                partial(self._settle, agent_id=agent_id, org_id=org_id, now=now)
            )
            if seen_at is not None:
                away.append(agent_id)
                log.info(
                    "agent %s is Away: %s",
                    agent_id,
                    REASON,
                    extra={
                        "org_id": org_id,
                        "agent_id": agent_id,
                        "presence": "Away",
                        "reason": REASON,
                        "stream_seen_seconds_ago": round((now - seen_at) / 1000),
                    },
                )
        return away

    def _settle(self, conn: Connection, agent_id: str, org_id: str, now: int) -> int | None:
        """Decide again under the locks, and act; when it set her Away, when she was last seen."""
        routing_repository.lock_org_routing(conn, org_id)
        agent = _locked_agent(conn, agent_id)
        if agent is None:
            return None
        gone = verdict(agent.presence, agent.stream_seen_at, now, self._away_after_ms)
        if gone is None:
            return None  # seen again meanwhile, or settled by another check
        _forget(conn, agent_id)
        if gone is Gone.FORGET:
            return None
        change_presence(conn, agent, "Away", now)
        return int(agent.stream_seen_at)

    def start(self) -> None:
        if self.enabled:
            self._background.start(self._loop(self._every))

    async def stop(self) -> None:
        await self._background.stop()

    async def _loop(self, every_seconds: float) -> None:
        while True:
            await asyncio.sleep(every_seconds)
            try:
                await self.run_once()
            except Exception:
                log.exception("the agent liveness round failed; it runs again later")

    async def _record_safely(self, agent_id: str) -> None:
        # A stream opens and closes whatever the database says; the next round records it.
        try:
            await self.record([agent_id])
        except Exception:
            log.exception("could not record agent %s's stream; the next round will", agent_id)


def _record_seen(conn: Connection, agent_ids: list[str], now: int) -> None:
    conn.execute(update(Agent).where(Agent.id.in_(agent_ids)).values(stream_seen_at=now))


def _seen_before(conn: Connection, cutoff: int) -> list[tuple[str, str]]:
    rows = conn.execute(
        select(Agent.id, Agent.org_id).where(Agent.stream_seen_at < cutoff).order_by(Agent.id)
    )
    return [(r.id, r.org_id) for r in rows]


def _locked_agent(conn: Connection, agent_id: str) -> Any:
    """Her row, held until commit (PostgreSQL; SQLite has one writer): a record of her stream
    committed before this read is seen, one after it waits for this unit."""
    return conn.execute(select(Agent).where(Agent.id == agent_id).with_for_update()).first()


def _forget(conn: Connection, agent_id: str) -> None:
    conn.execute(update(Agent).where(Agent.id == agent_id).values(stream_seen_at=None))
