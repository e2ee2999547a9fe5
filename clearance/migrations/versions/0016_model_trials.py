"""model versions on trial: a status and the last comparison on each version, and the shadow
model's scores beside the scores in force

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-09 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("risk_model") as batch:
        batch.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="stored")
        )
        batch.add_column(
            sa.Column("comparison", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
        batch.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "risk_shadow_score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.String(length=80), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("active_version", sa.String(length=80), nullable=True),
        sa.Column("active_score", sa.Float(), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_shadow_score")),
        sa.UniqueConstraint(
            "declaration_id", "version", "model_version", name="uq_risk_shadow_score"
        ),
    )
    with op.batch_alter_table("risk_shadow_score") as batch:
        batch.create_index(
            batch.f("ix_risk_shadow_score_declaration_id"), ["declaration_id"], unique=False
        )
        batch.create_index(
            batch.f("ix_risk_shadow_score_model_version"), ["model_version"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("risk_shadow_score") as batch:
        batch.drop_index(batch.f("ix_risk_shadow_score_model_version"))
        batch.drop_index(batch.f("ix_risk_shadow_score_declaration_id"))
    op.drop_table("risk_shadow_score")
    with op.batch_alter_table("risk_model") as batch:
        batch.drop_column("decided_at")
        batch.drop_column("comparison")
        batch.drop_column("status")
