"""The PostgreSQL side of Database (kit.pg_writer): units of work that arrive together share one
transaction and one COMMIT; one that fails having only read leaves its batch alone; one that fails
after writing, or with a database error, fails alone while the others are stored; hot statements
run on asyncpg directly (kit.pg_driver) with SQLAlchemy's errors."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from livedesk.kit import sql
from livedesk.kit.db import Database
from livedesk.kit.sql import Sql
from tests.conftest import PG_URL
from tests.per_run import RunDatabase, database_name

_INSERT = Sql("INSERT INTO notes (body) VALUES (:body)")
_COUNT = Sql("SELECT count(*) FROM notes WHERE body = :body")


@pytest.fixture
async def database() -> AsyncIterator[Database]:
    if PG_URL is None:
        pytest.skip("PostgreSQL: set LIVEDESK_TEST_DATABASE_URL to test its writer")
    own = RunDatabase(PG_URL, f"{database_name()}_writer_{secrets.token_hex(2)}")
    await asyncio.to_thread(own.create)
    db = Database(own.url)
    try:
        await db.transaction(
            lambda c: c.execute(
                text("CREATE TABLE notes (id serial PRIMARY KEY, body text UNIQUE)")
            )
        )
        yield db
    finally:
        await db.dispose()
        await asyncio.to_thread(own.drop)


def _insert(body: str):  # type: ignore[no-untyped-def]
    def work(conn: Connection) -> str:
        sql.run(conn, _INSERT, {"body": body})
        return body

    return work


async def _stored(db: Database) -> list[str]:
    rows = await db.read(lambda c: c.execute(text("SELECT body FROM notes ORDER BY id")).all())
    return [r.body for r in rows]


async def test_units_started_together_share_one_commit_and_return_after_it(
    database: Database,
) -> None:
    before = database.stats
    bodies = [f"n{i}" for i in range(20)]
    assert await asyncio.gather(*(database.transaction(_insert(b)) for b in bodies)) == bodies
    after = database.stats
    assert sorted(await _stored(database)) == sorted(bodies)
    assert after.transactions - before.transactions == 20
    assert after.commits - before.commits < 20  # the writer's 4 connections share batches


async def test_a_unit_that_fails_having_only_read_leaves_its_batch_as_it_was(
    database: Database,
) -> None:
    calls = 0

    def refuses(conn: Connection) -> None:
        nonlocal calls
        calls += 1
        assert sql.scalar(conn, _COUNT, {"body": "x"}) == 0
        raise LookupError("no such thing")  # decided before writing: a 404

    results = await asyncio.gather(
        database.transaction(_insert("a")),
        database.transaction(refuses),
        database.transaction(_insert("b")),
        return_exceptions=True,
    )
    assert results[0] == "a" and results[2] == "b"
    assert isinstance(results[1], LookupError)
    assert calls == 1  # not run again: the batch was not undone
    assert sorted(await _stored(database)) == ["a", "b"]


async def test_a_unit_that_fails_after_writing_fails_alone_and_the_others_are_stored(
    database: Database,
) -> None:
    def writes_then_fails(conn: Connection) -> None:
        sql.run(conn, _INSERT, {"body": "half"})
        raise ValueError("changed its mind")

    results = await asyncio.gather(
        database.transaction(_insert("a")),
        database.transaction(writes_then_fails),
        database.transaction(_insert("b")),
        return_exceptions=True,
    )
    assert results[0] == "a" and results[2] == "b"
    assert isinstance(results[1], ValueError)
    assert sorted(await _stored(database)) == ["a", "b"]  # nothing of "half"


async def test_a_database_error_in_one_unit_does_not_lose_the_others(database: Database) -> None:
    await database.transaction(_insert("taken"))
    results = await asyncio.gather(
        database.transaction(_insert("a")),
        database.transaction(_insert("taken")),  # the UNIQUE says no: PostgreSQL aborts
        database.transaction(_insert("b")),
        return_exceptions=True,
    )
    assert results[0] == "a" and results[2] == "b"
    assert isinstance(results[1], IntegrityError)  # SQLAlchemy's, from asyncpg's, via kit.sql
    assert isinstance(results[1], DBAPIError) and results[1].orig is not None
    assert sorted(await _stored(database)) == ["a", "b", "taken"]


async def test_a_cancelled_caller_does_not_disturb_the_others_in_its_batch(
    database: Database,
) -> None:
    others = [asyncio.create_task(database.transaction(_insert(b))) for b in ("a", "b")]
    gone = asyncio.create_task(database.transaction(_insert("gone")))
    await asyncio.sleep(0)
    gone.cancel()
    assert await asyncio.gather(*others) == ["a", "b"]
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert {"a", "b"} <= set(await _stored(database))


async def test_a_unit_waiting_for_a_lock_does_not_hold_up_its_batch(database: Database) -> None:
    """Another transaction holds a row: the unit that needs it gives its batch up after the
    batch's lock timeout, the others are stored meanwhile, and it is stored once the row is
    free (alone, it waits as long as it takes)."""
    await database.transaction(_insert("held"))
    holder = Database(database.url)
    held, release = asyncio.Event(), asyncio.Event()

    def hold(conn: Connection) -> None:
        conn.execute(text("SELECT id FROM notes WHERE body = 'held' FOR UPDATE"))

    async def holding() -> None:
        async with holder._async_engine.connect() as conn:  # type: ignore[union-attr]
            await conn.run_sync(hold)
            held.set()
            await release.wait()
            await conn.rollback()

    holding_task = asyncio.create_task(holding())
    await asyncio.wait_for(held.wait(), 10)
    try:
        blocked = asyncio.create_task(
            database.transaction(
                lambda c: c.execute(text("UPDATE notes SET body = 'moved' WHERE body = 'held'"))
            )
        )
        others = asyncio.gather(
            database.transaction(_insert("a")), database.transaction(_insert("b"))
        )
        assert await asyncio.wait_for(others, 5) == ["a", "b"]  # not after the holder
        assert not blocked.done()
        release.set()
        await asyncio.wait_for(blocked, 5)
        assert sorted(await _stored(database)) == ["a", "b", "moved"]
    finally:
        release.set()
        await holding_task
        await holder.dispose()


async def test_a_unit_that_swallows_a_database_error_is_not_acknowledged(
    database: Database,
) -> None:
    await database.transaction(_insert("taken"))

    def swallows(conn: Connection) -> str:
        with contextlib.suppress(IntegrityError):  # and goes on: the transaction is aborted
            sql.run(conn, _INSERT, {"body": "taken"})
        return "ok"

    results = await asyncio.gather(
        database.transaction(_insert("a")),
        database.transaction(swallows),
        return_exceptions=True,
    )
    assert results[0] == "a"
    assert isinstance(results[1], Exception)  # never "ok" for what was not stored
    assert sorted(await _stored(database)) == ["a", "taken"]


async def test_a_read_runs_its_statements_alone_without_begin_or_rollback(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reads run in autocommit: each statement is one round trip, with no `BEGIN` before and
    no `ROLLBACK` when the connection goes back to the pool; hot statements too."""
    await database.transaction(_insert("seen"))
    simple: list[str] = []
    execute = asyncpg.Connection.execute

    async def counted(self: asyncpg.Connection, query: str, *args: object, **kw: object) -> str:
        simple.append(query)
        return await execute(self, query, *args, **kw)

    monkeypatch.setattr(asyncpg.Connection, "execute", counted)
    for _ in range(3):
        assert await _stored(database) == ["seen"]
        assert await database.read(lambda c: sql.scalar(c, _COUNT, {"body": "seen"})) == 1
    assert simple == []
    await database.transaction(_insert("after"))  # writes still begin and commit
    assert [q.split()[0].rstrip(";") for q in simple] == ["BEGIN", "COMMIT"]
    assert await _stored(database) == ["seen", "after"]
