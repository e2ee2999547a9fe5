"""What screening reads about a set of declarations: one query per table for the whole set."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
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
    reads.history = history(session, clock, traders, configs["R-FRAUD-HISTORY"])
    reads.aeo = aeo(session, traders)
    headings = {line.hs_code[:4] for body in bodies.values() for line in body.lines}
    reads.split_lines = _split_lines(session, clock, traders, headings, configs["R-SPLIT-SHIPMENT"])
    return reads


def history(
    session: Session, clock: Clock, traders: list[str], rule: RuleConfig
) -> dict[str, tuple[int, int]]:
    """Each trader's inspected declarations and frauds found in the rule's lookback."""
    lookback = clock.now() - timedelta(days=float(rule.params["lookback_days"]))
    fraud = case((col(HistoryEntry.fraud_found), 1), else_=0)
    return {
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


def aeo(session: Session, traders: list[str]) -> set[str]:
    """The traders with AEO status."""
    return set(
        session.exec(
            select(TraderStanding.tax_code).where(
                col(TraderStanding.tax_code).in_(traders), col(TraderStanding.aeo).is_(True)
            )
        ).all()
    )


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
