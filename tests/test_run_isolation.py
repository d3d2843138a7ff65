"""Two runs of the suite on one PostgreSQL never meet, and the database LIVEDESK_TEST_DATABASE_URL
names is never touched: each run makes a database of its own and drops it at the end, also when
the run fails or is interrupted (tests/per_run.py).

"Someone's own database" is played here by a database these tests make and drop themselves, with
a sentinel table in it: nothing here writes to the database the real URL names."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from livedesk.kit.db import async_url
from tests.conftest import PG_URL
from tests.per_run import (
    DATABASE_PREFIX,
    RUN_ID,
    RunDatabase,
    database_exists,
    database_name,
    new_run_id,
)

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    PG_URL is None, reason="PostgreSQL: set LIVEDESK_TEST_DATABASE_URL to run on PostgreSQL too"
)


def sql(url: str, *statements: str) -> list[Any]:
    """Run statements in one transaction; the first column of the last one's rows."""

    async def run() -> list[Any]:
        engine = create_async_engine(async_url(url), poolclass=NullPool)
        try:
            async with engine.begin() as conn:
                for statement in statements:
                    result = await conn.execute(text(statement))
                return list(result.scalars()) if result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(run())


def tables(url: str) -> list[str]:
    return sql(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")


@pytest.fixture
def theirs() -> Iterator[RunDatabase]:
    """Someone's own database on the test server, with a sentinel table holding 42."""
    assert PG_URL is not None
    database = RunDatabase(PG_URL, database_name(f"{RUN_ID}_theirs_{secrets.token_hex(3)}"))
    database.create()
    try:
        sql(database.url, "CREATE TABLE sentinel (x int)", "INSERT INTO sentinel VALUES (42)")
        yield database
    finally:
        database.drop()


def untouched(database: RunDatabase) -> bool:
    return (
        database_exists(database.url, database.name)
        and tables(database.url) == ["sentinel"]
        and sql(database.url, "SELECT x FROM sentinel") == [42]
    )


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_postgresql_half_runs_on_a_database_of_its_own(database_url: str) -> None:
    assert PG_URL is not None
    ours, given = make_url(database_url), make_url(PG_URL)
    assert ours.database == database_name() == f"{DATABASE_PREFIX}{RUN_ID}"
    assert ours.database.startswith(f"{DATABASE_PREFIX}{os.getpid()}_")
    assert ours.database != given.database
    assert (ours.host, ours.port, ours.username) == (given.host, given.port, given.username)
    assert sql(database_url, "SELECT current_database()") == [ours.database]
    assert "messaging_sessions" in tables(database_url)  # migrated (and emptied before each test)


INNER_TEST = """
import os
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_ends_badly(database_url: str) -> None:
    Path(os.environ["INNER_DATABASE_FILE"]).write_text(make_url(database_url).database)
    if os.environ["INNER_OUTCOME"] == "interrupt":
        # Ctrl-C (with Python's handler even if the caller ignores SIGINT, as `cmd &` does)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(30)
    raise AssertionError("fails on purpose")
"""


@pytest.mark.parametrize(("outcome", "exit_code"), [("fail", 1), ("interrupt", 2)])
def test_a_run_that_ends_badly_drops_its_database_and_leaves_the_named_one_alone(
    theirs: RunDatabase, tmp_path: Path, outcome: str, exit_code: int
) -> None:
    """A whole run of pytest, with LIVEDESK_TEST_DATABASE_URL naming someone's database."""
    inner = tmp_path / "test_inner.py"
    inner.write_text(INNER_TEST)
    database_file = tmp_path / "database"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.conftest", "-p", "no:cacheprovider"]
        + ["-c", str(REPO / "pyproject.toml"), "-q", str(inner)],
        cwd=REPO,
        env={
            **os.environ,
            "LIVEDESK_TEST_DATABASE_URL": theirs.url,
            "INNER_DATABASE_FILE": str(database_file),
            "INNER_OUTCOME": outcome,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == exit_code, done.stdout + done.stderr
    used = database_file.read_text()
    assert used.startswith(DATABASE_PREFIX) and used not in (theirs.name, database_name())
    assert not database_exists(theirs.url, used)  # dropped at the end of the run
    assert untouched(theirs)


def test_a_database_the_run_did_not_create_is_never_reset_adopted_or_dropped(
    theirs: RunDatabase,
) -> None:
    assert PG_URL is not None
    stranger = RunDatabase(PG_URL, theirs.name)
    with pytest.raises(RuntimeError, match="not created by this run"):
        stranger.reset_schema()
    with pytest.raises(RuntimeError, match="could not create"):
        stranger.create()  # the name is taken: no IF NOT EXISTS
    stranger.drop()  # does nothing
    assert untouched(theirs)
    with pytest.raises(ValueError):
        RunDatabase(PG_URL, "test")  # only livedesk_test_* names


def test_two_runs_get_two_databases_and_reset_only_their_own() -> None:
    assert PG_URL is not None
    one, two = (RunDatabase(PG_URL, database_name(new_run_id())) for _ in range(2))
    assert one.name != two.name
    try:
        for run in (one, two):
            run.create()
            sql(run.url, f"CREATE TABLE made_by_{run.name} (x int)")
        one.reset_schema()
        assert tables(one.url) == []
        assert tables(two.url) == [f"made_by_{two.name}"]
    finally:
        one.drop()
        two.drop()
    assert PG_URL is not None
    assert not database_exists(PG_URL, one.name) and not database_exists(PG_URL, two.name)
