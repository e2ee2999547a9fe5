"""The nomenclature and its rates in memory, one copy per process: a request never reads the
tariff table. The process loads every version once, then only the versions added since (a
supervisor's new rate, an imported edition), checking for them at most every
`hot_cache_seconds`, and at once after a commit of its own that wrote one.
"""

import bisect
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from clearance import hot
from clearance.reference import tariff_files
from clearance.reference.models import TariffLine
from clearance.reference.tariff_files import EditionDiff, EditionLine

# One procedure: its text, then one or more groups in brackets, the last the legal basis.
_PROCEDURE = re.compile(r"\s*;?\s*(?P<text>[^()]+?)\s*(?P<groups>(?:\(\s*[^()]*\)\s*)+)\*?\s*")


@dataclass(frozen=True, slots=True)
class Procedure:
    text: str
    basis: str


@dataclass(frozen=True, slots=True)
class LineVersion:
    id: int
    code: str
    effective_from: date
    line: EditionLine
    withdrawn: bool


@lru_cache(maxsize=2048)
def procedures(text: str) -> tuple[Procedure, ...]:
    """The procedures of a line as `procedures.csv` writes them, each with its legal basis."""
    found: list[Procedure] = []
    position = 0
    while position < len(text):
        match = _PROCEDURE.match(text, position)
        if match is None or match.end() == position:
            if text[position:].strip(" ;"):
                found.append(Procedure(text[position:].strip(" ;"), ""))
            break
        groups = re.findall(r"\(([^()]*)\)", match["groups"])
        body = " ".join([match["text"], *(f"({g.strip()})" for g in groups[:-1])])
        found.append(Procedure(body.strip(" ;"), groups[-1].strip()))
        position = match.end()
    return tuple(found)


class Nomenclature:
    """Every version of every 8-digit line, and the lookups intake, duties and pages need."""

    def __init__(self) -> None:
        self.versions: dict[str, list[LineVersion]] = {}
        self.codes: list[str] = []
        self.last_id = 0
        self._rates: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}

    def add(self, rows: Iterable[Any]) -> None:
        for row in rows:
            # Lines share their rates often: one dict per distinct set keeps the copy small.
            rates = dict(sorted(row.rates.items()))
            shared = self._rates.setdefault(tuple(rates.items()), rates)
            line = EditionLine(row.description_vi, row.description_en, shared, row.procedures)
            versions = self.versions.setdefault(row.code, [])
            versions.append(LineVersion(row.id, row.code, row.effective_from, line, row.withdrawn))
            versions.sort(key=lambda v: v.effective_from)
            self.last_id = max(self.last_id, row.id)
        self.codes = sorted(self.versions)

    def version(self, code: str, on: date) -> LineVersion | None:
        """The version of the line in force on the day, withdrawn or not."""
        found = None
        for version in self.versions.get(code, ()):
            if version.effective_from > on:
                break
            found = version
        return found

    def line(self, code: str, on: date) -> EditionLine | None:
        """The declarable line of an 8-digit code (or a 10-digit one's first 8) on the day."""
        version = self.version(code[:8], on) if len(code) in (8, 10) else None
        return None if version is None or version.withdrawn else version.line

    def under(self, prefix: str, on: date) -> Iterator[tuple[str, EditionLine]]:
        """The lines in force whose code starts with the prefix, in code order."""
        for code in self.codes[bisect.bisect_left(self.codes, prefix) :]:
            if not code.startswith(prefix):
                break
            line = self.line(code, on)
            if line is not None:
                yield code, line

    def in_force(self, on: date) -> dict[str, EditionLine]:
        return dict(self.under("", on))

    def closest(self, code: str, on: date, limit: int = 5) -> list[str]:
        """Lines under the same heading, the longest shared prefix first, then the nearest."""
        same_heading = [c for c, _line in self.under(code[:4], on)]

        def distance(candidate: str) -> tuple[int, int]:
            pairs = zip(candidate, code, strict=False)
            shared = next(
                (n for n, (a, b) in enumerate(pairs) if a != b), min(len(candidate), len(code))
            )
            return -shared, abs(int(candidate) - int(code[:8].ljust(8, "0")))

        return sorted(same_heading, key=distance)[:limit]


_COLUMNS = (
    "id",
    "code",
    "description_vi",
    "description_en",
    "rates",
    "procedures",
    "withdrawn",
    "effective_from",
)
_lock = threading.Lock()
_loaded = Nomenclature()
_baseline_id: int | None = None


def _newest_id(session: Session) -> int:
    statement = select(func.coalesce(func.max(col(TariffLine.id)), 0))
    return int(session.execute(statement).scalar_one())


def read_newer(*, session: Session, into: Nomenclature) -> Nomenclature:
    """Add the versions stored since `into` was last read (all of them the first time)."""
    columns = [col(getattr(TariffLine, name)) for name in _COLUMNS]
    newer = select(*columns).where(col(TariffLine.id) > into.last_id)
    # Streamed in parts: the whole result at once would double the memory the load costs.
    into.add(session.execute(newer.execution_options(yield_per=1000)))
    return into


def current(*, session: Session) -> Nomenclature:
    """This process's copy, brought up to date with the versions stored since it was read."""
    global _baseline_id
    newest = hot.cached(
        "tariff_line_newest", None, [TariffLine.__tablename__], lambda: _newest_id(session)
    )
    if newest > _loaded.last_id:
        with _lock:
            if newest > _loaded.last_id:
                read_newer(session=session, into=_loaded)
                if _baseline_id is None:
                    _baseline_id = _loaded.last_id
    return _loaded


def forget_newer_than_first_load() -> None:
    """Drop the versions read after the first load (tests roll back what they stored)."""
    if _baseline_id is None or _loaded.last_id == _baseline_id:
        return
    with _lock:
        for code, versions in list(_loaded.versions.items()):
            kept = [v for v in versions if v.id <= _baseline_id]
            if kept:
                _loaded.versions[code] = kept
            else:
                del _loaded.versions[code]
        _loaded.codes = sorted(_loaded.versions)
        _loaded.last_id = _baseline_id


class EditionInForce(ValueError):
    """An edition already starts on that date: a second one would make two versions a day."""


def import_edition(
    *, session: Session, directory: Path, effective_from: date, created_by: str
) -> EditionDiff:
    """Store the edition in `directory` as the one in force from the date; returns what changed.
    A malformed file raises MalformedEdition before anything is written."""
    new = tariff_files.read_edition(directory)
    clash = session.execute(
        select(col(TariffLine.id)).where(col(TariffLine.effective_from) == effective_from).limit(1)
    ).first()
    if clash is not None:
        raise EditionInForce(f"tariff lines already have versions effective on {effective_from}")
    stored = current(session=session).in_force(effective_from)
    diff = tariff_files.compare(stored, new)
    rows = tariff_files.version_rows(
        stored=stored, new=new, effective_from=effective_from, created_by=created_by
    )
    tariff_files.store(session=session, rows=rows)
    return diff
