"""verified users

Revision: 0007, after: 0006, written 2026-11-23 12:30:06.147919.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("end_users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_subject", sa.String(length=800), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_end_users_org_id_external_subject"), ["org_id", "external_subject"]
        )


def downgrade() -> None:

    with op.batch_alter_table("end_users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_end_users_org_id_external_subject"), type_="unique")
        batch_op.drop_column("external_subject")
