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


# Each declaration's heading totals, in USD, that are near the split rule's threshold.
Totals = dict[tuple[str, str], dict[uuid.UUID, Decimal]]  # (trader, heading): declaration -> USD


@dataclass
class SetReads:
    """The set's facts, by declaration or by trader, each table read once."""

    assessed: set[tuple[uuid.UUID, int]] = field(default_factory=set)
    floors: dict[uuid.UUID, Channel] = field(default_factory=dict)
    priors: dict[uuid.UUID, int] = field(default_factory=dict)
    history: dict[str, tuple[int, int]] = field(default_factory=dict)
    aeo: set[str] = field(default_factory=set)
    split_totals: Totals = field(default_factory=dict)
    live: dict[uuid.UUID, Activity] = field(default_factory=dict)  # with a model only

    def split_windows(
        self, declaration: Declaration, body: DeclarationIn
    ) -> dict[str, SplitWindow]:
        """Per HS heading: the trader's other current declarations in the window just under it."""
        windows: dict[str, SplitWindow] = {}
        for heading in {line.hs_code[:4] for line in body.lines}:
            found = self.split_totals.get((declaration.trader_tax_code, heading), {})
            under = [total for other, total in found.items() if other != declaration.id]
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
    reference: ReferenceData,
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
    pairs = {
        (d.trader_tax_code, line.hs_code[:4]) for d in declarations for line in bodies[d.id].lines
    }
    reads.split_totals = split_totals(
        _split_lines(session, clock, pairs, reference, configs["R-SPLIT-SHIPMENT"]),
        reference,
        configs["R-SPLIT-SHIPMENT"],
    )
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


def split_totals(
    lines: dict[str, list[SplitLine]], reference: ReferenceData, rule: RuleConfig
) -> Totals:
    """Each declaration's total per heading in USD, kept where it is just under the rule's
    threshold (from `floor` up to it): the only ones the rule counts."""
    threshold = Decimal(str(rule.params["threshold_usd"]))
    floor = threshold * Decimal(str(rule.params["near_share"]))
    totals: dict[tuple[str, str], dict[uuid.UUID, Decimal]] = defaultdict(
        lambda: defaultdict(Decimal)
    )
    for trader, found in lines.items():
        for line in found:
            usd = reference.to_usd(line.value, line.currency) or 0
            totals[(trader, line.heading)][line.declaration_id] += usd
    return {
        key: near
        for key, by_declaration in totals.items()
        if (near := {d: v for d, v in by_declaration.items() if floor <= v < threshold})
    }


def _split_lines(
    session: Session,
    clock: Clock,
    pairs: set[tuple[str, str]],
    reference: ReferenceData,
    rule: RuleConfig,
) -> dict[str, list[SplitLine]]:
    """The set's traders' current lines in the window under the set's (trader, heading) pairs,
    summed per declaration, heading and currency, of the declarations whose heading total is
    near the rule's threshold. The database converts to USD only to leave the others out,
    with a margin: `split_totals` converts what it returns as the rule does."""
    since = clock.now() - timedelta(days=float(rule.params["window_days"]))
    threshold = Decimal(str(rule.params["threshold_usd"]))
    floor = threshold * Decimal(str(rule.params["near_share"]))
    usd = reference.rates_vnd.get("USD")
    if not pairs or usd is None:
        return {}
    hs4_of = func.substr(col(DeclarationLine.hs_code), 1, 4)
    value = col(DeclarationLine.customs_value)
    rates = {code: rate for code, rate in reference.rates_vnd.items()}
    vnd = value * case(rates, value=col(DeclarationLine.currency), else_=0)
    heading_vnd = func.sum(func.sum(vnd)).over(
        partition_by=(col(DeclarationLine.declaration_id), hs4_of)
    )
    grouped = (
        sa.select(
            col(Declaration.trader_tax_code).label("trader"),
            col(DeclarationLine.declaration_id).label("declaration_id"),
            hs4_of.label("heading"),
            col(DeclarationLine.currency).label("currency"),
            func.sum(value).label("value"),
            heading_vnd.label("heading_vnd"),
        )
        .join(Declaration, col(Declaration.id) == col(DeclarationLine.declaration_id))
        .where(
            col(Declaration.trader_tax_code).in_(sorted({trader for trader, _h in pairs})),
            col(Declaration.version) == col(DeclarationLine.version),
            col(Declaration.state) != State.cancelled,
            col(Declaration.lodged_at) >= since,
            sa.tuple_(col(Declaration.trader_tax_code), hs4_of).in_(sorted(pairs)),
        )
        .group_by(
            col(Declaration.trader_tax_code),
            col(DeclarationLine.declaration_id),
            hs4_of,
            col(DeclarationLine.currency),
        )
        .subquery()
    )
    rows = session.execute(
        sa.select(
            grouped.c.trader,
            grouped.c.declaration_id,
            grouped.c.heading,
            grouped.c.currency,
            grouped.c.value,
        ).where(
            grouped.c.heading_vnd >= floor * usd * _MARGIN_BELOW,
            grouped.c.heading_vnd < threshold * usd * _MARGIN_ABOVE,
        )
    ).all()
    lines: dict[str, list[SplitLine]] = defaultdict(list)
    for trader, declaration_id, heading, currency, total in rows:
        lines[trader].append(SplitLine(declaration_id, heading, currency, Decimal(total)))
    return lines


# The database's sum in VND is exact; its comparison is kept a little wide of the rule's so
# that Python's conversion (`ReferenceData.to_usd`) alone decides at the edges.
_MARGIN_BELOW, _MARGIN_ABOVE = Decimal("0.999"), Decimal("1.001")
