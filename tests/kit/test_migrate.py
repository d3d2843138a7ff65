"""Migrations under an advisory lock (issue 19): processes that start together on one fresh
PostgreSQL database all bring it to head, one after the other, without racing. While another
holds the upgrade lock, none of them touches the schema."""

from __future__ import annotations

import asyncio
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from livedesk.cli import app as cli
from livedesk.kit.db import async_url
from livedesk.kit.migrate import MIGRATION_LOCK, alembic_config, schema_behind
from livedesk.models import Base
from tests.conftest import PG_URL
from tests.per_run import RunDatabase, database_name

PROCESSES = 4
# Each process imports first, says so, and upgrades when told: the upgrades start together.
UPGRADE = """
import sys
from livedesk.kit.migrate import upgrade_database
print("ready", flush=True)
sys.stdin.readline()
upgrade_database(sys.argv[1])
print("done", flush=True)
"""


@pytest.fixture
def fresh_database() -> Iterator[str]:
    """A database of its own, empty (not the run's migrated one), named like the run's so a
    leftover is recognisable, dropped after the test."""
    if PG_URL is None:
        pytest.skip("PostgreSQL: set LIVEDESK_TEST_DATABASE_URL to test concurrent migrations")
    database = RunDatabase(PG_URL, f"{database_name()}_migrate_{secrets.token_hex(2)}")
    database.create()
    try:
        yield database.url
    finally:
        database.drop()


async def _schema(conn: AsyncConnection) -> tuple[list[str], set[str]]:
    tables = await conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
    names = set(tables.scalars())
    if "alembic_version" not in names:
        return [], names
    versions = await conn.execute(text("SELECT version_num FROM alembic_version"))
    return list(versions.scalars()), names


async def test_concurrent_upgrades_of_a_fresh_database_all_succeed(fresh_database: str) -> None:
    engine = create_async_engine(
        async_url(fresh_database), poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            UPGRADE,
            fresh_database,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        for _ in range(PROCESSES)
    ]
    try:
        async with engine.connect() as conn, asyncio.timeout(60):
            for p in procs:
                assert p.stdout is not None and (await p.stdout.readline()).strip() == b"ready"
            # Another process is upgrading (it holds the lock): they all start and wait.
            await conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
            for p in procs:
                assert p.stdin is not None
                p.stdin.write(b"go\n")
                await p.stdin.drain()
            await asyncio.sleep(1.0)
            assert [p.returncode for p in procs] == [None] * PROCESSES
            assert await _schema(conn) == ([], set())  # nobody touched the schema meanwhile
            await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
            outputs = [(await p.communicate())[0].decode() for p in procs]
            failed = [
                (p.returncode, out) for p, out in zip(procs, outputs, strict=True) if p.returncode
            ]
            assert not failed, failed
            assert all(out.strip().endswith("done") for out in outputs), outputs
            versions, tables = await _schema(conn)
    finally:
        for p in procs:
            if p.returncode is None:
                p.kill()
                await p.wait()
        await engine.dispose()
    head = ScriptDirectory.from_config(alembic_config(fresh_database)).get_current_head()
    assert versions == [head]
    assert {t.name for t in Base.metadata.sorted_tables} <= tables


def _set_version(url: str, revision: str) -> None:
    statement = text("UPDATE alembic_version SET version_num = :v")
    if url.startswith("sqlite"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(statement, {"v": revision})
        engine.dispose()
        return

    async def update() -> None:
        engine = create_async_engine(async_url(url), poolclass=NullPool)
        async with engine.begin() as conn:
            await conn.execute(statement, {"v": revision})
        await engine.dispose()

    asyncio.run(update())


def _schema_states(url: str) -> list[str | None]:
    """What `schema_behind` says of a database with no schema, one a migration behind, one at
    head, and one at a migration this release does not know (a newer release's)."""
    config = alembic_config(url)
    script = ScriptDirectory.from_config(config)
    head = script.get_current_head()
    assert head is not None
    previous = script.get_revision(head).down_revision
    assert isinstance(previous, str)
    said = [schema_behind(url)]
    command.upgrade(config, previous)
    said.append(schema_behind(url))
    command.upgrade(config, "head")
    said.append(schema_behind(url))
    _set_version(url, "f" * 12)
    said.append(schema_behind(url))
    return [
        None if s is None else s.replace(previous, "PREVIOUS").replace(head, "HEAD") for s in said
    ]


EXPECTED_STATES = [
    "the database has no LiveDesk schema yet",
    "the database's schema is at migration PREVIOUS, this release needs HEAD",
    None,
    None,
]


def test_how_far_behind_a_sqlite_schema_is(tmp_path: Path) -> None:
    assert _schema_states(f"sqlite:///{tmp_path / 'livedesk.db'}") == EXPECTED_STATES


def test_how_far_behind_a_postgresql_schema_is(fresh_database: str) -> None:
    assert _schema_states(fresh_database) == EXPECTED_STATES


def test_serve_without_migrations_on_start_refuses_an_outdated_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With LIVEDESK_MIGRATE_ON_START=false, `livedesk serve` on a database that `livedesk db
    upgrade` has not brought to this release stops with a sentence, instead of failing request
    after request."""
    monkeypatch.delenv("LIVEDESK_DATABASE_URL", raising=False)
    monkeypatch.setenv("LIVEDESK_MIGRATE_ON_START", "false")
    result = CliRunner().invoke(cli, ["serve", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "the database has no LiveDesk schema yet. Run `livedesk db upgrade`" in result.output
