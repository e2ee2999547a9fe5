"""Reference data as one in-memory snapshot per process, refreshed every minute."""

import time as monotonic
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Generic, TypeAlias, TypeVar

from sqlmodel import Session, col, select

from clearance import hot
from clearance.reference import nomenclature as nomenclature_module
from clearance.reference.models import (
    Agreement,
    Country,
    Currency,
    ExchangeRate,
    Gate,
    HsKeyword,
    ProcedurePaper,
    ProhibitedGood,
    ReferencePrice,
    VatRate,
)
from clearance.reference.nomenclature import Nomenclature
from clearance.reference.tariff_files import EditionLine

SNAPSHOT_TTL_SECONDS = 60.0
# Codes whose restrictions one snapshot remembers (a declarable code, a regime each).
_CODES_REMEMBERED = 20_000

Row = TypeVar("Row", ExchangeRate, HsKeyword)
Figure = TypeVar("Figure", Decimal, float)


@dataclass(frozen=True)
class ValueBand(Generic[Figure]):
    """Unit values (USD per kg or per unit) of n prices: the 10th percentile, median and 90th.

    In decimals as the reference data keeps them and the rules compute (`PriceBand`); in floats
    as the risk model learns them from history (`clearance.risk.bands.Band`).
    """

    p10: Figure
    median: Figure
    p90: Figure
    n: int


PriceBand: TypeAlias = ValueBand[Decimal]


@dataclass(frozen=True)
class Restriction:
    hs_prefix: str
    kind: str
    regime: str
    licence: str | None
    reason: str
    reason_vi: str = ""


@dataclass(frozen=True)
class Schedule:
    """One FTA schedule: its tariff column, the parties it covers, the claim that asks for it."""

    column: str
    agreement: str
    preference: str
    document_kind: str
    members: frozenset[str]
    legal_basis: str


@dataclass(frozen=True)
class Vat:
    hs_prefix: str
    rate: Decimal
    legal_basis: str
    effective_from: date


@dataclass(frozen=True)
class Paper:
    """What a procedure of a line asks for: a document of a kind, or (no kind) a mark."""

    basis: str
    procedure: str
    regime: str
    document_kind: str
    paper: str
    paper_vi: str = ""


@dataclass(frozen=True)
class ReferenceData:
    today: date
    countries: frozenset[str]
    mfn_countries: frozenset[str]
    currencies: frozenset[str]
    gates: frozenset[str]
    nomenclature: Nomenclature
    restrictions: tuple[Restriction, ...]
    prices: dict[tuple[str, str], PriceBand]
    rates_vnd: dict[str, Decimal]
    hs_keywords: dict[str, frozenset[str]]
    schedules: tuple[Schedule, ...] = ()
    vat: tuple[Vat, ...] = ()
    papers: tuple[Paper, ...] = ()
    # Each code's restrictions as found once: every line of every screening asks.
    _restricted: dict[tuple[str, str], tuple[Restriction, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def tariff_line(self, code: str, on: date | None = None) -> EditionLine | None:
        """The declarable 8-digit line of a code (a 10-digit code by its first 8) on the day."""
        return self.nomenclature.line(code, on or self.today)

    def known_hs_code(self, code: str) -> bool:
        return self.tariff_line(code) is not None

    def schedule_for(self, preference: str, origin: str) -> Schedule | None:
        """The schedule a claimed preference gives goods of the origin, if it covers them."""
        claimed = [s for s in self.schedules if s.preference == preference]
        return next((s for s in claimed if origin in s.members), None)

    def preferences(self) -> frozenset[str]:
        """The preferences the gate grants: the schedules with a certificate to claim them."""
        return frozenset(s.preference for s in self.schedules if s.preference)

    def vat_on(self, hs_code: str, on: date) -> Vat | None:
        """The VAT in force on the day for the longest prefix of the code that has one."""
        in_force = [
            v for v in self.vat if hs_code.startswith(v.hs_prefix) and v.effective_from <= on
        ]
        return max(in_force, key=lambda v: (len(v.hs_prefix), v.effective_from), default=None)

    def papers_for(
        self, hs_code: str, regime: str, on: date | None = None
    ) -> list[tuple[Paper, str]]:
        """What the line's procedures ask for in this regime, each with the procedure's basis."""
        line = self.tariff_line(hs_code, on)
        if line is None:
            return []
        found = []
        for procedure in nomenclature_module.procedures(line.procedures):
            for paper in self.papers:
                if (
                    paper.basis in procedure.basis
                    and paper.procedure in procedure.text
                    and paper.regime in {"any", regime}
                ):
                    found.append((paper, f"{procedure.text} ({procedure.basis})"))
        return found

    def border_resident(self, hs_code: str, on: date | None = None) -> bool:
        """On the list of goods border residents may trade (it matters at Ma Lù Thàng)."""
        return any(not paper.document_kind for paper, _ in self.papers_for(hs_code, "import", on))

    def restrictions_for(self, hs_code: str, regime: str) -> list[Restriction]:
        found = self._restricted.get((hs_code, regime))
        if found is None:
            found = tuple(
                r
                for r in self.restrictions
                if hs_code.startswith(r.hs_prefix) and r.regime in {"any", regime}
            )
            if len(self._restricted) < _CODES_REMEMBERED:
                self._restricted[(hs_code, regime)] = found
        return list(found)

    def price_band(self, hs_code: str, origin: str) -> PriceBand | None:
        """The band of the tariff line; for a 6-digit code, the most lenient line under it."""
        exact = self.prices.get((hs_code[:8], origin))
        if exact is not None or len(hs_code) >= 8:
            return exact
        under = [
            b for (code, o), b in self.prices.items() if o == origin and code.startswith(hs_code)
        ]
        return min(under, key=lambda band: band.p10, default=None)

    def to_usd(self, amount: Decimal, currency: str) -> Decimal | None:
        rate, usd = self.rates_vnd.get(currency), self.rates_vnd.get("USD")
        if rate is None or usd is None:
            return None
        return amount * rate / usd


def _current(rows: list[Row], key: str, today: date) -> dict[str, Row]:
    """The newest version of each row already in effect today."""
    current: dict[str, Row] = {}
    for row in sorted(rows, key=lambda r: r.effective_from):
        if row.effective_from <= today:
            current[str(getattr(row, key))] = row
    return current


def from_rows(
    *,
    today: date,
    countries: Iterable[Country],
    currencies: Iterable[str],
    gates: Iterable[str],
    nomenclature: Nomenclature,
    keywords: list[HsKeyword],
    rates: list[ExchangeRate],
    prices: Iterable[ReferencePrice],
    prohibited: Iterable[ProhibitedGood],
    agreements: Iterable[Agreement],
    vat: Iterable[VatRate],
    papers: Iterable[ProcedurePaper],
) -> ReferenceData:
    """The snapshot as of `today`, from rows read from the database or the shipped files."""
    current_prices: dict[tuple[str, str], ReferencePrice] = {}
    for price in sorted(prices, key=lambda p: p.effective_from):
        if price.effective_from <= today:
            current_prices[(price.hs_code, price.origin)] = price
    countries = list(countries)
    return ReferenceData(
        today=today,
        countries=frozenset(c.code for c in countries),
        mfn_countries=frozenset(c.code for c in countries if c.mfn),
        currencies=frozenset(currencies),
        gates=frozenset(gates),
        nomenclature=nomenclature,
        restrictions=tuple(
            Restriction(r.hs_prefix, r.kind, r.regime, r.licence, r.reason, r.reason_vi)
            for r in prohibited
            if r.effective_from <= today
        ),
        prices={
            k: PriceBand(p.unit_value_usd_p10, p.unit_value_usd_median, p.unit_value_usd_p90, p.n)
            for k, p in current_prices.items()
        },
        rates_vnd={c: r.rate_vnd for c, r in _current(rates, "currency", today).items()},
        hs_keywords={h: row.words() for h, row in _current(keywords, "heading", today).items()},
        schedules=tuple(
            Schedule(
                a.column,
                a.agreement,
                a.preference,
                a.document_kind,
                frozenset(a.members.split()),
                a.legal_basis,
            )
            for a in agreements
        ),
        vat=tuple(Vat(v.hs_prefix, v.rate, v.legal_basis, v.effective_from) for v in vat),
        papers=tuple(
            Paper(p.basis, p.procedure, p.regime, p.document_kind, p.paper, p.paper_vi)
            for p in papers
        ),
    )


def load(*, session: Session, today: date) -> ReferenceData:
    return from_rows(
        today=today,
        countries=session.exec(select(Country)).all(),
        currencies=session.exec(select(Currency.code)).all(),
        gates=session.exec(select(Gate.code)).all(),
        nomenclature=nomenclature_module.current(session=session),
        keywords=list(session.exec(select(HsKeyword)).all()),
        rates=list(session.exec(select(ExchangeRate)).all()),
        prices=session.exec(select(ReferencePrice)).all(),
        prohibited=session.exec(select(ProhibitedGood)).all(),
        agreements=session.exec(select(Agreement)).all(),
        vat=session.exec(select(VatRate)).all(),
        papers=session.exec(select(ProcedurePaper)).all(),
    )


def rate_vnd_on(*, session: Session, currency: str, on: date) -> Decimal | None:
    """A currency's VND rate in force on a day (duty is assessed at the lodgement day's rate)."""
    return hot.cached(
        "exchange_rate",
        (currency, on),
        [ExchangeRate.__tablename__],
        lambda: session.exec(
            select(col(ExchangeRate.rate_vnd))
            .where(ExchangeRate.currency == currency, col(ExchangeRate.effective_from) <= on)
            .order_by(col(ExchangeRate.effective_from).desc())
            .limit(1)
        ).first(),
    )


# Snapshots by the day they were taken for, each with when it was read: screening asks for
# today's (UTC) while a version's duties ask for its customs day (Vietnam's date), which
# differ for seven hours of every day, so one entry alone would be read again at each turn.
_cache: dict[date, tuple[float, ReferenceData]] = {}
CACHED_DAYS = 4


def snapshot(*, session: Session, today: date) -> ReferenceData:
    """The cached snapshot: reference data changes rarely and is read on every lodgement."""
    found = fresh_snapshot(today)
    if found is None:
        found = load(session=session, today=today)
        entries = list(_cache.items())  # a copy: API threads may read and add meanwhile
        if today not in _cache and len(entries) >= CACHED_DAYS:
            _cache.pop(min(entries, key=lambda entry: entry[1][0])[0], None)
        _cache[today] = (monotonic.monotonic(), found)
    return found


def fresh_snapshot(today: date) -> ReferenceData | None:
    """The cached snapshot if `snapshot` would return it without reading; else None."""
    found = _cache.get(today)
    if found is None or monotonic.monotonic() - found[0] > SNAPSHOT_TTL_SECONDS:
        return None
    return found[1]


def invalidate() -> None:
    _cache.clear()
