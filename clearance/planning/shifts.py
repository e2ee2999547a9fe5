"""Officers' shifts: their hours (configuration), who worked each one, and the staffing the
simulation runs with, as steps of time with a number of officers on duty."""

import math
import re
import statistics
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from clearance.planning.schemas import Changes, ShiftName
from clearance.reference.calendar import VIETNAM, local_date

HOURS = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


@dataclass(frozen=True)
class ShiftHours:
    name: ShiftName
    starts: time
    ends: time

    def window(self, day: date) -> tuple[datetime, datetime]:
        return (
            datetime.combine(day, self.starts, VIETNAM),
            datetime.combine(day, self.ends, VIETNAM),
        )


def parse_shifts(configured: Mapping[str, str]) -> list[ShiftHours]:
    """`{"morning": "07:00-13:00", ...}` as shifts in time order; a bad entry is a ValueError."""
    shifts = []
    for name, hours in configured.items():
        matched = HOURS.match(hours)
        if name not in ShiftName.__members__ or matched is None:
            raise ValueError(f"shift_hours: {name!r}: {hours!r} is not a shift and HH:MM-HH:MM")
        h1, m1, h2, m2 = (int(part) for part in matched.groups())
        starts, ends = time(h1, m1), time(h2, m2)
        if ends <= starts:
            raise ValueError(f"shift_hours: {name} ends before it starts")
        shifts.append(ShiftHours(ShiftName(name), starts, ends))
    return sorted(shifts, key=lambda shift: shift.starts)


def shift_at(moment: datetime, shifts: Iterable[ShiftHours]) -> tuple[date, ShiftName] | None:
    """The day and shift on duty at this moment, if any."""
    day = local_date(moment)
    for shift in shifts:
        opens, closes = shift.window(day)
        if opens <= moment < closes:
            return day, shift.name
    return None


def shift_start(moment: datetime, shifts: Iterable[ShiftHours]) -> datetime | None:
    """When the shift on duty began, or the day's last shift to begin (work in hand finishes
    after its end); None before the day's first shift."""
    day = local_date(moment)
    begun = [shift.window(day)[0] for shift in shifts if shift.window(day)[0] <= moment]
    return max(begun, default=None)


@dataclass(frozen=True)
class Staffing:
    """Officers per day and shift over the days the data covers; beyond them, the mean."""

    counts: dict[tuple[date, ShiftName], int]
    observed_days: frozenset[date]
    source: str

    def worked(self, day: date, shift: ShiftName) -> int:
        if day in self.observed_days:
            return self.counts.get((day, shift), 0)
        return round(self.mean(shift))

    def mean(self, shift: ShiftName) -> float:
        staffed = [n for (_, name), n in self.counts.items() if name is shift and n > 0]
        return statistics.fmean(staffed) if staffed else 0.0


def fixed_staffing(
    per_shift: Mapping[str, int], days: Iterable[date], closed: Container[date]
) -> Staffing:
    """The setting's officers on every open day (`CLEARANCE_OFFICERS_PER_SHIFT`)."""
    counts = {
        (day, ShiftName(name)): count
        for day in days
        if day not in closed
        for name, count in per_shift.items()
    }
    return Staffing(counts, frozenset(day for day, _ in counts), "setting")


Segment = tuple[float, float, int]  # start and end, seconds from the origin; officers on duty


def segments(
    *,
    origin: datetime,
    horizon: float,
    shifts: list[ShiftHours],
    staffing: Staffing,
    changes: Changes,
    closed: Container[date],
) -> list[Segment]:
    """Officers on duty from the origin to the horizon; none outside the shifts.

    A change adds to (or sets) each open day's shift; a day the gate is closed stays closed.
    """
    change = {c.shift: c for c in changes.officers}
    steps: list[Segment] = []
    day = local_date(origin)
    last = local_date(origin + timedelta(seconds=horizon))
    while day <= last:
        for shift in shifts:
            worked = staffing.worked(day, shift.name)
            if shift.name in change and day not in closed:
                worked = change[shift.name].apply(worked)
            opens, closes = ((moment - origin).total_seconds() for moment in shift.window(day))
            steps.append((opens, closes, worked))
        day += timedelta(days=1)
    return _fill(steps, horizon)


def _fill(steps: list[Segment], horizon: float) -> list[Segment]:
    """The shifts with the gaps between them as zero officers, from 0 to the horizon."""
    filled: list[Segment] = []
    cursor = 0.0
    for start, end, count in sorted(steps):
        if end <= cursor:
            continue
        if start > cursor:
            filled.append((cursor, start, 0))
        filled.append((max(start, cursor), end, count))
        cursor = end
    if cursor < horizon:
        filled.append((cursor, math.inf, 0))
    return filled
