"""audit

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 03:43:55.369430
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The table is append-only in the database itself, whatever code or person connects.
PG_FUNCTION = """
CREATE FUNCTION audit_record_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_record is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""
# Statement-level, so a DELETE or UPDATE matching no row is refused too; TRUNCATE has no rows.
PG_TRIGGER = """
CREATE TRIGGER trg_audit_record_append_only
BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_record
FOR EACH STATEMENT EXECUTE FUNCTION audit_record_append_only()
"""
# SQLite has no TRUNCATE and only row-level triggers.
SQLITE_TRIGGERS = [
    f"""
CREATE TRIGGER trg_audit_record_no_{operation.lower()}
BEFORE {operation} ON audit_record
BEGIN
    SELECT RAISE(ABORT, 'audit_record is append-only: {operation} refused');
END
"""
    for operation in ("UPDATE", "DELETE")
]


def upgrade() -> None:
    op.create_table(
        "audit_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("tax_code", sa.String(length=20), nullable=True),
        sa.Column("action", sa.String(length=200), nullable=False),
        sa.Column("target_kind", sa.String(length=32), nullable=True),
        sa.Column("target_id", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("client_address", sa.String(length=64), nullable=True),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_record")),
    )
    with op.batch_alter_table("audit_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_record_actor"), ["actor"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_record_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_record_target_id"), ["target_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER trg_audit_record_append_only ON audit_record")
        op.execute("DROP FUNCTION audit_record_append_only()")
    else:
        op.execute("DROP TRIGGER trg_audit_record_no_delete")
        op.execute("DROP TRIGGER trg_audit_record_no_update")
    with op.batch_alter_table("audit_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_record_target_id"))
        batch_op.drop_index(batch_op.f("ix_audit_record_at"))
        batch_op.drop_index(batch_op.f("ix_audit_record_actor"))

    op.drop_table("audit_record")
