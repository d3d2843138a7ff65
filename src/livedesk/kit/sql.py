"""Hot statements: SQL written once, run on the driver without SQLAlchemy's execution path.

Running a statement through SQLAlchemy Core costs ~35 µs of Python (cache lookup, parameter and
result processing, event dispatch) where SQLite itself needs ~5 µs for a lookup by key, and a
chat message runs several. The statements on the message path are therefore written here as SQL
text with `:name` parameters that SQLite and PostgreSQL both read. They run on the driver under
the unit of work's SQLAlchemy connection, in its transaction: on SQLite the sqlite3 connection,
on PostgreSQL asyncpg's prepared statements (the SQL rewritten once to `$n` parameters; see
kit.pg_driver, which halves what a statement costs against SQLAlchemy's `text()`). Everything
else stays on SQLAlchemy Core: this is for the few statements that run for every message (and the
odd statement that reads better as SQL, such as the chunked delete of stream retention).

Rows come back as named tuples (attribute access, like SQLAlchemy rows). Parameters named in
`json` are encoded to JSON text, and result columns named in `json` decoded, as the JSON column
type does (on PostgreSQL the driver decodes them).
"""

from __future__ import annotations

import re
import sqlite3
from collections import namedtuple
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection

from livedesk.kit import jsonutil, pg_driver

_NAMED = re.compile(r"(?<![:\w]):(\w+)")  # a :name parameter (not a ::cast)

Params = Mapping[str, Any]


class Sql:
    """One statement; `json` names the JSON columns among its parameters and result columns."""

    __slots__ = ("_json", "_pg_names", "_pg_sql", "_row", "sql")

    def __init__(self, sql: str, *, json: Iterable[str] = (), row: Any = None) -> None:
        """`row`: the NamedTuple its rows are (its fields: the result columns, in order)."""
        self.sql = " ".join(sql.split())
        names: list[str] = []

        def number(match: re.Match[str]) -> str:
            if match[1] not in names:
                names.append(match[1])
            return f"${names.index(match[1]) + 1}"

        self._pg_sql = _NAMED.sub(number, self.sql)  # asyncpg's form: $1, $2 ...
        self._pg_names = tuple(names)
        self._json = frozenset(json)
        self._row: Any = row

    def _pg_args(self, params: Params) -> list[Any]:
        try:
            return [params[name] for name in self._pg_names]
        except KeyError as exc:
            raise KeyError(f"no value for the parameter :{exc.args[0]} of {self.sql!r}") from None

    def _params(self, params: Params) -> Params:
        if not self._json:
            return params
        return {
            k: jsonutil.dumps_str(v) if k in self._json and v is not None else v
            for k, v in params.items()
        }

    def _rows(
        self, names: Sequence[str], rows: Iterable[Sequence[Any]], *, decode_json: bool
    ) -> list[Any]:
        row = self._row
        if row is None or row._fields != tuple(names):
            if row is not None and row.__name__ != "Row":
                raise TypeError(f"{row.__name__} has fields {row._fields}, the query {names}")
            row = self._row = namedtuple("Row", names, rename=True)
        if not (decode_json and self._json):
            return [row._make(r) for r in rows]
        decode = [n in self._json for n in names]
        return [
            row._make(
                jsonutil.loads(v) if d and v is not None else v
                for v, d in zip(r, decode, strict=True)
            )
            for r in rows
        ]


def on_sqlite(conn: Connection) -> bool:
    """Whether `conn` is on SQLite (for the odd statement written twice: one for each)."""
    return _driver(conn) is not None


def _driver(conn: Connection) -> sqlite3.Connection | None:
    """The sqlite3 connection under `conn`, or None on another database."""
    raw = conn.connection.dbapi_connection
    return raw if isinstance(raw, sqlite3.Connection) else None


def rows(conn: Connection, stmt: Sql, params: Params) -> list[Any]:
    raw = _driver(conn)
    if raw is not None:
        cursor = raw.execute(stmt.sql, stmt._params(params))
        names = [d[0] for d in cursor.description]
        return stmt._rows(names, cursor.fetchall(), decode_json=True)
    # asyncpg decodes JSON itself (SQLAlchemy's codec); it expects JSON text as parameters.
    names, records, _ = _pg(conn, stmt, params)
    return stmt._rows(names, records, decode_json=False)


def tuples(conn: Connection, stmt: Sql, params: Params) -> list[tuple[Any, ...]]:
    """The rows as plain tuples, for reading many rows fast; JSON columns come as the driver gives
    them (text on SQLite, decoded on PostgreSQL): see `json_value`."""
    raw = _driver(conn)
    if raw is not None:
        found: list[tuple[Any, ...]] = raw.execute(stmt.sql, stmt._params(params)).fetchall()
        return found
    return [tuple(r) for r in _pg(conn, stmt, params)[1]]


def json_value(value: Any) -> Any:
    """A JSON column's value from `tuples`, decoded."""
    return jsonutil.loads(value) if isinstance(value, str | bytes) else value


def one(conn: Connection, stmt: Sql, params: Params) -> Any | None:
    """The first row, or None."""
    found = rows(conn, stmt, params)
    return found[0] if found else None


def scalar(conn: Connection, stmt: Sql, params: Params) -> Any | None:
    """The first column of the first row, or None."""
    found = rows(conn, stmt, params)
    return found[0][0] if found else None


def run(conn: Connection, stmt: Sql, params: Params | Sequence[Params]) -> int:
    """Run a statement without results (several parameter sets: once each); the row count."""
    raw = _driver(conn)
    if isinstance(params, Mapping):
        if raw is not None:
            return raw.execute(stmt.sql, stmt._params(params)).rowcount
        return _pg(conn, stmt, params)[2]
    if raw is not None:
        return raw.executemany(stmt.sql, [stmt._params(p) for p in params]).rowcount
    return sum(_pg(conn, stmt, p)[2] for p in params)


def _pg(conn: Connection, stmt: Sql, params: Params) -> tuple[list[str], list[Any], int]:
    return pg_driver.fetch(conn, stmt._pg_sql, stmt._pg_args(stmt._params(params)), params)
