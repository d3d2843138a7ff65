"""Fixtures: an app per test on a fresh database (SQLite, and PostgreSQL when
LIVEDESK_TEST_DATABASE_URL is set), a fake clock, HTTP clients, and a real server for streams.

On PostgreSQL the run makes a database of its own and drops it at the end; the URL only names the
server (tests/per_run.py). With Redis, the run's servers talk on a channel of its own."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from livedesk.app import create_app
from livedesk.config import RateLimitSettings, Settings, TimerSettings
from livedesk.kit.clock import FakeClock
from livedesk.kit.db import async_url, sqlite_url
from livedesk.kit.migrate import upgrade_database
from livedesk.models import Base
from livedesk.setup.loader import load_demo_org
from livedesk.setup.schemas import OrgFile
from livedesk.setup.service import apply_org
from tests.helpers import Api
from tests.per_run import DATABASE_PREFIX, REDIS_CHANNEL, RunDatabase

# Where the PostgreSQL server is and who logs in; the database it names is never used.
PG_URL = os.environ.get("LIVEDESK_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("LIVEDESK_TEST_REDIS_URL")
TOKEN_KEY = "test-signing-key-with-enough-entropy-0123456789"


@pytest.fixture(scope="session")
def demo_org() -> OrgFile:
    """The demo org with its passwords hashed once for the whole run (argon2 is slow on purpose)."""
    from livedesk.auth.passwords import hash_password

    org = load_demo_org()
    agents = [
        a.model_copy(update={"password": None, "password_hash": hash_password(a.password or "")})
        for a in org.agents
    ]
    return org.model_copy(update={"agents": agents})


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("template")
    upgrade_database(sqlite_url(folder))
    return folder / "livedesk.db"


@pytest.fixture(scope="session")
def pg_migrated() -> Iterator[str]:
    """This run's own PostgreSQL database, made, emptied and migrated once per run (per
    pytest-xdist worker), and dropped when the run ends, whether it passed or not."""
    assert PG_URL is not None
    database = RunDatabase(PG_URL)
    database.create()
    try:
        database.reset_schema()  # only ever the run's own database (RunDatabase refuses others)
        upgrade_database(database.url)
        yield database.url
    finally:
        database.drop()


def _pg_execute(url: str, *statements: str) -> None:
    async def run() -> None:
        engine = create_async_engine(async_url(url))
        async with engine.begin() as conn:
            for statement in statements:
                await conn.execute(text(statement))
        await engine.dispose()

    asyncio.run(run())


def _pg_fetch(url: str, query: str) -> list[str]:
    """The first column of `query`'s rows."""

    async def run() -> list[str]:
        engine = create_async_engine(async_url(url))
        async with engine.connect() as conn:
            found = list((await conn.execute(text(query))).scalars())
        await engine.dispose()
        return found

    return asyncio.run(run())


_DELETES = [f"DELETE FROM {t.name}" for t in reversed(Base.metadata.sorted_tables)]
_SEQUENCES: dict[str, list[str]] = {}  # per database URL: its sequences, read once


def empty_pg(url: str) -> None:
    """Empty this run's database (and only it) for the next test: every table, children first,
    and its sequences started over, as `TRUNCATE … RESTART IDENTITY` would, at a third of its
    cost on tables of a few rows (a TRUNCATE makes each table's files anew)."""
    assert (make_url(url).database or "").startswith(DATABASE_PREFIX), "not this run's database"
    if url not in _SEQUENCES:
        _SEQUENCES[url] = _pg_fetch(url, "SELECT sequence_name FROM information_schema.sequences")
    _pg_execute(url, *_DELETES, *(f"ALTER SEQUENCE {name} RESTART" for name in _SEQUENCES[url]))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copy(template, tmp_path / "livedesk.db")
        return sqlite_url(tmp_path)
    if PG_URL is None:
        pytest.skip("PostgreSQL: set LIVEDESK_TEST_DATABASE_URL to run on PostgreSQL too")
    url: str = request.getfixturevalue("pg_migrated")
    empty_pg(url)
    return url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def bus_url(database_url: str) -> str | None:
    """The PostgreSQL half of the suite runs as production does: with the Redis bus."""
    return None if database_url.startswith("sqlite") else REDIS_URL


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        redis_url=bus_url(database_url),
        redis_channel=REDIS_CHANNEL,
        token_key=TOKEN_KEY,
        migrate_on_start=False,
        # Tests fire timers themselves (`scheduler.run_due()` after moving the fake clock).
        timers=TimerSettings(poll_seconds=3600),
        # Tests make tokens and messages faster than people do; tests/web/test_limits.py turns
        # the limits on.
        rate_limits=RateLimitSettings(
            tokens_per_minute=0, messages_per_second=0, message_burst=0, streams_per_token=0
        ),
    )


@pytest.fixture
async def app(settings: Settings, clock: FakeClock, demo_org: OrgFile) -> AsyncIterator[FastAPI]:
    application = create_app(settings, clock)
    async with application.router.lifespan_context(application):
        c = application.state.container
        await apply_org(c.db, c.clock, demo_org)
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def api(client: httpx.AsyncClient) -> Api:
    return Api(client)


@pytest.fixture
async def live_url(app: FastAPI) -> AsyncIterator[str]:
    """The same app served by a real uvicorn on loopback (streams need a real server)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)  # connections made before uvicorn starts wait in the backlog
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        server.force_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()


@pytest.fixture
async def live(live_url: str) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=live_url, timeout=10) as http:
        yield Api(http)
