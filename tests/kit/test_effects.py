"""What a unit of work tells (kit.effects) reaches its subscribers after the commit, in order, and
never when the unit is rolled back; a stream append tells by itself, so no caller can forget."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from livedesk.kit.db import Database, sqlite_url, undoable
from livedesk.kit.effects import Effects, effects, tell


@dataclass(frozen=True)
class Said:
    what: str


@dataclass(frozen=True)
class Other:
    n: int


@pytest.fixture
async def setup(tmp_path: Path):  # type: ignore[no-untyped-def]
    heard: list[object] = []
    bus = Effects()

    async def on_other(items: list[Other]) -> None:
        heard.append(("other", [i.n for i in items]))

    async def on_said(items: list[Said]) -> None:
        # Called after the commit: a new connection sees the row.
        rows = await db.read(lambda conn: conn.execute(text("SELECT count(*) FROM t")).scalar())
        heard.append(("said", [i.what for i in items], rows))

    bus.subscribe(Said, on_said)  # subscribed first: dispatched first, whatever the unit told first
    bus.subscribe(Other, on_other)
    db = Database(sqlite_url(tmp_path), bus)
    await db.transaction(lambda conn: conn.execute(text("CREATE TABLE t (x INTEGER)")))
    yield db, heard
    await db.dispose()


async def test_told_items_reach_subscribers_after_commit_grouped_in_subscription_order(
    setup: tuple[Database, list[object]],
) -> None:
    db, heard = setup

    def work(conn: Connection) -> str:
        tell(conn, Other(1))
        conn.execute(text("INSERT INTO t VALUES (1)"))
        tell(conn, Said("a"))
        effects(conn).tell(Said("b"))
        tell(conn, Other(2))
        return "done"

    assert await db.transaction(work) == "done"
    assert heard == [("said", ["a", "b"], 1), ("other", [1, 2])]


async def test_a_unit_rolled_back_tells_nothing(setup: tuple[Database, list[object]]) -> None:
    db, heard = setup

    def failing(conn: Connection) -> None:
        tell(conn, Said("never"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
        raise RuntimeError("refused")

    with pytest.raises(RuntimeError):
        await db.transaction(failing)
    await db.transaction(lambda conn: tell(conn, Other(3)))  # the next unit starts empty
    assert heard == [("other", [3])]


async def test_telling_outside_a_unit_of_work_is_a_programming_error(
    setup: tuple[Database, list[object]],
) -> None:
    db, _ = setup
    with pytest.raises(RuntimeError, match=r"only available inside Database\.transaction"):
        await db.read(lambda conn: tell(conn, Said("read")))


async def test_an_undoable_part_that_raises_leaves_nothing_and_the_unit_goes_on(
    setup: tuple[Database, list[object]],
) -> None:
    db, heard = setup

    def work(conn: Connection) -> None:
        conn.execute(text("INSERT INTO t VALUES (1)"))
        tell(conn, Said("kept"))
        with pytest.raises(RuntimeError), undoable(conn):
            conn.execute(text("INSERT INTO t VALUES (2)"))
            tell(conn, Said("undone"))
            raise RuntimeError("refused")
        with undoable(conn):
            conn.execute(text("INSERT INTO t VALUES (3)"))

    await db.transaction(work)
    values = await db.read(lambda conn: list(conn.execute(text("SELECT x FROM t")).scalars()))
    assert sorted(values) == [1, 3]
    assert heard == [("said", ["kept"], 2)]


@dataclass(frozen=True)
class Settled:
    n: int


async def test_within_handlers_write_in_the_unit_and_go_with_it(tmp_path: Path) -> None:
    """A `within` handler runs with the unit's connection after its work, before the commit:
    what it writes commits with the unit, or is rolled back with it."""
    bus = Effects()
    seen: list[int] = []

    def keep(conn: Connection, items: list[Settled]) -> None:
        # The unit's own writes are visible: same connection, same transaction.
        seen.append(conn.execute(text("SELECT count(*) FROM t")).scalar_one())
        for item in items:
            conn.execute(text("INSERT INTO kept VALUES (:n)"), {"n": item.n})

    bus.within(Settled, keep)
    db = Database(sqlite_url(tmp_path), bus)
    try:
        await db.transaction(lambda conn: conn.execute(text("CREATE TABLE t (x INTEGER)")))
        await db.transaction(lambda conn: conn.execute(text("CREATE TABLE kept (n INTEGER)")))

        def work(conn: Connection) -> None:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            tell(conn, Settled(1))
            tell(conn, Settled(2))

        await db.transaction(work)

        def failing(conn: Connection) -> None:
            tell(conn, Settled(3))
            raise RuntimeError("refused")

        with pytest.raises(RuntimeError):
            await db.transaction(failing)

        def refused_by_the_handler(conn: Connection) -> None:
            conn.execute(text("INSERT INTO t VALUES (2)"))
            tell(conn, Settled(-1))

        bus.within(Settled, lambda conn, items: _refuse(items))
        with pytest.raises(RuntimeError):
            await db.transaction(refused_by_the_handler)
        kept = await db.read(lambda conn: conn.execute(text("SELECT n FROM kept")).scalars().all())
        rows = await db.read(lambda conn: conn.execute(text("SELECT count(*) FROM t")).scalar())
        assert sorted(kept) == [1, 2]  # one call with both items; nothing of the failed units
        assert seen == [1, 2]  # the first unit's and the refused one's; the failing one's never
        assert rows == 1  # the unit whose handler refused is rolled back whole
    finally:
        await db.dispose()


def _refuse(items: list[Settled]) -> None:
    if any(i.n < 0 for i in items):
        raise RuntimeError("a handler refused")
