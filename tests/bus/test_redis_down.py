"""Redis is only a wake-up (issue 19): while it is down a process keeps serving — a publish wakes
this process's own streams and never fails the request — says so in `/readyz` (still 200) and
in its log, and when Redis is back the streams catch up at once."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from livedesk.app import create_app
from livedesk.bus.redis import RedisBus
from livedesk.config import RateLimitSettings, Settings
from livedesk.setup.schemas import OrgFile
from livedesk.setup.service import apply_org
from tests.e2e.server import free_port
from tests.helpers import Api


def closed_port() -> int:
    return free_port()  # nothing listens there


async def test_a_publish_with_redis_down_wakes_this_process_and_never_fails() -> None:
    heard: list[bytes] = []
    bus = RedisBus(f"redis://127.0.0.1:{closed_port()}/0", "livedesk:test")
    await bus.start(heard.append)
    try:
        await bus.publish(b"E u:x 1\nframe")
        assert heard == [b"E u:x 1\nframe"]
        assert bus.status == "down"
    finally:
        await bus.close()


class RedisServer:
    """A redis-server of the test's own on a free loopback port, to stop and start again."""

    def __init__(self, binary: str, folder: Path) -> None:
        self.port = free_port()
        self._args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        self._args += ["--appendonly", "no", "--dir", str(folder)]
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(self._args, stdout=subprocess.DEVNULL)

    def kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed: the restart of Redis is not tried")
    server = RedisServer(binary, tmp_path)
    server.start()
    yield server
    server.kill()


async def wait_until(check: Callable[[], object], seconds: float = 10) -> None:
    async with asyncio.timeout(seconds):
        while not check():  # noqa: ASYNC110 (the bus has no event to wait on)
            await asyncio.sleep(0.05)


async def test_redis_restarted_the_bus_comes_back_and_catches_up(
    redis_server: RedisServer,
) -> None:
    heard: list[bytes] = []
    backs: list[int] = []

    async def on_back() -> None:
        backs.append(1)

    bus = RedisBus(f"redis://127.0.0.1:{redis_server.port}/0", "livedesk:test", on_back)
    await bus.start(heard.append)
    try:
        await bus.publish(b"one")
        await wait_until(lambda: b"one" in heard)

        redis_server.kill()
        await bus.publish(b"two")  # Redis is gone: delivered here, the request goes on
        assert b"two" in heard and bus.status == "down"

        redis_server.start()
        await wait_until(lambda: bus.status == "up" and backs, 15)
        await bus.publish(b"three")
        await wait_until(lambda: b"three" in heard)
    finally:
        await bus.close()


async def test_readyz_and_requests_while_redis_is_down(tmp_path: Path, demo_org: OrgFile) -> None:
    settings = Settings(
        data_dir=tmp_path,
        redis_url=f"redis://127.0.0.1:{closed_port()}/0",
        token_key="redis-down-test-signing-key-0123456789abcdef",
        rate_limits=RateLimitSettings(
            tokens_per_minute=0, messages_per_second=0, message_burst=0, streams_per_token=0
        ),
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        c = app.state.container
        await apply_org(c.db, c.clock, demo_org)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            ready = await http.get("/readyz")
            assert ready.status_code == 200
            assert ready.json() == {"status": "ready", "database": "up", "redis": "down"}
            customer = await Api(http).waiting_customer()  # commits and announces: no 500
            assert (await customer.send("hello")).status_code == 202
