"""attachments

Revision: 0004, after: 0003, written 2026-11-23 11:59:53.743215.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "attachments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=18), nullable=False),
        sa.Column("conversation_id", sa.String(length=36), nullable=False),
        sa.Column("entry_identifier", sa.String(length=36), nullable=False),
        sa.Column("uploaded_by_role", sa.String(length=16), nullable=False),
        sa.Column("uploaded_by", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_attachments_conversation_id_conversations"),
        ),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_attachments_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_attachments_conversation", ["conversation_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_attachments_record", ["record_id"], unique=False)

    with op.batch_alter_table("messaging_sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("file_request_record_id", sa.String(length=36), nullable=True)
        )
        batch_op.create_index("ix_messaging_sessions_case", ["case_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("messaging_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_messaging_sessions_case")
        batch_op.drop_column("file_request_record_id")

    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index("ix_attachments_record")
        batch_op.drop_index("ix_attachments_conversation")

    op.drop_table("attachments")
