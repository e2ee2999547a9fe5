"""The reference snapshot is read once per day it is asked for, and kept for each such day."""

from datetime import date
from typing import Any

from sqlalchemy import Connection, event
from sqlmodel import Session

from clearance.reference import service


def _reads(connection: Connection, session: Session, day: date) -> int:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement)

    event.listen(connection, "before_cursor_execute", count)
    try:
        service.snapshot(session=session, today=day)
    finally:
        event.remove(connection, "before_cursor_execute", count)
    return len(statements)


def test_two_days_asked_in_turn_are_each_read_once(
    connection: Connection, session: Session
) -> None:
    # Screening asks for today's UTC date while a version's duties ask for its date in Vietnam.
    utc_day, vietnam_day = date(2026, 12, 7), date(2026, 12, 8)
    assert _reads(connection, session, utc_day) > 0
    assert _reads(connection, session, vietnam_day) > 0
    assert _reads(connection, session, utc_day) == 0
    assert _reads(connection, session, vietnam_day) == 0
    assert service.snapshot(session=session, today=vietnam_day).today == vietnam_day


def test_only_the_last_few_days_are_kept(connection: Connection, session: Session) -> None:
    days = [date(2026, 12, n) for n in range(1, service.CACHED_DAYS + 2)]
    for day in days:
        service.snapshot(session=session, today=day)
    assert _reads(connection, session, days[-1]) == 0
    assert _reads(connection, session, days[0]) > 0  # the oldest read made way
