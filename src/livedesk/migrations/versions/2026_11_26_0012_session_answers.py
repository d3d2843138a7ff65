"""session answers: the messaging components sent in a session and the customer's answers

Revision: 0012, after: 0011, written 2026-11-26 09:00:00.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "session_answers",
        sa.Column("conversation_id", sa.String(length=36), nullable=False),
        sa.Column("question_id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=18), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("component", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("sent_by_role", sa.String(length=16), nullable=False),
        sa.Column("sent_at", sa.BigInteger(), nullable=False),
        sa.Column("answer_id", sa.String(length=36), nullable=True),
        sa.Column("answered_at", sa.BigInteger(), nullable=True),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.Column("selection", sa.String(length=80), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_session_answers_conversation_id_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_session_answers_org_id_orgs")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["messaging_sessions.id"],
            name=op.f("fk_session_answers_session_id_messaging_sessions"),
        ),
        sa.PrimaryKeyConstraint("conversation_id", "question_id", name=op.f("pk_session_answers")),
    )
    with op.batch_alter_table("session_answers", schema=None) as batch_op:
        batch_op.create_index("ix_session_answers_session", ["session_id"], unique=False)
        batch_op.create_index(
            "ix_session_answers_component", ["org_id", "component", "sent_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("session_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_session_answers_component")
        batch_op.drop_index("ix_session_answers_session")
    op.drop_table("session_answers")
