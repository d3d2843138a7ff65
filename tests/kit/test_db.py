"""The SQLite side of Database: writes on the loop, a write that finds the database locked by
another process waits for it in a thread, and the WAL is checkpointed outside commits."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from livedesk.kit import db as db_module
from livedesk.kit.db import Database, sqlite_url


def _create(conn: Connection) -> None:
    conn.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))


def _insert(body: str):  # type: ignore[no-untyped-def]
    def work(conn: Connection) -> int:
        conn.execute(text("INSERT INTO notes (body) VALUES (:body)"), {"body": body})
        return int(conn.execute(text("SELECT count(*) FROM notes")).scalar_one())

    return work


@pytest.fixture
async def database(tmp_path: Path):  # type: ignore[no-untyped-def]
    db = Database(sqlite_url(tmp_path))
    await db.transaction(_create)
    yield db
    await db.dispose()


async def test_a_write_waits_for_another_process_holding_the_lock(
    database: Database, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / "livedesk.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO notes (body) VALUES ('theirs')")
    write = asyncio.create_task(database.transaction(_insert("ours")))
    await asyncio.sleep(0.3)
    assert not write.done()  # waiting in the writer thread, not failing
    other.execute("COMMIT")
    assert await asyncio.wait_for(write, 10) == 2
    other.close()


async def test_errors_inside_a_unit_of_work_roll_back_and_are_not_retried(
    database: Database,
) -> None:
    calls = 0

    def failing(conn: Connection) -> None:
        nonlocal calls
        calls += 1
        conn.execute(text("INSERT INTO notes (body) VALUES ('lost')"))
        raise ValueError("no")

    with pytest.raises(ValueError):
        await database.transaction(failing)
    assert calls == 1
    assert (
        await database.read(lambda c: c.execute(text("SELECT count(*) FROM notes")).scalar()) == 0
    )


async def test_the_wal_is_checkpointed_into_the_database_file(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    main_file = tmp_path / "livedesk.db"
    monkeypatch.setattr(db_module, "CHECKPOINT_SECONDS", 1e9)
    for i in range(200):
        await database.transaction(_insert("x" * 2000 + str(i)))
    size_before = main_file.stat().st_size
    assert size_before < 100_000  # the writes are still in the WAL: no checkpoint in commits
    monkeypatch.setattr(db_module, "CHECKPOINT_SECONDS", 0.0)
    await database.transaction(_insert("trigger"))
    assert database._checkpoint is not None  # started by that commit, in the writer thread
    await database._checkpoint
    assert main_file.stat().st_size > 400_000
