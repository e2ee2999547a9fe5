"""duties: tariff, assessments, payments, guarantees

Down-revises 0005 for now: 0006 is being written on another branch; point this at it when
both are merged.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tariff_rate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hs_code", sa.String(length=8), nullable=False),
        sa.Column("mfn_rate", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("acfta_rate", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("vat_rate", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tariff_rate")),
        sa.UniqueConstraint("hs_code", "effective_from", name="uq_tariff_rate_version"),
    )
    with op.batch_alter_table("tariff_rate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tariff_rate_hs_code"), ["hs_code"], unique=False)

    op.create_table(
        "duty_assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("hs_code", sa.String(length=10), nullable=False),
        sa.Column("customs_value", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate_vnd", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("value_vnd", sa.BigInteger(), nullable=True),
        sa.Column("duty_rate", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("vat_rate", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("preference_claimed", sa.String(length=16), nullable=True),
        sa.Column("preference_granted", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("rate_known", sa.Boolean(), nullable=False),
        sa.Column("duty_vnd", sa.BigInteger(), nullable=True),
        sa.Column("vat_vnd", sa.BigInteger(), nullable=True),
        sa.Column("total_vnd", sa.BigInteger(), nullable=True),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declaration.id"],
            name="fk_duty_assessment_declaration",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_assessment")),
        sa.UniqueConstraint("declaration_id", "version", "line_no", name="uq_duty_assessment_line"),
    )
    with op.batch_alter_table("duty_assessment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_duty_assessment_declaration_id"), ["declaration_id"], unique=False
        )

    op.create_table(
        "guarantee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Uuid(), nullable=False),
        sa.Column("amount_vnd", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("registered_by", sa.String(length=40), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declaration.id"],
            name="fk_guarantee_declaration",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guarantee")),
    )
    with op.batch_alter_table("guarantee", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_guarantee_declaration_id"), ["declaration_id"], unique=False
        )

    op.create_table(
        "payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank_reference", sa.String(length=64), nullable=False),
        sa.Column("declaration_id", sa.Uuid(), nullable=False),
        sa.Column("amount_vnd", sa.BigInteger(), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("bank_actor", sa.String(length=40), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declaration.id"],
            name="fk_payment_declaration",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment")),
        sa.UniqueConstraint("bank_reference", name="uq_payment_bank_reference"),
    )
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_declaration_id"), ["declaration_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_declaration_id"))

    op.drop_table("payment")
    with op.batch_alter_table("guarantee", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guarantee_declaration_id"))

    op.drop_table("guarantee")
    with op.batch_alter_table("duty_assessment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duty_assessment_declaration_id"))

    op.drop_table("duty_assessment")
    with op.batch_alter_table("tariff_rate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tariff_rate_hs_code"))

    op.drop_table("tariff_rate")
