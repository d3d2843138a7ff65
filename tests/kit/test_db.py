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


def _count_in_file(path: Path, body: str) -> int:
    """What another connection (another process, a reader thread) sees: committed rows only."""
    other = sqlite3.connect(path / "livedesk.db")
    try:
        return int(
            other.execute("SELECT count(*) FROM notes WHERE body = ?", (body,)).fetchone()[0]
        )
    finally:
        other.close()


async def test_units_started_together_share_one_commit_and_return_after_it(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commits = 0
    commit_batch = database._commit_batch

    def counting(raw: sqlite3.Connection) -> None:
        nonlocal commits
        commits += 1
        commit_batch(raw)

    monkeypatch.setattr(database, "_commit_batch", counting)
    visible: list[int] = []

    async def write(body: str) -> None:
        await database.transaction(_insert(body))
        visible.append(_count_in_file(tmp_path, body))

    await asyncio.gather(*(write(f"n{i}") for i in range(20)))
    assert visible == [1] * 20  # every caller returned only once its row was committed
    assert commits == 1  # the twenty units ran in one loop turn: one COMMIT
    await database.transaction(_insert("later"))
    assert commits == 2


async def test_a_failing_unit_rolls_back_alone_and_its_batch_commits(
    database: Database, tmp_path: Path
) -> None:
    def failing(conn: Connection) -> None:
        conn.execute(text("INSERT INTO notes (body) VALUES ('lost')"))
        raise ValueError("no")

    results = await asyncio.gather(
        database.transaction(_insert("a")),
        database.transaction(failing),
        database.transaction(_insert("b")),
        return_exceptions=True,
    )
    assert results[0] == 1 and isinstance(results[1], ValueError) and results[2] == 2
    assert [_count_in_file(tmp_path, b) for b in ("a", "lost", "b")] == [1, 0, 1]


async def test_a_failed_commit_fails_every_unit_of_its_batch_and_stores_nothing(
    database: Database, tmp_path: Path
) -> None:
    def deferred_schema(conn: Connection) -> None:
        conn.execute(text("CREATE TABLE parents (id INTEGER PRIMARY KEY)"))
        conn.execute(
            text(
                "CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER"
                " REFERENCES parents(id) DEFERRABLE INITIALLY DEFERRED)"
            )
        )

    await database.transaction(deferred_schema)

    def orphan(conn: Connection) -> None:  # only checked at COMMIT
        conn.execute(text("INSERT INTO children (parent_id) VALUES (42)"))

    results = await asyncio.gather(
        database.transaction(_insert("a")),
        database.transaction(orphan),
        return_exceptions=True,
    )
    assert all(isinstance(r, Exception) for r in results), results
    assert _count_in_file(tmp_path, "a") == 0
    assert await database.transaction(_insert("after")) == 1  # the next batch is fine


async def test_a_cancelled_caller_does_not_disturb_the_others_in_its_batch(
    database: Database, tmp_path: Path
) -> None:
    first = asyncio.create_task(database.transaction(_insert("a")))
    second = asyncio.create_task(database.transaction(_insert("b")))
    await asyncio.sleep(0)  # both units ran; they wait for the commit
    first.cancel()
    assert await second == 2
    with pytest.raises(asyncio.CancelledError):
        await first
    assert _count_in_file(tmp_path, "a") == 1  # it ran, so it is committed with its batch


async def test_closing_the_database_commits_units_waiting_for_their_commit(
    tmp_path: Path,
) -> None:
    database = Database(sqlite_url(tmp_path))
    await database.transaction(_create)
    waiting = asyncio.create_task(database.transaction(_insert("last words")))
    await asyncio.sleep(0)  # the unit ran; its commit is scheduled
    await database.dispose()
    assert await waiting == 1
    assert _count_in_file(tmp_path, "last words") == 1
