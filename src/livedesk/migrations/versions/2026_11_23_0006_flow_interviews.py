"""flow interviews

Revision: 0006, after: 0005, written 2026-11-23 12:18:33.939159.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "flow_interviews",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=18), nullable=False),
        sa.Column("flow", sa.String(length=80), nullable=False),
        sa.Column("owner_role", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("waiting_event_type", sa.String(length=80), nullable=True),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_flow_interviews_org_id_orgs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_interviews")),
    )
    with op.batch_alter_table("flow_interviews", schema=None) as batch_op:
        batch_op.create_index(
            "ix_flow_interviews_waiting", ["org_id", "waiting_event_type"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("flow_interviews", schema=None) as batch_op:
        batch_op.drop_index("ix_flow_interviews_waiting")

    op.drop_table("flow_interviews")
