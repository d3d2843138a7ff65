"""The Redis bus: pub/sub on one channel, so any number of processes wake each other's streams.

Redis is only a wake-up. Pub/sub may drop a message when a connection breaks; that is fine here
because a stream that notices a gap (or reconnects) reads what it missed from the database, and
the stream sweep pokes every stream that is behind. While Redis is down or stalls, a process
keeps serving: a publish that fails (or takes longer than `PUBLISH_TIMEOUT`) wakes this
process's own streams directly and is logged once; the other processes' streams catch up by
their sweep. Publishing and the subscription are watched apart: a publish that goes through
does not mean this process hears again, so what is published while the subscription is lost
(by the other processes, and by this one) is made up for when the subscription is back: after
every subscribe that follows a loss (or a failed first subscribe), `on_back` runs (the container
sweeps at once), so no stream waits for the next sweep. `status` says `up` while both work and
`down` otherwise (`/readyz` shows it); one `redis: down` line and one `redis: back` line are
logged per outage.
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
        self._publish_failed = False  # the last publish failed or stalled
        self._subscription_lost = False  # not subscribed (yet, or again): others' news is missed
        self.on_back = on_back

    @property
    def _up(self) -> bool:
        return not (self._publish_failed or self._subscription_lost)

    @property
    def status(self) -> str:
        return "up" if self._up else "down"

    async def start(self, handler: BusHandler) -> None:
        """Subscribe, so that what is published from now on is delivered; if Redis does not
        answer, go on subscribing in the background (the process starts and serves all the
        same)."""
        self._handler = handler
        pubsub = self._redis.pubsub()  # its `subscribe` confirmations say when a catch-up can run
        subscribed = False
        try:
            async with asyncio.timeout(PUBLISH_TIMEOUT):
                await pubsub.subscribe(self._channel)
            subscribed = True
        except Exception as exc:
            self._down(f"cannot subscribe ({exc.__class__.__name__}: {exc})", subscription=True)
        self._task = asyncio.create_task(self._listen(pubsub, handler, subscribed))

    async def _listen(
        self, pubsub: aioredis.client.PubSub, handler: BusHandler, subscribed: bool
    ) -> None:
        # The first confirmation after a time unsubscribed (a lost connection, or a failed
        # first subscribe) ends it: awaited rather than `subscribe` itself, which only sends the
        # command. Once Redis confirms, whatever is published reaches this process, so a
        # catch-up from then on misses nothing. (After a reconnect redis-py subscribes again by
        # itself as well: a second confirmation, no second catch-up.)
        catch_up = not subscribed
        try:
            while True:
                try:
                    if not subscribed:
                        await pubsub.subscribe(self._channel)
                        subscribed = True
                    async for message in pubsub.listen():
                        kind = message.get("type")
                        data = message.get("data")
                        if kind == "message" and isinstance(data, bytes):
                            handler(data)
                        elif kind == "subscribe" and catch_up:
                            catch_up = False
                            await self._subscribed_again()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # a broken connection: subscribe again after a pause
                    subscribed, catch_up = False, True
                    why = f"subscription lost ({exc.__class__.__name__}: {exc})"
                    self._down(why, subscription=True)
                    await asyncio.sleep(RETRY_SECONDS)
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def publish(self, message: bytes) -> None:
        try:
            async with asyncio.timeout(PUBLISH_TIMEOUT):
                await self._redis.publish(self._channel, message)
        except Exception as exc:
            self._down(f"publish failed ({exc.__class__.__name__}: {exc})", subscription=False)
            if self._handler is not None:
                self._handler(message)  # this process's streams still wake
            return
        if self._publish_failed:
            self._publish_failed = False
            # Still unsubscribed: this process does not hear yet (not even this publish), so
            # it is not back; the catch-up waits for the subscription (`_subscribed_again`).
            if self._up:
                await self._back("a publish went through")

    def _down(self, why: str, *, subscription: bool) -> None:
        if self._up:
            log.warning(
                "redis: down, %s; serving on: this process wakes its own streams, the others "
                "catch up by their stream sweep until redis is back",
                why,
            )
        if subscription:
            self._subscription_lost = True
        else:
            self._publish_failed = True

    async def _subscribed_again(self) -> None:
        """Catch up, always: whatever was published while unsubscribed (a moment, or a whole
        outage; by any process, this one too) reached none of this process's streams. Then a
        publish that went through meanwhile did not mean back: `_publish_failed` alone is
        cleared by a publish, `_subscription_lost` only here."""
        self._subscription_lost = False
        self._publish_failed = False  # Redis answers again; the next publish says otherwise
        await self._back("subscribed again")

    async def _back(self, how: str) -> None:
        log.warning("redis: back (%s); streams catch up from the database now", how)
        if self.on_back is not None:
            with contextlib.suppress(Exception):
                await self.on_back()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._redis.aclose()
