"""Working hours: the legal clocks stop when the gate closes and on holidays."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import Session

from clearance import hot
from clearance.reference import calendar
from clearance.reference.calendar import VIETNAM, WorkingCalendar
from clearance.reference.models import Holiday

HOURS = WorkingCalendar(time(7), time(19), frozenset({date(2027, 1, 1)}))


def local(day: int, hour: int, minute: int = 0, month: int = 12, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (local(1, 9), 2, local(1, 11)),  # within the day
        (local(1, 18), 2, local(2, 8)),  # one hour today, one when the gate opens
        (local(1, 21), 2, local(2, 9)),  # lodged after closing: the clock starts at opening
        (local(1, 5), 2, local(1, 9)),  # before opening
        (local(31, 18), 8, local(2, 14, month=1, year=2027)),  # New Year's Day does not count
        (local(1, 7), 12, local(1, 19)),  # exactly one working day
    ],
)
def test_add_counts_only_working_hours(start: datetime, hours: int, due: datetime) -> None:
    result = HOURS.add(start, timedelta(hours=hours))
    assert result == due
    assert result.tzinfo == UTC


def test_between_is_working_time_and_negative_when_overdue() -> None:
    assert HOURS.between(local(1, 18), local(2, 8)) == timedelta(hours=2)
    assert HOURS.between(local(2, 8), local(1, 18)) == timedelta(hours=-2)
    assert HOURS.between(local(1, 20), local(1, 23)) == timedelta()
    assert HOURS.between(local(31, 12), local(2, 8, month=1, year=2027)) == timedelta(hours=8)


def test_weekdays_can_close_the_gate_on_sundays() -> None:
    weekdays = WorkingCalendar(time(7), time(19), frozenset(), frozenset(range(6)))
    saturday = local(5, 18)
    assert saturday.weekday() == 5
    assert weekdays.add(saturday, timedelta(hours=2)) == local(7, 8)  # Monday


def test_a_calendar_without_working_days_refuses_instead_of_looping() -> None:
    closed = WorkingCalendar(time(7), time(19), frozenset(), frozenset())
    with pytest.raises(ValueError, match="no working hours"):
        closed.add(local(1, 9), timedelta(hours=1))


def test_gate_calendars_come_from_the_reference_tables(session: Session) -> None:
    calendars = calendar.for_gates(session=session, gate_codes={"MLT", "LCI", "ZZZ"})
    assert (calendars["MLT"].opens, calendars["MLT"].closes) == (time(7), time(19))
    assert calendars["LCI"].closes == time(22)
    assert calendars["ZZZ"].opens == calendar.DEFAULT_HOURS[0]  # unknown gate: usual hours
    assert date(2026, 9, 2) in calendars["MLT"].closed  # National Day


def test_public_holidays_come_from_the_holidays_package_and_closures_from_the_table(
    session: Session,
) -> None:
    """Tết moves with the lunar calendar: 2027's is in February, as the decree has it."""
    session.add(Holiday(day=date(2027, 3, 15), name="Đóng cửa khẩu: sạt lở đường"))
    session.flush()
    hot.clear()
    closed = calendar.for_gate(session=session, gate_code="MLT").closed

    assert all(date(2027, 2, day) in closed for day in range(5, 10))  # Tết Đinh Mùi
    assert date(2027, 4, 16) in closed  # Giỗ Tổ Hùng Vương, 10/3 lunar
    assert date(2027, 3, 15) in closed  # a closure of the gate's own
    assert date(2027, 3, 16) not in closed
