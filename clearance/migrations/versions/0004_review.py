"""review: document checks, inspections, seizure cases

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 03:41:47.834568
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "document_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("officer", sa.String(length=40), nullable=False),
        sa.Column("verdicts", sa.JSON(), nullable=False),
        sa.Column("all_accepted", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declaration.id"],
            name="fk_document_check_declaration",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_check")),
    )
    with op.batch_alter_table("document_check", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_document_check_declaration_id"), ["declaration_id"], unique=False
        )

    op.create_table(
        "inspection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("officer", sa.String(length=40), nullable=False),
        sa.Column("seals_intact", sa.Boolean(), nullable=False),
        sa.Column("seal_numbers", sa.JSON(), nullable=False),
        sa.Column("packages_counted", sa.Integer(), nullable=True),
        sa.Column("weight_kg", sa.Numeric(precision=14, scale=3), nullable=True),
        sa.Column("sample_taken", sa.Boolean(), nullable=False),
        sa.Column("sample_reference", sa.String(length=64), nullable=True),
        sa.Column("photo_document_ids", sa.JSON(), nullable=False),
        sa.Column("discrepancies", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("inspected_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declaration.id"],
            name="fk_inspection_declaration",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection")),
    )
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_declaration_id"), ["declaration_id"], unique=False
        )

    op.create_table(
        "seizure_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("opened_by", sa.String(length=40), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declaration.id"],
            name="fk_seizure_case_declaration",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seizure_case")),
    )
    with op.batch_alter_table("seizure_case", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_seizure_case_declaration_id"), ["declaration_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("seizure_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seizure_case_declaration_id"))

    op.drop_table("seizure_case")
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_declaration_id"))

    op.drop_table("inspection")
    with op.batch_alter_table("document_check", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_check_declaration_id"))

    op.drop_table("document_check")
