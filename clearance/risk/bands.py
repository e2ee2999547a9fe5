"""Unit values: exchange rates to USD, and robust bands of price per HS6 x origin from history."""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from clearance.quantiles import quantile
from clearance.reference.seed import shipped_reference
from clearance.reference.service import PriceBand, ReferenceData, ValueBand
from clearance.risk.history import HistoryRecord

BAND_MIN_N = 5  # fewer prices than this make no reference band
ALL_ORIGINS = "*"
NAN = math.nan


def rates_of(reference: ReferenceData) -> dict[str, float]:
    """VND per unit of each currency in force in the reference data, as the model computes."""
    return {currency: float(rate) for currency, rate in reference.rates_vnd.items()}


def load_rates() -> dict[str, float]:
    """The shipped exchange rates: training from history files, backtests, the simulator."""
    return rates_of(shipped_reference())


def usd_per(rates: Mapping[str, float], currency: str) -> float:
    """USD per unit of a currency; NaN when either rate is missing."""
    rate, usd = rates.get(currency), rates.get("USD")
    return rate / usd if rate and usd else NAN


@dataclass(frozen=True, slots=True)
class Band(ValueBand[float]):
    """Robust unit values of one HS6 x origin (per kg or per unit), learned from history."""

    hs6: str
    origin: str  # ALL_ORIGINS when too few prices came from the declared origin
    unit: str

    @classmethod
    def keyed(cls, key: str, p10: float, median: float, p90: float, n: int) -> "Band":
        """The band of a key `hs6|origin|unit`, as the bands are stored."""
        hs6, origin, unit = key.split("|")
        return cls(p10=p10, median=median, p90=p90, n=n, hs6=hs6, origin=origin, unit=unit)

    def as_price_band(self) -> PriceBand:
        """The band in the reference data's decimal form, which the rules compute with."""
        return _price_band(self.p10, self.median, self.p90, self.n)


@lru_cache(maxsize=8192)
def _price_band(p10: float, median: float, p90: float, n: int) -> PriceBand:
    """Made once per band: every line of every screening with a model asks."""
    low, middle, high = (Decimal(str(v)) for v in (p10, median, p90))
    return PriceBand(p10=low, median=middle, p90=high, n=n)


class ReferenceBands:
    """p10 / median / p90 unit values per HS6 x origin (and per HS6 over all origins)."""

    def __init__(self, bands: Mapping[str, Band] | None = None) -> None:
        self._bands = dict(bands or {})

    def __len__(self) -> int:
        return len(self._bands)

    def band(self, hs_code: str, origin: str, unit: str = "kg") -> Band | None:
        """The band of HS6 x origin, else of the HS6 over all origins, else None."""
        exact = self._bands.get(f"{hs_code[:6]}|{origin}|{unit}")
        return exact or self._bands.get(f"{hs_code[:6]}|{ALL_ORIGINS}|{unit}")

    def updated(self, pool: Mapping[str, list[float]], keys: Iterable[str]) -> "ReferenceBands":
        bands = dict(self._bands)
        for key in keys:
            values = pool[key]
            if len(values) >= BAND_MIN_N:
                ordered = sorted(values)
                p10, median, p90 = (quantile(ordered, share) for share in (0.1, 0.5, 0.9))
                bands[key] = Band.keyed(key, p10, median, p90, len(values))
        return ReferenceBands(bands)

    @classmethod
    def from_records(
        cls, records: Iterable[HistoryRecord], *, rates: Mapping[str, float]
    ) -> "ReferenceBands":
        """Bands from the declarations not found fraudulent, as the undervaluation rule reads."""
        pool: dict[str, list[float]] = {}
        for record in records:
            if not (record.outcome and record.outcome.fraud_found):
                for key, value in unit_prices(record, rates):
                    pool.setdefault(key, []).append(value)
        return cls().updated(pool, pool)

    def to_dict(self) -> dict[str, list[float]]:
        return {k: [b.p10, b.median, b.p90, b.n] for k, b in self._bands.items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, list[float]]) -> "ReferenceBands":
        bands = {}
        for key, (p10, median, p90, n) in data.items():
            bands[key] = Band.keyed(key, p10, median, p90, int(n))
        return cls(bands)


def unit_prices(record: HistoryRecord, rates: Mapping[str, float]) -> list[tuple[str, float]]:
    """(band key, USD per kg or unit) of each line, under its origin and under all origins."""
    prices = []
    for line in record.lines:
        per = line.net_kg if line.unit == "kg" else line.quantity
        value = float(line.customs_value) * usd_per(rates, line.currency) / float(per)
        if math.isfinite(value) and value > 0:
            hs6 = line.hs_code[:6]
            prices.append((f"{hs6}|{line.origin}|{line.unit}", value))
            prices.append((f"{hs6}|{ALL_ORIGINS}|{line.unit}", value))
    return prices
