"""Which documents goods need: rows of data by regime, HS prefix and preference claimed."""

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlmodel import Session, col, select

from clearance import hot
from clearance.documents.models import DocumentKind, RequiredDocument
from clearance.errors import Conflict
from clearance.messages import Message
from clearance.reference.service import ReferenceData

DATA_FILE = Path(__file__).parent / "data" / "required_documents.csv"
ANY_REGIME = "any"


@dataclass(frozen=True)
class Requirement:
    kind: DocumentKind
    reason: str
    reason_vi: str = ""  # the same reasons in Vietnamese
    legal_basis: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RequirementRow:
    """A requirement in effect, as a plain row: read for every declaration checked."""

    regime: str
    hs_prefix: str
    preference: str
    document_kind: DocumentKind
    reason: str
    reason_vi: str


def _row(raw: dict[str, str]) -> RequiredDocument:
    return RequiredDocument(
        regime=raw["regime"],
        hs_prefix=raw["hs_prefix"],
        preference=raw["preference"],
        document_kind=DocumentKind(raw["document_kind"]),
        required=raw["required"].strip().lower() == "true",
        reason=raw["reason"],
        reason_vi=raw.get("reason_vi", ""),
        effective_from=date.fromisoformat(raw["effective_from"]),
    )


def shipped_rows() -> list[RequiredDocument]:
    with DATA_FILE.open(encoding="utf-8", newline="") as handle:
        return [_row(raw) for raw in csv.DictReader(handle)]


def _identity(row: RequiredDocument) -> tuple[str, str, str, str]:
    return (row.regime, row.hs_prefix, row.preference, row.document_kind.value)


def load_required_documents(session: Session) -> int:
    """Insert the shipped rows not stored yet (a supervisor's edits stay); returns how many."""
    stored = {
        (*_identity(row), row.effective_from)
        for row in session.exec(select(RequiredDocument)).all()
    }
    added = 0
    for row in shipped_rows():
        if (*_identity(row), row.effective_from) not in stored:
            session.add(row)
            added += 1
    session.flush()
    return added


def current_rows(*, session: Session, today: date) -> list[RequirementRow]:
    """The newest version of each requirement in effect today, withdrawn ones left out."""

    def load() -> list[RequirementRow]:
        rows = session.exec(
            select(RequiredDocument)
            .where(col(RequiredDocument.effective_from) <= today)
            .order_by(col(RequiredDocument.effective_from), col(RequiredDocument.id))
        ).all()
        newest = {_identity(row): row for row in rows}
        return [
            RequirementRow(
                row.regime,
                row.hs_prefix,
                row.preference,
                row.document_kind,
                row.reason,
                row.reason_vi,
            )
            for row in newest.values()
            if row.required
        ]

    return list(hot.cached("requirements", today, [RequiredDocument.__tablename__], load))


def _applies(
    row: RequiredDocument | RequirementRow,
    kind: str,
    hs_codes: Sequence[str],
    preferences: Iterable[str],
) -> bool:
    if row.regime not in {ANY_REGIME, kind}:
        return False
    if row.preference and row.preference not in preferences:
        return False
    return not row.hs_prefix or any(code.startswith(row.hs_prefix) for code in hs_codes)


def required_kinds(
    rows: Iterable[RequiredDocument | RequirementRow],
    *,
    kind: str,
    hs_codes: Sequence[str],
    preferences: Iterable[str],
    reference: ReferenceData | None = None,
) -> list[Requirement]:
    """One requirement per document kind the goods need, each with every reason it is needed:
    the rows of the requirements table, and what the lines' specialised procedures ask for."""
    wanted = set(preferences)
    reasons: dict[DocumentKind, list[tuple[str, str]]] = {}
    bases: dict[DocumentKind, list[str]] = {}
    # The few rows that apply, sorted (not all of them: this runs for every declaration).
    applying = [row for row in rows if _applies(row, kind, hs_codes, wanted)]
    for row in sorted(applying, key=lambda r: (r.document_kind.value, r.hs_prefix, r.preference)):
        reasons.setdefault(row.document_kind, []).append((row.reason, row.reason_vi))
    for code in hs_codes if reference is not None else ():
        for paper, procedure in reference.papers_for(code, kind) if reference else ():
            if paper.document_kind:
                doc_kind = DocumentKind(paper.document_kind)
                texts = (
                    f"{paper.paper}: {procedure}",
                    f"{paper.paper_vi or paper.paper}: {procedure}",
                )
                reasons.setdefault(doc_kind, []).append(texts)
                bases.setdefault(doc_kind, []).append(procedure)
    order = list(DocumentKind)
    return [
        Requirement(
            kind=doc_kind,
            reason="; ".join(dict.fromkeys(en for en, _vi in texts)),
            reason_vi="; ".join(dict.fromkeys(vi or en for en, vi in texts)),
            legal_basis=tuple(dict.fromkeys(bases.get(doc_kind, []))),
        )
        for doc_kind, texts in sorted(reasons.items(), key=lambda item: order.index(item[0]))
    ]


def add_version(*, session: Session, row: RequiredDocument) -> RequiredDocument:
    """Store a supervisor's new version; one per requirement and effective date."""
    clash = session.exec(
        select(RequiredDocument).where(
            RequiredDocument.regime == row.regime,
            RequiredDocument.hs_prefix == row.hs_prefix,
            RequiredDocument.preference == row.preference,
            RequiredDocument.document_kind == row.document_kind,
            RequiredDocument.effective_from == row.effective_from,
        )
    ).first()
    if clash is not None:
        raise Conflict(Message("error.requirement_version_exists"))
    session.add(row)
    session.flush()
    return row
