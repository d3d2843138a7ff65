"""One contract, every bus: what one publishes, every started bus hands to its handler, in order."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from livedesk.bus import Bus
from livedesk.bus.memory import MemoryBus
from livedesk.bus.redis import RedisBus
from tests.per_run import REDIS_CHANNEL

REDIS_URL = os.environ.get("LIVEDESK_TEST_REDIS_URL")


class Collector:
    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.arrived = asyncio.Event()

    def __call__(self, message: bytes) -> None:
        self.messages.append(message)
        self.arrived.set()

    async def wait_for(self, count: int) -> list[bytes]:
        async with asyncio.timeout(5):
            while len(self.messages) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.messages


@pytest.fixture(params=["memory", "redis"])
async def make_bus(request: pytest.FixtureRequest) -> AsyncIterator[Callable[[], Bus]]:
    channel = f"{REDIS_CHANNEL}:{uuid.uuid4()}"  # the run's, and the test's own
    made: list[Bus] = []

    def make() -> Bus:
        if request.param == "memory":
            bus: Bus = made[0] if made else MemoryBus()
        else:
            if REDIS_URL is None:
                pytest.skip("Redis: set LIVEDESK_TEST_REDIS_URL to test the Redis bus")
            bus = RedisBus(REDIS_URL, channel)
        made.append(bus)
        return bus

    yield make
    for bus in {id(b): b for b in made}.values():
        await bus.close()


async def test_published_messages_arrive_in_order(make_bus: Callable[[], Bus]) -> None:
    bus = make_bus()
    got = Collector()
    await bus.start(got)
    sent = [b"E u:1 %d\nframe" % i for i in range(50)]
    for message in sent:
        await bus.publish(message)
    assert await got.wait_for(50) == sent


async def test_another_process_bus_hears_it_too(make_bus: Callable[[], Bus]) -> None:
    if isinstance(first := make_bus(), MemoryBus):
        pytest.skip("the memory bus is one process by definition")
    second = make_bus()
    got = Collector()
    await second.start(got)
    await first.start(Collector())
    await first.publish(b"R u:1 token")
    assert await got.wait_for(1) == [b"R u:1 token"]
