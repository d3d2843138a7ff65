"""Running Alembic migrations from code (on start and `livedesk db upgrade`), and telling
whether a database needs them (`livedesk serve` with migrations on start turned off)."""

from __future__ import annotations

import asyncio
from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from livedesk.kit.db import Database

# The pg_advisory_xact_lock key that upgrades take (migrations/env.py says why).
MIGRATION_LOCK = 7_421_001


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("livedesk") / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(url: str) -> None:
    command.upgrade(alembic_config(url), "head")


def schema_behind(url: str) -> str | None:
    """Why the database's schema is too old for this release (a sentence), or None when it is
    at this release's newest migration, or at one this release does not know (a newer release
    migrated it: processes of the old release may still restart during a rolling upgrade)."""
    script = ScriptDirectory.from_config(alembic_config(url))
    head = script.get_current_head()
    current = _current_revision(url)
    if current == head:
        return None
    if current is None:
        return "the database has no LiveDesk schema yet"
    if current not in {revision.revision for revision in script.walk_revisions()}:
        return None
    return f"the database's schema is at migration {current}, this release needs {head}"


def _current_revision(url: str) -> str | None:
    async def read() -> str | None:
        db = Database(url)
        try:
            return await db.read(
                lambda conn: MigrationContext.configure(conn).get_current_revision()
            )
        finally:
            await db.dispose()

    return asyncio.run(read())
