"""Publishing again is not hearing again: while the subscription is lost a publish may go
through (this process's own, or another's), and this process's streams hear none of it. So the
catch-up (`on_back`) runs after the subscription is back, not when a publish first goes
through, and `status` stays `down` until then. A stand-in for Redis makes each step happen
exactly when the test says."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import redis.exceptions

import livedesk.bus.redis as bus_module
from livedesk.bus.redis import RedisBus


class FakePubSub:
    def __init__(self, server: FakeRedis) -> None:
        self._server = server
        self._inbox: asyncio.Queue[dict[str, object] | Exception] = asyncio.Queue()
        self.subscribed = False
        self.lost = False

    async def subscribe(self, channel: str) -> None:
        await self._server.reachable.wait()  # a connect that takes as long as Redis is away
        if not self._server.subscribing:
            raise redis.exceptions.ConnectionError("subscribe refused (test)")
        self._inbox = asyncio.Queue()
        self.subscribed = True
        self._server.subscribers.append(self)
        if self._server.confirming:
            if self.lost:  # redis-py subscribes again by itself on reconnecting, then ours
                self.confirm()
            self.confirm()

    def confirm(self) -> None:
        """What Redis answers once it has subscribed (after `subscribe` has returned)."""
        self._inbox.put_nowait({"type": "subscribe", "channel": b"livedesk:test", "data": 1})

    async def listen(self) -> AsyncIterator[dict[str, object]]:
        while True:
            item = await self._inbox.get()
            if isinstance(item, Exception):
                raise item
            yield item

    def deliver(self, message: bytes) -> None:
        self._inbox.put_nowait({"type": "message", "channel": b"livedesk:test", "data": message})

    def cut(self) -> None:
        self.subscribed = False
        self.lost = True
        self._inbox.put_nowait(redis.exceptions.ConnectionError("connection lost (test)"))

    async def aclose(self) -> None:
        self.subscribed = False


class FakeRedis:
    """Publishing and subscribing are switched on and off apart; while Redis is away a
    subscribe waits (until `reachable` is set) as a connect would."""

    def __init__(self) -> None:
        self.publishing = True
        self.subscribing = True  # False: a subscribe is refused at once
        self.reachable = asyncio.Event()
        self.reachable.set()
        self.confirming = True  # False: a subscribe is confirmed when the test says
        self.subscribers: list[FakePubSub] = []

    def pubsub(self, **options: object) -> FakePubSub:
        return FakePubSub(self)

    async def publish(self, channel: str, message: bytes) -> int:
        if not self.publishing:
            raise redis.exceptions.ConnectionError("publish refused (test)")
        for subscriber in self.subscribers:
            subscriber.deliver(message)
        return len(self.subscribers)

    def go_down(self) -> None:
        self.publishing = False
        self.reachable.clear()
        for subscriber in self.subscribers:
            subscriber.cut()
        self.subscribers = []

    async def aclose(self) -> None:
        pass


async def wait_until(check: Callable[[], object], seconds: float = 5) -> None:
    async with asyncio.timeout(seconds):
        while not check():  # noqa: ASYNC110 (the bus has no event to wait on)
            await asyncio.sleep(0.01)


async def settle() -> None:
    for _ in range(20):  # let the listener run what it can now (it retries every 10 ms)
        await asyncio.sleep(0.01)


@pytest.fixture
def fast_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bus_module, "RETRY_SECONDS", 0.01)


def bus_on(server: FakeRedis, on_back: Callable[[], Awaitable[object]]) -> RedisBus:
    bus = RedisBus("redis://127.0.0.1:1/0", "livedesk:test", on_back)
    bus._redis = server  # type: ignore[assignment]
    return bus


async def lose_the_subscription_then_publish_again(
    server: FakeRedis, bus: RedisBus, heard: list[bytes]
) -> None:
    """Redis goes, then answers publishes again before the listener has subscribed again."""
    await bus.publish(b"one")
    await wait_until(lambda: heard == [b"one"])
    server.go_down()
    await wait_until(lambda: bus.status == "down")  # the listener saw its connection go
    await bus.publish(b"two")  # fails: this process's streams wake all the same
    assert heard == [b"one", b"two"]
    server.publishing = True
    await bus.publish(b"three")  # goes through, and nobody here hears it
    await server.publish("livedesk:test", b"from another process")
    await settle()
    assert heard == [b"one", b"two"]  # the listener still waits to subscribe again


async def test_the_catch_up_runs_once_subscribed_again_though_a_publish_went_through_before(
    fast_retry: None,
) -> None:
    server = FakeRedis()
    heard: list[bytes] = []
    subscribed_at_catch_up: list[bool] = []

    async def on_back() -> None:  # the container's sweep: reads what was missed, from the DB
        subscribed_at_catch_up.append(any(s.subscribed for s in server.subscribers))

    bus = bus_on(server, on_back)
    await bus.start(heard.append)
    try:
        await lose_the_subscription_then_publish_again(server, bus, heard)
        await server.publish("livedesk:test", b"from another process, later")
        server.reachable.set()  # the listener's subscribe goes through now
        # "three" and the other process's news reach this process's streams through the
        # catch-up right after subscribing again, not by the 15 s sweep
        await wait_until(lambda: True in subscribed_at_catch_up, 2)
        assert subscribed_at_catch_up[-1] is True
        assert bus.status == "up"
        await bus.publish(b"four")
        await wait_until(lambda: heard == [b"one", b"two", b"four"])
    finally:
        await bus.close()


async def test_unsubscribed_is_down_and_one_outage_logs_one_down_and_one_back(
    fast_retry: None, caplog: pytest.LogCaptureFixture
) -> None:
    server = FakeRedis()
    heard: list[bytes] = []
    backs: list[str] = []

    async def on_back() -> None:
        backs.append(bus.status)

    bus = bus_on(server, on_back)
    caplog.set_level(logging.WARNING, logger=bus_module.__name__)
    await bus.start(heard.append)
    try:
        await lose_the_subscription_then_publish_again(server, bus, heard)
        assert bus.status == "down"  # publishing again is not hearing again
        assert backs == []  # a catch-up now would miss what is published until subscribed
        server.reachable.set()
        await wait_until(lambda: backs, 2)
        assert backs == ["up"]
    finally:
        await bus.close()
    lines = [r.getMessage() for r in caplog.records]
    assert [line.split(" ")[1].rstrip(",") for line in lines] == ["down", "back"], lines
    assert "subscribed again" in lines[1]


async def test_a_failed_first_subscribe_catches_up_when_it_succeeds(fast_retry: None) -> None:
    server = FakeRedis()
    server.subscribing = False
    backs: list[str] = []

    async def on_back() -> None:
        backs.append(bus.status)

    bus = bus_on(server, on_back)
    await bus.start(lambda message: None)
    try:
        await bus.publish(b"one")  # goes through; this process cannot hear yet
        await settle()
        assert bus.status == "down" and backs == []
        server.subscribing = True
        await wait_until(lambda: backs, 2)
        assert backs == ["up"]
    finally:
        await bus.close()


async def test_a_publish_failure_alone_comes_back_with_the_next_publish(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = FakeRedis()
    heard: list[bytes] = []
    backs: list[int] = []

    async def on_back() -> None:
        backs.append(1)

    bus = bus_on(server, on_back)
    caplog.set_level(logging.WARNING, logger=bus_module.__name__)
    await bus.start(heard.append)
    try:
        server.publishing = False  # a stall on publishing only: the subscription still hears
        await bus.publish(b"one")
        await bus.publish(b"two")
        assert heard == [b"one", b"two"] and bus.status == "down"
        server.publishing = True
        await bus.publish(b"three")
        assert bus.status == "up" and backs == [1]
        await wait_until(lambda: heard == [b"one", b"two", b"three"])
    finally:
        await bus.close()
    assert [r.getMessage().split(" ")[1].rstrip(",") for r in caplog.records] == ["down", "back"]


async def test_the_catch_up_waits_for_redis_to_confirm_the_subscription(fast_retry: None) -> None:
    """`subscribe` only sends the command: a catch-up before Redis has subscribed could miss
    what is published in between."""
    server = FakeRedis()
    heard: list[bytes] = []
    backs: list[str] = []

    async def on_back() -> None:
        backs.append(bus.status)

    bus = bus_on(server, on_back)
    await bus.start(heard.append)
    try:
        await lose_the_subscription_then_publish_again(server, bus, heard)
        server.confirming = False
        server.reachable.set()
        await wait_until(lambda: server.subscribers)  # sent, not confirmed yet
        await settle()
        assert backs == [] and bus.status == "down"
        server.subscribers[0].confirm()
        await wait_until(lambda: backs, 2)
        assert backs == ["up"]
    finally:
        await bus.close()
