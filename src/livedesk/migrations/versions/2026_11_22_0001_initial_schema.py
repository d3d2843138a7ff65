"""initial schema

Revision: 0001, after: , written 2026-11-22 05:12:08.732082.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "orgs",
        sa.Column("id", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orgs")),
    )
    op.create_table(
        "revoked_tokens",
        sa.Column("jti", sa.String(length=40), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_revoked_tokens")),
    )
    op.create_table(
        "stream_events",
        sa.Column("recipient", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("event", sa.String(length=60), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("recipient", "seq", name=op.f("pk_stream_events")),
    )
    op.create_table(
        "stream_heads",
        sa.Column("recipient", sa.String(length=40), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("recipient", name=op.f("pk_stream_heads")),
    )
    op.create_table(
        "agents",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=18), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("queues", sa.JSON(), nullable=False),
        sa.Column("presence", sa.String(length=16), nullable=False),
        sa.Column("presence_changed_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_agents_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
        sa.UniqueConstraint("org_id", "username", name=op.f("uq_agents_org_id_username")),
    )
    op.create_table(
        "deployments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=18), nullable=False),
        sa.Column("developer_name", sa.String(length=80), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_deployments_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployments")),
        sa.UniqueConstraint(
            "org_id", "developer_name", name=op.f("uq_deployments_org_id_developer_name")
        ),
    )
    op.create_table(
        "queues",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_queues_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queues")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_queues_org_id_name")),
    )
    op.create_table(
        "end_users",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=18), nullable=False),
        sa.Column("deployment_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("device_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_end_users_deployment_id_deployments"),
        ),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_end_users_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_end_users")),
    )
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=18), nullable=False),
        sa.Column("deployment_id", sa.String(length=36), nullable=False),
        sa.Column("end_user_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("prechat", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("closed_at", sa.BigInteger(), nullable=True),
        sa.Column("last_entry_at", sa.BigInteger(), nullable=False),
        sa.Column("session_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_conversations_deployment_id_deployments"),
        ),
        sa.ForeignKeyConstraint(
            ["end_user_id"], ["end_users.id"], name=op.f("fk_conversations_end_user_id_end_users")
        ),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_conversations_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
    )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_conversations_end_user", ["end_user_id", "created_at"], unique=False
        )

    op.create_table(
        "conversation_entries",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("identifier", sa.String(length=36), nullable=False),
        sa.Column("conversation_id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=True),
        sa.Column("entry_type", sa.String(length=40), nullable=False),
        sa.Column("sender_role", sa.String(length=16), nullable=False),
        sa.Column("sender_subject", sa.String(length=80), nullable=False),
        sa.Column("sender_display_name", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("client_timestamp", sa.BigInteger(), nullable=True),
        sa.Column("transcripted_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_conversation_entries_conversation_id_conversations"),
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_conversation_entries")),
        sa.UniqueConstraint(
            "conversation_id",
            "identifier",
            name=op.f("uq_conversation_entries_conversation_id_identifier"),
        ),
    )
    with op.batch_alter_table("conversation_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_conversation_entries_time", ["conversation_id", "transcripted_at"], unique=False
        )

    op.create_table(
        "messaging_sessions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("conversation_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("agent_id", sa.String(length=36), nullable=True),
        sa.Column("queue_name", sa.String(length=80), nullable=True),
        sa.Column("routing_attributes", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("accepted_at", sa.BigInteger(), nullable=True),
        sa.Column("ended_at", sa.BigInteger(), nullable=True),
        sa.Column("ended_by_role", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_messaging_sessions_agent_id_agents")
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_messaging_sessions_conversation_id_conversations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messaging_sessions")),
        sa.UniqueConstraint(
            "conversation_id", "number", name=op.f("uq_messaging_sessions_conversation_id_number")
        ),
    )
    with op.batch_alter_table("messaging_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_messaging_sessions_agent", ["agent_id", "status"], unique=False)
        batch_op.create_index("ix_messaging_sessions_status", ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("messaging_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_messaging_sessions_status")
        batch_op.drop_index("ix_messaging_sessions_agent")

    op.drop_table("messaging_sessions")
    with op.batch_alter_table("conversation_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_conversation_entries_time")

    op.drop_table("conversation_entries")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index("ix_conversations_end_user")

    op.drop_table("conversations")
    op.drop_table("end_users")
    op.drop_table("queues")
    op.drop_table("deployments")
    op.drop_table("agents")
    op.drop_table("stream_heads")
    op.drop_table("stream_events")
    op.drop_table("revoked_tokens")
    op.drop_table("orgs")
