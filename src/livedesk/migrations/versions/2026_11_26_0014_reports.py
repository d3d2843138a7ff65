"""reports: every status a session entered and every presence an agent entered (the one writer
of each records it), and one row of figures per ended session

Revision: 0014, after: 0013, written 2026-11-26 04:00:00.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "presence_history",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.String(length=18), nullable=False),
        sa.Column("agent_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("presence", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_presence_history")),
    )
    with op.batch_alter_table("presence_history", schema=None) as batch_op:
        batch_op.create_index("ix_presence_history_agent", ["agent_id", "at"], unique=False)

    op.create_table(
        "session_history",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.String(length=18), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("event", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("queue_name", sa.String(length=80), nullable=True),
        sa.Column("agent_id", sa.String(length=36), nullable=True),
        sa.Column("left_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_session_history")),
    )
    with op.batch_alter_table("session_history", schema=None) as batch_op:
        batch_op.create_index("ix_session_history_agent", ["agent_id", "at"], unique=False)
        batch_op.create_index("ix_session_history_session", ["session_id", "seq"], unique=False)

    op.create_table(
        "session_reports",
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=18), nullable=False),
        sa.Column("counted_at", sa.BigInteger(), nullable=False),
        sa.Column("deployment", sa.String(length=80), nullable=False),
        sa.Column("first_queue", sa.String(length=80), nullable=True),
        sa.Column("agent", sa.String(length=36), nullable=True),
        sa.Column("queued_at", sa.BigInteger(), nullable=True),
        sa.Column("accepted_at", sa.BigInteger(), nullable=True),
        sa.Column("ended_at", sa.BigInteger(), nullable=True),
        sa.Column("wait", sa.Float(), nullable=True),
        sa.Column("first_response", sa.Float(), nullable=True),
        sa.Column("customer_first_response", sa.Float(), nullable=True),
        sa.Column("average_response", sa.Float(), nullable=True),
        sa.Column("longest_response", sa.Float(), nullable=True),
        sa.Column("handle", sa.Float(), nullable=True),
        sa.Column("inactive", sa.Float(), nullable=False),
        sa.Column("customer_messages", sa.Integer(), nullable=False),
        sa.Column("agent_messages", sa.Integer(), nullable=False),
        sa.Column("automated_messages", sa.Integer(), nullable=False),
        sa.Column("transfers", sa.Integer(), nullable=False),
        sa.Column("end_reason", sa.String(length=40), nullable=True),
        sa.Column("ended_by_role", sa.String(length=16), nullable=True),
        sa.Column("abandoned", sa.Boolean(), nullable=False),
        sa.Column("abandoned_wait", sa.Float(), nullable=True),
        sa.Column("not_routed", sa.Boolean(), nullable=False),
        sa.Column("reason_for_not_routing", sa.String(length=40), nullable=True),
        sa.Column("csat", sa.Integer(), nullable=True),
        sa.Column("answered_question", sa.Boolean(), nullable=True),
        sa.Column("stays", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_session_reports")),
    )
    with op.batch_alter_table("session_reports", schema=None) as batch_op:
        batch_op.create_index("ix_session_reports_counted", ["org_id", "counted_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("session_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_session_reports_counted")

    op.drop_table("session_reports")
    with op.batch_alter_table("session_history", schema=None) as batch_op:
        batch_op.drop_index("ix_session_history_session")
        batch_op.drop_index("ix_session_history_agent")

    op.drop_table("session_history")
    with op.batch_alter_table("presence_history", schema=None) as batch_op:
        batch_op.drop_index("ix_presence_history_agent")

    op.drop_table("presence_history")
