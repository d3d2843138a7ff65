"""asyncpg under SQLAlchemy: a statement run on the driver, with SQLAlchemy's errors.

A statement through SQLAlchemy's asyncpg dialect costs ~30 µs of Python on top of asyncpg's own
~20 µs (this project's machine); kit.sql runs the message path's statements here instead, on the
prepared statements the dialect keeps per connection, in the transaction of the unit of work.
What goes wrong comes out as it would through `conn.execute`: a SQLAlchemy `DBAPIError` with the
SQLSTATE (so `Database` retries conflicts and the web layer answers 503 when the database is
gone), and a connection found closed is invalidated so the pool replaces it.

This leans on the dialect's adapted connection (`_execute_mutex`, `_transaction`,
`_start_transaction`, `_prepare`, `_handle_exception`): SQLAlchemy is pinned to a minor version in
pyproject.toml for that reason, and tests on PostgreSQL run every statement of the message path.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.util import await_only

T = TypeVar("T")
# In a connection's `info`: a statement other than a SELECT ran (kit.pg_writer asks).
WROTE = "livedesk.wrote"
_STATUS_COUNT = re.compile(r"(?:SELECT|UPDATE|DELETE|INSERT \d+|MERGE) (\d+)")


def fetch(
    conn: Connection, sql: str, args: list[Any], shown: Mapping[str, Any]
) -> tuple[list[str], list[Any], int]:
    """Run `sql` ($n parameters) with `args` in `conn`'s transaction (begun here if the unit of
    work has not run a statement yet, as the dialect's cursor does): the result's column names,
    its records and the row count. `shown` are the parameters an error names."""
    adapted: Any = conn.connection.dbapi_connection
    if not sql.startswith("SELECT"):
        conn.info[WROTE] = True
    return call(conn, lambda: _fetch(adapted, sql, args, conn.dialect), sql, shown)


def call(
    conn: Connection,
    work: Callable[[], Awaitable[T]],
    sql: str,
    shown: Mapping[str, Any] | None = None,
) -> T:
    """Await `work` (driver calls on `conn`'s connection) from a unit of work, raising what goes
    wrong as SQLAlchemy would."""
    try:
        return await_only(work())
    except DBAPIError:
        raise
    except Exception as exc:
        raise translated(conn, exc, sql, shown) from exc


def translated(
    conn: Connection, exc: Exception, sql: str, shown: Mapping[str, Any] | None = None
) -> Exception:
    """`exc` (from asyncpg) as SQLAlchemy's DBAPIError; invalidates `conn` if its connection is
    lost. Other exceptions come back as they are."""
    adapted: Any = conn.connection.dbapi_connection if not conn.invalidated else None
    dbapi = conn.dialect.loaded_dbapi
    error: Exception = exc
    if adapted is not None:
        try:
            adapted._handle_exception(exc)  # raises the driver's error as the DB-API's
        except Exception as dbapi_error:
            error = dbapi_error
    if not isinstance(error, dbapi.Error):
        return exc
    lost = adapted is None or bool(conn.dialect.is_disconnect(error, adapted, None))
    if lost and not conn.invalidated:
        conn.invalidate(error)
    return DBAPIError.instance(
        sql,
        dict(shown or {}),
        error,
        dbapi.Error,
        connection_invalidated=lost,
        dialect=conn.dialect,
    )


async def _fetch(
    adapted: Any, sql: str, args: list[Any], dialect: Any
) -> tuple[list[str], list[Any], int]:
    async with adapted._execute_mutex:
        if adapted._transaction is None:
            await adapted._start_transaction()
        prepared, attributes = await adapted._prepare(sql, dialect._invalidate_schema_cache_asof)
        records = await prepared.fetch(*args)
        found = _STATUS_COUNT.match(prepared.get_statusmsg() or "")
        names = [a.name for a in attributes] if attributes else []
        return names, records, int(found[1]) if found else -1
