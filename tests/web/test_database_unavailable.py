"""A database out of reach is a 503 `database_unavailable` with `Retry-After`, never a 500; what
is wrong with a statement, or a file, stays a 500. (The real outage: tests/e2e/test_faults.py.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from livedesk.app import create_app
from livedesk.config import RateLimitSettings, Settings
from livedesk.kit.db import Database
from livedesk.web.errors import (
    DATABASE_RETRY_SECONDS,
    database_unreachable,
    install_error_handlers,
)
from tests.e2e.server import free_port
from tests.helpers import MIAW, ORG


class AsyncpgLike(Exception):
    """What asyncpg raises: its SQLSTATE in `sqlstate`."""

    def __init__(self, message: str, sqlstate: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def closed_postgres_url() -> str:
    return f"postgresql://postgres@127.0.0.1:{free_port()}/none"  # nothing listens there


async def refused() -> None:
    """What a unit of work meets when PostgreSQL is down: a refused connection (a bare
    ConnectionRefusedError from asyncpg, not wrapped by SQLAlchemy)."""
    db = Database(closed_postgres_url())
    try:
        await db.read(lambda conn: conn.execute(text("SELECT 1")))
    finally:
        await db.dispose()


def write_a_file() -> None:
    """An OSError of LiveDesk's own, not the database's."""
    Path("/nonexistent-folder/livedesk/file").write_bytes(b"x")


def assert_unavailable(r: httpx.Response) -> None:
    assert r.status_code == 503, r.text
    body = r.json()
    assert body["code"] == "database_unavailable"
    assert body["message"].endswith(".") and " " in body["message"]
    assert body["retryAfterSeconds"] == DATABASE_RETRY_SECONDS
    assert r.headers["Retry-After"] == str(DATABASE_RETRY_SECONDS)


@pytest.fixture
async def raising() -> AsyncIterator[httpx.AsyncClient]:
    """An app whose routes raise what the database layer can raise."""
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/refused")
    async def _refused() -> None:
        await refused()

    @app.get("/invalidated")
    async def _invalidated() -> None:
        raise DBAPIError("SELECT 1", {}, Exception("closed"), connection_invalidated=True)

    @app.get("/shutdown")
    async def _shutdown() -> None:
        orig = AsyncpgLike("terminating connection due to administrator command", "57P01")
        raise DBAPIError("SELECT 1", {}, orig) from orig

    @app.get("/pool-timeout")
    async def _pool_timeout() -> None:
        raise PoolTimeout("QueuePool limit of size 10 overflow 10 reached")

    @app.get("/duplicate")
    async def _duplicate() -> None:
        raise IntegrityError("INSERT", {}, AsyncpgLike("duplicate key", "23505"))

    @app.get("/disk")
    async def _disk() -> None:
        write_a_file()

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.mark.parametrize("path", ["/refused", "/invalidated", "/shutdown", "/pool-timeout"])
async def test_the_database_out_of_reach_is_a_503(raising: httpx.AsyncClient, path: str) -> None:
    assert_unavailable(await raising.get(path))


@pytest.mark.parametrize("path", ["/duplicate", "/disk"])
async def test_other_database_and_file_errors_stay_a_500(
    raising: httpx.AsyncClient, path: str
) -> None:
    r = await raising.get(path)
    assert r.status_code == 500
    assert r.json()["code"] == "internal_error"


async def test_a_refused_connection_is_recognised_as_the_database_out_of_reach() -> None:
    with pytest.raises(OSError) as caught:
        await refused()
    assert database_unreachable(caught.value)
    assert not database_unreachable(ConnectionRefusedError("not from a database driver"))


async def test_every_call_on_a_server_whose_postgresql_is_down_answers_503(
    tmp_path: Path,
) -> None:
    """The whole app, on a PostgreSQL nobody listens for: no 500 anywhere, and /readyz 503."""
    settings = Settings(
        data_dir=tmp_path,
        database_url=closed_postgres_url(),
        token_key="database-down-test-signing-key-0123456789abcdef",
        migrate_on_start=False,
        rate_limits=RateLimitSettings(
            tokens_per_minute=0, messages_per_second=0, message_burst=0, streams_per_token=0
        ),
    )
    app = create_app(settings)  # no lifespan: it would stop at the database
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            ready = await http.get("/readyz")
            assert ready.status_code == 503 and ready.json()["code"] == "database_unavailable"
            assert (await http.get("/healthz")).status_code == 200  # the process answers
            login = await http.post("/api/v1/auth/login", json={"username": "a", "password": "b"})
            assert_unavailable(login)
            token = await http.post(
                f"{MIAW}/authorization/unauthenticated/access-token",
                json={"orgId": ORG, "esDeveloperName": "Web_Chat"},
            )
            assert_unavailable(token)
    finally:
        await app.state.container.db.dispose()
