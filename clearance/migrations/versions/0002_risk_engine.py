"""risk engine

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 01:48:47.680327
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "channel_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("red_share", sa.Float(), nullable=False),
        sa.Column("yellow_share", sa.Float(), nullable=False),
        sa.Column("random_share", sa.Float(), nullable=False),
        sa.Column("aeo_relief", sa.Float(), nullable=False),
        sa.Column("window", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_policy")),
        sa.UniqueConstraint("version", name="uq_channel_policy_version"),
    )
    op.create_table(
        "hs_keyword",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("heading", sa.String(length=4), nullable=False),
        sa.Column("keywords_vi", sa.String(), nullable=False),
        sa.Column("keywords_zh", sa.String(), nullable=False),
        sa.Column("keywords_en", sa.String(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hs_keyword")),
        sa.UniqueConstraint("heading", "effective_from", name="uq_hs_keyword_version"),
    )
    op.create_table(
        "risk_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("ucr", sa.String(length=40), nullable=False),
        sa.Column("declarant_tax_code", sa.String(length=40), nullable=False),
        sa.Column("trader_tax_code", sa.String(length=40), nullable=False),
        sa.Column("lodged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("fraud_found", sa.Boolean(), nullable=False),
        sa.Column("revenue_usd", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("declaration_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_history")),
        sa.UniqueConstraint("source", "declarant_tax_code", "ucr", name="uq_risk_history_record"),
    )
    with op.batch_alter_table("risk_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_risk_history_declaration_id"), ["declaration_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_risk_history_trader_tax_code"), ["trader_tax_code"], unique=False
        )

    op.create_table(
        "risk_model",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=80), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("trained_on", sa.Integer(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("artefact", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_model")),
        sa.UniqueConstraint("version", name="uq_risk_model_version"),
    )
    op.create_table(
        "risk_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_rule")),
        sa.UniqueConstraint("rule_id", "version", name="uq_risk_rule_version"),
    )
    with op.batch_alter_table("risk_rule", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_rule_rule_id"), ["rule_id"], unique=False)

    op.create_table(
        "trader_standing",
        sa.Column("tax_code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("aeo", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(length=40), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tax_code", name=op.f("pk_trader_standing")),
    )
    op.create_table(
        "watchlist_party",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("tax_code", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("added_by", sa.String(length=40), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watchlist_party")),
    )
    with op.batch_alter_table("watchlist_party", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_watchlist_party_tax_code"), ["tax_code"], unique=False)

    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "channel_reason",
                sa.String(length=32),
                nullable=False,
                server_default="below thresholds",
            )
        )
        batch_op.add_column(sa.Column("model_version", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("model_score", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("policy_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("thresholds", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(
            sa.Column("rule_versions", sa.JSON(), nullable=False, server_default="{}")
        )


def downgrade() -> None:

    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_column("rule_versions")
        batch_op.drop_column("thresholds")
        batch_op.drop_column("policy_version")
        batch_op.drop_column("model_score")
        batch_op.drop_column("model_version")
        batch_op.drop_column("channel_reason")

    with op.batch_alter_table("watchlist_party", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_watchlist_party_tax_code"))

    op.drop_table("watchlist_party")
    op.drop_table("trader_standing")
    with op.batch_alter_table("risk_rule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_rule_rule_id"))

    op.drop_table("risk_rule")
    op.drop_table("risk_model")
    with op.batch_alter_table("risk_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_history_trader_tax_code"))
        batch_op.drop_index(batch_op.f("ix_risk_history_declaration_id"))

    op.drop_table("risk_history")
    op.drop_table("hs_keyword")
    op.drop_table("channel_policy")
