"""stream retention: stream events by age

Revision: 0009, after: 0008, written 2026-11-23 14:10:00.
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_stream_events_created_at", "stream_events", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_stream_events_created_at", table_name="stream_events")
