"""The scheduler: claims due timers and runs their handlers, each firing in the same transaction
that deletes its row. A crash before commit leaves the row, so it fires later; after commit it
is gone, so it never fires twice. Several processes may run it (SKIP LOCKED on PostgreSQL)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import Connection

from livedesk.kit.clock import Clock
from livedesk.kit.db import Database
from livedesk.streams.service import Outgoing, StreamService
from livedesk.timers import repository

log = logging.getLogger(__name__)
RETRY_MS = 30_000


@dataclass
class Fired:
    """What a handler did: events to announce, and orgs whose routing should run again."""

    out: list[Outgoing] = field(default_factory=list)
    reroute: set[str] = field(default_factory=set)


Handler = Callable[[Connection, str, int], Fired]
AfterFiring = Callable[[set[str]], Awaitable[None]]


class Scheduler:
    BATCH = 100

    def __init__(self, db: Database, clock: Clock, streams: StreamService) -> None:
        self._db = db
        self._clock = clock
        self._streams = streams
        self._handlers: dict[str, Handler] = {}
        self._after: list[AfterFiring] = []
        self._task: asyncio.Task[None] | None = None

    def register(self, kind: str, handler: Handler) -> None:
        self._handlers[kind] = handler

    def after_firing(self, callback: AfterFiring) -> None:
        self._after.append(callback)

    async def run_due(self) -> int:
        """Fire everything due now; returns how many fired."""
        fired_total = 0
        while True:
            now = self._clock.now_ms()
            count, done = await self._db.transaction(partial(self._fire_batch, now=now))
            await self._streams.announce(done.out)
            if done.reroute:
                for callback in self._after:
                    await callback(done.reroute)
            fired_total += count
            if count < self.BATCH:
                return fired_total

    def _fire_batch(self, conn: Connection, *, now: int) -> tuple[int, Fired]:
        done = Fired()
        rows = repository.claim_due(conn, now, self.BATCH, skip_locked=not self._db.is_sqlite)
        for row in rows:
            handler = self._handlers.get(row.kind)
            if handler is None:
                log.warning("dropping a %s timer: no handler", row.kind)
                repository.remove(conn, row.id)
                continue
            savepoint = conn.begin_nested()
            try:
                result = handler(conn, row.subject_id, now)
                repository.remove(conn, row.id)
                savepoint.commit()
            except Exception:
                # This timer's work is undone and tried again later; the others fire.
                savepoint.rollback()
                log.exception("%s timer for %s failed", row.kind, row.subject_id)
                repository.postpone(conn, row.id, now + RETRY_MS)
                continue
            done.out.extend(result.out)
            done.reroute |= result.reroute
        return len(rows), done

    def start(self, poll_seconds: float) -> None:
        self._task = asyncio.create_task(self._loop(poll_seconds), name="livedesk-timers")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self, poll_seconds: float) -> None:
        while True:
            try:
                await self.run_due()
            except Exception:  # keep firing later timers; this one stays and is retried
                log.exception("a timer failed; it will be retried")
            await asyncio.sleep(poll_seconds)
