"""The scheduler: runs the handlers of due timers, each in the same transaction that deletes its
row. A crash before commit leaves the row, so it fires later; after commit it is gone, so it never
fires twice. Several processes may run it: a timer row is claimed with SKIP LOCKED on PostgreSQL.
One transaction per timer keeps each short and its locks few (a batch that holds many agents'
rows deadlocks with the agents' own calls)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import partial

from sqlalchemy import Connection

from livedesk.kit.background import Background
from livedesk.kit.clock import Clock
from livedesk.kit.db import Database
from livedesk.timers import repository

log = logging.getLogger(__name__)
RETRY_MS = 30_000


# A handler runs in the unit of work that deletes its timer: (connection, subject id, now). What
# it appends to streams, and the routing it asks for, are told after the commit (kit.effects).
Handler = Callable[[Connection, str, int], None]


class Scheduler:
    BATCH = 100

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._handlers: dict[str, Handler] = {}
        self._background = Background("livedesk-timers")

    def register(self, kind: str, handler: Handler) -> None:
        self._handlers[kind] = handler

    async def run_due(self) -> int:
        """Fire everything due now, each timer in its own transaction; returns how many fired."""
        fired = 0
        while True:
            now = self._clock.now_ms()
            due = await self._db.read(partial(repository.due_ids, now=now, limit=self.BATCH))
            for timer_id in due:
                try:
                    done = await self._db.transaction(
                        partial(self._fire, timer_id=timer_id, now=now)
                    )
                except Exception:
                    # Undone; tried again a little later. The other timers still fire.
                    log.exception("timer %s failed; retrying in %d s", timer_id, RETRY_MS // 1000)
                    await self._db.transaction(
                        partial(repository.postpone, timer_id=timer_id, due_at=now + RETRY_MS)
                    )
                    continue
                if done:
                    fired += 1  # (not: another scheduler fired it)
            if len(due) < self.BATCH:
                return fired

    def _fire(self, conn: Connection, *, timer_id: str, now: int) -> bool:
        row = repository.claim(conn, timer_id, now, skip_locked=not self._db.is_sqlite)
        if row is None:
            return False
        handler = self._handlers.get(row.kind)
        repository.remove(conn, row.id)
        if handler is None:
            log.warning("dropping a %s timer: no handler", row.kind)
        else:
            handler(conn, row.subject_id, now)
        return True

    def start(self, poll_seconds: float) -> None:
        self._background.start(self._loop(poll_seconds))

    async def stop(self) -> None:
        await self._background.stop()

    async def _loop(self, poll_seconds: float) -> None:
        while True:
            try:
                await self.run_due()
            except Exception:  # keep firing later timers; this one stays and is retried
                log.exception("a timer failed; it will be retried")
            await asyncio.sleep(poll_seconds)
