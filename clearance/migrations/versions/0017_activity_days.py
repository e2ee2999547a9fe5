"""each party's declarations per day, counted from the declarations already stored; a
party's declarations and fraud history indexed by time

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-10 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = """
INSERT INTO activity_day (party, tax_code, hs6, day, declarations)
SELECT 'trader', trader_tax_code, '', {day}, count(*) FROM declaration
GROUP BY trader_tax_code, {day};
INSERT INTO activity_day (party, tax_code, hs6, day, declarations)
SELECT 'declarant', declarant_tax_code, '', {day}, count(*) FROM declaration
GROUP BY declarant_tax_code, {day};
INSERT INTO activity_day (party, tax_code, hs6, day, declarations)
SELECT 'trader', trader_tax_code, substr(hs_code, 1, 6), {day}, count(DISTINCT declaration.id)
FROM declaration JOIN declaration_line ON declaration_line.declaration_id = declaration.id
GROUP BY trader_tax_code, substr(hs_code, 1, 6), {day}
"""


def upgrade() -> None:
    op.create_table(
        "activity_day",
        sa.Column("party", sa.String(length=16), nullable=False),
        sa.Column("tax_code", sa.String(length=20), nullable=False),
        sa.Column("hs6", sa.String(length=6), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("declarations", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("party", "tax_code", "hs6", "day", name=op.f("pk_activity_day")),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    day = "CAST(timezone('UTC', lodged_at) AS date)" if postgresql else "date(lodged_at)"
    for statement in COUNTS.format(day=day).split(";"):
        op.execute(statement)
    with op.batch_alter_table("declaration") as batch:
        batch.drop_index(batch.f("ix_declaration_trader_tax_code"))
        batch.drop_index(batch.f("ix_declaration_declarant_tax_code"))
        batch.create_index(
            "ix_declaration_trader_lodged_at", ["trader_tax_code", "lodged_at"], unique=False
        )
        batch.create_index(
            "ix_declaration_declarant_lodged_at", ["declarant_tax_code", "lodged_at"], unique=False
        )
    with op.batch_alter_table("risk_history") as batch:
        batch.drop_index(batch.f("ix_risk_history_trader_tax_code"))
        batch.create_index(
            "ix_risk_history_trader_lodged_at",
            ["trader_tax_code", "lodged_at"],
            unique=False,
            postgresql_include=["fraud_found"],
        )


def downgrade() -> None:
    with op.batch_alter_table("risk_history") as batch:
        batch.drop_index("ix_risk_history_trader_lodged_at")
        batch.create_index(
            batch.f("ix_risk_history_trader_tax_code"), ["trader_tax_code"], unique=False
        )
    with op.batch_alter_table("declaration") as batch:
        batch.drop_index("ix_declaration_declarant_lodged_at")
        batch.drop_index("ix_declaration_trader_lodged_at")
        batch.create_index(
            batch.f("ix_declaration_declarant_tax_code"), ["declarant_tax_code"], unique=False
        )
        batch.create_index(
            batch.f("ix_declaration_trader_tax_code"), ["trader_tax_code"], unique=False
        )
    op.drop_table("activity_day")
