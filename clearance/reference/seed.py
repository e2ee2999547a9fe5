"""Load the reference CSV files shipped in `reference/data/`; running it twice adds nothing."""

import csv
from collections.abc import Callable, Iterator
from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlmodel import Session, SQLModel, select

from clearance.reference import service
from clearance.reference.models import (
    Country,
    Currency,
    ExchangeRate,
    Gate,
    Holiday,
    HsCode,
    HsKeyword,
    ProhibitedGood,
    ReferencePrice,
)
from clearance.reference.service import ReferenceData

DATA_DIR = Path(__file__).parent / "data"
RISK_DATA_DIR = Path(__file__).parents[1] / "risk" / "data"
SEED_EFFECTIVE_FROM = date(2026, 1, 1)


def read_rows(name: str) -> Iterator[dict[str, str]]:
    path = DATA_DIR / name if (DATA_DIR / name).exists() else RISK_DATA_DIR / name
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _hs(row: dict[str, str]) -> HsCode:
    return HsCode.model_validate({**row, "effective_from": SEED_EFFECTIVE_FROM})


def _prohibited(row: dict[str, str]) -> ProhibitedGood:
    return ProhibitedGood(
        hs_prefix=row["hs_prefix"],
        kind=row["kind"],
        regime=row["regime"],
        licence=row["licence"] or None,
        reason=row["reason"],
        effective_from=SEED_EFFECTIVE_FROM,
    )


def _price(row: dict[str, str]) -> ReferencePrice:
    return ReferencePrice(
        hs_code=row["hs_code"],
        origin=row["origin"],
        unit_value_usd_p10=Decimal(row["unit_value_usd_p10"]),
        unit_value_usd_median=Decimal(row["unit_value_usd_median"]),
        unit_value_usd_p90=Decimal(row["unit_value_usd_p90"]),
        n=int(row["n"]),
        effective_from=SEED_EFFECTIVE_FROM,
    )


def _gate(row: dict[str, str]) -> Gate:
    return Gate(
        **{k: v for k, v in row.items() if k not in {"opens", "closes"}},
        opens=time.fromisoformat(row["opens"]),
        closes=time.fromisoformat(row["closes"]),
    )


# file, table, builder, the columns that identify a row
SEEDS: list[tuple[str, type[SQLModel], Callable[[dict[str, str]], Any], tuple[str, ...]]] = [
    ("countries.csv", Country, lambda r: Country(**r), ("code",)),
    (
        "currencies.csv",
        Currency,
        lambda r: Currency(code=r["code"], name=r["name"], minor_units=int(r["minor_units"] or 0)),
        ("code",),
    ),
    ("gates.csv", Gate, _gate, ("code",)),
    ("hs_codes.csv", HsCode, _hs, ("code", "effective_from")),
    ("prohibited.csv", ProhibitedGood, _prohibited, ("hs_prefix", "regime", "effective_from")),
    ("reference_prices.csv", ReferencePrice, _price, ("hs_code", "origin", "effective_from")),
    (
        "exchange_rates.csv",
        ExchangeRate,
        lambda r: ExchangeRate(
            currency=r["currency"],
            rate_vnd=Decimal(r["rate_vnd"]),
            effective_from=date.fromisoformat(r["effective_from"]),
        ),
        ("currency", "effective_from"),
    ),
    (
        "hs_keywords.csv",
        HsKeyword,
        lambda r: HsKeyword.model_validate({**r, "effective_from": SEED_EFFECTIVE_FROM}),
        ("heading", "effective_from"),
    ),
    (
        "holidays.csv",
        Holiday,
        lambda r: Holiday(day=date.fromisoformat(r["date"]), name=r["name"]),
        ("day",),
    ),
]


def load_seed(*, session: Session) -> int:
    """Insert the shipped rows that are not there yet; returns how many were added."""
    added = 0
    for filename, table, build, key in SEEDS:
        existing = {
            tuple(getattr(row, k) for k in key) for row in session.exec(select(table)).all()
        }
        for raw in read_rows(filename):
            row = build(raw)
            if tuple(getattr(row, k) for k in key) not in existing:
                session.add(row)
                added += 1
    session.flush()
    service.invalidate()
    return added


def reference_from_files(today: date = SEED_EFFECTIVE_FROM) -> ReferenceData:
    """The shipped reference data without a database (backtests, benchmarks)."""
    rows = {
        filename: [build(raw) for raw in read_rows(filename)] for filename, _t, build, _k in SEEDS
    }
    return service.from_rows(
        today=today,
        countries=(row.code for row in rows["countries.csv"]),
        currencies=(row.code for row in rows["currencies.csv"]),
        gates=(row.code for row in rows["gates.csv"]),
        hs_codes=rows["hs_codes.csv"],
        keywords=rows["hs_keywords.csv"],
        rates=rows["exchange_rates.csv"],
        prices=rows["reference_prices.csv"],
        prohibited=rows["prohibited.csv"],
    )
