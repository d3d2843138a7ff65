"""The sweep: a safety net under the bus.

Streams learn about new events from the bus, and the bus may lose a message: Redis pub/sub
delivers at most once (a reconnect drops what was published meanwhile), and a request cancelled
between its commit and its announcement never announces. A stream that missed one would only
notice at its recipient's next event. Every `streams.sweep_seconds` (15 by default) the sweep
reads the heads of the recipients with open streams here (one query per 500) and pokes every
stream that is behind its head: it catches up from the database, so a lost wake-up costs at most
that long, never an event.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from livedesk.kit.background import Background
from livedesk.kit.db import Database
from livedesk.streams import repository
from livedesk.streams.hub import StreamHub

log = logging.getLogger(__name__)
CHUNK = 500


class StreamSweeper:
    def __init__(self, db: Database, hub: StreamHub) -> None:
        self._db = db
        self._hub = hub
        self._background = Background("livedesk-stream-sweep")

    async def sweep_once(self) -> int:
        """Poke the streams that are behind; how many were."""
        recipients = self._hub.recipients()
        heads: dict[str, int] = {}
        for i in range(0, len(recipients), CHUNK):
            chunk = recipients[i : i + CHUNK]
            heads.update(await self._db.read(partial(repository.heads, recipients=chunk)))
        return self._hub.sweep(heads)

    def start(self, every_seconds: float) -> None:
        self._background.start(self._loop(every_seconds))

    async def stop(self) -> None:
        await self._background.stop()

    async def _loop(self, every_seconds: float) -> None:
        while True:
            await asyncio.sleep(every_seconds)
            try:
                if poked := await self.sweep_once():
                    log.warning("%d streams had missed a wake-up; they caught up", poked)
            except Exception:
                log.exception("the stream sweep failed; it runs again later")
