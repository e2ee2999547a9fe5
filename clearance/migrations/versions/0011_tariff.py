"""the whole tariff: every 8-digit line with its rates and procedures, VAT by HS prefix, the
FTA schedules, what each procedure asks for, and which countries get MFN rates

Seeds the shipped edition (`reference/data/vn-tariff`, effective 1 January 2026). It replaces
the 84-line teaching tariff (`tariff_rate`) and the 65-code list (`hs_code`).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 07:30:00
"""

import csv
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from clearance.reference import seed, tariff_files

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    tariff_line = op.create_table(
        "tariff_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("description_vi", sa.String(), nullable=False),
        sa.Column("description_en", sa.String(), nullable=False),
        sa.Column("rates", sa.JSON(), nullable=False),
        sa.Column("procedures", sa.String(), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tariff_line")),
        sa.UniqueConstraint("code", "effective_from", name="uq_tariff_line_version"),
    )
    with op.batch_alter_table("tariff_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tariff_line_code"), ["code"], unique=False)
    op.create_table(
        "vat_rate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hs_prefix", sa.String(length=8), nullable=False),
        sa.Column("rate", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("legal_basis", sa.String(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vat_rate")),
        sa.UniqueConstraint("hs_prefix", "effective_from", name="uq_vat_rate_version"),
    )
    op.create_table(
        "agreement",
        sa.Column("column", sa.String(length=16), nullable=False),
        sa.Column("agreement", sa.String(length=100), nullable=False),
        sa.Column("preference", sa.String(length=16), nullable=False),
        sa.Column("document_kind", sa.String(length=32), nullable=False),
        sa.Column("members", sa.String(), nullable=False),
        sa.Column("legal_basis", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("column", name=op.f("pk_agreement")),
    )
    op.create_table(
        "procedure_paper",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("basis", sa.String(length=100), nullable=False),
        sa.Column("procedure", sa.String(length=200), nullable=False),
        sa.Column("regime", sa.String(length=16), nullable=False),
        sa.Column("document_kind", sa.String(length=32), nullable=False),
        sa.Column("paper", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedure_paper")),
        sa.UniqueConstraint("basis", "procedure", name="uq_procedure_paper"),
    )
    with op.batch_alter_table("country", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mfn", sa.Boolean(), nullable=False, server_default="1"))
    with op.batch_alter_table("tariff_rate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tariff_rate_hs_code"))
    op.drop_table("tariff_rate")
    with op.batch_alter_table("hs_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hs_code_code"))
    op.drop_table("hs_code")

    country = sa.table("country", sa.column("code", sa.String), sa.column("mfn", sa.Boolean))
    with (seed.DATA_DIR / "countries.csv").open(encoding="utf-8", newline="") as handle:
        others = [row["code"] for row in csv.DictReader(handle) if row["mfn"] == "false"]
    op.execute(country.update().where(country.c.code.in_(others)).values(mfn=False))

    edition = tariff_files.read_edition(tariff_files.SHIPPED_EDITION)
    rows = tariff_files.version_rows(
        stored={},
        new=edition,
        effective_from=tariff_files.SHIPPED_EFFECTIVE_FROM,
        created_by="seed",
    )
    op.bulk_insert(tariff_line, rows)


def downgrade() -> None:
    op.create_table(
        "hs_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("chapter", sa.String(length=2), nullable=False),
        sa.Column("heading", sa.String(length=4), nullable=False),
        sa.Column("description_vi", sa.String(), nullable=False),
        sa.Column("description_zh", sa.String(), nullable=False),
        sa.Column("description_en", sa.String(), nullable=False),
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hs_code")),
        sa.UniqueConstraint("code", "effective_from", name="uq_hs_code_version"),
    )
    with op.batch_alter_table("hs_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hs_code_code"), ["code"], unique=False)
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
    with op.batch_alter_table("country", schema=None) as batch_op:
        batch_op.drop_column("mfn")
    op.drop_table("procedure_paper")
    op.drop_table("agreement")
    op.drop_table("vat_rate")
    with op.batch_alter_table("tariff_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tariff_line_code"))
    op.drop_table("tariff_line")
