"""Running Alembic migrations from code (on start and `livedesk db upgrade`)."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config

# The pg_advisory_xact_lock key that upgrades take (migrations/env.py says why).
MIGRATION_LOCK = 7_421_001


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("livedesk") / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(url: str) -> None:
    command.upgrade(alembic_config(url), "head")
