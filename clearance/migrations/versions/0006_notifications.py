"""notifications: subscriptions and the outbox

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 04:08:21.545457
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subscription",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tax_code", sa.String(length=20), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription")),
    )
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subscription_tax_code"), ["tax_code"], unique=False)
        # One active registration per URL and trader (a partial index on both engines).
        batch_op.create_index(
            "uq_subscription_active_url",
            ["tax_code", "url"],
            unique=True,
            postgresql_where=sa.text("disabled_at IS NULL"),
            sqlite_where=sa.text("disabled_at IS NULL"),
        )

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("tax_code", sa.String(length=20), nullable=False),
        sa.Column("declaration_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "declaration.state_changed",
                "declaration.arrived",
                name="notificationtype",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "delivered",
                "failed",
                name="notificationstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declaration.id"],
            name="fk_notification_declaration_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"], ["subscription.id"], name="fk_notification_subscription_id"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("event_id", name="uq_notification_event_id"),
        sa.UniqueConstraint(
            "subscription_id", "declaration_id", "sequence", name="uq_notification_sequence"
        ),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_declaration_id"), ["declaration_id"], unique=False
        )
        batch_op.create_index(
            "ix_notification_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index("ix_notification_tax_code_id", ["tax_code", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_tax_code_id")
        batch_op.drop_index("ix_notification_status_next_attempt_at")
        batch_op.drop_index(batch_op.f("ix_notification_declaration_id"))

    op.drop_table("notification")
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_subscription_active_url",
            postgresql_where=sa.text("disabled_at IS NULL"),
            sqlite_where=sa.text("disabled_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_subscription_tax_code"))

    op.drop_table("subscription")
