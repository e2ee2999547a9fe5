"""quarantine and phytosanitary papers come from the lines' procedures, not from chapters

Before 0011 the requirements table asked for a quarantine certificate for chapters 01-05 and a
phytosanitary certificate for chapters 06-14, whatever the line. The procedures of each line
(`procedure_papers.csv`) now say which lines need them and why; this removes the fourteen
chapter rows as they were shipped, leaving any version a supervisor stored.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 07:40:00
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUARANTINE = ("01", "02", "03", "04", "05")
SHIPPED_ON = date(2026, 1, 1)
PHYTOSANITARY = ("06", "07", "08", "09", "10", "11", "12", "13", "14")


def upgrade() -> None:
    required = sa.table(
        "required_document",
        sa.column("regime", sa.String()),
        sa.column("hs_prefix", sa.String()),
        sa.column("preference", sa.String()),
        sa.column("document_kind", sa.String()),
        sa.column("reason", sa.String()),
        sa.column("effective_from", sa.Date()),
    )
    for kind, chapters in (("quarantine", QUARANTINE), ("phytosanitary", PHYTOSANITARY)):
        op.execute(
            required.delete().where(
                required.c.regime == "any",
                required.c.hs_prefix.in_(chapters),
                required.c.preference == "",
                required.c.document_kind == kind,
                required.c.reason.like("%(HS chapter __)"),
                required.c.effective_from == SHIPPED_ON,
            )
        )


def downgrade() -> None:
    """Nothing to put back: the shipped rows of the version downgraded to are reloaded by the
    seed, which inserts the rows it ships that are not stored."""
