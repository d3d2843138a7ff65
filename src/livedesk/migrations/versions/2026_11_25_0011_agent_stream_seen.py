"""agent stream seen: when a process last saw an agent stream of the agent open, so an agent whose
console is gone becomes Away

Revision: 0011, after: 0010, written 2026-11-25 09:00:00.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stream_seen_at", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("stream_seen_at")
