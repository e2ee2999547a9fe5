"""documents

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 02:18:17.532924
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "required_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("regime", sa.String(length=16), nullable=False),
        sa.Column("hs_prefix", sa.String(length=10), nullable=False),
        sa.Column("preference", sa.String(length=16), nullable=False),
        sa.Column(
            "document_kind",
            sa.Enum(
                "invoice",
                "packing_list",
                "co_form_e",
                "phytosanitary",
                "quarantine",
                "licence",
                "contract",
                name="documentkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_required_document")),
        sa.UniqueConstraint(
            "regime",
            "hs_prefix",
            "preference",
            "document_kind",
            "effective_from",
            name="uq_required_document_version",
        ),
    )
    op.create_table(
        "document",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("declaration_id", sa.Uuid(), nullable=False),
        sa.Column("declaration_version", sa.Integer(), nullable=False),
        sa.Column("trader_tax_code", sa.String(length=20), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "invoice",
                "packing_list",
                "co_form_e",
                "phytosanitary",
                "quarantine",
                "licence",
                "contract",
                name="documentkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("number_key", sa.String(length=64), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("uploaded_by", sa.String(length=40), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declaration.id"],
            name="fk_document_declaration_id",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document")),
        sa.UniqueConstraint("storage_key", name="uq_document_storage_key"),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_document_declaration_id"), ["declaration_id"], unique=False
        )
        batch_op.create_index("ix_document_kind_number_key", ["kind", "number_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_document_sha256"), ["sha256"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_document_trader_tax_code"), ["trader_tax_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_trader_tax_code"))
        batch_op.drop_index(batch_op.f("ix_document_sha256"))
        batch_op.drop_index("ix_document_kind_number_key")
        batch_op.drop_index(batch_op.f("ix_document_declaration_id"))

    op.drop_table("document")
    op.drop_table("required_document")
