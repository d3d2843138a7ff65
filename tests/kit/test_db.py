"""The SQLite side of Database: writes on the loop, a write that finds the database locked by
another process waits for it in a thread, and the WAL is checkpointed outside commits."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from livedesk.kit import db as db_module
from livedesk.kit import sql
from livedesk.kit.db import Database, sqlite_url
from livedesk.kit.group_commit import BatchLost
from livedesk.kit.sql import Sql


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


async def test_the_wal_starts_over_under_steady_writes(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writes never stop while the thread checkpoints: the loop copies back what was committed
    meanwhile, so the WAL file starts over instead of growing with every write."""
    wal = tmp_path / "livedesk.db-wal"
    monkeypatch.setattr(db_module, "CHECKPOINT_SECONDS", 0.0)  # a checkpoint after each commit
    for round_ in range(100):  # 100 batches of 10 rows of 4 KB: 4 MB written
        bodies = [f"{'x' * 4000}{round_}-{i}" for i in range(10)]
        await asyncio.gather(*(database.transaction(_insert(b)) for b in bodies))
    assert wal.stat().st_size < 1_000_000  # a few batches' pages, not the 4 MB written


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
    database: Database, tmp_path: Path
) -> None:
    commits = database.stats.commits
    visible: list[int] = []

    async def write(body: str) -> None:
        await database.transaction(_insert(body))
        visible.append(_count_in_file(tmp_path, body))

    await asyncio.gather(*(write(f"n{i}") for i in range(20)))
    assert visible == [1] * 20  # every caller returned only once its row was committed
    assert database.stats.commits == commits + 1  # twenty units in one loop turn: one COMMIT
    await database.transaction(_insert("later"))
    assert database.stats.commits == commits + 2
    assert database.stats.transactions == database.stats.commits + 19


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


_RAW_INSERT = Sql("INSERT INTO notes (body) VALUES (:body)")


def _raw_insert(body: str):  # type: ignore[no-untyped-def]
    """A unit of work whose statements bypass SQLAlchemy (kit.sql), like the message path."""

    def work(conn: Connection) -> str:
        sql.run(conn, _RAW_INSERT, {"body": body})
        return body

    return work


async def test_a_statement_that_fails_to_compile_undoes_only_its_own_unit(
    tmp_path: Path,
) -> None:
    database = Database(sqlite_url(tmp_path))
    await database.transaction(_create)
    await database.transaction(_raw_insert("first"))  # the writer has only seen driver statements

    def missing_value(conn: Connection) -> None:
        conn.execute(text("INSERT INTO notes (body) VALUES (:body)"), {})

    results = await asyncio.gather(
        database.transaction(_raw_insert("a")),
        database.transaction(missing_value),
        database.transaction(_raw_insert("b")),
        return_exceptions=True,
    )
    assert results[0] == "a" and results[2] == "b", results
    assert "body" in str(results[1])  # its own error, not a savepoint's
    assert [_count_in_file(tmp_path, b) for b in ("first", "a", "b")] == [1, 1, 1]
    await database.dispose()


async def test_a_unit_that_ends_the_whole_transaction_loses_its_batch_and_only_it(
    database: Database, tmp_path: Path
) -> None:
    await database.transaction(
        lambda conn: conn.execute(text("CREATE UNIQUE INDEX u ON notes (body)"))
    )
    await database.transaction(_insert("taken"))

    def rollback_all(conn: Connection) -> None:  # as SQLite does on a full disk or an I/O error
        conn.execute(text("INSERT OR ROLLBACK INTO notes (body) VALUES ('taken')"))

    results = await asyncio.gather(
        database.transaction(_raw_insert("before")),
        database.transaction(rollback_all),
        database.transaction(_raw_insert("after")),
        return_exceptions=True,
    )
    assert isinstance(results[0], BatchLost), results  # its transaction is gone: not stored
    assert "UNIQUE" in str(results[1])  # the unit that did it gets its own error
    assert results[2] == "after"  # a new batch
    assert [_count_in_file(tmp_path, b) for b in ("before", "after")] == [0, 1]
    assert await database.transaction(_raw_insert("next")) == "next"


async def test_the_writer_connection_is_replaced_once_it_is_invalidated(
    database: Database, tmp_path: Path
) -> None:
    def break_the_connection(conn: Connection) -> None:
        conn.invalidate()  # what SQLAlchemy does after a disconnect-like error

    with pytest.raises(sqlite3.ProgrammingError):  # closed under the unit
        await database.transaction(break_the_connection)
    assert await database.transaction(_raw_insert("again")) == "again"
    assert _count_in_file(tmp_path, "again") == 1


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


async def test_writes_after_a_swallowed_transaction_ending_error_are_not_stored(
    database: Database, tmp_path: Path
) -> None:
    await database.transaction(
        lambda conn: conn.execute(text("CREATE UNIQUE INDEX u ON notes (body)"))
    )
    await database.transaction(_insert("taken"))

    def swallows_and_goes_on(conn: Connection) -> None:
        with contextlib.suppress(Exception):  # as a flow that catches a failing action
            conn.execute(text("INSERT OR ROLLBACK INTO notes (body) VALUES ('taken')"))
        conn.execute(text("INSERT INTO notes (body) VALUES ('behind its back')"))

    results = await asyncio.gather(
        database.transaction(_raw_insert("other")),
        database.transaction(swallows_and_goes_on),
        return_exceptions=True,
    )
    assert isinstance(results[0], BatchLost) and isinstance(results[1], sqlite3.Error), results
    assert [_count_in_file(tmp_path, b) for b in ("other", "behind its back")] == [0, 0]
    assert await database.transaction(_raw_insert("next")) == "next"


async def test_every_commit_is_synced_to_disk(database: Database) -> None:
    """synchronous=FULL: an acknowledged write survives a power cut, not only a crash."""
    level = await database.transaction(
        lambda conn: conn.execute(text("PRAGMA synchronous")).scalar_one()
    )
    assert level == 2  # FULL
