"""PostgreSQL read-write units of work on a few connections held for good.

Taking a connection from SQLAlchemy's pool for each unit of work and ending its transaction
through SQLAlchemy cost about a fifth of the message path on PostgreSQL (pool checkout, the
async connection and transaction objects, their events). The writer holds `lanes` connections
instead, each inside a SQLAlchemy transaction begun once and never ended (as kit.group_commit
does on SQLite: SQLAlchemy then begins and ends nothing by itself), and runs each unit as
`BEGIN`, the unit's statements, `COMMIT` on asyncpg directly. A unit waits for a free lane; one
lane runs one unit at a time. A connection that was lost is closed and replaced by the next unit.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from livedesk.kit import pg_driver

T = TypeVar("T")


class _Lane:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._conn: AsyncConnection | None = None

    async def _connection(self) -> tuple[AsyncConnection, Any]:
        conn = self._conn
        if conn is not None and not (conn.closed or conn.invalidated):
            adapted: Any = (await conn.get_raw_connection()).dbapi_connection
            if not adapted._connection.is_closed():
                return conn, adapted
            # The server hung up while the lane was idle (PostgreSQL restarted): asyncpg saw
            # the connection close; the unit gets a new one instead of the error.
            await conn.invalidate()
        await self.close()
        conn = await self._engine.connect()
        try:
            await conn.begin()  # SQLAlchemy's, never ended (see the module's doc)
            raw = await conn.get_raw_connection()
        except BaseException:
            await conn.close()
            raise
        self._conn = conn
        return conn, raw.dbapi_connection

    async def run(self, work: Callable[[Connection], T]) -> T:
        conn, adapted = await self._connection()
        driver = adapted._connection  # asyncpg's
        sync = conn.sync_connection
        assert sync is not None
        try:
            transaction = driver.transaction()
            await transaction.start()
        except Exception as exc:
            raise pg_driver.translated(sync, exc, "BEGIN") from exc
        adapted._transaction = transaction  # the dialect (and kit.sql) begin nothing more
        try:
            try:
                result = await conn.run_sync(work)
            except BaseException:
                if not conn.invalidated and not driver.is_closed():
                    with contextlib.suppress(Exception):
                        await transaction.rollback()
                raise
            try:
                await transaction.commit()
            except Exception as exc:
                raise pg_driver.translated(sync, exc, "COMMIT") from exc
            return result
        finally:
            adapted._transaction = None

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()


class PgWriter:
    """Runs read-write units of work, each in its own transaction, on `lanes` held connections."""

    def __init__(self, engine: AsyncEngine, lanes: int) -> None:
        self._lanes = [_Lane(engine) for _ in range(lanes)]
        self._free: asyncio.Queue[_Lane] = asyncio.Queue()
        for lane in self._lanes:
            self._free.put_nowait(lane)

    async def run(self, work: Callable[[Connection], T]) -> T:
        lane = await self._free.get()
        try:
            return await lane.run(work)
        finally:
            self._free.put_nowait(lane)

    async def close(self) -> None:
        for lane in self._lanes:
            await lane.close()
