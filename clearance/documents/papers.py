"""A set's papers as plain rows: what the checks, the duties and the gates read of each
document, read for many declarations at once with statements built once per process."""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import Session

from clearance.declarations.models import Declaration, DeclarationLine, State
from clearance.documents.checks import DocumentFacts, OtherUse
from clearance.documents.models import Document, DocumentKind


@dataclass(frozen=True, slots=True)
class Paper:
    """One document as the checks read it: no ORM state to track or refresh."""

    id: uuid.UUID
    declaration_id: uuid.UUID
    kind: DocumentKind
    number: str
    number_key: str
    issued_on: date | None
    expires_on: date | None
    fields: Mapping[str, Any]
    sha256: str

    def facts(self) -> DocumentFacts:
        return DocumentFacts(
            self.id,
            self.kind,
            self.number,
            self.issued_on,
            self.expires_on,
            self.fields,
            self.sha256,
        )


Dossier = TypeVar("Dossier", Document, Paper)


def paper_of(document: Document) -> Paper:
    """The plain row of a document the session holds."""
    return Paper(
        document.id,
        document.declaration_id,
        document.kind,
        document.number,
        document.number_key,
        document.issued_on,
        document.expires_on,
        document.fields,
        document.sha256,
    )


_document = Document.__table__.c  # type: ignore[attr-defined]
_declaration = Declaration.__table__.c  # type: ignore[attr-defined]
_line = DeclarationLine.__table__.c  # type: ignore[attr-defined]
_COLUMNS = tuple(Paper.__slots__)


@lru_cache(maxsize=1)
def _papers_statement() -> sa.Select[Any]:
    return (
        sa.select(*(_document[name] for name in _COLUMNS))
        .where(_document.declaration_id.in_(sa.bindparam("ids", expanding=True)))
        .order_by(_document.uploaded_at, _document.id)
    )


def papers_of(
    *, session: Session, declaration_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Paper]]:
    """Each declaration's documents, oldest first: one statement for them all."""
    found: dict[uuid.UUID, list[Paper]] = {declaration_id: [] for declaration_id in declaration_ids}
    if found:
        rows = session.connection().execute(_papers_statement(), {"ids": list(found)})
        for row in rows:
            found[row[1]].append(Paper(*row))
    return found


@lru_cache(maxsize=1)
def _uses_statement() -> sa.Select[Any]:
    return (
        sa.select(
            _document.declaration_id,
            _document.kind,
            _document.number_key,
            _document.sha256,
            _declaration.trader_tax_code,
        )
        .join(Declaration.__table__, _declaration.id == _document.declaration_id)  # type: ignore[attr-defined]
        .where(
            _declaration.state != State.cancelled,
            sa.or_(
                _document.sha256.in_(sa.bindparam("files", expanding=True)),
                _document.number_key.in_(sa.bindparam("numbers", expanding=True)),
            ),
        )
        .order_by(_document.declaration_id, _document.id)
    )


def other_uses(
    *, session: Session, documents: Mapping[uuid.UUID, Sequence[Document | Paper]]
) -> dict[uuid.UUID, list[OtherUse]]:
    """Per declaration, its documents whose number (same kind) or file appears on another live
    declaration: one query for them all (`documents`: each declaration's own)."""
    found: dict[uuid.UUID, list[OtherUse]] = {declaration_id: [] for declaration_id in documents}
    docs = [d for papers in documents.values() for d in papers]
    if not docs:
        return found
    rows = session.connection().execute(
        _uses_statement(),
        {
            "files": sorted({d.sha256 for d in docs}),
            "numbers": sorted({d.number_key for d in docs}),
        },
    )
    by_number: dict[tuple[DocumentKind, str], list[tuple[uuid.UUID, str]]] = {}
    by_file: dict[str, list[tuple[uuid.UUID, str]]] = {}
    for other, kind, key, sha256, trader in rows:
        by_number.setdefault((DocumentKind(kind), key), []).append((other, trader))
        by_file.setdefault(sha256, []).append((other, trader))
    for declaration_id, papers in documents.items():
        uses: dict[tuple[uuid.UUID, uuid.UUID], OtherUse] = {}
        for ours in papers:
            numbered = by_number.get((ours.kind, ours.number_key), [])
            filed = by_file.get(ours.sha256, [])
            for other, trader in numbered + filed:
                if other != declaration_id and (ours.id, other) not in uses:
                    same_number = (other, trader) in numbered
                    same_file = (other, trader) in filed
                    uses[(ours.id, other)] = OtherUse(
                        ours.id, ours.kind, ours.number, other, trader, same_number, same_file
                    )
        found[declaration_id] = list(uses.values())
    return found


@lru_cache(maxsize=1)
def _licence_statement() -> sa.Select[Any]:
    """The lines of the live declarations lodged before `lodged_at` that attach the licence."""
    attached = (
        sa.select(sa.literal(1))
        .where(
            _document.declaration_id == _declaration.id,
            _document.kind == DocumentKind.licence,
            _document.number_key == sa.bindparam("key"),
        )
        .exists()
    )
    return (
        sa.select(_line.hs_code, _line.quantity)
        .join(
            Declaration.__table__,  # type: ignore[attr-defined]
            sa.and_(_declaration.id == _line.declaration_id, _declaration.version == _line.version),
        )
        .where(
            _declaration.id != sa.bindparam("id"),
            _declaration.lodged_at < sa.bindparam("lodged_at", type_=_declaration.lodged_at.type),
            _declaration.state != State.cancelled,
            attached,
        )
    )


def licence_used(
    session: Session, declaration_id: uuid.UUID, lodged_at: datetime, docs: Sequence[Paper]
) -> dict[str, Decimal]:
    """Per licence: the quantity of covered goods on earlier live declarations attaching it."""
    used: dict[str, Decimal] = {}
    licences = [d for d in docs if d.kind is DocumentKind.licence]
    if licences and session.autoflush:
        session.flush()  # as the unit of work's own query would: this session's changes count
    for licence in licences:
        prefixes = [str(p) for p in licence.fields.get("hs_codes", [])]
        rows = session.connection().execute(
            _licence_statement(),
            {"key": licence.number_key, "id": declaration_id, "lodged_at": lodged_at},
        )
        used[licence.number_key] = sum(
            (
                quantity
                for hs_code, quantity in rows
                if any(hs_code.startswith(p) for p in prefixes)
            ),
            Decimal(0),
        )
    return used
