"""routing: agent work, timers, records, session routing fields

Revision: 0002, after: 0001, written 2026-11-23 10:58:12.458927.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "timers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("due_at", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timers")),
        sa.UniqueConstraint("kind", "subject_id", name=op.f("uq_timers_kind_subject_id")),
    )
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.create_index("ix_timers_due", ["due_at"], unique=False)

    op.create_table(
        "records",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=18), nullable=False),
        sa.Column("object", sa.String(length=80), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_records_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records")),
    )
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index("ix_records_object", ["org_id", "object", "created_at"], unique=False)

    op.create_table(
        "agent_work",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=18), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("agent_id", sa.String(length=36), nullable=False),
        sa.Column("queue_name", sa.String(length=80), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("offered_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=True),
        sa.Column("answered_at", sa.BigInteger(), nullable=True),
        sa.Column("waited_ms", sa.BigInteger(), nullable=True),
        sa.Column("closed_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_agent_work_agent_id_agents")
        ),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_agent_work_org_id_orgs")),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["messaging_sessions.id"],
            name=op.f("fk_agent_work_session_id_messaging_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_work")),
    )
    with op.batch_alter_table("agent_work", schema=None) as batch_op:
        batch_op.create_index("ix_agent_work_agent", ["agent_id", "status"], unique=False)
        batch_op.create_index(
            "ix_agent_work_queue_answered", ["queue_name", "answered_at"], unique=False
        )
        batch_op.create_index("ix_agent_work_session", ["session_id", "status"], unique=False)
        batch_op.create_index(
            "uq_agent_work_live_session",
            ["session_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('Assigned', 'Opened')"),
            postgresql_where=sa.text("status IN ('Assigned', 'Opened')"),
        )

    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("skills", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(
            sa.Column("idle_since", sa.BigInteger(), nullable=False, server_default="0")
        )

    with op.batch_alter_table("messaging_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("queued_at", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("priority", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("work_weight", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("queue_position", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("reason_for_not_routing", sa.String(length=40), nullable=True)
        )
        batch_op.add_column(sa.Column("case_id", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messaging_sessions", schema=None) as batch_op:
        batch_op.drop_column("case_id")
        batch_op.drop_column("reason_for_not_routing")
        batch_op.drop_column("queue_position")
        batch_op.drop_column("work_weight")
        batch_op.drop_column("priority")
        batch_op.drop_column("queued_at")

    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("idle_since")
        batch_op.drop_column("skills")

    with op.batch_alter_table("agent_work", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_agent_work_live_session",
            sqlite_where=sa.text("status IN ('Assigned', 'Opened')"),
            postgresql_where=sa.text("status IN ('Assigned', 'Opened')"),
        )
        batch_op.drop_index("ix_agent_work_session")
        batch_op.drop_index("ix_agent_work_queue_answered")
        batch_op.drop_index("ix_agent_work_agent")

    op.drop_table("agent_work")
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index("ix_records_object")

    op.drop_table("records")
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.drop_index("ix_timers_due")

    op.drop_table("timers")
