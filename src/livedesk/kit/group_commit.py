"""SQLite group commit on the event loop: units of work share one transaction per loop turn.

The first unit of a loop turn begins a transaction (`BEGIN IMMEDIATE`) on the one writer
connection and schedules its COMMIT for the end of the turn; every unit runs in its own savepoint,
so an error undoes that unit alone; every caller is answered only once the COMMIT is done, so
nothing is acknowledged before it is stored. A COMMIT writes each page it changed to the WAL:
sharing it among the messages that arrived together was worth 20% of the message path.

If SQLite ends the whole transaction under a unit (it does on a full disk, an I/O error, or when
a savepoint cannot be rolled back), the batch is lost as a whole: each of its callers gets
`BatchLost` and nothing of it is stored; the next unit begins a new batch. A unit that catches
that error and writes on is no exception: the driver (not in autocommit mode) puts those writes
in a new transaction of its own, which the failed `RELEASE` of the unit's savepoint rolls back.

The SQLAlchemy connection handed to units of work has its own transaction begun once and never
ended: SQLAlchemy then neither begins nor rolls back anything on this connection by itself (left
outside a transaction, it rolls the driver back when a statement fails to compile), and the
driver-level transactions are this module's alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import Connection, Engine

T = TypeVar("T")
BUSY = frozenset({"SQLITE_BUSY", "SQLITE_LOCKED"})


class Busy(Exception):
    """Another process holds the write lock; nothing was run."""


class BatchLost(Exception):
    """The transaction of a group commit ended before its COMMIT: none of its units is stored."""


@dataclass(eq=False)
class _Batch:
    raw: sqlite3.Connection
    waiters: list[asyncio.Future[None]] = field(default_factory=list)


def _in_transaction(raw: sqlite3.Connection) -> bool:
    try:
        return raw.in_transaction
    except sqlite3.ProgrammingError:  # closed under us (SQLAlchemy invalidated the connection)
        return False


class GroupCommit:
    def __init__(self, engine: Engine, on_commit: Callable[[], None]) -> None:
        self.engine = engine  # with no "begin" listener: BEGIN is emitted here
        self._on_commit = on_commit
        self._conn: Connection | None = None
        self._batch: _Batch | None = None
        self.units = 0
        self.commits = 0

    def _connection(self) -> tuple[Connection, sqlite3.Connection]:
        conn = self._conn
        if conn is None or conn.closed or conn.invalidated:
            if conn is not None:
                with contextlib.suppress(Exception):
                    conn.close()
            conn = self._conn = self.engine.connect()
            conn.begin()  # SQLAlchemy's transaction, never ended (see the module's doc)
        raw = conn.connection.dbapi_connection
        assert isinstance(raw, sqlite3.Connection)
        return conn, raw

    async def run(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in the current batch; return once the batch is committed. Raises `Busy`
        (before running anything) when another process holds the write lock."""
        conn, raw = self._connection()
        batch = self._batch
        if batch is not None and (batch.raw is not raw or not _in_transaction(raw)):
            self._abandon(batch, BatchLost("the transaction ended before its commit"))
            batch = None
        if batch is None:
            try:
                raw.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorname in BUSY:
                    raise Busy from exc
                raise
            batch = self._batch = _Batch(raw)
            asyncio.get_running_loop().call_soon(self._commit, batch)
        raw.execute("SAVEPOINT unit")
        try:
            result = work(conn)
        except BaseException as exc:
            self._undo_unit(batch, exc)
            raise
        try:
            raw.execute("RELEASE unit")
        except sqlite3.Error as exc:
            self._abandon(batch, exc)
            raise
        self.units += 1
        committed = asyncio.get_running_loop().create_future()
        batch.waiters.append(committed)
        await committed
        return result

    def checkpoint(self) -> None:
        """Between batches, checkpoint the WAL on the writer connection (PASSIVE: it never waits
        for readers). No write can come between it and the next batch's BEGIN, so that batch
        finds the WAL fully copied back and its COMMIT writes from the WAL's beginning again."""
        if self._batch is not None or self._conn is None or self._conn.closed:
            return
        raw = self._conn.connection.dbapi_connection
        if isinstance(raw, sqlite3.Connection) and not _in_transaction(raw):
            with contextlib.suppress(sqlite3.Error):
                raw.execute("PRAGMA wal_checkpoint(PASSIVE)").close()

    def close(self) -> None:
        """Commit what waits for its commit, then close the connection."""
        if self._batch is not None:
            self._commit(self._batch)
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None

    def _undo_unit(self, batch: _Batch, exc: BaseException) -> None:
        if _in_transaction(batch.raw):
            try:
                batch.raw.execute("ROLLBACK TO unit")
                batch.raw.execute("RELEASE unit")
                return
            except sqlite3.Error:
                pass
        self._abandon(batch, exc)  # the unit took the whole transaction with it

    def _abandon(self, batch: _Batch, cause: BaseException) -> None:
        if self._batch is batch:
            self._batch = None
        if _in_transaction(batch.raw):
            with contextlib.suppress(sqlite3.Error):
                batch.raw.execute("ROLLBACK")
        for waiter in batch.waiters:
            if not waiter.done():
                lost = BatchLost(f"the transaction was rolled back: {cause!r}")
                lost.__cause__ = cause
                waiter.set_exception(lost)

    def _commit(self, batch: _Batch) -> None:
        if self._batch is not batch:
            return  # abandoned, or committed by close()
        self._batch = None
        try:
            batch.raw.execute("COMMIT")
        except Exception as exc:
            self._abandon(batch, exc)
        else:
            self.commits += 1
            for waiter in batch.waiters:
                if not waiter.done():
                    waiter.set_result(None)
        finally:
            self._on_commit()
