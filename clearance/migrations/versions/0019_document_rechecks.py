"""the declarations whose dossier changed since their last re-check: an upload asks, a worker
job re-checks them in sets (the database, not Redis, is the list of pending re-checks)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "document_recheck",
        sa.Column("declaration_id", sa.Uuid(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declaration.id"],
            name="fk_document_recheck_declaration_id",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("declaration_id", name=op.f("pk_document_recheck")),
    )
    op.create_index(op.f("ix_document_recheck_requested_at"), "document_recheck", ["requested_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_document_recheck_requested_at"), table_name="document_recheck")
    op.drop_table("document_recheck")
