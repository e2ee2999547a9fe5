"""Reference data as one in-memory snapshot per process, refreshed every minute."""

import time as monotonic
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypeVar

from sqlmodel import Session, col, select

from clearance.reference.models import (
    Country,
    Currency,
    ExchangeRate,
    Gate,
    HsCode,
    HsKeyword,
    ProhibitedGood,
    ReferencePrice,
)

SNAPSHOT_TTL_SECONDS = 60.0

Row = TypeVar("Row", HsCode, ExchangeRate, HsKeyword)


@dataclass(frozen=True)
class PriceBand:
    p10: Decimal
    median: Decimal
    p90: Decimal
    n: int


@dataclass(frozen=True)
class Restriction:
    hs_prefix: str
    kind: str
    regime: str
    licence: str | None
    reason: str


@dataclass(frozen=True)
class ReferenceData:
    countries: frozenset[str]
    currencies: frozenset[str]
    gates: frozenset[str]
    hs_codes: dict[str, HsCode]
    restrictions: tuple[Restriction, ...]
    prices: dict[tuple[str, str], PriceBand]
    rates_vnd: dict[str, Decimal]
    hs_keywords: dict[str, frozenset[str]]

    def known_hs_code(self, code: str) -> bool:
        """A 6-digit code is known if a tariff line extends it; a 10-digit one by its 8 digits."""
        if len(code) <= 8:
            return any(known.startswith(code) for known in self.hs_codes)
        return code[:8] in self.hs_codes

    def restrictions_for(self, hs_code: str, regime: str) -> list[Restriction]:
        return [
            r
            for r in self.restrictions
            if hs_code.startswith(r.hs_prefix) and r.regime in {"any", regime}
        ]

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


def load(*, session: Session, today: date) -> ReferenceData:
    hs = _current(list(session.exec(select(HsCode)).all()), "code", today)
    keywords = _current(list(session.exec(select(HsKeyword)).all()), "heading", today)
    rates = _current(list(session.exec(select(ExchangeRate)).all()), "currency", today)
    prices: dict[tuple[str, str], ReferencePrice] = {}
    for price in sorted(session.exec(select(ReferencePrice)).all(), key=lambda p: p.effective_from):
        if price.effective_from <= today:
            prices[(price.hs_code, price.origin)] = price
    restrictions = [
        Restriction(r.hs_prefix, r.kind, r.regime, r.licence, r.reason)
        for r in session.exec(
            select(ProhibitedGood).where(col(ProhibitedGood.effective_from) <= today)
        ).all()
    ]
    return ReferenceData(
        countries=frozenset(session.exec(select(Country.code)).all()),
        currencies=frozenset(session.exec(select(Currency.code)).all()),
        gates=frozenset(session.exec(select(Gate.code)).all()),
        hs_codes=hs,
        restrictions=tuple(restrictions),
        prices={
            k: PriceBand(p.unit_value_usd_p10, p.unit_value_usd_median, p.unit_value_usd_p90, p.n)
            for k, p in prices.items()
        },
        rates_vnd={c: r.rate_vnd for c, r in rates.items()},
        hs_keywords={heading: row.words() for heading, row in keywords.items()},
    )


_cache: tuple[float, date, ReferenceData] | None = None


def snapshot(*, session: Session, today: date) -> ReferenceData:
    """The cached snapshot: reference data changes rarely and is read on every lodgement."""
    global _cache
    now = monotonic.monotonic()
    if _cache is None or _cache[1] != today or now - _cache[0] > SNAPSHOT_TTL_SECONDS:
        _cache = (now, today, load(session=session, today=today))
    return _cache[2]


def invalidate() -> None:
    global _cache
    _cache = None
