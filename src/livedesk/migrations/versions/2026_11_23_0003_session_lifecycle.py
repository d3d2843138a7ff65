"""session lifecycle

Revision: 0003, after: 0002, written 2026-11-23 11:46:35.041740.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("messaging_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("inactive_at", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("end_reason", sa.String(length=40), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("messaging_sessions", schema=None) as batch_op:
        batch_op.drop_column("end_reason")
        batch_op.drop_column("inactive_at")
