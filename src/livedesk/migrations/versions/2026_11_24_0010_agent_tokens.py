"""agent tokens: the tokens issued to each agent, so that demoting her revokes them all

Revision: 0010, after: 0009, written 2026-11-24 09:00:00.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agent_tokens",
        sa.Column("jti", sa.String(length=40), nullable=False),
        sa.Column("agent_id", sa.String(length=36), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_agent_tokens_agent_id_agents")
        ),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_agent_tokens")),
    )
    op.create_index("ix_agent_tokens_agent", "agent_tokens", ["agent_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_agent_tokens_agent", table_name="agent_tokens")
    op.drop_table("agent_tokens")
