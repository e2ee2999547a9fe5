"""The tariff as data: shipped rows, the rates in force on a day, a supervisor's new version."""

import csv
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlmodel import Session, col, select

from clearance import hot
from clearance.duties.errors import TariffVersionExists
from clearance.duties.models import TariffRate

DATA_FILE = Path(__file__).parent / "data" / "tariff.csv"


def _lines(path: Path) -> Iterator[str]:
    """The file without its `#` header, which says where the figures come from."""
    with path.open(encoding="utf-8", newline="") as handle:
        yield from (line for line in handle if not line.startswith("#"))


def shipped_rows(path: Path = DATA_FILE) -> list[TariffRate]:
    return [
        TariffRate(
            hs_code=raw["hs_code"],
            mfn_rate=Decimal(raw["mfn_rate"]),
            acfta_rate=Decimal(raw["acfta_rate"]) if raw["acfta_rate"] else None,
            vat_rate=Decimal(raw["vat_rate"]),
            effective_from=date.fromisoformat(raw["effective_from"]),
        )
        for raw in csv.DictReader(_lines(path))
    ]


def load_tariff(session: Session) -> int:
    """Insert the shipped rows not stored yet (a supervisor's versions stay); returns how many."""
    rows = select(col(TariffRate.hs_code), col(TariffRate.effective_from))
    stored = set(session.exec(rows).all())
    added = 0
    for row in shipped_rows():
        if (row.hs_code, row.effective_from) not in stored:
            session.add(row)
            added += 1
    session.flush()
    return added


def newest(rows: Iterable[TariffRate], on: date) -> dict[str, TariffRate]:
    """Per HS code, the version in force on the day: the latest that started by then."""
    current: dict[str, TariffRate] = {}
    for row in sorted(rows, key=lambda r: r.effective_from):
        if row.effective_from <= on:
            current[row.hs_code] = row
    return current


def rates_on(*, session: Session, on: date, prefixes: Iterable[str] = ()) -> dict[str, TariffRate]:
    """The rates in force on a day, for HS codes starting with any of the prefixes (or all)."""
    wanted = tuple(prefixes)
    in_force = hot.cached(
        "tariff", on, [TariffRate.__tablename__],
        lambda: {code: hot.copied(row) for code, row in newest(session.exec(
            select(TariffRate).where(col(TariffRate.effective_from) <= on)
        ).all(), on).items()},
    )  # fmt: skip
    return {code: row for code, row in in_force.items() if not wanted or code.startswith(wanted)}


def add_version(*, session: Session, row: TariffRate) -> TariffRate:
    """Store a supervisor's new version; one per HS code and effective date."""
    clash = session.exec(
        select(TariffRate.id).where(
            TariffRate.hs_code == row.hs_code, TariffRate.effective_from == row.effective_from
        )
    ).first()
    if clash is not None:
        raise TariffVersionExists(
            f"HS {row.hs_code} already has a tariff version effective on {row.effective_from}"
        )
    session.add(row)
    session.flush()
    return row
