"""What screening reads about a set of declarations: one query per table for the whole set."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import case, func
from sqlmodel import Session

from clearance.clock import Clock
from clearance.db import UTCDateTime
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
        # In the lines' order: the assessment's reasons come out the same in every process (a
        # set's order followed the strings' hash, which each process seeds on its own).
        for heading in dict.fromkeys(line.hs_code[:4] for line in body.lines):
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


# The set's statements, built once per process: each set binds its own values. Building a
# statement (and its cache key) costs more client CPU than running it for a set's few rows,
# and they run on the session's connection, not through the ORM's execution.
_assessment = Assessment.__table__.c  # type: ignore[attr-defined]
_declaration = Declaration.__table__.c  # type: ignore[attr-defined]
_line = DeclarationLine.__table__.c  # type: ignore[attr-defined]
_history = HistoryEntry.__table__.c  # type: ignore[attr-defined]
_standing = TraderStanding.__table__.c  # type: ignore[attr-defined]


def _ids(name: str) -> sa.BindParameter[Any]:
    return sa.bindparam(name, expanding=True)


@lru_cache(maxsize=1)
def _history_statement() -> sa.Select[str, int, int]:
    fraud = case((_history.fraud_found, 1), else_=0)
    return (
        sa.select(_history.trader_tax_code, func.count(), func.coalesce(func.sum(fraud), 0))
        .where(
            _history.trader_tax_code.in_(_ids("traders")),
            _history.lodged_at >= sa.bindparam("since", type_=UTCDateTime()),
        )
        .group_by(_history.trader_tax_code)
    )


def history(
    session: Session, clock: Clock, traders: list[str], rule: RuleConfig
) -> dict[str, tuple[int, int]]:
    """Each trader's inspected declarations and frauds found in the rule's lookback."""
    lookback = clock.now() - timedelta(days=float(rule.params["lookback_days"]))
    rows = session.connection().execute(
        _history_statement(), {"traders": traders, "since": lookback}
    )
    return {trader: (int(inspections), int(frauds)) for trader, inspections, frauds in rows}


@lru_cache(maxsize=1)
def _aeo_statement() -> sa.Select[str]:
    return sa.select(_standing.tax_code).where(
        _standing.tax_code.in_(_ids("traders")), _standing.aeo.is_(True)
    )


def aeo(session: Session, traders: list[str]) -> set[str]:
    """The traders with AEO status."""
    return set(session.connection().execute(_aeo_statement(), {"traders": traders}).scalars())


@lru_cache(maxsize=8)
def _priors_statement(below: int) -> sa.Select[uuid.UUID, int]:
    earlier = Declaration.__table__.alias("earlier")  # type: ignore[attr-defined]
    first_ones = (
        sa.select(earlier.c.id)
        .where(
            earlier.c.trader_tax_code == _declaration.trader_tax_code,
            earlier.c.lodged_at < _declaration.lodged_at,
        )
        .correlate(Declaration.__table__)  # type: ignore[attr-defined]
        .limit(below)
        .subquery()
    )
    prior = sa.select(func.count()).select_from(first_ones).scalar_subquery()
    return sa.select(_declaration.id, prior).where(_declaration.id.in_(_ids("ids")))


def _priors(session: Session, ids: list[uuid.UUID], below: int) -> dict[uuid.UUID, int]:
    """How many declarations each one's trader lodged before it. The new-trader rule asks only
    whether there are fewer than its `below`, so at most that many rows are read for each."""
    rows = session.connection().execute(_priors_statement(below), {"ids": ids})
    return {declaration_id: int(count) for declaration_id, count in rows}


@lru_cache(maxsize=1)
def _assessments_statement() -> sa.Select[uuid.UUID, int, str]:
    return sa.select(_assessment.declaration_id, _assessment.version, _assessment.channel).where(
        _assessment.declaration_id.in_(_ids("ids"))
    )


def _assessments(session: Session, declarations: Sequence[Declaration], reads: SetReads) -> None:
    """Which current versions are assessed already, and each one's floor: the strictest
    channel an earlier version got (an amendment never lowers it)."""
    current = {d.id: d.version for d in declarations}
    for declaration_id, version, channel in session.connection().execute(
        _assessments_statement(), {"ids": list(current)}
    ):
        if version == current[declaration_id]:
            reads.assessed.add((declaration_id, version))
        elif version < current[declaration_id]:
            held = reads.floors.get(declaration_id)
            if held is None or Channel(channel).strictness > held.strictness:
                reads.floors[declaration_id] = Channel(channel)


@lru_cache(maxsize=8)
def _split_statement(rates_vnd: tuple[tuple[str, Decimal], ...]) -> sa.Select[*tuple[Any, ...]]:
    """Per day's rates: they are in the statement, each a bound value."""
    hs4_of = func.substr(_line.hs_code, 1, 4)
    rates = case(dict(rates_vnd), value=_line.currency, else_=0)
    vnd = func.sum(_line.customs_value * rates)
    trader = func.min(_declaration.trader_tax_code)  # one per declaration
    return (
        sa.select(trader, _line.declaration_id, hs4_of, vnd)
        .join(Declaration.__table__, _declaration.id == _line.declaration_id)  # type: ignore[attr-defined]
        .where(
            _declaration.trader_tax_code.in_(_ids("traders")),
            _declaration.version == _line.version,
            _declaration.state != State.cancelled,
            _declaration.lodged_at >= sa.bindparam("since", type_=UTCDateTime()),
            hs4_of.in_(_ids("headings")),
        )
        .group_by(_line.declaration_id, hs4_of)
        .having(
            vnd >= sa.bindparam("low", type_=sa.Numeric()),
            vnd < sa.bindparam("high", type_=sa.Numeric()),
        )
    )


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
    rows = session.connection().execute(
        _split_statement(tuple(reference.rates_vnd.items())),
        {
            "traders": sorted({trader for trader, _h in pairs}),
            "since": since,
            "headings": sorted({heading for _t, heading in pairs}),
            "low": floor * usd,
            "high": threshold * usd,
        },
    )
    totals: Totals = defaultdict(dict)
    for code, declaration_id, heading, total in rows:
        if (code, heading) in pairs:
            totals[(code, heading)][declaration_id] = Decimal(total) / usd
    return totals
