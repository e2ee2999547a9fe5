"""Load the reference CSV files shipped in `reference/data/`; running it twice adds nothing."""

import csv
from collections.abc import Callable, Iterator
from datetime import date, time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlmodel import Session, SQLModel, select

from clearance.reference import service, tariff_files
from clearance.reference.models import (
    Agreement,
    Country,
    Currency,
    ExchangeRate,
    Gate,
    Holiday,
    HsKeyword,
    ProcedurePaper,
    ProhibitedGood,
    ReferencePrice,
    TariffLine,
    VatRate,
)
from clearance.reference.nomenclature import Nomenclature
from clearance.reference.service import ReferenceData

DATA_DIR = Path(__file__).parent / "data"
RISK_DATA_DIR = Path(__file__).parents[1] / "risk" / "data"
SEED_EFFECTIVE_FROM = date(2026, 1, 1)


def read_rows(name: str) -> Iterator[dict[str, str]]:
    path = DATA_DIR / name if (DATA_DIR / name).exists() else RISK_DATA_DIR / name
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _prohibited(row: dict[str, str]) -> ProhibitedGood:
    return ProhibitedGood(
        hs_prefix=row["hs_prefix"],
        kind=row["kind"],
        regime=row["regime"],
        licence=row["licence"] or None,
        reason=row["reason"],
        reason_vi=row.get("reason_vi", ""),
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
    (
        "countries.csv",
        Country,
        lambda r: Country(code=r["code"], name=r["name"], mfn=r["mfn"] == "true"),
        ("code",),
    ),
    (
        "currencies.csv",
        Currency,
        lambda r: Currency(code=r["code"], name=r["name"], minor_units=int(r["minor_units"] or 0)),
        ("code",),
    ),
    ("gates.csv", Gate, _gate, ("code",)),
    ("agreements.csv", Agreement, Agreement.model_validate, ("column",)),
    (
        "vat_rates.csv",
        VatRate,
        lambda r: VatRate(
            hs_prefix=r["hs_prefix"],
            rate=Decimal(r["rate"]),
            legal_basis=r["legal_basis"],
            effective_from=date.fromisoformat(r["effective_from"]),
        ),
        ("hs_prefix", "effective_from"),
    ),
    ("procedure_papers.csv", ProcedurePaper, ProcedurePaper.model_validate, ("basis", "procedure")),
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


@lru_cache(maxsize=1)
def shipped_reference() -> ReferenceData:
    """The shipped reference data in force today, read once per process: the one source of the
    paths without a database (training from history files, backtests, the simulator, the
    synthetic catalogue). The service reads the database's rows, a supervisor's edits included.
    """
    return reference_from_files(max(date.today(), SEED_EFFECTIVE_FROM))


def reference_from_files(today: date = SEED_EFFECTIVE_FROM) -> ReferenceData:
    """The shipped reference data without a database (backtests, benchmarks)."""
    rows = {
        filename: [build(raw) for raw in read_rows(filename)] for filename, _t, build, _k in SEEDS
    }
    return service.from_rows(
        today=today,
        countries=rows["countries.csv"],
        currencies=(row.code for row in rows["currencies.csv"]),
        gates=(row.code for row in rows["gates.csv"]),
        nomenclature=shipped_nomenclature(),
        keywords=rows["hs_keywords.csv"],
        rates=rows["exchange_rates.csv"],
        prices=rows["reference_prices.csv"],
        prohibited=rows["prohibited.csv"],
        agreements=rows["agreements.csv"],
        vat=rows["vat_rates.csv"],
        papers=rows["procedure_papers.csv"],
    )


@lru_cache(maxsize=1)
def shipped_nomenclature() -> Nomenclature:
    """The shipped edition in memory, as a process that read it from the database holds it."""
    rows = tariff_files.version_rows(
        stored={},
        new=tariff_files.read_edition(tariff_files.SHIPPED_EDITION),
        effective_from=tariff_files.SHIPPED_EFFECTIVE_FROM,
        created_by="seed",
    )
    loaded = Nomenclature()
    loaded.add([TariffLine.model_validate({"id": n, **row}) for n, row in enumerate(rows, 1)])
    return loaded
