"""CIDD (Korea Customs Service synthetic import declarations) as labelled history.

The files live outside the repository, in `../shared/data/cidd/` (or `CLEARANCE_CIDD_DIR`).
One CSV row is one goods line; rows sharing a Declaration ID become one record with several
lines (in the published files every ID is unique, so records and kept rows coincide).

Mapping: Declaration ID -> ucr `CIDD-<id>`; Date -> lodged_at at midnight UTC; Declarant ID,
Importer ID -> declarant / trader tax codes (Korean identifiers, not Vietnamese tax codes);
Seller ID -> counterparty name; Country of Departure -> counterparty country; HS6 Code ->
hs_code; Country of Origin -> origin; Net Mass -> net_kg and quantity in kg; Item Price ->
customs_value in KRW. Fraud -> outcome.fraud_found, every row having been inspected. CIDD has
no revenue, so revenue_recovered stays None ("not available", never zero). The Fraud column
does not say what kind of fraud was found, so an ordinary fraud carries no finding; Critical
Fraud 2 ("a case which may threaten public safety") becomes a `prohibited` finding on its line,
the code DESIGN §3 has for goods that must not cross. "ZZ" (unknown country, in ISO's
user-assigned range) is kept as is.

Run `python -m tests.risk.cidd --out cidd.jsonl train valid test` to write JSON Lines for
`clearance risk import-history` or a backtest.
"""

import argparse
import csv
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from clearance.risk.history import (
    Finding,
    HistoryCounterparty,
    HistoryLine,
    HistoryParty,
    HistoryRecord,
    Outcome,
    write_jsonl,
)

SPLITS = ("train", "valid", "test")
CURRENCY = "KRW"
CRITICAL = "2"
KG = Decimal("0.001")
WON = Decimal("0.01")


def cidd_dir() -> Path:
    """Where the CIDD CSV files are: `CLEARANCE_CIDD_DIR`, or the shared data folder."""
    override = os.environ.get("CLEARANCE_CIDD_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[3] / "shared" / "data" / "cidd"


def split_path(split: str) -> Path:
    if split not in SPLITS:
        raise ValueError(f"unknown CIDD split {split!r}; expected one of {', '.join(SPLITS)}")
    return cidd_dir() / f"df_syn_{split}_eng.csv"


@dataclass(frozen=True)
class Conversion:
    """The records of one or more CIDD files, and what was left out of them."""

    records: list[HistoryRecord]
    rows: int
    skipped: int  # rows without a positive net mass or price


def _positive(text: str, step: Decimal) -> Decimal | None:
    """The amount rounded to `step`, or None when it is missing, unreadable or not positive."""
    try:
        value = Decimal(text).quantize(step)
    except (InvalidOperation, ValueError):
        return None
    return value if value > 0 else None


def _line(row: dict[str, str]) -> HistoryLine | None:
    net_kg = _positive(row["Net Mass"], KG)
    value = _positive(row["Item Price"], WON)
    if net_kg is None or value is None:
        return None
    return HistoryLine(
        hs_code=row["HS6 Code"].strip().zfill(6),
        origin=row["Country of Origin"].strip(),
        quantity=net_kg,
        unit="kg",
        net_kg=net_kg,
        customs_value=value,
        currency=CURRENCY,
    )


def _record(rows: list[dict[str, str]], lines: list[HistoryLine]) -> HistoryRecord:
    first = rows[0]
    findings = [
        Finding(code="prohibited", line=number, detail="CIDD critical fraud: public safety")
        for number, row in enumerate(rows, start=1)
        if row["Critical Fraud"].strip() == CRITICAL
    ]
    lodged_at = datetime.strptime(first["Date"].strip(), "%Y-%m-%d").replace(tzinfo=UTC)
    return HistoryRecord(
        ucr=f"CIDD-{first['Declaration ID'].strip()}",
        declarant=HistoryParty(tax_code=first["Declarant ID"].strip()),
        trader=HistoryParty(tax_code=first["Importer ID"].strip()),
        counterparty=HistoryCounterparty(
            name=first["Seller ID"].strip(), country=first["Country of Departure"].strip()
        ),
        lines=lines,
        lodged_at=lodged_at,
        outcome=Outcome(
            inspected=True,
            fraud_found=any(row["Fraud"].strip() == "1" for row in rows),
            findings=findings,
        ),
    )


def read_cidd(path: Path) -> Conversion:
    """One CIDD CSV file as history records, in file order of their first row."""
    kept: dict[str, tuple[list[dict[str, str]], list[HistoryLine]]] = {}
    rows = skipped = 0
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            rows += 1
            line = _line(row)
            if line is None:
                skipped += 1
                continue
            group = kept.setdefault(row["Declaration ID"].strip(), ([], []))
            group[0].append(row)
            group[1].append(line)
    records = [_record(group_rows, lines) for group_rows, lines in kept.values()]
    return Conversion(records, rows, skipped)


def load_cidd(split: str) -> list[HistoryRecord]:
    """The records of one split: train (2020), valid (2021 Q1) or test (2021 Q2)."""
    return read_cidd(split_path(split)).records


def convert(paths: Iterable[Path], out: Path) -> Conversion:
    """Write the records of these CIDD files to one JSON Lines file, in lodgement order."""
    conversions = [read_cidd(path) for path in paths]
    records = sorted(
        (record for c in conversions for record in c.records), key=lambda r: r.lodged_at
    )
    write_jsonl(records, out)
    rows = sum(c.rows for c in conversions)
    return Conversion(records, rows, sum(c.skipped for c in conversions))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.risk.cidd", description="Convert CIDD CSV files to JSON Lines."
    )
    # No `choices=`: argparse checks a list default against them as one value (Python < 3.12).
    parser.add_argument("splits", nargs="*", default=list(SPLITS), help="train, valid, test")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if unknown := set(args.splits) - set(SPLITS):
        parser.error(f"unknown splits: {', '.join(sorted(unknown))}")
    result = convert([split_path(split) for split in args.splits], args.out)
    print(
        f"wrote {len(result.records)} records from {result.rows} rows "
        f"({result.skipped} skipped: no mass or price) to {args.out}"
    )


if __name__ == "__main__":
    main()
