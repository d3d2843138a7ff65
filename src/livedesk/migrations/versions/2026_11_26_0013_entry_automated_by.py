"""entry automated by: what sent an entry automatically on an agent's behalf (`flow`), so reports
never count it as the agent's reply

Revision: 0013, after: 0012, written 2026-11-26 02:20:00.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversation_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("automated_by", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversation_entries", schema=None) as batch_op:
        batch_op.drop_column("automated_by")
