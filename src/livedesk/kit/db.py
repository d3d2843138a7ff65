"""The database: a unit of work is a plain function of a Connection, run in one transaction.

SQLite runs a read-write unit of work right on the event loop, on one writer connection of the
stdlib driver that stays open: SQLite has one writer anyway, a unit of work is a few statements on
pages that are in memory, and handing it to a thread costs more than running it (two thread
switches and a fight for the GIL). The units of one loop turn share a COMMIT (kit.group_commit).
The two things that can wait on something else go to threads: a write that finds the database
locked by another process (`livedesk apply` beside a running server) is retried in the writer
thread, which may wait; and WAL checkpoints, which sync the disk, run there every second instead of
inside a commit; after each, the loop copies back the few frames committed meanwhile itself,
between two batches (a few ms), so that the next commit starts the WAL over (SQLite does only when
a write begins with every frame copied back: under steady load the thread alone never got there,
and the WAL grew for good, 3 GB in 90 s, each fsync dearer). Reads run in a small pool of reader
threads (WAL lets them read while the writer writes). PostgreSQL runs the same functions on asyncpg
through SQLAlchemy's `run_sync`, one transaction each; read-write ones share a transaction and a
COMMIT per loop turn too, on a few connections held for good (kit.pg_writer). Either way a
transaction is one call, not one hop per statement, and the repositories are written once.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias, TypeVar

from sqlalchemy import Connection, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import DeclarativeBase

from livedesk.kit import jsonutil
from livedesk.kit.effects import KEY as EFFECTS_KEY
from livedesk.kit.effects import Effects, Told, effects
from livedesk.kit.group_commit import Busy, GroupCommit
from livedesk.kit.pg_writer import PgWriter

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
POOL_SIZE, POOL_OVERFLOW = 10, 10  # PostgreSQL connections of a process: at most their sum
WRITE_LANES = 4  # of them, held by the writer (kit.pg_writer); the rest serve reads


@dataclass
class DbStats:
    """Counts since start (read by /metrics)."""

    transactions: int = 0  # read-write units of work run
    commits: int = 0  # COMMITs (the units of a loop turn share one: kit.group_commit, pg_writer)
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


def _sqlite_engine(
    url: str, *, begin: str | None, busy_ms: int = 30_000, autocheckpoint: bool = True
) -> Engine:
    """An engine on the stdlib driver; `begin` is the statement that starts its transactions
    (None: the caller emits it, as the event-loop writer does: then a write outside the
    caller's transaction opens one of the driver's own instead of committing at once, so
    nothing can be stored behind the caller's back — see kit.group_commit)."""
    engine = create_engine(
        sync_url(url),
        json_serializer=_json_serializer,
        json_deserializer=jsonutil.loads,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=8,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # We emit BEGIN ourselves; the writer's driver begins a transaction before a write that
        # finds none (the group commit then rolls it back), instead of writing in autocommit.
        dbapi_connection.isolation_level = "DEFERRED" if begin is None else None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # Every COMMIT syncs the WAL: what a client was told is stored survives a power cut
        # (one fsync per group commit; ~10% of the message path on this project's machine).
        cursor.execute("PRAGMA synchronous=FULL")
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

    def __init__(self, url: str, effects: Effects | None = None) -> None:
        self.url = url
        # Who hears what a unit of work told, after its commit (kit.effects).
        self.effects = effects or Effects()
        self.is_sqlite = is_sqlite(url)
        self._async_engine: AsyncEngine | None = None
        self._read_engine: AsyncEngine | None = None
        self._writer: GroupCommit | None = None
        self._pg_writer: PgWriter | None = None
        self._patient_writer: Engine | None = None
        self._reader: Engine | None = None
        self._checkpointed_at = time.monotonic()
        self._checkpoint: asyncio.Future[None] | None = None
        self._catch_up = False  # a thread checkpoint ran: the loop copies back its tail
        self._retries = self._busy_waits = self._thread_writes = 0
        if self.is_sqlite:
            self._writer = GroupCommit(
                _sqlite_engine(url, begin=None, busy_ms=0, autocheckpoint=False),
                self._after_commit,
            )
            self._patient_writer = _sqlite_engine(url, begin="BEGIN IMMEDIATE")
            self._reader = _sqlite_engine(url, begin="BEGIN")
            self._write_pool = concurrent.futures.ThreadPoolExecutor(1, "livedesk-db-write")
            self._read_pool = concurrent.futures.ThreadPoolExecutor(2, "livedesk-db-read")
        else:
            self._async_engine = create_async_engine(
                async_url(url),
                json_serializer=_json_serializer,
                json_deserializer=jsonutil.loads,
                pool_size=POOL_SIZE,
                max_overflow=POOL_OVERFLOW,
            )
            self._pg_writer = PgWriter(self._async_engine, WRITE_LANES)
            # Reads run in autocommit: under READ COMMITTED each statement takes its own
            # snapshot in a transaction too, and a transaction would cost a read two more round
            # trips (`BEGIN`, and the `ROLLBACK` of the connection's return to the pool).
            self._read_engine = self._async_engine.execution_options(isolation_level="AUTOCOMMIT")

            @event.listens_for(self._async_engine.sync_engine, "checkout")
            def _closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
                # A pooled connection the server hung up on (PostgreSQL restarted) is replaced
                # before a unit of work gets it; asyncpg knows without a round trip.
                if dbapi_connection._connection.is_closed():
                    raise DisconnectionError("the server closed the connection")

    @property
    def stats(self) -> DbStats:
        writer = self._writer or self._pg_writer
        units = writer.units if writer else 0
        commits = writer.commits if writer else 0
        return DbStats(
            transactions=units + self._thread_writes,
            commits=commits + self._thread_writes,
            retries=self._retries,
            busy_waits=self._busy_waits,
        )

    @property
    def dialect_name(self) -> str:
        return "sqlite" if self.is_sqlite else "postgresql"

    async def transaction(self, work: UnitOfWork[T]) -> T:
        """Run `work` in one read-write transaction: commit if it returns, roll back if it raises.
        `work` may run more than once on PostgreSQL, so it must do nothing but database work.
        What it told (`kit.effects`) goes to the `within` handlers before the commit and to the
        subscribers after it, and only then does this return."""
        told = Told()

        def unit(conn: Connection) -> T:
            told.clear()  # an earlier attempt was rolled back
            info = conn.info  # (kept: a connection invalidated by the work cannot give it again)
            info[EFFECTS_KEY] = told
            try:
                result = work(conn)
                self.effects.settle(conn, told)
                return result
            finally:
                info.pop(EFFECTS_KEY, None)

        result = await self._run(unit)
        if told:
            await self.effects.dispatch(told)
        return result

    async def _run(self, work: UnitOfWork[T]) -> T:
        if self._pg_writer is None:
            return await self._sqlite_transaction(work)
        for attempt in range(1, RETRIES + 1):
            try:
                return await self._pg_writer.run(work)
            except DBAPIError as exc:
                # Two writers raced (deadlock, serialization, the same new key): the work runs
                # again from scratch and now sees what the winner committed.
                if attempt == RETRIES or _sqlstate(exc) not in RETRYABLE_SQLSTATES:
                    raise
                self._retries += 1
        raise AssertionError("unreachable")

    async def _sqlite_transaction(self, work: UnitOfWork[T]) -> T:
        assert self._writer is not None and self._patient_writer is not None
        try:
            return await self._writer.run(work)
        except Busy:
            # Another process holds the write lock: wait for it in the writer thread.
            self._busy_waits += 1
            result = await _in_thread(self._write_pool, self._patient_writer, work)
            self._thread_writes += 1
            return result

    def _after_commit(self) -> None:
        if self._catch_up and self._checkpoint is not None and self._checkpoint.done():
            # Between batches: the frames committed while the thread checkpointed, so the next
            # batch begins on a fully checkpointed WAL and its commit starts the WAL over.
            self._catch_up = False
            assert self._writer is not None
            self._writer.checkpoint()
        if time.monotonic() - self._checkpointed_at > CHECKPOINT_SECONDS:
            self._start_checkpoint()

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
        self._catch_up = True

    async def read(self, work: UnitOfWork[T]) -> T:
        """Run `work` for reading, beside the writer: on SQLite in a read transaction (one
        snapshot), on PostgreSQL in autocommit (each statement its own snapshot, as in a READ
        COMMITTED transaction)."""
        if self._read_engine is not None:
            async with self._read_engine.connect() as conn:
                return await conn.run_sync(work)
        assert self._reader is not None
        return await _in_thread(self._read_pool, self._reader, work)

    async def dispose(self) -> None:
        if self._async_engine is not None:
            assert self._pg_writer is not None
            await self._pg_writer.close()
            await self._async_engine.dispose()
            return
        assert self._writer is not None and self._patient_writer is not None
        assert self._reader is not None
        self._writer.close()  # commits units still waiting for their commit
        self._write_pool.shutdown(wait=True)
        self._read_pool.shutdown(wait=True)
        for engine in (self._writer.engine, self._patient_writer, self._reader):
            engine.dispose()


async def _in_thread(pool: concurrent.futures.Executor, engine: Engine, work: UnitOfWork[T]) -> T:
    def run() -> T:
        with engine.begin() as conn:
            return work(conn)

    return await asyncio.get_running_loop().run_in_executor(pool, run)


_parts = itertools.count()


@contextmanager
def undoable(conn: Connection) -> Iterator[None]:
    """A part of a unit of work that is undone alone if it raises: what it wrote (a savepoint)
    and what it told (kit.effects). The rest of the unit goes on."""
    told = effects(conn)
    mark = len(told)
    name = f"part_{next(_parts)}"
    conn.exec_driver_sql(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        conn.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {name}")
        conn.exec_driver_sql(f"RELEASE SAVEPOINT {name}")
        del told[mark:]
        raise
    conn.exec_driver_sql(f"RELEASE SAVEPOINT {name}")
