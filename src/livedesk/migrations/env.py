"""Alembic environment: SQLite through the stdlib driver (batch mode), PostgreSQL through asyncpg,
under an advisory lock so processes and hosts starting at once migrate one after the other.

The lock is the transaction's (`pg_advisory_xact_lock`): it is taken before Alembic reads the
schema's version and released by the COMMIT of the migrations, so a process that waited for it
finds the schema at head and does nothing (a session lock released before that COMMIT let a
waiting process read the old version and run the same migrations again). A process that dies
holding it frees it with its connection."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.ext.asyncio import create_async_engine

import livedesk.models  # noqa: F401  (registers the tables)
from livedesk.kit.db import Base, async_url, is_sqlite, sqlite_url, sync_url
from livedesk.kit.migrate import MIGRATION_LOCK

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from livedesk.config import Settings

    return os.environ.get("LIVEDESK_DATABASE_URL") or sqlite_url(Settings().data_dir)


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if not sqlite:
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    if not sqlite:
        connection.commit()  # the migrations, and the lock with them


async def _run_async(url: str) -> None:
    engine = create_async_engine(async_url(url))
    async with engine.connect() as conn:
        await conn.run_sync(_run)
    await engine.dispose()


def run_migrations_online() -> None:
    url = _url()
    if is_sqlite(url):
        engine = create_engine(sync_url(url))
        with engine.connect() as conn:
            _run(conn)
            conn.commit()
        engine.dispose()
    else:
        asyncio.run(_run_async(url))


run_migrations_online()
