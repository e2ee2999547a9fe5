"""Screening's live activity counts: each declaration's trader and declarant activity lodged
here since the model's history ends, read from the parties' days (`ActivityDay`) and the few
declarations lodged where a count starts or ends inside a day."""

import bisect
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import accumulate
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from clearance.db import UTCDateTime
from clearance.declarations import activity
from clearance.declarations.models import ActivityDay, Declaration, DeclarationLine
from clearance.declarations.schemas import DeclarationIn
from clearance.risk.features import Activity

DAY = timedelta(days=1)
WINDOWS = (timedelta(days=7), timedelta(days=30))
Key = tuple[str, str, str]  # party, tax code, HS6 (or all goods): an `ActivityDay` series


@lru_cache(maxsize=4096)
def _day(at: datetime) -> tuple[date, datetime, datetime]:
    """The UTC day of a time, its midnight and the next one (a set's times repeat)."""
    day = activity.day_of(at)
    midnight = datetime.combine(day, time.min, UTC)
    return day, midnight, midnight + DAY


class _Times:
    """When the declarations read one by one were lodged, sorted, per party (and HS6)."""

    def __init__(self) -> None:
        self.lists: dict[Key, list[datetime]] = defaultdict(list)

    def count(self, key: Key, since: datetime, before: datetime) -> int:
        times = self.lists.get(key, [])
        return max(bisect.bisect_left(times, before) - bisect.bisect_left(times, since), 0)


class _Days:
    """Each party's declarations per day, summed from the first day read."""

    def __init__(self) -> None:
        self.counts: dict[Key, dict[date, int]] = defaultdict(dict)
        self.days: dict[Key, list[date]] = {}
        self.sums: dict[Key, list[int]] = {}

    def add(self, key: Key, day: date, declarations: int) -> None:
        self.counts[key][day] = declarations

    def sort(self) -> None:
        for key, counts in self.counts.items():
            self.days[key] = sorted(counts)
            self.sums[key] = list(accumulate((counts[d] for d in self.days[key]), initial=0))

    def between(self, key: Key, first: date, last: date) -> int:
        """Declarations from the day `first` to the day `last`, both included."""
        days, sums = self.days.get(key, []), self.sums.get(key, [0])
        return sums[bisect.bisect_right(days, last)] - sums[bisect.bisect_left(days, first)]


@dataclass
class _Activity:
    """What counting a set's activity reads: the parties' days, and the declarations lodged in
    the parts of the days that the days' totals must be cut at."""

    days: _Days = field(default_factory=_Days)
    times: _Times = field(default_factory=_Times)

    def count(self, key: Key, since: datetime, before: datetime) -> int:
        """The party's declarations lodged in [since, before): whole days, less the part of
        the first day before `since` and the part of the last one from `before` on."""
        if since >= before:
            return 0
        (first, midnight, _next), (last, _midnight, end) = _day(since), _day(before)
        whole = self.days.between(key, first, last)
        return whole - self.times.count(key, midnight, since) - self.times.count(key, before, end)


def _cuts(declarations: Sequence[Declaration], start: datetime) -> list[tuple[datetime, datetime]]:
    """The spans whose declarations are read one by one: each count's first day up to where
    it starts, and its last day from where it ends; overlapping spans merged."""
    spans = []
    for declaration in declarations:
        at = declaration.lodged_at
        for since in (start, *(max(start, at - window) for window in WINDOWS)):
            if since < at:
                spans.append((_day(since)[1], since))
        spans.append((at, _day(at)[2]))
    merged: list[tuple[datetime, datetime]] = []
    for first, last in sorted(span for span in spans if span[0] < span[1]):
        if merged and first <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


_ONE = "declaration"  # a row of the declarations read one by one, beside the days


def _days(
    traders: list[str], declarants: list[str], codes: set[str], first: date, last: date
) -> sa.Select[*tuple[Any, ...]]:
    day = ActivityDay
    return sa.select(
        col(day.party),
        col(day.tax_code),
        col(day.hs6),
        col(day.day),
        col(day.declarations),
        sa.cast(sa.null(), sa.Uuid()).label("id"),
        sa.cast(sa.null(), UTCDateTime()).label("at"),
        sa.cast(sa.null(), sa.String()).label("declarant"),
    ).where(
        sa.or_(
            sa.and_(
                col(day.party) == activity.TRADER,
                col(day.tax_code).in_(traders),
                col(day.hs6).in_([activity.ALL_GOODS, *sorted(codes)]),
            ),
            sa.and_(
                col(day.party) == activity.DECLARANT,
                col(day.tax_code).in_(declarants),
                col(day.hs6) == activity.ALL_GOODS,
            ),
        ),
        col(day.day) >= first,
        col(day.day) <= last,
    )


def _ones(
    traders: list[str], declarants: list[str], spans: list[tuple[datetime, datetime]]
) -> sa.Select[*tuple[Any, ...]]:
    lodged_at = col(Declaration.lodged_at)
    within = sa.or_(*(sa.and_(lodged_at >= a, lodged_at < b) for a, b in spans))
    return (
        sa.select(
            sa.literal(_ONE, sa.String()),
            col(Declaration.trader_tax_code),
            activity.hs6_of(col(DeclarationLine.hs_code)),
            sa.cast(sa.null(), sa.Date()),
            sa.literal(0, sa.Integer()),
            col(Declaration.id),
            lodged_at,
            col(Declaration.declarant_tax_code),
        )
        .outerjoin(DeclarationLine, col(DeclarationLine.declaration_id) == col(Declaration.id))
        .where(
            # Each party's own index on party and time, rather than all parties' spans.
            sa.or_(
                sa.and_(col(Declaration.trader_tax_code).in_(traders), within),
                sa.and_(col(Declaration.declarant_tax_code).in_(declarants), within),
            )
        )
    )


def _read_activity(
    session: Session, declarations: Sequence[Declaration], codes: set[str], start: datetime
) -> _Activity:
    """One statement, so the days and the declarations cut from them are of one snapshot."""
    traders = sorted({d.trader_tax_code for d in declarations})
    declarants = sorted({d.declarant_tax_code for d in declarations})
    last = max(activity.day_of(d.lodged_at) for d in declarations)
    days = _days(traders, declarants, codes, activity.day_of(start), last)
    ones = _ones(traders, declarants, _cuts(declarations, start))
    read = _Activity()
    found: dict[uuid.UUID, tuple[str, str, datetime, set[str]]] = {}
    # On the connection, all rows at once: not the ORM's execution, nor a fetch per row.
    rows = session.connection().execute(sa.union_all(days, ones)).all()
    for party, code, hs6, on, count, declaration_id, at, declarant in rows:
        if party != _ONE:
            read.days.add((party, code, hs6), on, count)
            continue
        entry = found.setdefault(declaration_id, (code, declarant, at, set()))
        if hs6 is not None:
            entry[3].add(hs6)
    for trader, declarant, at, hs6 in found.values():
        keys = [(activity.TRADER, trader, activity.ALL_GOODS)]
        keys += [(activity.DECLARANT, declarant, activity.ALL_GOODS)]
        keys += [(activity.TRADER, trader, code) for code in hs6]
        for key in keys:
            read.times.lists[key].append(at)
    for times in read.times.lists.values():
        times.sort()
    read.days.sort()
    return read


def live_activities(
    session: Session,
    declarations: Sequence[Declaration],
    bodies: dict[uuid.UUID, DeclarationIn],
    since: datetime | None,
) -> dict[uuid.UUID, Activity]:
    """Each declaration's trader and declarant activity lodged here since the model's history
    ends (the model adds it to its own), up to its own lodgement: from the parties' days
    (`ActivityDay`), cut at the counts' ends by the few declarations lodged there."""
    if not declarations:
        return {}
    start = since or datetime.min.replace(tzinfo=UTC)
    codes = {code for d in declarations for code in activity.hs6_codes(bodies[d.id])}
    read = _read_activity(session, declarations, codes, start)
    return {d.id: _activity(d, bodies[d.id], start, read) for d in declarations}


def _activity(
    declaration: Declaration, body: DeclarationIn, start: datetime, read: _Activity
) -> Activity:
    trader = (activity.TRADER, declaration.trader_tax_code, activity.ALL_GOODS)
    at = declaration.lodged_at
    week, month = (max(start, at - window) for window in WINDOWS)
    return Activity(
        importer_declarations=read.count(trader, start, at),
        importer_7d=read.count(trader, week, at),
        importer_30d=read.count(trader, month, at),
        importer_hs6_declarations=min(
            read.count((*trader[:2], code), start, at) for code in activity.hs6_codes(body)
        ),
        declarant_declarations=read.count(
            (activity.DECLARANT, declaration.declarant_tax_code, activity.ALL_GOODS), start, at
        ),
    )


def live_activity(
    session: Session, declaration: Declaration, body: DeclarationIn, since: datetime | None
) -> Activity:
    """One declaration's live activity (a model in shadow scores one at a time)."""
    return live_activities(session, [declaration], {declaration.id: body}, since)[declaration.id]
