"""The sweep: a safety net under the bus.

Streams learn about new events from the bus, and the bus may lose a message: Redis pub/sub
delivers at most once (a reconnect drops what was published meanwhile), and a request cancelled
between its commit and its announcement never announces. A stream that missed one would only
notice at its recipient's next event. Every `streams.sweep_seconds` (15 by default) the sweep
reads the heads of the recipients with open streams here (one query per 500) and pokes every
stream that is behind its head: it catches up from the database, so a lost wake-up costs at most
that long (and `GRACE_SECONDS`), never an event. A wake-up on its way is not a lost one: the
periodic sweep compares the streams with heads it read `GRACE_SECONDS` before (an event committed
a moment ago is still being announced, above all under load), and a stream whose mailbox already
holds its head's event is not behind. So a "missed a wake-up" line in the log means one was lost.

The sweep also closes the streams of tokens revoked where the bus does not reach this process
(`livedesk apply` demoting an agent, with no Redis bus between processes), and those whose
token has expired: a stream notices its expiry itself when it wakes up, but one whose write waits
for a client that does not read never wakes up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Protocol

from sqlalchemy import Connection

from livedesk.kit.background import Background
from livedesk.kit.clock import Clock
from livedesk.kit.db import Database
from livedesk.streams import repository
from livedesk.streams.hub import StreamHub, revoke_message

log = logging.getLogger(__name__)
CHUNK = 500
GRACE_SECONDS = 2.0  # what a committed event may take to reach its streams before it counts as lost


# Which of these token ids are revoked (auth answers it; streams only close what it names).
class RevokedAmong(Protocol):
    def __call__(self, conn: Connection, token_ids: list[str]) -> set[str]: ...


class StreamSweeper:
    def __init__(
        self, db: Database, hub: StreamHub, clock: Clock, revoked_among: RevokedAmong
    ) -> None:
        self._db = db
        self._hub = hub
        self._clock = clock
        self._revoked_among = revoked_among
        self._background = Background("livedesk-stream-sweep")
        self.wait: Callable[[float], Awaitable[None]] = asyncio.sleep  # the grace (tests: a hook)

    async def sweep_once(self, grace_seconds: float = 0.0) -> int:
        """Poke the streams that are behind (how many were) and close those of revoked tokens;
        behind a head read `grace_seconds` before (0: now, when wake-ups are known lost, as
        after a Redis outage)."""
        recipients = self._hub.recipients()
        heads: dict[str, int] = {}
        for i in range(0, len(recipients), CHUNK):
            chunk = recipients[i : i + CHUNK]
            heads.update(await self._db.read(partial(repository.heads, recipients=chunk)))
        tokens = self._hub.token_ids()
        for i in range(0, len(tokens), CHUNK):
            chunk = tokens[i : i + CHUNK]
            revoked = await self._db.read(partial(self._revoked_among, token_ids=chunk))
            for token_id in revoked:
                self._hub.deliver(revoke_message(token_id))
        if grace_seconds:
            await self.wait(grace_seconds)
        return self._hub.sweep(heads)

    def close_expired(self) -> int:
        """Close the open streams whose token has expired; how many."""
        return self._hub.close_expired(self._clock.now_ms())

    def start(self, every_seconds: float) -> None:
        self._background.start(self._loop(every_seconds))

    async def stop(self) -> None:
        await self._background.stop()

    async def _loop(self, every_seconds: float) -> None:
        while True:
            await asyncio.sleep(every_seconds)
            self.close_expired()
            try:
                if poked := await self.sweep_once(GRACE_SECONDS):
                    log.warning("%d streams had missed a wake-up; they caught up", poked)
            except Exception:
                log.exception("the stream sweep failed; it runs again later")
