"""Reference data as one in-memory snapshot per process, refreshed every minute."""

import time as monotonic
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypeVar

from sqlmodel import Session, col, select

from clearance import hot
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


def from_rows(
    *,
    today: date,
    countries: Iterable[str],
    currencies: Iterable[str],
    gates: Iterable[str],
    hs_codes: list[HsCode],
    keywords: list[HsKeyword],
    rates: list[ExchangeRate],
    prices: Iterable[ReferencePrice],
    prohibited: Iterable[ProhibitedGood],
) -> ReferenceData:
    """The snapshot as of `today`, from rows read from the database or the shipped files."""
    current_prices: dict[tuple[str, str], ReferencePrice] = {}
    for price in sorted(prices, key=lambda p: p.effective_from):
        if price.effective_from <= today:
            current_prices[(price.hs_code, price.origin)] = price
    return ReferenceData(
        countries=frozenset(countries),
        currencies=frozenset(currencies),
        gates=frozenset(gates),
        hs_codes=_current(hs_codes, "code", today),
        restrictions=tuple(
            Restriction(r.hs_prefix, r.kind, r.regime, r.licence, r.reason)
            for r in prohibited
            if r.effective_from <= today
        ),
        prices={
            k: PriceBand(p.unit_value_usd_p10, p.unit_value_usd_median, p.unit_value_usd_p90, p.n)
            for k, p in current_prices.items()
        },
        rates_vnd={c: r.rate_vnd for c, r in _current(rates, "currency", today).items()},
        hs_keywords={h: row.words() for h, row in _current(keywords, "heading", today).items()},
    )


def load(*, session: Session, today: date) -> ReferenceData:
    return from_rows(
        today=today,
        countries=session.exec(select(Country.code)).all(),
        currencies=session.exec(select(Currency.code)).all(),
        gates=session.exec(select(Gate.code)).all(),
        hs_codes=list(session.exec(select(HsCode)).all()),
        keywords=list(session.exec(select(HsKeyword)).all()),
        rates=list(session.exec(select(ExchangeRate)).all()),
        prices=session.exec(select(ReferencePrice)).all(),
        prohibited=session.exec(select(ProhibitedGood)).all(),
    )


def rate_vnd_on(*, session: Session, currency: str, on: date) -> Decimal | None:
    """A currency's VND rate in force on a day (duty is assessed at the lodgement day's rate)."""
    return hot.cached(
        "exchange_rate", (currency, on), [ExchangeRate.__tablename__],
        lambda: session.exec(
            select(col(ExchangeRate.rate_vnd))
            .where(ExchangeRate.currency == currency, col(ExchangeRate.effective_from) <= on)
            .order_by(col(ExchangeRate.effective_from).desc())
            .limit(1)
        ).first(),
    )  # fmt: skip


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
