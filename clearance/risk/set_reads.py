"""What screening reads about a set of declarations: one query per table for the whole set."""

import bisect
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import case, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from clearance.clock import Clock
from clearance.declarations.models import (
    Assessment,
    Channel,
    Declaration,
    DeclarationLine,
    State,
)
from clearance.declarations.schemas import DeclarationIn
from clearance.reference.service import ReferenceData
from clearance.risk.features import Activity
from clearance.risk.models import HistoryEntry, TraderStanding
from clearance.risk.rules import RuleConfig, SplitWindow


@dataclass(frozen=True)
class SplitLine:
    declaration_id: uuid.UUID
    heading: str
    currency: str
    value: Decimal


@dataclass
class SetReads:
    """The set's facts, by declaration or by trader, each table read once."""

    assessed: set[tuple[uuid.UUID, int]] = field(default_factory=set)
    floors: dict[uuid.UUID, Channel] = field(default_factory=dict)
    priors: dict[uuid.UUID, int] = field(default_factory=dict)
    history: dict[str, tuple[int, int]] = field(default_factory=dict)
    aeo: set[str] = field(default_factory=set)
    split_lines: dict[str, list[SplitLine]] = field(default_factory=dict)
    live: dict[uuid.UUID, Activity] = field(default_factory=dict)  # with a model only

    def split_windows(
        self,
        declaration: Declaration,
        body: DeclarationIn,
        reference: ReferenceData,
        rule: RuleConfig,
    ) -> dict[str, SplitWindow]:
        """Per HS heading: the trader's other current declarations in the window just under it."""
        threshold = Decimal(str(rule.params["threshold_usd"]))
        floor = threshold * Decimal(str(rule.params["near_share"]))
        headings = {line.hs_code[:4] for line in body.lines}
        totals: dict[tuple[str, uuid.UUID], Decimal] = defaultdict(Decimal)
        for line in self.split_lines.get(declaration.trader_tax_code, []):
            if line.declaration_id != declaration.id and line.heading in headings:
                key = (line.heading, line.declaration_id)
                totals[key] += reference.to_usd(line.value, line.currency) or 0
        windows: dict[str, SplitWindow] = {}
        for heading in headings:
            under = [v for (h, _d), v in totals.items() if h == heading and floor <= v < threshold]
            if under:
                windows[heading] = SplitWindow(len(under), sum(under, Decimal(0)))
        return windows


def read(
    *,
    session: Session,
    clock: Clock,
    declarations: Sequence[Declaration],
    bodies: dict[uuid.UUID, DeclarationIn],
    configs: dict[str, RuleConfig],
) -> SetReads:
    reads = SetReads()
    if not declarations:
        return reads
    ids = [d.id for d in declarations]
    traders = sorted({d.trader_tax_code for d in declarations})
    _assessments(session, declarations, reads)
    reads.priors = _priors(session, ids, int(configs["R-NEW-TRADER"].params["below"]))
    lookback = clock.now() - timedelta(
        days=float(configs["R-FRAUD-HISTORY"].params["lookback_days"])
    )
    fraud = case((col(HistoryEntry.fraud_found), 1), else_=0)
    reads.history = {
        trader: (int(inspections), int(frauds))
        for trader, inspections, frauds in session.exec(
            select(
                col(HistoryEntry.trader_tax_code), func.count(), func.coalesce(func.sum(fraud), 0)
            )
            .where(
                col(HistoryEntry.trader_tax_code).in_(traders),
                col(HistoryEntry.lodged_at) >= lookback,
            )
            .group_by(col(HistoryEntry.trader_tax_code))
        ).all()
    }
    reads.aeo = set(
        session.exec(
            select(TraderStanding.tax_code).where(
                col(TraderStanding.tax_code).in_(traders), col(TraderStanding.aeo).is_(True)
            )
        ).all()
    )
    headings = {line.hs_code[:4] for body in bodies.values() for line in body.lines}
    reads.split_lines = _split_lines(session, clock, traders, headings, configs["R-SPLIT-SHIPMENT"])
    return reads


def _priors(session: Session, ids: list[uuid.UUID], below: int) -> dict[uuid.UUID, int]:
    """How many declarations each one's trader lodged before it. The new-trader rule asks only
    whether there are fewer than its `below`, so at most that many rows are read for each."""
    earlier = aliased(Declaration)
    first_ones = (
        select(col(earlier.id))
        .where(
            col(earlier.trader_tax_code) == col(Declaration.trader_tax_code),
            col(earlier.lodged_at) < col(Declaration.lodged_at),
        )
        .correlate(Declaration)
        .limit(below)
        .subquery()
    )
    prior = select(func.count()).select_from(first_ones).scalar_subquery()
    return {
        declaration_id: int(count)
        for declaration_id, count in session.exec(
            select(col(Declaration.id), prior).where(col(Declaration.id).in_(ids))
        ).all()
    }


def _assessments(session: Session, declarations: Sequence[Declaration], reads: SetReads) -> None:
    """Which current versions are assessed already, and each one's floor: the strictest
    channel an earlier version got (an amendment never lowers it)."""
    current = {d.id: d.version for d in declarations}
    for declaration_id, version, channel in session.exec(
        select(Assessment.declaration_id, Assessment.version, Assessment.channel).where(
            col(Assessment.declaration_id).in_(list(current))
        )
    ).all():
        if version == current[declaration_id]:
            reads.assessed.add((declaration_id, version))
        elif version < current[declaration_id]:
            held = reads.floors.get(declaration_id)
            if held is None or Channel(channel).strictness > held.strictness:
                reads.floors[declaration_id] = Channel(channel)


def _split_lines(
    session: Session, clock: Clock, traders: list[str], headings: set[str], rule: RuleConfig
) -> dict[str, list[SplitLine]]:
    """The traders' current lines in the window under the set's headings, summed in the
    database per declaration, heading and currency (a busy trader has thousands of lines)."""
    since = clock.now() - timedelta(days=float(rule.params["window_days"]))
    hs4_of = func.substr(col(DeclarationLine.hs_code), 1, 4)
    rows = session.execute(
        sa.select(
            col(Declaration.trader_tax_code),
            col(DeclarationLine.declaration_id),
            hs4_of,
            col(DeclarationLine.currency),
            func.sum(col(DeclarationLine.customs_value)),
        )
        .join(Declaration, col(Declaration.id) == col(DeclarationLine.declaration_id))
        .where(
            col(Declaration.trader_tax_code).in_(traders),
            col(Declaration.version) == col(DeclarationLine.version),
            col(Declaration.state) != State.cancelled,
            col(Declaration.lodged_at) >= since,
            hs4_of.in_(sorted(headings)),
        )
        .group_by(
            col(Declaration.trader_tax_code),
            col(DeclarationLine.declaration_id),
            hs4_of,
            col(DeclarationLine.currency),
        )
    ).all()
    lines: dict[str, list[SplitLine]] = defaultdict(list)
    for trader, declaration_id, heading, currency, value in rows:
        lines[trader].append(SplitLine(declaration_id, heading, currency, Decimal(value)))
    return lines


class _Times:
    """When the earlier declarations were lodged, sorted, per trader, declarant and HS6."""

    def __init__(self) -> None:
        self.lists: dict[tuple[str, ...], list[datetime]] = defaultdict(list)

    def add(self, key: tuple[str, ...], at: datetime) -> None:
        self.lists[key].append(at)

    def sort(self) -> None:
        for times in self.lists.values():
            times.sort()

    def count(self, key: tuple[str, ...], before: datetime, since: datetime | None = None) -> int:
        times = self.lists.get(key, [])
        first = 0 if since is None else bisect.bisect_left(times, since)
        return max(bisect.bisect_left(times, before) - first, 0)


def live_activities(
    session: Session,
    declarations: Sequence[Declaration],
    bodies: dict[uuid.UUID, DeclarationIn],
    since: datetime | None,
) -> dict[uuid.UUID, Activity]:
    """Each declaration's trader and declarant activity lodged here since the model's history
    ends (the model adds it to its own): the set's traders' rows read in one query, and
    counted here for each declaration up to its own lodgement."""
    if not declarations:
        return {}
    start = since or datetime.min.replace(tzinfo=UTC)
    traders = sorted({d.trader_tax_code for d in declarations})
    declarants = sorted({d.declarant_tax_code for d in declarations})
    lodged_at = col(Declaration.lodged_at)
    rows = session.execute(
        sa.select(
            col(Declaration.id),
            col(Declaration.trader_tax_code),
            col(Declaration.declarant_tax_code),
            lodged_at,
            col(DeclarationLine.hs_code),
        )
        .outerjoin(DeclarationLine, col(DeclarationLine.declaration_id) == col(Declaration.id))
        .where(
            col(Declaration.trader_tax_code).in_(traders)
            | col(Declaration.declarant_tax_code).in_(declarants),
            lodged_at >= start,
            lodged_at < max(d.lodged_at for d in declarations),
        )
    ).all()
    found: dict[uuid.UUID, tuple[str, str, datetime, set[str]]] = {}
    for declaration_id, trader, declarant, at, hs_code in rows:
        entry = found.setdefault(declaration_id, (trader, declarant, at, set()))
        if hs_code is not None:
            entry[3].add(hs_code[:6])
    times = _Times()
    for trader, declarant, at, hs6 in found.values():
        times.add(("trader", trader), at)
        times.add(("declarant", declarant), at)
        for code in hs6:
            times.add(("trader", trader, code), at)
    times.sort()
    return {d.id: _activity(d, bodies[d.id], times) for d in declarations}


def _activity(declaration: Declaration, body: DeclarationIn, times: _Times) -> Activity:
    trader, at = ("trader", declaration.trader_tax_code), declaration.lodged_at
    hs6 = {line.hs_code[:6] for line in body.lines}
    return Activity(
        importer_declarations=times.count(trader, at),
        importer_7d=times.count(trader, at, since=at - timedelta(days=7)),
        importer_30d=times.count(trader, at, since=at - timedelta(days=30)),
        importer_hs6_declarations=min(times.count((*trader, code), at) for code in hs6),
        declarant_declarations=times.count(("declarant", declaration.declarant_tax_code), at),
    )


def live_activity(
    session: Session, declaration: Declaration, body: DeclarationIn, since: datetime | None
) -> Activity:
    """One declaration's live activity (a model in shadow scores one at a time)."""
    return live_activities(session, [declaration], {declaration.id: body}, since)[declaration.id]
