"""The Redis bus: pub/sub on one channel, so any number of processes wake each other's streams.

Redis is only a wake-up. Pub/sub may drop a message when a connection breaks; that is fine here
because a stream that notices a gap (or reconnects) reads what it missed from the database, and
the stream sweep pokes every stream that is behind. While Redis is down or stalls, a process
keeps serving: a publish that fails (or takes longer than `PUBLISH_TIMEOUT`) wakes this
process's own streams directly and is logged once; the other processes' streams catch up by
their sweep. When the subscription is back, `on_back` runs (the container sweeps at once), so
no stream waits for the next sweep. `status` says `up` or `down` (`/readyz` shows it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import redis.asyncio as aioredis

from livedesk.bus.protocol import BusHandler

CHANNEL = "livedesk:streams"
PUBLISH_TIMEOUT = 2.0  # seconds a request waits for Redis before it wakes its own streams only
RETRY_SECONDS = 1.0
log = logging.getLogger(__name__)


class RedisBus:
    def __init__(
        self,
        url: str,
        channel: str = CHANNEL,
        on_back: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self._redis = aioredis.Redis.from_url(url, socket_connect_timeout=PUBLISH_TIMEOUT)
        self._channel = channel
        self._task: asyncio.Task[None] | None = None
        self._handler: BusHandler | None = None
        self._up = True
        self.on_back = on_back

    @property
    def status(self) -> str:
        return "up" if self._up else "down"

    async def start(self, handler: BusHandler) -> None:
        """Subscribe, so that what is published from now on is delivered; if Redis does not
        answer, go on subscribing in the background (the process starts and serves all the
        same)."""
        self._handler = handler
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        subscribed = False
        try:
            async with asyncio.timeout(PUBLISH_TIMEOUT):
                await pubsub.subscribe(self._channel)
            subscribed = True
        except Exception as exc:
            self._down(f"cannot subscribe ({exc.__class__.__name__}: {exc})")
        self._task = asyncio.create_task(self._listen(pubsub, handler, subscribed))

    async def _listen(
        self, pubsub: aioredis.client.PubSub, handler: BusHandler, subscribed: bool
    ) -> None:
        try:
            while True:
                try:
                    if not subscribed:
                        await pubsub.subscribe(self._channel)
                        subscribed = True
                        await self._back("subscribed again")
                    async for message in pubsub.listen():
                        data = message.get("data")
                        if isinstance(data, bytes):
                            handler(data)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # a broken connection: subscribe again after a pause
                    subscribed = False
                    self._down(f"subscription lost ({exc.__class__.__name__}: {exc})")
                    await asyncio.sleep(RETRY_SECONDS)
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def publish(self, message: bytes) -> None:
        try:
            async with asyncio.timeout(PUBLISH_TIMEOUT):
                await self._redis.publish(self._channel, message)
        except Exception as exc:
            self._down(f"publish failed ({exc.__class__.__name__}: {exc})")
            if self._handler is not None:
                self._handler(message)  # this process's streams still wake
            return
        await self._back("a publish went through")

    def _down(self, why: str) -> None:
        if self._up:
            log.warning(
                "redis: down, %s; serving on: this process wakes its own streams, the others "
                "catch up by their stream sweep until redis is back",
                why,
            )
        self._up = False

    async def _back(self, how: str) -> None:
        if self._up:
            return
        log.warning("redis: back (%s); streams catch up from the database now", how)
        self._up = True
        if self.on_back is not None:
            with contextlib.suppress(Exception):
                await self.on_back()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._redis.aclose()
