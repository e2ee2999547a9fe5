"""texts people read as message codes: an event's reason and the reference data's Vietnamese

An event's reason and a query's text get its catalogue code and parameters beside the English text (rows written
before keep their text alone); reference rows that carry prose get a Vietnamese column.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VIETNAMESE = (
    ("required_document", "reason_vi"),
    ("prohibited_good", "reason_vi"),
    ("procedure_paper", "paper_vi"),
)


def upgrade() -> None:
    op.add_column("declaration_event", sa.Column("reason_code", sa.String(64), nullable=True))
    op.add_column("declaration_event", sa.Column("reason_params", sa.JSON(), nullable=True))
    op.add_column("declaration_query", sa.Column("text_code", sa.String(64), nullable=True))
    op.add_column("declaration_query", sa.Column("text_params", sa.JSON(), nullable=True))
    for table, column in VIETNAMESE:
        op.add_column(table, sa.Column(column, sa.String(), nullable=False, server_default=""))


def downgrade() -> None:
    for table, column in VIETNAMESE:
        op.drop_column(table, column)
    op.drop_column("declaration_query", "text_params")
    op.drop_column("declaration_query", "text_code")
    op.drop_column("declaration_event", "reason_params")
    op.drop_column("declaration_event", "reason_code")
