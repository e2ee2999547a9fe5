"""A lodging set's rows in one statement on PostgreSQL (`db_rows.insert_in_one_statement`):
the same rows as one INSERT per table writes, the same refusals, the foreign keys kept."""

import re
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection
from sqlmodel import Session

from clearance import db_rows, wiring
from clearance.audit.models import AuditRecord
from clearance.auth.models import Role
from clearance.auth.service import Caller
from clearance.clock import FrozenClock
from clearance.declarations import lodging
from clearance.declarations.lodgement import Lodged, Lodgement, RequestFacts
from clearance.declarations.models import (
    ActivityDay,
    Declaration,
    DeclarationEvent,
    DeclarationLine,
    DeclarationVersion,
    IdempotencyRecord,
)
from clearance.declarations.schemas import DeclarationIn
from clearance.declarations.service import stored_payload
from tests.conftest import TRADER_TAX_CODE
from tests.factories import TEA_LINE, UREA_LINE, declaration

TRADER = Caller(key_id=1, role=Role.trader, tax_code=TRADER_TAX_CODE)
AT = datetime(2026, 12, 8, 9, 30, tzinfo=UTC)
# What differs between two lodgements of the same body: their ids, UCRs, keys and requests.
OWN = {"id", "declaration_id", "ucr", "payload", "payload_sha256", "key", "request_sha256"}
OWN |= {"target_id", "request_id"}


def _table(model: type[Any]) -> sa.Table:
    table: sa.Table = model.__table__
    return table


def _lodgement(body: dict[str, Any], n: int) -> Lodgement:
    declaration_in = DeclarationIn.model_validate(body)
    payload, sha = stored_payload(declaration_in)
    return Lodgement(
        caller=TRADER,
        declaration_in=declaration_in,
        payload=payload,
        body_sha256=sha,
        idempotency_key=f"statement-key-{uuid.uuid4().hex}",
        facts=RequestFacts(client_address="10.0.0.9", request_id=f"r-{n}"),
        lifecycle=wiring.lifecycle(),
    )


def _bodies() -> list[dict[str, Any]]:
    return [
        declaration(lines=[UREA_LINE, TEA_LINE]),
        declaration(lines=[TEA_LINE]),
        declaration(trader_tax_code="0100000009"),  # brokered, without a mandate: refused
    ]


def _renamed(body: dict[str, Any], n: int) -> dict[str, Any]:
    return {**body, "ucr": f"{body['ucr']}-{n}"}


def _stored(connection: Connection, ids: list[uuid.UUID]) -> dict[str, list[dict[str, Any]]]:
    """Every row the set wrote for these declarations, without what is each one's own."""
    found = {}
    for model in (Declaration, DeclarationVersion, DeclarationLine, DeclarationEvent):
        table = _table(model)
        key = table.c.id if model is Declaration else table.c.declaration_id
        # JSON as stored too: a JSON null and an SQL NULL both read back as None.
        texts = [
            sa.cast(c, sa.Text).label(f"{c.name}_text")
            for c in table.c
            if isinstance(c.type, sa.JSON)
        ]
        columns = [*table.c, *texts]
        rows = connection.execute(sa.select(*columns).where(key.in_(ids))).mappings()
        found[table.name] = sorted(
            (
                {name: _without_ucr(value) for name, value in row.items() if name not in OWN}
                for row in rows
            ),
            key=repr,
        )
    return found


def _without_ucr(value: Any) -> Any:
    """A payload as stored, but for its UCR (each lodgement's own)."""
    return re.sub(r'"ucr": "[^"]*"', '"ucr": ""', value) if isinstance(value, str) else value


def _audited(connection: Connection, request_ids: list[str]) -> list[dict[str, Any]]:
    table = _table(AuditRecord)
    rows = connection.execute(sa.select(table).where(table.c.request_id.in_(request_ids)))
    return sorted(
        ({k: v for k, v in row.items() if k not in OWN} for row in rows.mappings()), key=repr
    )


def _days(connection: Connection) -> dict[tuple[str, str, str], int]:
    table = _table(ActivityDay)
    rows = connection.execute(sa.select(table)).mappings()
    return {(r["party"], r["tax_code"], r["hs6"]): r["declarations"] for r in rows}


def test_a_set_in_one_statement_stores_what_one_insert_per_table_stores(
    session: Session, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    connection = session.connection()
    bodies = _bodies()
    one = [_lodgement(_renamed(body, 1), n) for n, body in enumerate(bodies)]
    apart = [_lodgement(_renamed(body, 2), n + 10) for n, body in enumerate(bodies)]

    before = _days(connection)
    first = lodging.write(one, clock=clock, committed=lambda _created: None)
    after_one = _days(connection)
    monkeypatch.setattr(db_rows, "insert_in_one_statement", lambda _connection, _parts: False)
    second = lodging.write(apart, clock=clock, committed=lambda _created: None)
    after_apart = _days(connection)

    assert [type(o) for o in first] == [type(o) for o in second]
    assert [isinstance(o, Lodged) for o in first] == [True, True, False]
    ids = [
        [o.declaration_id for o in outcomes if isinstance(o, Lodged)]
        for outcomes in (first, second)
    ]
    assert _stored(connection, ids[0]) == _stored(connection, ids[1])
    assert _audited(connection, ["r-0", "r-1", "r-2"]) == _audited(
        connection, ["r-10", "r-11", "r-12"]
    )
    added_one = {k: n - before.get(k, 0) for k, n in after_one.items() if n != before.get(k, 0)}
    added_apart = {
        k: n - after_one.get(k, 0) for k, n in after_apart.items() if n != after_one.get(k, 0)
    }
    assert added_one == added_apart and added_one
    keys = _table(IdempotencyRecord)
    written = connection.execute(
        sa.select(sa.func.count()).where(keys.c.declaration_id.in_(ids[0] + ids[1]))
    ).scalar_one()
    assert written == 4


def _declaration_row(**changes: Any) -> dict[str, Any]:
    row = {
        "id": uuid.uuid4(),
        "ucr": f"UCR-{uuid.uuid4().hex[:8]}",
        "kind": "import",
        "gate_code": "MLT",
        "declarant_tax_code": "0100000001",
        "trader_tax_code": "0100000001",
        "state": "lodged",
        "version": 1,
        "lodged_at": AT,
        "state_since": AT,
        "expected_arrival_at": None,
    }
    return row | changes


def _line_row(declaration_id: uuid.UUID) -> dict[str, Any]:
    return {
        "declaration_id": declaration_id,
        "version": 1,
        "line_no": 1,
        "hs_code": "31021000",
        "origin": "CN",
        "quantity": 1,
        "unit": "kg",
        "gross_kg": 1,
        "net_kg": 1,
        "customs_value": 1,
        "currency": "USD",
        "preference": None,
    }


def test_a_line_may_reference_the_declaration_written_beside_it(connection: Connection) -> None:
    row = _declaration_row()

    written = db_rows.insert_in_one_statement(
        connection,
        [(_table(Declaration), [row]), (_table(DeclarationLine), [_line_row(row["id"])])],
    )

    assert written
    lines = _table(DeclarationLine)
    found = connection.execute(
        sa.select(lines.c.hs_code).where(lines.c.declaration_id == row["id"])
    )
    assert list(found.scalars()) == ["31021000"]


def test_a_line_of_no_declaration_is_refused(connection: Connection) -> None:
    with pytest.raises(sa.exc.IntegrityError, match="foreign key"), connection.begin_nested():
        db_rows.insert_in_one_statement(
            connection,
            [
                (_table(Declaration), [_declaration_row()]),
                (_table(DeclarationLine), [_line_row(uuid.uuid4())]),
            ],
        )


def test_a_value_too_long_is_refused_not_cut(connection: Connection) -> None:
    long = "U" * 36  # the column takes 35

    with pytest.raises(sa.exc.DataError, match="too long"), connection.begin_nested():
        db_rows.insert_in_one_statement(
            connection, [(_table(Declaration), [_declaration_row(ucr=long)])]
        )


def test_a_naive_timestamp_is_refused_as_core_refuses_it(connection: Connection) -> None:
    row = _declaration_row(lodged_at=AT.replace(tzinfo=None))

    with pytest.raises(ValueError, match="naive"):
        db_rows.insert_in_one_statement(connection, [(_table(Declaration), [row])])


def test_whoever_listens_to_the_engine_gets_the_statements_one_table_at_a_time(
    connection: Connection,
) -> None:
    def listener(*_args: Any) -> None:
        pass

    sa.event.listen(connection.engine, "before_cursor_execute", listener)
    try:
        written = db_rows.insert_in_one_statement(
            connection, [(_table(Declaration), [_declaration_row()])]
        )
    finally:
        sa.event.remove(connection.engine, "before_cursor_execute", listener)

    assert not written


def test_sqlite_takes_one_insert_per_table(sqlite_url: str) -> None:
    engine = sa.create_engine(sqlite_url)
    try:
        with engine.connect() as connection:
            written = db_rows.insert_in_one_statement(
                connection, [(_table(Declaration), [_declaration_row()])]
            )
    finally:
        engine.dispose()

    assert not written


def test_rows_alike_in_every_column_are_each_written(connection: Connection) -> None:
    # A column the same in every row goes as one value: two rows the same in all of them
    # are still two rows (two refusals of one caller under one request id).
    records = _table(AuditRecord)
    marker = uuid.uuid4().hex
    row = {"at": AT, "actor": "trader:1", "action": marker, "outcome": "403"}

    written = db_rows.insert_in_one_statement(connection, [(records, [dict(row), dict(row)])])

    assert written
    found = connection.execute(sa.select(sa.func.count()).where(records.c.action == marker))
    assert found.scalar_one() == 2


def test_a_column_the_same_in_every_row_but_one_keeps_each_value(connection: Connection) -> None:
    records = _table(AuditRecord)
    marker = uuid.uuid4().hex
    rows = [{"at": AT, "actor": actor, "action": marker, "outcome": "ok"} for actor in "aab"]

    db_rows.insert_in_one_statement(connection, [(records, rows)])

    found = connection.execute(
        sa.select(records.c.actor).where(records.c.action == marker).order_by(records.c.actor)
    )
    assert list(found.scalars()) == ["a", "a", "b"]
