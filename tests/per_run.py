"""What one run of the suite owns on shared servers, so two runs on one machine (or on one
PostgreSQL and one Redis) never meet, and nobody's own data is touched:

- a PostgreSQL database made for the run, `livedesk_test_<pid>_<random hex>` (a pytest-xdist
  worker is a process of its own, so it gets its own, suffixed with the worker's id), dropped
  when the run ends, failed or not. LIVEDESK_TEST_DATABASE_URL only says where the server is and
  who logs in: the run connects to the server's maintenance database (`postgres`) to CREATE and
  DROP its database and never connects to the database the URL names, so any name works there
  (`/postgres`, `/test`, …). The login needs CREATEDB.
- a Redis pub/sub channel, `livedesk-test-<run id>`, given to every server and app the run
  starts (`redis_channel`, LIVEDESK_REDIS_CHANNEL), so runs on one Redis never hear each other.

A database is only reset or dropped by the object that created it, so an existing database,
whatever its name, is never touched. A run killed with SIGKILL cannot drop its database; another
run never drops it either (it cannot tell a dead run from a live one on another machine), so such
leftovers are named `livedesk_test_*` for whoever cleans up.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from livedesk.kit.db import async_url

T = TypeVar("T")

MAINTENANCE_DATABASE = "postgres"
DATABASE_PREFIX = "livedesk_test_"


def new_run_id() -> str:
    run = f"{os.getpid()}_{secrets.token_hex(4)}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return f"{run}_{worker.lower()}" if worker else run


RUN_ID = new_run_id()
REDIS_CHANNEL = f"livedesk-test-{RUN_ID}"


def database_name(run_id: str = RUN_ID) -> str:
    return DATABASE_PREFIX + run_id


def with_database(url: str, name: str) -> str:
    """`url` with its database replaced (host, port, login, password and options kept)."""
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def database_exists(server_url: str, name: str) -> bool:
    """Whether the server `server_url` points at has a database `name` (asked of `postgres`)."""

    async def ask(conn: AsyncConnection) -> bool:
        found = await conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
        return found.first() is not None

    return _connected(with_database(server_url, MAINTENANCE_DATABASE), ask)


class RunDatabase:
    """A database of its own on the PostgreSQL server that `server_url` points at."""

    def __init__(self, server_url: str, name: str | None = None) -> None:
        self.name = name or database_name()
        if not self.name.startswith(DATABASE_PREFIX) or not self.name.replace("_", "").isalnum():
            raise ValueError(f"not a name for a test run's database: {self.name!r}")
        self.url = with_database(server_url, self.name)
        self._maintenance_url = with_database(server_url, MAINTENANCE_DATABASE)
        self.created = False

    def create(self) -> str:
        """Make the database and return its URL. No IF NOT EXISTS: if the name is taken, this
        fails rather than adopt someone else's database."""

        async def create(conn: AsyncConnection) -> None:
            await conn.execute(text(f'CREATE DATABASE "{self.name}"'))

        try:
            _connected(self._maintenance_url, create)
        except Exception as exc:
            where = make_url(self._maintenance_url).render_as_string(hide_password=True)
            raise RuntimeError(
                f"could not create the test run's database {self.name} through {where} "
                "(LIVEDESK_TEST_DATABASE_URL names the server; its login needs CREATEDB)"
            ) from exc
        self.created = True
        return self.url

    def reset_schema(self) -> None:
        """Empty the database: drop and recreate its `public` schema."""
        self._check_created()

        async def reset(conn: AsyncConnection) -> None:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))

        _connected(self.url, reset)

    def drop(self) -> None:
        """Drop the database, closing any connection still open to it (a server process the run
        started, or killed). Does nothing if this object did not create it."""
        if not self.created:
            return

        async def drop(conn: AsyncConnection) -> None:
            version = int((await conn.execute(text("SHOW server_version_num"))).scalar_one())
            if version >= 130000:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            else:
                await conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": self.name},
                )
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}"'))

        _connected(self._maintenance_url, drop)
        self.created = False

    def _check_created(self) -> None:
        if not self.created:
            raise RuntimeError(f"{self.name} was not created by this run: it is left alone")


def _connected(url: str, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    """Run `work` on one connection outside any transaction (CREATE/DROP DATABASE need that)."""

    async def run() -> T:
        engine = create_async_engine(
            async_url(url), isolation_level="AUTOCOMMIT", poolclass=NullPool
        )
        try:
            async with engine.connect() as conn:
                return await work(conn)
        finally:
            await engine.dispose()

    return asyncio.run(run())
