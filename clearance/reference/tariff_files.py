"""An edition of the tariff as files: read and check `tariff.csv` + `procedures.csv`, compare
it with what is stored, and store it as new versions (`clearance reference import-tariff`)."""

import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session

from clearance.reference import notation
from clearance.reference.models import TariffLine

SHIPPED_EDITION = Path(__file__).parent / "data" / "vn-tariff"
SHIPPED_EFFECTIVE_FROM = date(2026, 1, 1)
TARIFF_FILE, PROCEDURES_FILE = "tariff.csv", "procedures.csv"
TEXT_COLUMNS = ("level", "code", "description_vi", "description_en")
REQUIRED_RATES = ("standard", "mfn")
NOT_DECLARABLE_CODE_LENGTHS = (0, 4, 6)  # text-only rows, headings and subheadings


class MalformedEdition(ValueError):
    """A file of an edition that cannot be read; the message names the file and row."""


@dataclass(frozen=True)
class EditionLine:
    description_vi: str
    description_en: str
    rates: Mapping[str, str]
    procedures: str = ""


@dataclass
class EditionDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    # code -> column -> (stored cell, new cell)
    changed: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)

    def summary(self) -> str:
        lines = [
            f"lines added: {len(self.added)}",
            f"lines removed: {len(self.removed)}",
            f"lines whose rates changed: {len(self.changed)}",
        ]
        lines += [f"  + {code}" for code in self.added[:20]]
        lines += [f"  - {code}" for code in self.removed[:20]]
        for code, cells in list(self.changed.items())[:20]:
            moved = ", ".join(f"{col} {old!r} -> {new!r}" for col, (old, new) in cells.items())
            lines.append(f"  ~ {code}: {moved}")
        return "\n".join(lines)


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Each row with its line number in the file (the header is line 1)."""
    if not path.is_file():
        raise MalformedEdition(f"{path.name}: no such file in {path.parent}")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            if None in row or None in row.values():
                raise MalformedEdition(f"{path.name} line {reader.line_num}: wrong number of cells")
            yield reader.line_num, row


def _rate_columns(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle), [])
    missing = [c for c in (*TEXT_COLUMNS, *REQUIRED_RATES) if c not in header]
    if missing:
        raise MalformedEdition(f"{path.name}: the header lacks {', '.join(missing)}")
    return [c for c in header if c not in TEXT_COLUMNS]


def _line(where: str, row: dict[str, str], columns: list[str]) -> EditionLine:
    for column in columns:
        try:
            notation.parse(row[column])
        except notation.MalformedCell as error:
            raise MalformedEdition(f"{where}, column {column}: {error}") from error
    for column in REQUIRED_RATES:
        if notation.parse(row[column]).kind is notation.CellKind.empty:
            raise MalformedEdition(f"{where}: a tariff line needs a {column} rate")
    return EditionLine(
        row["description_vi"].strip(),
        row["description_en"].strip(),
        {c: row[c].strip() for c in columns if row[c].strip()},
    )


def read_edition(directory: Path) -> dict[str, EditionLine]:
    """Every declarable line of the edition in `directory`; MalformedEdition names the row."""
    tariff_path = directory / TARIFF_FILE
    columns = _rate_columns(tariff_path) if tariff_path.is_file() else []
    lines: dict[str, EditionLine] = {}
    first_seen: dict[str, int] = {}
    for number, row in _rows(tariff_path):
        code, where = row["code"].strip(), f"{TARIFF_FILE} line {number}"
        if not code.isdigit() and code:
            raise MalformedEdition(f"{where}: code {code!r} is not digits")
        if len(code) in NOT_DECLARABLE_CODE_LENGTHS:
            continue
        if len(code) != 8:
            raise MalformedEdition(f"{where}: code {code!r} has {len(code)} digits, not 4, 6 or 8")
        if code in first_seen:
            raise MalformedEdition(f"{where}: code {code} repeats line {first_seen[code]}")
        first_seen[code] = number
        lines[code] = _line(where, row, columns)
    procedures: dict[str, list[str]] = {}
    for number, row in _rows(directory / PROCEDURES_FILE):
        code = row.get("code", "").strip()
        if code not in lines:
            raise MalformedEdition(
                f"{PROCEDURES_FILE} line {number}: code {code!r} is not a line of {TARIFF_FILE}"
            )
        procedures.setdefault(code, []).append(row.get("procedures_vi", "").strip())
    for code, texts in procedures.items():
        old = lines[code]
        lines[code] = EditionLine(
            old.description_vi, old.description_en, old.rates, "; ".join(texts)
        )
    return lines


def compare(stored: Mapping[str, EditionLine], new: Mapping[str, EditionLine]) -> EditionDiff:
    """What the new edition adds, removes and re-rates against the lines in force."""
    diff = EditionDiff(
        added=sorted(new.keys() - stored.keys()), removed=sorted(stored.keys() - new.keys())
    )
    for code in sorted(new.keys() & stored.keys()):
        old_rates, new_rates = stored[code].rates, new[code].rates
        moved = {
            column: (old_rates.get(column, ""), new_rates.get(column, ""))
            for column in sorted(old_rates.keys() | new_rates.keys())
            if old_rates.get(column, "") != new_rates.get(column, "")
        }
        if moved:
            diff.changed[code] = moved
    return diff


def version_rows(
    *,
    stored: Mapping[str, EditionLine],
    new: Mapping[str, EditionLine],
    effective_from: date,
    created_by: str,
) -> list[dict[str, object]]:
    """The rows that make `new` the edition in force from the date: every line that is new or
    differs in any way, and a withdrawn version of every line it drops."""
    rows: list[dict[str, object]] = []
    for code, line in new.items():
        if stored.get(code) != line:
            rows.append(version_row(code, line, effective_from, created_by, withdrawn=False))
    for code in stored.keys() - new.keys():
        rows.append(version_row(code, stored[code], effective_from, created_by, withdrawn=True))
    return rows


def version_row(
    code: str, line: EditionLine, effective_from: date, created_by: str, *, withdrawn: bool
) -> dict[str, object]:
    return {
        "code": code,
        "description_vi": line.description_vi,
        "description_en": line.description_en,
        "rates": dict(line.rates),
        "procedures": line.procedures,
        "withdrawn": withdrawn,
        "effective_from": effective_from,
        "created_by": created_by,
    }


def store(*, session: Session, rows: list[dict[str, object]]) -> None:
    """Insert the versions in one multi-row statement per thousand."""
    for start in range(0, len(rows), 1000):
        session.execute(insert(TariffLine), rows[start : start + 1000])
