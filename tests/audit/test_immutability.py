"""The database itself refuses to change or remove an audit record, whoever connects."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, insert, text
from sqlalchemy.exc import DBAPIError

from clearance import db
from clearance.audit.models import AuditRecord
from clearance.clock import FrozenClock

CHANGES = {
    "update": "UPDATE audit_record SET actor = 'someone:else'",
    "delete": "DELETE FROM audit_record",
    "delete nothing": "DELETE FROM audit_record WHERE id < 0",
    "truncate": "TRUNCATE audit_record",
}


def _record(connection: Connection, clock: FrozenClock) -> None:
    connection.execute(
        insert(AuditRecord).values(at=clock.now(), actor="officer:1", action="GET /", outcome="ok")
    )


@pytest.mark.parametrize("statement", list(CHANGES.values()), ids=list(CHANGES))
def test_postgresql_refuses_to_change_a_record(
    connection: Connection, clock: FrozenClock, statement: str
) -> None:
    _record(connection, clock)

    with pytest.raises(DBAPIError, match="append-only"), connection.begin_nested():
        connection.execute(text(statement))

    assert connection.execute(text("SELECT actor FROM audit_record")).scalars().all() == [
        "officer:1"
    ]


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = db.make_engine(sqlite_url)
    yield engine
    engine.dispose()


@pytest.mark.parametrize(
    "statement", [CHANGES["update"], CHANGES["delete"]], ids=["update", "delete"]
)
def test_sqlite_refuses_to_change_a_record(
    sqlite_engine: Engine, clock: FrozenClock, statement: str
) -> None:
    with sqlite_engine.begin() as connection:
        _record(connection, clock)

    with pytest.raises(DBAPIError, match="append-only"), sqlite_engine.begin() as connection:
        connection.execute(text(statement))

    with sqlite_engine.connect() as connection:
        assert connection.execute(text("SELECT actor FROM audit_record")).scalars().all() == [
            "officer:1"
        ]
