"""stream retention: end users' and agents' stream events by age

Revision: 0009, after: 0008, written 2026-11-23 14:10:00.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

PERSONAL_STREAMS = "recipient NOT LIKE 'e:%'"


def upgrade() -> None:
    op.create_index(
        "ix_stream_events_personal_age",
        "stream_events",
        ["created_at"],
        unique=False,
        sqlite_where=sa.text(PERSONAL_STREAMS),
        postgresql_where=sa.text(PERSONAL_STREAMS),
    )


def downgrade() -> None:
    op.drop_index("ix_stream_events_personal_age", table_name="stream_events")
