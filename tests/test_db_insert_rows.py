"""`db.insert_rows`: rows written straight through the driver read back as Core writes them."""

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection

from clearance import db
from clearance.audit.models import AuditRecord
from clearance.declarations.models import Declaration, DeclarationEvent, Kind, State

AT = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


def _declaration(**changes: Any) -> dict[str, Any]:
    row = {
        "id": uuid.uuid4(),
        "ucr": f"UCR-{uuid.uuid4().hex[:8]}",
        "kind": Kind.import_,
        "gate_code": "MLT",
        "declarant_tax_code": "0100000001",
        "trader_tax_code": "0100000001",
        "state": State.lodged,
        "version": 1,
        "lodged_at": AT,
        "state_since": AT,
        "expected_arrival_at": None,
    }
    return row | changes


def _event(declaration_id: uuid.UUID, **changes: Any) -> dict[str, Any]:
    row = {
        "declaration_id": declaration_id,
        "version": 1,
        "action": "lodge",
        "from_state": None,
        "to_state": State.lodged,
        "actor": "trader:1",
        "reason": "",
        "reason_code": None,
        "reason_params": None,
        "at": AT,
    }
    return row | changes


def _read(connection: Connection, table: sa.Table, column: sa.Column[Any], value: Any) -> Any:
    return connection.execute(sa.select(table).where(column == value)).mappings().one()


def test_rows_read_back_as_the_core_insert_writes_them(connection: Connection) -> None:
    through_driver, through_core = _declaration(), _declaration()
    declarations: sa.Table = Declaration.__table__  # type: ignore[attr-defined]
    events: sa.Table = DeclarationEvent.__table__  # type: ignore[attr-defined]

    db.insert_many(connection, declarations, [through_driver])
    connection.execute(sa.insert(declarations), [through_core])
    params = {"reason_code": "code", "reason_params": {"note": "ghi chú", "n": 2}}
    db.insert_many(connection, events, [_event(through_driver["id"], **params)])
    connection.execute(sa.insert(events), [_event(through_core["id"], **params)])

    written = _read(connection, declarations, declarations.c.id, through_driver["id"])
    expected = _read(connection, declarations, declarations.c.id, through_core["id"])
    assert {**written, "id": None, "ucr": None} == {**expected, "id": None, "ucr": None}
    assert written["kind"] == "import" and written["state"] == "lodged"
    assert written["lodged_at"] == AT
    event = _read(connection, events, events.c.declaration_id, through_driver["id"])
    assert event["reason_params"] == {"note": "ghi chú", "n": 2}
    assert event["to_state"] == "lodged"


def test_tabs_new_lines_and_backslashes_read_back_as_written(connection: Connection) -> None:
    # Tabs, new lines, backslashes and COPY's own null marker are values, not separators.
    events: sa.Table = DeclarationEvent.__table__  # type: ignore[attr-defined]
    row = _declaration()
    db.insert_many(connection, Declaration.__table__, [row])  # type: ignore[attr-defined]
    reason = "a\tb\nc\\d \\N e\r"
    params = {"note": '\\N\t"quoted"\n', "none": None}

    db.insert_many(
        connection,
        events,
        [_event(row["id"], reason=reason, reason_code=None, reason_params=params)],
    )

    event = _read(connection, events, events.c.declaration_id, row["id"])
    assert event["reason"] == reason
    assert event["reason_code"] is None
    assert event["reason_params"] == params


def test_many_rows_go_in_one_call(connection: Connection) -> None:
    records: sa.Table = AuditRecord.__table__  # type: ignore[attr-defined]
    marker = uuid.uuid4().hex
    rows = [{"at": AT, "actor": f"trader:{n}", "action": marker, "outcome": "ok"} for n in range(3)]

    db.insert_many(connection, records, rows)

    found = connection.execute(
        sa.select(records.c.actor).where(records.c.action == marker).order_by(records.c.actor)
    ).scalars()
    assert list(found) == ["trader:0", "trader:1", "trader:2"]


def test_a_column_core_would_fill_in_python_is_filled(connection: Connection) -> None:
    declarations: sa.Table = Declaration.__table__  # type: ignore[attr-defined]
    row = _declaration()
    del row["id"], row["version"]  # Python-side defaults: uuid4 and 1

    db.insert_many(connection, declarations, [row])

    written = _read(connection, declarations, declarations.c.ucr, row["ucr"])
    assert isinstance(written["id"], uuid.UUID)
    assert written["version"] == 1


def test_a_naive_timestamp_is_refused_as_core_refuses_it(connection: Connection) -> None:
    declarations: sa.Table = Declaration.__table__  # type: ignore[attr-defined]

    with pytest.raises(ValueError, match="naive"):
        db.insert_many(connection, declarations, [_declaration(lodged_at=AT.replace(tzinfo=None))])


def test_a_refusal_is_raised_as_core_raises_it(connection: Connection) -> None:
    declarations: sa.Table = Declaration.__table__  # type: ignore[attr-defined]
    row = _declaration()
    db.insert_many(connection, declarations, [row])

    with pytest.raises(sa.exc.IntegrityError), connection.begin_nested():
        db.insert_many(connection, declarations, [row])


def test_the_statement_is_seen_by_whoever_listens_to_the_engine(connection: Connection) -> None:
    # OpenTelemetry's SQLAlchemy instrumentation traces statements through these events.
    seen: list[str] = []

    def listener(*args: Any) -> None:
        seen.append(str(args[2]))

    sa.event.listen(connection.engine, "before_cursor_execute", listener)
    try:
        records: sa.Table = AuditRecord.__table__  # type: ignore[attr-defined]
        db.insert_many(
            connection, records, [{"at": AT, "actor": "a", "action": "b", "outcome": "ok"}]
        )
    finally:
        sa.event.remove(connection.engine, "before_cursor_execute", listener)

    assert any(statement.startswith("INSERT INTO audit_record") for statement in seen), seen


def test_more_rows_than_one_statement_could_take_all_go_in(connection: Connection) -> None:
    # More than PostgreSQL's 65,535 parameters of one statement, were they one INSERT.
    records: sa.Table = AuditRecord.__table__  # type: ignore[attr-defined]
    marker = uuid.uuid4().hex
    rows = [
        {"at": AT, "actor": f"trader:{n}", "action": marker, "outcome": "ok"} for n in range(17_000)
    ]

    db.insert_many(connection, records, rows)

    found = connection.execute(
        sa.select(sa.func.count(), sa.func.count(sa.distinct(records.c.actor))).where(
            records.c.action == marker
        )
    ).one()
    assert tuple(found) == (17_000, 17_000)
