"""The Redis bus's channel is a setting (LIVEDESK_REDIS_CHANNEL), so deployments, and runs of the
suite, that share one Redis never hear each other; the suite gives its servers a channel of the
run's own (tests/per_run.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import tests.conftest
from livedesk.bus.redis import CHANNEL, RedisBus
from livedesk.config import Settings
from livedesk.container import build_container
from tests.conftest import REDIS_URL, TOKEN_KEY
from tests.e2e.server import ServerProcess
from tests.per_run import REDIS_CHANNEL, RUN_ID

NOWHERE_PG = "postgresql://nobody@127.0.0.1:1/livedesk_test_nowhere"  # never connected to


def test_the_channel_is_a_setting_and_defaults_to_the_one_deployments_had(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LIVEDESK_REDIS_CHANNEL", raising=False)
    assert Settings().redis_channel == CHANNEL == "livedesk:streams"
    monkeypatch.setenv("LIVEDESK_REDIS_CHANNEL", "tenant-a")
    assert Settings().redis_channel == "tenant-a"


async def test_the_container_builds_its_redis_bus_on_the_channel(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        database_url=NOWHERE_PG,
        redis_url="redis://127.0.0.1:1/0",  # RedisBus connects only when started
        redis_channel="tenant-a",
        token_key=TOKEN_KEY,
    )
    c = build_container(settings)
    try:
        assert isinstance(c.bus, RedisBus)
        assert c.bus._channel == "tenant-a"
    finally:
        await c.bus.close()
        await c.db.dispose()


async def test_a_server_on_another_channel_does_not_hear_it(tmp_path: Path) -> None:
    if REDIS_URL is None:
        pytest.skip("Redis: set LIVEDESK_TEST_REDIS_URL to test the Redis bus")
    channel = f"{REDIS_CHANNEL}:setting"
    settings = Settings(
        data_dir=tmp_path,
        database_url=NOWHERE_PG,
        redis_url=REDIS_URL,
        redis_channel=channel,
        token_key=TOKEN_KEY,
    )
    c = build_container(settings)
    heard: list[bytes] = []
    arrived = asyncio.Event()

    def hear(message: bytes) -> None:
        heard.append(message)
        arrived.set()

    other, same = RedisBus(REDIS_URL, f"{channel}:other"), RedisBus(REDIS_URL, channel)
    try:
        await c.bus.start(hear)
        await other.publish(b"another run")
        await same.publish(b"this run")
        await asyncio.wait_for(arrived.wait(), 5)
        await asyncio.sleep(0.2)
        assert heard == [b"this run"]
    finally:
        for bus in (other, same, c.bus):
            await bus.close()
        await c.db.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_suites_app_uses_the_runs_channel(settings: Settings) -> None:
    assert settings.redis_channel == REDIS_CHANNEL == f"livedesk-test-{RUN_ID}"


def test_the_suites_servers_use_the_runs_channel_and_no_redis_of_the_callers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIVEDESK_REDIS_URL", "redis://someones-redis:6379/0")
    monkeypatch.setenv("LIVEDESK_REDIS_CHANNEL", CHANNEL)
    monkeypatch.setattr(tests.conftest, "REDIS_URL", "redis://127.0.0.1:6379/9")
    on_pg = ServerProcess(tmp_path, NOWHERE_PG).environment()
    assert on_pg["LIVEDESK_REDIS_URL"] == "redis://127.0.0.1:6379/9"
    assert on_pg["LIVEDESK_REDIS_CHANNEL"] == REDIS_CHANNEL
    on_sqlite = ServerProcess(tmp_path, f"sqlite:///{tmp_path}/livedesk.db").environment()
    assert not any(name.startswith("LIVEDESK_REDIS_") for name in on_sqlite)
