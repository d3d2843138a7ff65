"""PostgreSQL group commit: units of work share a transaction and a COMMIT, on held connections.

On PostgreSQL every statement is a round trip, and a unit of work alone pays two more (`BEGIN`,
`COMMIT`) and takes a connection from SQLAlchemy's pool and gives it back, which cost about a
fifth of the message path. The writer instead holds `lanes` connections, each inside a
SQLAlchemy transaction begun once and never ended (as kit.group_commit does on SQLite: SQLAlchemy
then begins and ends nothing by itself), and runs units in batches on asyncpg directly: the units
that arrived by the end of a loop turn, and those that came while every lane was busy, share one
`BEGIN` … `COMMIT` on one lane, one after the other. Each caller is answered once that COMMIT is
done: nothing is acknowledged before it is stored.

Units run without a savepoint each (that would cost the round trips saved). A unit that raises
having only read (a 404, a 409 decided before writing) leaves the batch as it was, and the batch
goes on. A unit that raises after writing, or with a database error (which aborts PostgreSQL's
transaction), takes the batch down: it is rolled back, the other units go back to the head of the
queue for the next batch of any lane, and the one that broke it runs again alone (units of work
may run more than once on PostgreSQL: see kit.db), so the others are stored as if it had not been
there and it fails (or waits) by itself. Whether a unit wrote is told by the statements it ran
(kit.pg_driver's and SQLAlchemy's: anything but a SELECT). A COMMIT that PostgreSQL turns into a
ROLLBACK (a unit caught a database error and went on) breaks the batch too, and then each of its
units runs alone: nothing is acknowledged that is not stored.

A batch holds the row locks of its units until it commits, so two batches could each wait for a
lock the other holds (a deadlock PostgreSQL breaks only after its `deadlock_timeout`, a second); a
unit of a batch therefore waits at most BATCH_LOCK_TIMEOUT_MS for a lock, then breaks its batch as
above and waits again alone, as long as it takes (one unit alone takes its locks in one order).

A connection that was lost is closed and replaced by the next batch; a pooled connection the
server hung up on while idle (PostgreSQL restarted) is noticed without a round trip.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from livedesk.kit import pg_driver

T = TypeVar("T")
MAX_BATCH = 32  # units in one transaction at most: a batch holds its row locks until it commits
# How long a unit of a batch waits for a row lock before it breaks its batch (see the module's doc).
BATCH_LOCK_TIMEOUT_MS = 200


class _Transaction:
    """A batch's transaction, on asyncpg's connection, one round trip each way. While a batch
    runs the dialect's adapted connection holds it as its own (so neither it nor kit.sql begins
    another); SQLAlchemy ends it only when it closes the connection."""

    def __init__(self, driver: Any) -> None:
        self._driver = driver

    async def start(self, lock_timeout_ms: int | None) -> None:
        if lock_timeout_ms is None:
            await self._driver.execute("BEGIN")
        else:
            await self._driver.execute(f"BEGIN; SET LOCAL lock_timeout = {int(lock_timeout_ms)}")

    async def commit(self) -> bool:
        """Whether it was committed: PostgreSQL answers a COMMIT of a transaction that a failed
        statement aborted (one a unit caught and went on from) with a ROLLBACK."""
        return str(await self._driver.execute("COMMIT")) == "COMMIT"

    async def rollback(self) -> None:
        await self._driver.execute("ROLLBACK")


@dataclass(eq=False)
class _Unit(Generic[T]):
    work: Callable[[Connection], T]
    done: asyncio.Future[T] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    def settle(self, result: Any = None, error: BaseException | None = None) -> None:
        if self.done.done():
            return  # its caller went away
        if error is not None:
            self.done.set_exception(error)
        else:
            self.done.set_result(result)


def _note_write(conn: Connection, *args: Any) -> None:
    statement = args[1] if len(args) > 1 else ""
    if not str(statement).lstrip()[:6].upper().startswith("SELECT"):
        conn.info[pg_driver.WROTE] = True


class _Lane:
    def __init__(self, engine: AsyncEngine, give_back: Callable[[list[_Unit[Any]]], None]) -> None:
        self._engine = engine
        self._give_back = give_back  # units to run again, in another batch
        self._conn: AsyncConnection | None = None

    async def _connection(self) -> tuple[AsyncConnection, Any]:
        conn = self._conn
        if conn is not None and not (conn.closed or conn.invalidated):
            adapted: Any = (await conn.get_raw_connection()).dbapi_connection
            if not adapted._connection.is_closed():
                return conn, adapted
            # The server hung up while the lane was idle (PostgreSQL restarted): asyncpg saw
            # the connection close; the batch gets a new one instead of the error.
            await conn.invalidate()
        await self.close()
        conn = await self._engine.connect()
        try:
            await conn.begin()  # SQLAlchemy's, never ended (see the module's doc)
            raw = await conn.get_raw_connection()
        except BaseException:
            await conn.close()
            raise
        assert conn.sync_connection is not None
        event.listen(conn.sync_connection, "before_cursor_execute", _note_write)
        self._conn = conn
        return conn, raw.dbapi_connection

    async def run(self, batch: list[_Unit[Any]]) -> tuple[int, int]:
        """Run the batch in one transaction and settle each unit; alone again if one broke it.
        Units stored and COMMITs done."""
        try:
            conn, adapted = await self._connection()
        except Exception as exc:
            for unit in batch:
                unit.settle(error=exc)
            return 0, 0
        sync = conn.sync_connection
        assert sync is not None
        driver = adapted._connection  # asyncpg's
        transaction = _Transaction(driver)
        try:
            await transaction.start(BATCH_LOCK_TIMEOUT_MS if len(batch) > 1 else None)
        except Exception as exc:
            error = pg_driver.translated(sync, exc, "BEGIN")
            for unit in batch:
                unit.settle(error=error)
            return 0, 0
        adapted._transaction = transaction  # the dialect (and kit.sql) begin nothing more
        outcomes: list[tuple[_Unit[Any], Any, BaseException | None]] = []
        broken: Exception | None = None
        culprit: _Unit[Any] | None = None  # the unit that broke the batch, when known
        try:
            for unit in batch:
                if unit.done.done():
                    continue  # its caller went away before it started: as if never asked
                sync.info[pg_driver.WROTE] = False
                try:
                    outcomes.append((unit, await conn.run_sync(unit.work), None))
                except Exception as exc:
                    if sync.info.get(pg_driver.WROTE) or isinstance(exc, DBAPIError):
                        broken, culprit = exc, unit
                        break
                    outcomes.append((unit, None, exc))  # it only read: the batch goes on
            if broken is None:
                try:
                    committed = await transaction.commit()
                except Exception as exc:
                    error = pg_driver.translated(sync, exc, "COMMIT")
                    for unit in batch:
                        unit.settle(error=error)
                    return 0, 0
                if not committed:
                    broken = RuntimeError("a unit of work went on after a database error")
        except BaseException:
            await self._roll_back(conn, driver, transaction)
            raise
        finally:
            adapted._transaction = None
        if broken is None:
            for unit, result, failed in outcomes:
                unit.settle(result, failed)
            return sum(failed is None for _, _, failed in outcomes), 1
        if driver.is_in_transaction():
            await self._roll_back(conn, driver, transaction)
        if len(batch) == 1:
            batch[0].settle(error=broken)
            return 0, 0
        if culprit is not None:
            # The others go back to the queue, for any lane; the unit that broke the batch runs
            # alone here (it may wait for a lock as long as it takes, or fail by itself).
            self._give_back([unit for unit in batch if unit is not culprit])
            return await self.run([culprit])
        stored = commits = 0
        for unit in batch:  # which one went on after an error is not known: each alone
            one, commit = await self.run([unit])
            stored, commits = stored + one, commits + commit
        return stored, commits

    @staticmethod
    async def _roll_back(conn: AsyncConnection, driver: Any, transaction: _Transaction) -> None:
        if not conn.invalidated and not driver.is_closed():
            with contextlib.suppress(Exception):
                await transaction.rollback()

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()


class PgWriter:
    """Runs read-write units of work in batches that share a transaction, on `lanes` held
    connections (see the module's doc)."""

    def __init__(self, engine: AsyncEngine, lanes: int) -> None:
        self._lanes = [_Lane(engine, self._give_back) for _ in range(lanes)]
        self._idle = list(self._lanes)
        self._pending: deque[_Unit[Any]] = deque()
        self._dispatching = False
        self._tasks: set[asyncio.Task[None]] = set()
        self.units = 0
        self.commits = 0

    async def run(self, work: Callable[[Connection], T]) -> T:
        unit: _Unit[T] = _Unit(work)
        self._pending.append(unit)
        if not self._dispatching:
            self._dispatching = True
            asyncio.get_running_loop().call_soon(self._dispatch)  # the rest of this loop turn
        return await unit.done

    def _give_back(self, units: list[_Unit[Any]]) -> None:
        """Units of a broken batch: first in the queue, for the next batch of any lane."""
        self._pending.extendleft(reversed(units))
        self._dispatch()

    def _dispatch(self) -> None:
        self._dispatching = False
        while self._pending and self._idle:
            lane = self._idle.pop()
            batch = [self._pending.popleft() for _ in range(min(MAX_BATCH, len(self._pending)))]
            task = asyncio.get_running_loop().create_task(self._run(lane, batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _run(self, lane: _Lane, batch: list[_Unit[Any]]) -> None:
        try:
            stored, commits = await lane.run(batch)
            self.units += stored
            self.commits += commits
        except BaseException as exc:  # cancelled (closing), or a bug: no caller waits forever
            for unit in batch:
                unit.settle(error=exc if isinstance(exc, Exception) else RuntimeError("closed"))
            raise
        finally:
            self._idle.append(lane)
            if self._pending:
                self._dispatch()

    async def close(self) -> None:
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task
        for lane in self._lanes:
            await lane.close()
