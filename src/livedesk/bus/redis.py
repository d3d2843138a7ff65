"""The Redis bus: pub/sub on one channel, so any number of processes wake each other's streams.

Pub/sub may drop a message when a connection breaks; that is fine here because a stream that
notices a gap (or reconnects) reads what it missed from the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import redis.asyncio as aioredis

from livedesk.bus.protocol import BusHandler

CHANNEL = "livedesk:streams"
log = logging.getLogger(__name__)


class RedisBus:
    def __init__(self, url: str, channel: str = CHANNEL) -> None:
        self._redis = aioredis.Redis.from_url(url)
        self._channel = channel
        self._task: asyncio.Task[None] | None = None

    async def start(self, handler: BusHandler) -> None:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self._channel)
        self._task = asyncio.create_task(self._listen(pubsub, handler))

    async def _listen(self, pubsub: aioredis.client.PubSub, handler: BusHandler) -> None:
        while True:
            try:
                async for message in pubsub.listen():
                    data = message.get("data")
                    if isinstance(data, bytes):
                        handler(data)
            except asyncio.CancelledError:
                await pubsub.aclose()  # type: ignore[no-untyped-call]
                raise
            except Exception:  # a broken connection: resubscribe after a pause
                log.warning("redis bus connection lost; resubscribing", exc_info=True)
                await asyncio.sleep(1.0)
                with contextlib.suppress(Exception):
                    await pubsub.subscribe(self._channel)

    async def publish(self, message: bytes) -> None:
        await self._redis.publish(self._channel, message)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._redis.aclose()
