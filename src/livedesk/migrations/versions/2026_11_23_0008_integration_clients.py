"""integration clients

Revision: 0008, after: 0007, written 2026-11-23 12:33:00.463693.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "integration_clients",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("algorithm", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_integration_clients_org_id_orgs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration_clients")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_integration_clients_org_id_name")),
    )


def downgrade() -> None:

    op.drop_table("integration_clients")
