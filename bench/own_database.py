"""A PostgreSQL database of a benchmark's own: made on the server a URL names, dropped at the end.

`postgresql://user@host:port/any` says where the server is and who logs in (the login needs
CREATEDB); the benchmark never touches the database it names: it makes `livedesk_bench_<random>`
through the server's `postgres` database and drops it at the end, whatever happens.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import secrets
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from livedesk.kit.db import async_url

T = TypeVar("T")


async def _admin(server_url: str, statement: str) -> None:
    server = make_url(server_url).set(database="postgres")
    engine = create_async_engine(
        async_url(server.render_as_string(hide_password=False)),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
    )
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


def _named(server_url: str, name: str) -> str:
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


@asynccontextmanager
async def own_database(server_url: str | None) -> AsyncIterator[str | None]:
    """Nothing for SQLite (None: the caller's temporary file); on PostgreSQL the URL of a
    database made for this run, dropped at the end."""
    if server_url is None:
        yield None
        return
    name = f"livedesk_bench_{secrets.token_hex(4)}"
    await _admin(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield _named(server_url, name)
    finally:
        await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end on a loop of its own (the caller may be between loop runs)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@contextmanager
def owned_database(server_url: str) -> Iterator[str]:
    """`own_database` for synchronous callers."""
    name = f"livedesk_bench_{secrets.token_hex(4)}"
    _run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    try:
        yield _named(server_url, name)
    finally:
        _run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
