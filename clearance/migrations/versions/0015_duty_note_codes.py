"""a duty line's note as a message code: why the preference was (not) granted, in any language

The note keeps its English text (all a row written before has); its code and parameters are
stored beside it, so the API gives it in the language asked for.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("duty_assessment", sa.Column("note_code", sa.String(64), nullable=True))
    op.add_column("duty_assessment", sa.Column("note_params", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("duty_assessment") as batch:
        batch.drop_column("note_params")
        batch.drop_column("note_code")
