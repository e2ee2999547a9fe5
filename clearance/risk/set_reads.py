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

# Each declaration's heading totals in USD that are just under the split rule's threshold.
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
    reads.split_totals = _split_totals(
        session, clock, pairs, reference, configs["R-SPLIT-SHIPMENT"]
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


def _split_totals(
    session: Session,
    clock: Clock,
    pairs: set[tuple[str, str]],
    reference: ReferenceData,
    rule: RuleConfig,
) -> Totals:
    """The set's traders' current declarations in the window whose total under one of the
    set's headings is just under the rule's threshold (from its floor up to it), in USD.

    The database sums each one's lines per heading in VND (exact: numeric times the day's
    rate, a currency without one counting 0 as `to_usd` does) and keeps those between the
    floor and the threshold: what a busy trader lodged further from it stays there."""
    usd = reference.rates_vnd.get("USD")
    if not pairs or usd is None:
        return {}
    since = clock.now() - timedelta(days=float(rule.params["window_days"]))
    threshold = Decimal(str(rule.params["threshold_usd"]))
    floor = threshold * Decimal(str(rule.params["near_share"]))
    hs4_of = func.substr(col(DeclarationLine.hs_code), 1, 4)
    rates = case(dict(reference.rates_vnd), value=col(DeclarationLine.currency), else_=0)
    vnd = func.sum(col(DeclarationLine.customs_value) * rates)
    trader = func.min(col(Declaration.trader_tax_code))  # one per declaration
    rows = session.execute(
        sa.select(trader, col(DeclarationLine.declaration_id), hs4_of, vnd)
        .join(Declaration, col(Declaration.id) == col(DeclarationLine.declaration_id))
        .where(
            col(Declaration.trader_tax_code).in_(sorted({trader for trader, _h in pairs})),
            col(Declaration.version) == col(DeclarationLine.version),
            col(Declaration.state) != State.cancelled,
            col(Declaration.lodged_at) >= since,
            hs4_of.in_(sorted({heading for _t, heading in pairs})),
        )
        .group_by(col(DeclarationLine.declaration_id), hs4_of)
        .having(vnd >= floor * usd, vnd < threshold * usd)
    ).all()
    totals: Totals = defaultdict(dict)
    for code, declaration_id, heading, total in rows:
        if (code, heading) in pairs:
            totals[(code, heading)][declaration_id] = Decimal(total) / usd
    return totals
