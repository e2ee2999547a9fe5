"""The set writer's reads on its connection give what Core's reads give, row for row."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from clearance.declarations import set_reads
from clearance.declarations.models import Declaration, IdempotencyRecord, Kind, State
from clearance.mandates import service as mandates_service
from clearance.mandates.models import Mandate

GRANTED = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)


def _mandate(broker: str, client: str, scope: list[str], *, revoked: bool = False) -> Mandate:
    return Mandate(
        broker_tax_code=broker,
        client_tax_code=client,
        scope=scope,
        valid_from=date(2026, 1, 1),
        valid_to=date(2026, 12, 31),
        granted_by="supervisor:1",
        granted_at=GRANTED,
        revoked_at=GRANTED if revoked else None,
    )


def _dumped(found: dict[tuple[str, str], list[Mandate]]) -> dict[tuple[str, str], list[Any]]:
    return {
        pair: sorted((m.model_dump() for m in mandates), key=lambda row: row["id"])
        for pair, mandates in found.items()
    }


def test_the_unrevoked_mandates_of_each_pair_as_core_reads_them(session: Session) -> None:
    session.add_all(
        [
            _mandate("0300000001", "0100000001", ["import"]),
            _mandate("0300000001", "0100000001", ["export", "transit"]),
            _mandate("0300000001", "0100000002", ["import"], revoked=True),
            _mandate("0300000002", "0100000001", ["import"]),
            _mandate("0300000003", "0100000003", ["export"]),
        ]
    )
    session.flush()
    pairs = [
        ("0300000001", "0100000001"),
        ("0300000001", "0100000002"),  # revoked: none
        ("0300000002", "0100000001"),
        ("0300000001", "0100000001"),  # asked twice
        ("0399999999", "0100000001"),  # none granted
    ]
    found = set_reads.unrevoked(session, pairs)
    assert _dumped(found) == _dumped(mandates_service.unrevoked(session=session, pairs=pairs))
    assert sorted(found) == [("0300000001", "0100000001"), ("0300000002", "0100000001")]
    assert len(found[("0300000001", "0100000001")]) == 2
    granted_at = found[("0300000002", "0100000001")][0].granted_at
    assert (granted_at, granted_at.tzinfo) == (GRANTED, UTC)
    assert set_reads.unrevoked(session, []) == {}


def test_a_connection_lost_during_the_read_is_raised_as_core_would(cloned_db: str) -> None:
    engine = create_engine(cloned_db)
    try:
        with engine.connect() as connection, Session(bind=connection) as session:
            raw = connection.connection.driver_connection
            assert raw is not None
            raw.close()  # as a terminated backend leaves it: the set answers 503, not 500
            with pytest.raises(OperationalError):
                set_reads.unrevoked(session, [("0300000001", "0100000001")])
            connection.invalidate()  # not handed back to the pool: it is closed
    finally:
        engine.dispose()


def test_the_used_keys_as_core_reads_them(session: Session) -> None:
    declaration = Declaration(
        id=uuid.uuid4(),
        ucr="UCR-SET-READS-1",
        kind=Kind.import_,
        gate_code="MLT",
        declarant_tax_code="0100000001",
        trader_tax_code="0100000001",
        state=State.lodged,
        version=1,
        lodged_at=GRANTED,
        state_since=GRANTED,
        expected_arrival_at=GRANTED,
    )
    session.add(declaration)
    session.flush()
    for scope, key in [("0100000001", "key-1"), ("0100000001", "key-2"), ("0100000002", "key-1")]:
        session.add(
            IdempotencyRecord(
                scope=scope,
                key=key,
                request_sha256="ab" * 32,
                declaration_id=declaration.id,
                created_at=GRANTED,
            )
        )
    session.flush()
    asked = [("0100000001", "key-1"), ("0100000002", "key-1"), ("0100000002", "key-9")]
    record = IdempotencyRecord.__table__.c  # type: ignore[attr-defined]
    core = session.connection().execute(
        sa.select(record.scope, record.key, record.request_sha256, record.declaration_id).where(
            sa.tuple_(record.scope, record.key).in_(asked)
        )
    )
    expected = sorted(tuple(row) for row in core)
    found = sorted(set_reads.used_keys(session, asked))
    assert found == expected
    assert [(scope, key) for scope, key, _sha, _id in found] == asked[:2]
    assert all(isinstance(row[3], uuid.UUID) for row in found)
    assert set_reads.used_keys(session, []) == []
