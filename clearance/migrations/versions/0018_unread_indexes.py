"""indexes no read uses dropped from the hot tables: each was one more write per inserted row

The declaration's own index on a version, a line, an assessment and a line's duties repeats the
first column of a unique constraint, which serves the same reads and the cascade; the lines'
HS code is read by its HS4 or HS6 prefix (`substr`), which a plain index does not serve; an
idempotency record is read by scope and key only.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 20:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DROPPED = (
    ("declaration_version", "ix_declaration_version_declaration_id", "declaration_id"),
    ("declaration_line", "ix_declaration_line_declaration_id", "declaration_id"),
    ("declaration_line", "ix_declaration_line_hs_code", "hs_code"),
    ("assessment", "ix_assessment_declaration_id", "declaration_id"),
    ("duty_assessment", "ix_duty_assessment_declaration_id", "declaration_id"),
    ("idempotency_record", "ix_idempotency_record_declaration_id", "declaration_id"),
)


def upgrade() -> None:
    for table, index, _column in DROPPED:
        op.drop_index(index, table_name=table)


def downgrade() -> None:
    for table, index, column in DROPPED:
        op.create_index(index, table, [column], unique=False)
