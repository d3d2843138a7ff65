"""org config and longer stream names

Revision: 0005, after: 0004, written 2026-11-23 12:11:45.124804.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orgs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("config", sa.JSON(), nullable=False, server_default="{}"))
    # Platform event streams are named after their org and type: longer recipient names.
    for table in ("stream_heads", "stream_events"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "recipient", existing_type=sa.String(length=40), type_=sa.String(length=120)
            )


def downgrade() -> None:
    for table in ("stream_heads", "stream_events"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "recipient", existing_type=sa.String(length=120), type_=sa.String(length=40)
            )
    with op.batch_alter_table("orgs", schema=None) as batch_op:
        batch_op.drop_column("config")
