"""The database: a unit of work is a plain function of a Connection, run in one transaction.

SQLite runs each unit of work in a worker thread on the stdlib driver: one dedicated writer thread
(SQLite has one writer anyway, so there is never a busy wait) and a small pool of reader threads
(WAL lets them read while the writer writes). PostgreSQL runs the same functions on asyncpg through
SQLAlchemy's `run_sync`. Either way a transaction is one hop, not one hop per statement, and the
repositories are written once.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeAlias, TypeVar

from sqlalchemy import Connection, Engine, MetaData, Row, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import DeclarativeBase

from livedesk.kit import jsonutil

T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


UnitOfWork = Callable[[Connection], T]
DbRow: TypeAlias = Row[*tuple[Any, ...]]
RETRIES = 3
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "23505"})


def _sqlstate(exc: DBAPIError) -> str | None:
    orig = exc.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return code if isinstance(code, str) else None


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / 'livedesk.db').resolve()}"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sync_url(url: str) -> str:
    """The stdlib-driver form of a SQLite URL (aiosqlite URLs are accepted too)."""
    u = make_url(url)
    return u.set(drivername="sqlite").render_as_string(hide_password=False)


def async_url(url: str) -> str:
    u = make_url(url)
    if u.get_backend_name() == "postgresql":
        u = u.set(drivername="postgresql+asyncpg")
    return u.render_as_string(hide_password=False)


def _json_serializer(value: Any) -> str:
    return jsonutil.dumps_str(value)


def _sqlite_engine(url: str, *, immediate: bool) -> Engine:
    engine = create_engine(
        sync_url(url),
        json_serializer=_json_serializer,
        json_deserializer=jsonutil.loads,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=8,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """Runs units of work in transactions; the only door to the database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = is_sqlite(url)
        self._async_engine: AsyncEngine | None = None
        self._writer: Engine | None = None
        self._reader: Engine | None = None
        if self.is_sqlite:
            self._writer = _sqlite_engine(url, immediate=True)
            self._reader = _sqlite_engine(url, immediate=False)
            self._write_pool = concurrent.futures.ThreadPoolExecutor(1, "livedesk-db-write")
            self._read_pool = concurrent.futures.ThreadPoolExecutor(2, "livedesk-db-read")
        else:
            self._async_engine = create_async_engine(
                async_url(url),
                json_serializer=_json_serializer,
                json_deserializer=jsonutil.loads,
                pool_size=10,
                max_overflow=10,
            )

    @property
    def dialect_name(self) -> str:
        return "sqlite" if self.is_sqlite else "postgresql"

    async def transaction(self, work: UnitOfWork[T]) -> T:
        """Run `work` in one read-write transaction: commit if it returns, roll back if it raises.
        `work` may run more than once on PostgreSQL, so it must do nothing but database work."""
        if self._async_engine is None:
            assert self._writer is not None
            return await _in_thread(self._write_pool, self._writer, work)
        for attempt in range(1, RETRIES + 1):
            try:
                async with self._async_engine.begin() as conn:
                    return await conn.run_sync(work)
            except DBAPIError as exc:
                # Two writers raced (deadlock, serialization, the same new key): the work runs
                # again from scratch and now sees what the winner committed.
                if attempt == RETRIES or _sqlstate(exc) not in RETRYABLE_SQLSTATES:
                    raise
        raise AssertionError("unreachable")

    async def read(self, work: UnitOfWork[T]) -> T:
        """Run `work` in a read-only transaction (it may run beside a writer)."""
        if self._async_engine is not None:
            async with self._async_engine.connect() as conn:
                return await conn.run_sync(work)
        assert self._reader is not None
        return await _in_thread(self._read_pool, self._reader, work)

    async def dispose(self) -> None:
        if self._async_engine is not None:
            await self._async_engine.dispose()
            return
        assert self._writer is not None and self._reader is not None
        self._write_pool.shutdown(wait=True)
        self._read_pool.shutdown(wait=True)
        self._writer.dispose()
        self._reader.dispose()


async def _in_thread(pool: concurrent.futures.Executor, engine: Engine, work: UnitOfWork[T]) -> T:
    def run() -> T:
        with engine.begin() as conn:
            return work(conn)

    return await asyncio.get_running_loop().run_in_executor(pool, run)
