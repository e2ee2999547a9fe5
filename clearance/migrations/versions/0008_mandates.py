"""mandates

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 04:04:22.086659
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mandate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("broker_tax_code", sa.String(length=20), nullable=False),
        sa.Column("client_tax_code", sa.String(length=20), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("granted_by", sa.String(length=40), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mandate")),
    )
    with op.batch_alter_table("mandate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mandate_broker_tax_code"), ["broker_tax_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mandate_client_tax_code"), ["client_tax_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("mandate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mandate_client_tax_code"))
        batch_op.drop_index(batch_op.f("ix_mandate_broker_tax_code"))

    op.drop_table("mandate")
