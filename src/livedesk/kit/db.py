"""The database: a unit of work is a plain function of a Connection, run in one transaction.

SQLite runs a read-write unit of work right on the event loop, on one writer connection of the
stdlib driver that stays open: SQLite has one writer anyway, a unit of work is a few statements on
pages that are in memory, and handing it to a thread costs more than running it (two thread
switches and a fight for the GIL). Units of work commit in groups: the first one of a loop turn
begins a transaction and schedules its COMMIT for the end of the turn, each unit runs in its own
savepoint (an error rolls back that unit alone), and every caller returns only once the COMMIT is
done, so nothing is acknowledged before it is stored. A COMMIT writes every page it changed to the
WAL; sharing it among the messages that arrived together was worth 20% of the message path.
The two things that can wait on something else go to threads: a write that finds the database
locked by another process (`livedesk apply` beside a running server) is retried in the writer
thread, which may wait; and WAL checkpoints, which sync the disk, run there every second instead
of inside a commit. Reads run in a small pool of reader threads (WAL lets them read while the
writer writes). PostgreSQL runs the same functions on asyncpg through SQLAlchemy's `run_sync`, one
transaction each. Either way a transaction is one call, not one hop per statement, and the
repositories are written once.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias, TypeVar

from sqlalchemy import Connection, Engine, MetaData, create_engine, event
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
# A row: columns by attribute (SQLAlchemy's rows, or kit.sql's named tuples).
DbRow: TypeAlias = Any
RETRIES = 3
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "23505"})
CHECKPOINT_SECONDS = 1.0


@dataclass
class DbStats:
    """Counts since start (read by /metrics)."""

    transactions: int = 0  # read-write units of work run
    commits: int = 0  # COMMITs (SQLite shares one among the units of a loop turn)
    retries: int = 0  # PostgreSQL units run again after a conflict
    busy_waits: int = 0  # SQLite units that waited for another process in a thread


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


BUSY = frozenset({"SQLITE_BUSY", "SQLITE_LOCKED"})


def _sqlite_engine(
    url: str, *, begin: str | None, busy_ms: int = 30_000, autocheckpoint: bool = True
) -> Engine:
    """An engine on the stdlib driver; `begin` is the statement that starts its transactions
    (None: the caller emits it, as the event-loop writer does)."""
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
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        if not autocheckpoint:
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    if begin is not None:
        statement = begin

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            conn.exec_driver_sql(statement)

    return engine


class Database:
    """Runs units of work in transactions; the only door to the database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = is_sqlite(url)
        self._async_engine: AsyncEngine | None = None
        self._writer: Engine | None = None
        self._writer_conn: Connection | None = None
        self.stats = DbStats()
        self._batch: list[asyncio.Future[None]] | None = None  # units waiting for the commit
        self._patient_writer: Engine | None = None
        self._reader: Engine | None = None
        self._checkpointed_at = time.monotonic()
        self._checkpoint: asyncio.Future[None] | None = None
        if self.is_sqlite:
            self._writer = _sqlite_engine(url, begin=None, busy_ms=0, autocheckpoint=False)
            self._patient_writer = _sqlite_engine(url, begin="BEGIN IMMEDIATE")
            self._reader = _sqlite_engine(url, begin="BEGIN")
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
            return await self._sqlite_transaction(work)
        for attempt in range(1, RETRIES + 1):
            try:
                async with self._async_engine.begin() as conn:
                    result = await conn.run_sync(work)
                self.stats.transactions += 1
                self.stats.commits += 1
                return result
            except DBAPIError as exc:
                # Two writers raced (deadlock, serialization, the same new key): the work runs
                # again from scratch and now sees what the winner committed.
                if attempt == RETRIES or _sqlstate(exc) not in RETRYABLE_SQLSTATES:
                    raise
                self.stats.retries += 1
        raise AssertionError("unreachable")

    async def _sqlite_transaction(self, work: UnitOfWork[T]) -> T:
        """Group commit: a unit of work joins the open batch (or opens one) and runs in its own
        savepoint; the batch commits once the loop has run the callbacks that were ready when it
        opened, and each unit returns only after that commit."""
        conn = self._writer_connection()
        raw = conn.connection.dbapi_connection
        assert isinstance(raw, sqlite3.Connection)
        if self._batch is None:
            try:
                raw.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorname not in BUSY:
                    raise
                # Another process holds the write lock: wait for it in the writer thread.
                assert self._patient_writer is not None
                self.stats.busy_waits += 1
                result = await _in_thread(self._write_pool, self._patient_writer, work)
                self.stats.transactions += 1
                self.stats.commits += 1
                return result
            self._batch = []
            asyncio.get_running_loop().call_soon(self._commit_batch, raw)
        raw.execute("SAVEPOINT unit")
        try:
            result = work(conn)
        except BaseException:
            raw.execute("ROLLBACK TO unit")
            raw.execute("RELEASE unit")
            raise
        raw.execute("RELEASE unit")
        self.stats.transactions += 1
        committed = asyncio.get_running_loop().create_future()
        self._batch.append(committed)
        await committed
        return result

    def _commit_batch(self, raw: sqlite3.Connection) -> None:
        if self._batch is None:
            return  # committed already (by dispose)
        batch, self._batch = self._batch, None
        try:
            raw.execute("COMMIT")
            self.stats.commits += 1
        except Exception as exc:
            if raw.in_transaction:
                raw.execute("ROLLBACK")
            for committed in batch:
                if not committed.done():
                    committed.set_exception(exc)
        else:
            for committed in batch:
                if not committed.done():
                    committed.set_result(None)
        if time.monotonic() - self._checkpointed_at > CHECKPOINT_SECONDS:
            self._start_checkpoint()

    def _writer_connection(self) -> Connection:
        """The event loop's one writer connection, open for the life of the database. Its
        transactions are begun and ended here on the driver: SQLAlchemy's autobegin on it is a
        no-op (no "begin" listener), so its statements run inside them."""
        if self._writer_conn is None:
            assert self._writer is not None
            self._writer_conn = self._writer.connect()
        return self._writer_conn

    def _start_checkpoint(self) -> None:
        """Copy the WAL back into the database file (and sync it) in the writer thread."""
        if self._checkpoint is not None and not self._checkpoint.done():
            return
        assert self._patient_writer is not None
        self._checkpointed_at = time.monotonic()
        engine = self._patient_writer

        def checkpoint() -> None:
            raw = engine.raw_connection()  # autocommit: a checkpoint runs outside transactions
            try:
                raw.cursor().execute("PRAGMA wal_checkpoint(PASSIVE)").close()
            finally:
                raw.close()

        self._checkpoint = asyncio.get_running_loop().run_in_executor(self._write_pool, checkpoint)

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
        assert self._writer is not None and self._patient_writer is not None
        assert self._reader is not None
        if self._writer_conn is not None:
            raw = self._writer_conn.connection.dbapi_connection
            if isinstance(raw, sqlite3.Connection):
                self._commit_batch(raw)  # units of work still waiting for their commit
            self._writer_conn.close()
            self._writer_conn = None
        self._write_pool.shutdown(wait=True)
        self._read_pool.shutdown(wait=True)
        for engine in (self._writer, self._patient_writer, self._reader):
            engine.dispose()


async def _in_thread(pool: concurrent.futures.Executor, engine: Engine, work: UnitOfWork[T]) -> T:
    def run() -> T:
        with engine.begin() as conn:
            return work(conn)

    return await asyncio.get_running_loop().run_in_executor(pool, run)
