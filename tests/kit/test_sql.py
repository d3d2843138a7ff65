"""kit.sql: the same statement text on SQLite (the driver) and PostgreSQL (text()), JSON columns
encoded and decoded as the JSON column type does, rows with attribute access."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text

from livedesk.kit import sql
from livedesk.kit.db import Database
from livedesk.kit.sql import Sql

INSERT = Sql("INSERT INTO probe (id, doc, n) VALUES (:id, :doc, :n)", json=["doc"])
GET = Sql("SELECT id, doc, n FROM probe WHERE id = :id", json=["doc"])
BUMP = Sql("UPDATE probe SET n = n + :by WHERE n >= :at RETURNING id, n")
BOTH_IDS = Sql("SELECT a.id, b.id FROM probe a JOIN probe b ON b.id = a.id + 1 ORDER BY a.id")


@pytest.fixture
async def db(database_url: str):  # type: ignore[no-untyped-def]
    database = Database(database_url)
    yield database
    await database.dispose()


async def test_statements_run_the_same_on_either_database(db: Database) -> None:
    def work(conn: Connection) -> None:
        doc_type = "TEXT" if db.is_sqlite else "JSON"
        drop = "" if db.is_sqlite else " ON COMMIT DROP"
        conn.execute(
            text(
                f"CREATE TEMP TABLE probe (id INTEGER PRIMARY KEY, doc {doc_type}, n BIGINT){drop}"
            )
        )
        assert sql.run(conn, INSERT, {"id": 1, "doc": {"a": [1, "é"]}, "n": 5}) == 1
        many = [{"id": 2, "doc": None, "n": 7}, {"id": 3, "doc": "just text", "n": 1}]
        sql.run(conn, INSERT, many)

        row = sql.one(conn, GET, {"id": 1})
        assert row is not None
        assert (row.id, row.doc, row.n) == (1, {"a": [1, "é"]}, 5)
        assert sql.one(conn, GET, {"id": 2}).doc is None
        assert sql.one(conn, GET, {"id": 3}).doc == "just text"  # a JSON string, decoded
        assert sql.one(conn, GET, {"id": 9}) is None
        assert sql.scalar(conn, GET, {"id": 9}) is None

        bumped = sorted(sql.rows(conn, BUMP, {"by": 10, "at": 5}))
        assert [(r.id, r.n) for r in bumped] == [(1, 15), (2, 17)]
        assert sql.scalar(conn, GET, {"id": 2}) == 2
        pairs = sql.rows(conn, BOTH_IDS, {})
        assert [tuple(p) for p in pairs] == [(1, 2), (2, 3)]  # duplicate names: still rows

    await db.transaction(work)
