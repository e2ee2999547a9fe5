"""the reference rows seeded before 0013 get their Vietnamese from the shipped data

0013 added the Vietnamese columns empty, and the seed inserts only the rows it does not find, so
a database seeded before it kept showing English reasons and papers on Vietnamese pages. This
fills each empty Vietnamese column from the versioned files, on the rows whose English is still
the shipped English: a supervisor's own row, or one whose Vietnamese was already given, is left
as it is.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 09:00:00
"""

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PACKAGE = Path(__file__).resolve().parents[2]
# (table, file of the shipped rows, columns naming a row, English column, Vietnamese column)
BACKFILLED = (
    (
        "prohibited_good",
        PACKAGE / "reference" / "data" / "prohibited.csv",
        ("hs_prefix", "regime"),
        "reason",
        "reason_vi",
    ),
    (
        "procedure_paper",
        PACKAGE / "reference" / "data" / "procedure_papers.csv",
        ("basis", "procedure"),
        "paper",
        "paper_vi",
    ),
    (
        "required_document",
        PACKAGE / "documents" / "data" / "required_documents.csv",
        ("regime", "hs_prefix", "preference", "document_kind"),
        "reason",
        "reason_vi",
    ),
)


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def upgrade() -> None:
    for name, path, keys, english, vietnamese in BACKFILLED:
        table = sa.table(name, *(sa.column(c, sa.String()) for c in (*keys, english, vietnamese)))
        for row in _rows(path):
            if not row[vietnamese]:
                continue
            op.execute(
                table.update()
                .where(
                    *(table.c[key] == row[key] for key in keys),
                    table.c[english] == row[english],
                    table.c[vietnamese] == "",
                )
                .values({vietnamese: row[vietnamese]})
            )


def downgrade() -> None:
    """Nothing to undo: the columns keep the Vietnamese, as rows seeded after 0013 have it."""
