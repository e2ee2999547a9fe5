"""Working hours at a gate: the legal review clocks (DESIGN §2) count only these."""

from collections.abc import Container, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from sqlmodel import Session, col, select

from clearance import hot
from clearance.reference.models import Gate, Holiday

# The gates' time zone, from the IANA database (the `tzdata` package where the system has none).
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
# A clock never needs more than this many days to run out; beyond it the calendar is wrong.
MAX_DAYS = 400
DEFAULT_HOURS = (time(7, 0), time(19, 0))


# Vietnam's public holidays (Tết by the lunar calendar, the days off swapped by decision) as the
# `holidays` package keeps them; the `holiday` table adds closures of the gates' own.
# Filled for the years around now at import; another year a lookup asks for is filled then.
PUBLIC_HOLIDAYS = holidays.country_holidays("VN", years=range(2020, 2041))


class Closed(Container[date]):
    """The days a gate is closed: the public holidays, and the closures recorded for it."""

    def __init__(self, recorded: frozenset[date]) -> None:
        self.recorded = recorded

    def __contains__(self, day: object) -> bool:
        return day in self.recorded or day in PUBLIC_HOLIDAYS


def local_date(moment: datetime) -> date:
    """The date at the gate: dates in Vietnamese law and papers are local, not UTC."""
    return moment.astimezone(VIETNAM).date()


@dataclass(frozen=True)
class WorkingCalendar:
    """Opening hours every working day (local time), closed on holidays and off weekdays."""

    opens: time
    closes: time
    closed: Container[date]
    weekdays: frozenset[int] = frozenset(range(7))  # border gates open every day

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        if day in self.closed or day.weekday() not in self.weekdays:
            return None
        return (
            datetime.combine(day, self.opens, VIETNAM),
            datetime.combine(day, self.closes, VIETNAM),
        )

    def _windows(self, start: datetime) -> Iterable[tuple[datetime, datetime]]:
        day = local_date(start)
        for offset in range(MAX_DAYS):
            window = self._window(day + timedelta(days=offset))
            if window is not None:
                yield window
        raise ValueError(f"no working hours within {MAX_DAYS} days of {start.isoformat()}")

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The moment `duration` of working time after `start` runs out."""
        left = duration
        for opens, closes in self._windows(start):
            begin = max(opens, start)
            if begin >= closes:
                continue
            if begin + left <= closes:
                return (begin + left).astimezone(UTC)
            left -= closes - begin
        raise AssertionError("unreachable: _windows raises when it runs out")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from `start` to `end`; negative when `end` is earlier."""
        if end < start:
            return -self.between(end, start)
        total = timedelta()
        for opens, closes in self._windows(start):
            if opens >= end:
                return total
            total += max(timedelta(), min(closes, end) - max(opens, start))
        return total


def for_gates(*, session: Session, gate_codes: Iterable[str]) -> dict[str, WorkingCalendar]:
    """The calendars of these gates; an unknown gate keeps the usual hours."""
    recorded, hours = hot.cached(
        "calendar",
        None,
        [Holiday.__tablename__, Gate.__tablename__],
        lambda: (
            frozenset(session.exec(select(col(Holiday.day))).all()),
            {gate.code: (gate.opens, gate.closes) for gate in session.exec(select(Gate)).all()},
        ),
    )
    closed = Closed(recorded)
    return {code: WorkingCalendar(*hours.get(code, DEFAULT_HOURS), closed) for code in gate_codes}


def for_gate(*, session: Session, gate_code: str) -> WorkingCalendar:
    return for_gates(session=session, gate_codes=[gate_code])[gate_code]
