"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-29 01:05:08.763011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "api_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "trader",
                "officer",
                "supervisor",
                "operator",
                "gate",
                "bank",
                name="role",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("tax_code", sa.String(length=20), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
        sa.UniqueConstraint("digest", name="uq_api_key_digest"),
    )
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_key_tax_code"), ["tax_code"], unique=False)

    op.create_table(
        "country",
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_country")),
    )
    op.create_table(
        "currency",
        sa.Column("code", sa.String(length=3), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("minor_units", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_currency")),
    )
    op.create_table(
        "declaration",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ucr", sa.String(length=35), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("import", "export", "transit", name="kind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("gate_code", sa.String(length=8), nullable=False),
        sa.Column("declarant_tax_code", sa.String(length=20), nullable=False),
        sa.Column("trader_tax_code", sa.String(length=20), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "lodged",
                "screening",
                "assessed",
                "document_check",
                "inspection",
                "held",
                "decided",
                "released",
                "exited",
                "seized",
                "cancelled",
                name="state",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("green", "yellow", "red", name="channel", native_enum=False, length=32),
            nullable=True,
        ),
        sa.Column(
            "held_from",
            sa.Enum(
                "lodged",
                "screening",
                "assessed",
                "document_check",
                "inspection",
                "held",
                "decided",
                "released",
                "exited",
                "seized",
                "cancelled",
                name="state",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("lodged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expected_arrival_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("arrival_weight_kg", sa.Numeric(precision=14, scale=3), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("exited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration")),
        sa.UniqueConstraint("declarant_tax_code", "ucr", name="uq_declaration_declarant_ucr"),
    )
    with op.batch_alter_table("declaration", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_declaration_declarant_tax_code"), ["declarant_tax_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_declaration_lodged_at"), ["lodged_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_declaration_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_declaration_trader_tax_code"), ["trader_tax_code"], unique=False
        )

    op.create_table(
        "exchange_rate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate_vnd", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_rate")),
        sa.UniqueConstraint("currency", "effective_from", name="uq_exchange_rate_version"),
    )
    op.create_table(
        "gate",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("province", sa.String(length=100), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("facing", sa.String(length=200), nullable=False),
        sa.Column("opens", sa.Time(), nullable=False),
        sa.Column("closes", sa.Time(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_gate")),
    )
    op.create_table(
        "holiday",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_holiday")),
    )
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
        "prohibited_good",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hs_prefix", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("regime", sa.String(length=16), nullable=False),
        sa.Column("licence", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prohibited_good")),
        sa.UniqueConstraint("hs_prefix", "regime", "effective_from", name="uq_prohibited_version"),
    )
    op.create_table(
        "reference_price",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hs_code", sa.String(length=10), nullable=False),
        sa.Column("origin", sa.String(length=2), nullable=False),
        sa.Column("unit_value_usd_p10", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("unit_value_usd_median", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("unit_value_usd_p90", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_price")),
        sa.UniqueConstraint(
            "hs_code", "origin", "effective_from", name="uq_reference_price_version"
        ),
    )
    op.create_table(
        "assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("green", "yellow", "red", name="channel", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("hard_hit", sa.Boolean(), nullable=False),
        sa.Column("random_selected", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"], ["declaration.id"], name="fk_declaration_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment")),
        sa.UniqueConstraint("declaration_id", "version", name="uq_assessment_declaration_version"),
    )
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_declaration_id"), ["declaration_id"], unique=False
        )

    op.create_table(
        "decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "release",
                "hold",
                "seize",
                "inspect",
                name="decisionkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("inspected", sa.Boolean(), nullable=False),
        sa.Column("fraud_found", sa.Boolean(), nullable=False),
        sa.Column("revenue_recovered", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("revenue_currency", sa.String(length=3), nullable=True),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"], ["declaration.id"], name="fk_declaration_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision")),
    )
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decision_declaration_id"), ["declaration_id"], unique=False
        )

    op.create_table(
        "declaration_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column(
            "from_state",
            sa.Enum(
                "lodged",
                "screening",
                "assessed",
                "document_check",
                "inspection",
                "held",
                "decided",
                "released",
                "exited",
                "seized",
                "cancelled",
                name="state",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_state",
            sa.Enum(
                "lodged",
                "screening",
                "assessed",
                "document_check",
                "inspection",
                "held",
                "decided",
                "released",
                "exited",
                "seized",
                "cancelled",
                name="state",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"], ["declaration.id"], name="fk_declaration_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration_event")),
    )
    with op.batch_alter_table("declaration_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_declaration_event_declaration_id"), ["declaration_id"], unique=False
        )

    op.create_table(
        "declaration_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("hs_code", sa.String(length=10), nullable=False),
        sa.Column("origin", sa.String(length=2), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=3), nullable=False),
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.Column("gross_kg", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("net_kg", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("customs_value", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("preference", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["declaration_id"], ["declaration.id"], name="fk_declaration_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration_line")),
        sa.UniqueConstraint("declaration_id", "version", "line_no", name="uq_declaration_line"),
    )
    with op.batch_alter_table("declaration_line", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_declaration_line_declaration_id"), ["declaration_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_declaration_line_hs_code"), ["hs_code"], unique=False)

    op.create_table(
        "declaration_query",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("raised_by", sa.String(length=40), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.String(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["declaration_id"], ["declaration.id"], name="fk_declaration_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration_query")),
    )
    with op.batch_alter_table("declaration_query", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_declaration_query_declaration_id"), ["declaration_id"], unique=False
        )

    op.create_table(
        "declaration_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("payload_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"], ["declaration.id"], name="fk_declaration_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration_version")),
        sa.UniqueConstraint("declaration_id", "version", name="uq_declaration_version"),
    )
    with op.batch_alter_table("declaration_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_declaration_version_declaration_id"), ["declaration_id"], unique=False
        )

    op.create_table(
        "idempotency_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("declaration_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"], ["declaration.id"], name="fk_declaration_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_record")),
        sa.UniqueConstraint("scope", "key", name="uq_idempotency_scope_key"),
    )
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_idempotency_record_declaration_id"), ["declaration_id"], unique=False
        )

    op.create_table(
        "review_lease",
        sa.Column("declaration_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("officer", sa.String(length=40), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declaration.id"],
            name="fk_review_lease_declaration",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("declaration_id", name=op.f("pk_review_lease")),
    )
    with op.batch_alter_table("review_lease", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_lease_officer"), ["officer"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("review_lease", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_lease_officer"))

    op.drop_table("review_lease")
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_record_declaration_id"))

    op.drop_table("idempotency_record")
    with op.batch_alter_table("declaration_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_declaration_version_declaration_id"))

    op.drop_table("declaration_version")
    with op.batch_alter_table("declaration_query", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_declaration_query_declaration_id"))

    op.drop_table("declaration_query")
    with op.batch_alter_table("declaration_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_declaration_line_hs_code"))
        batch_op.drop_index(batch_op.f("ix_declaration_line_declaration_id"))

    op.drop_table("declaration_line")
    with op.batch_alter_table("declaration_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_declaration_event_declaration_id"))

    op.drop_table("declaration_event")
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_declaration_id"))

    op.drop_table("decision")
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_declaration_id"))

    op.drop_table("assessment")
    op.drop_table("reference_price")
    op.drop_table("prohibited_good")
    with op.batch_alter_table("hs_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hs_code_code"))

    op.drop_table("hs_code")
    op.drop_table("holiday")
    op.drop_table("gate")
    op.drop_table("exchange_rate")
    with op.batch_alter_table("declaration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_declaration_trader_tax_code"))
        batch_op.drop_index(batch_op.f("ix_declaration_state"))
        batch_op.drop_index(batch_op.f("ix_declaration_lodged_at"))
        batch_op.drop_index(batch_op.f("ix_declaration_declarant_tax_code"))

    op.drop_table("declaration")
    op.drop_table("currency")
    op.drop_table("country")
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_key_tax_code"))

    op.drop_table("api_key")
