"""Documents: store uploads, list and fetch them, and check a declaration's papers."""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from pydantic import ValidationError
from sqlmodel import Session, col, func, or_, select

from clearance import pydantic_errors
from clearance.auth.models import Role
from clearance.auth.service import Caller
from clearance.clock import Clock, get_clock
from clearance.declarations import lifecycle, states
from clearance.declarations import service as declarations_service
from clearance.declarations.models import Declaration, DeclarationLine, State
from clearance.documents import checks, rechecks, requirements, structure
from clearance.documents.checks import CheckInput, DocumentFacts, Finding, OtherUse, number_key
from clearance.documents.errors import (
    DocumentNotFound,
    DocumentsClosed,
    NotUnderInspection,
    TooManyDocuments,
)
from clearance.documents.models import Document, DocumentKind
from clearance.documents.requirements import Requirement
from clearance.documents.schemas import COMMON_FIELDS, DOCUMENT_FIELDS, DocumentFieldsIn
from clearance.documents.storage import Storage, read_chunks
from clearance.documents.upload import ReceivedUpload
from clearance.errors import FieldError, InvalidInput, field_detail, invalid_field
from clearance.messages import Message
from clearance.reference import service as reference_service

MAX_DOCUMENTS_PER_DECLARATION = 30
# Past these, a new paper changes nothing: the truck is gone or the case is closed.
CLOSED_STATES = states.FINAL | {State.released}
PHOTO_MEDIA_TYPES = frozenset({"image/jpeg", "image/png"})


@dataclass(frozen=True)
class DocumentReport:
    complete: bool  # nothing blocks release: every required kind uploaded and in date
    required: list[Requirement]
    missing: list[Requirement]
    findings: list[Finding]

    def for_document(self, document_id: uuid.UUID) -> list[Finding]:
        return [f for f in self.findings if f.document_id == document_id]


def parse_fields(raw: bytes) -> DocumentFieldsIn:
    """The `fields` part, validated by the model of its kind; errors name `fields.<field>`."""
    try:
        return DOCUMENT_FIELDS.validate_json(raw)
    except ValidationError as exc:
        errors = [
            FieldError(
                ".".join(["fields", *(str(p) for p in e["loc"][1:] or e["loc"])]),
                pydantic_errors.message(e),
            )
            for e in exc.errors()
        ]
        raise InvalidInput(field_detail(errors[:5]), errors=errors) from None


def _count(session: Session, declaration_id: uuid.UUID) -> int:
    return session.exec(
        select(func.count()).select_from(Document).where(Document.declaration_id == declaration_id)
    ).one()


def _check_open(session: Session, declaration: Declaration) -> None:
    if declaration.state in CLOSED_STATES:
        raise DocumentsClosed(
            Message("error.documents_closed", {"state": states.state_word(declaration.state)})
        )
    if _count(session, declaration.id) >= MAX_DOCUMENTS_PER_DECLARATION:
        raise TooManyDocuments(
            Message("error.too_many_documents", {"max": MAX_DOCUMENTS_PER_DECLARATION})
        )


def _check_uploader(caller: Caller, declaration: Declaration) -> None:
    """Traders send their dossier; officers add photos only while the goods are inspected."""
    if caller.role is not Role.trader and declaration.state is not State.inspection:
        raise NotUnderInspection(Message("error.not_under_inspection"))


def _check_kind(caller: Caller, kind: DocumentKind, media_type: str) -> None:
    photo = kind is DocumentKind.inspection_photo
    if photo != (caller.role is not Role.trader):
        raise invalid_field(
            "fields.kind",
            Message("field.photo_officers_only" if not photo else "field.photo_by_officers"),
        )
    if photo and media_type not in PHOTO_MEDIA_TYPES:
        raise invalid_field("file", Message("field.photo_media"))


def open_for_upload(*, session: Session, caller: Caller, declaration_id: uuid.UUID) -> Declaration:
    """Refuse before a byte of the file is read: not the caller's, closed, or full."""
    declaration = declarations_service.get(
        session=session, caller=caller, declaration_id=declaration_id
    )
    _check_open(session, declaration)
    _check_uploader(caller, declaration)
    return declaration


def upload(
    *,
    session: Session,
    clock: Clock,
    storage: Storage,
    caller: Caller,
    declaration_id: uuid.UUID,
    upload_in: ReceivedUpload,
) -> Document:
    """Validate the fields, store the file and record it; on any refusal nothing is stored."""
    fields_in = parse_fields(upload_in.fields)
    _check_kind(caller, DocumentKind(fields_in.kind), upload_in.media_type)
    structure.verify(upload_in.media_type, upload_in.file)
    # Stored before the declaration is locked: its row is held for the checks and the insert.
    stored = storage.put(read_chunks(upload_in.file))
    try:
        declaration = declarations_service.get(
            session=session, caller=caller, declaration_id=declaration_id, for_update=True
        )
        _check_open(session, declaration)
        _check_uploader(caller, declaration)
        document = Document(
            declaration_id=declaration.id,
            declaration_version=declaration.version,
            trader_tax_code=declaration.trader_tax_code,
            kind=DocumentKind(fields_in.kind),
            number=fields_in.number,
            number_key=number_key(fields_in.number),
            issuer=fields_in.issuer,
            issued_on=fields_in.issued_on,
            expires_on=fields_in.expires_on,
            fields=fields_in.model_dump(mode="json", exclude=set(COMMON_FIELDS)),
            storage_key=stored.key,
            sha256=stored.sha256,
            size_bytes=stored.size,
            media_type=upload_in.media_type,
            uploaded_by=caller.actor,
            uploaded_at=clock.now(),
        )
        session.add(document)
        session.flush()
    except BaseException:
        storage.delete(stored.key)
        raise
    # The upload hooks, for a paper of the dossier (a photo is evidence), run in a worker.
    photo = document.kind is DocumentKind.inspection_photo
    if not photo and lifecycle.of(session).upload_hooks and rechecks.needs_recheck(declaration):
        rechecks.ask(session=session, clock=clock, declaration=declaration)
    return document


def list_for(*, session: Session, declaration: Declaration) -> list[Document]:
    return list(
        session.exec(
            select(Document)
            .where(Document.declaration_id == declaration.id)
            .order_by(col(Document.uploaded_at), col(Document.id))
        ).all()
    )


def get(
    *, session: Session, caller: Caller, declaration_id: uuid.UUID, document_id: uuid.UUID
) -> Document:
    """A document of a declaration the caller may see; anything else is a 404."""
    declarations_service.get(session=session, caller=caller, declaration_id=declaration_id)
    document = session.get(Document, document_id)
    if document is None or document.declaration_id != declaration_id:
        raise DocumentNotFound(
            Message(
                "error.document_not_found",
                {"document_id": str(document_id), "declaration_id": str(declaration_id)},
            )
        )
    return document


def other_uses(
    *, session: Session, documents: Mapping[uuid.UUID, Sequence[Document]]
) -> dict[uuid.UUID, list[OtherUse]]:
    """Per declaration, its documents whose number (same kind) or file appears on another live
    declaration: one query for them all (`documents`: each declaration's own)."""
    found: dict[uuid.UUID, list[OtherUse]] = {declaration_id: [] for declaration_id in documents}
    docs = [d for papers in documents.values() for d in papers]
    if not docs:
        return found
    rows = session.execute(
        sa.select(
            col(Document.declaration_id),
            col(Document.kind),
            col(Document.number_key),
            col(Document.sha256),
            col(Declaration.trader_tax_code),
        )
        .join(Declaration, col(Declaration.id) == col(Document.declaration_id))
        .where(
            col(Declaration.state) != State.cancelled,
            or_(
                col(Document.sha256).in_({d.sha256 for d in docs}),
                col(Document.number_key).in_({d.number_key for d in docs}),
            ),
        )
        .order_by(col(Document.declaration_id), col(Document.id))
    ).all()
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


def _licence_used(
    session: Session, declaration: Declaration, docs: Sequence[Document]
) -> dict[str, Decimal]:
    """Per licence: the quantity of covered goods on earlier live declarations attaching it."""
    used: dict[str, Decimal] = {}
    for licence in (d for d in docs if d.kind is DocumentKind.licence):
        prefixes = [str(p) for p in licence.fields.get("hs_codes", [])]
        earlier = session.exec(
            select(Declaration)
            .join(Document, col(Document.declaration_id) == col(Declaration.id))
            .where(
                Document.kind == DocumentKind.licence,
                Document.number_key == licence.number_key,
                Declaration.id != declaration.id,
                col(Declaration.lodged_at) < declaration.lodged_at,
                col(Declaration.state) != State.cancelled,
            )
            .distinct()
        ).all()
        total = Decimal(0)
        for other in earlier:
            lines = session.exec(
                select(DeclarationLine).where(
                    DeclarationLine.declaration_id == other.id,
                    DeclarationLine.version == other.version,
                )
            ).all()
            total += sum(
                (ln.quantity for ln in lines if any(ln.hs_code.startswith(p) for p in prefixes)),
                Decimal(0),
            )
        used[licence.number_key] = total
    return used


def documents_of(
    *, session: Session, declarations: Sequence[Declaration]
) -> dict[uuid.UUID, list[Document]]:
    """`list_for` many declarations in one query (screening a set)."""
    found: dict[uuid.UUID, list[Document]] = {d.id: [] for d in declarations}
    if found:
        for document in session.exec(
            select(Document)
            .where(col(Document.declaration_id).in_(list(found)))
            .order_by(col(Document.uploaded_at), col(Document.id))
        ):
            found[document.declaration_id].append(document)
    return found


def dossier(documents: Sequence[Document]) -> list[Document]:
    """The papers the checks read: all but the officers' inspection photos (evidence)."""
    return [d for d in documents if d.kind is not DocumentKind.inspection_photo]


def check_declaration(
    *,
    session: Session,
    declaration: Declaration,
    documents: Sequence[Document] | None = None,
    uses: Sequence[OtherUse] | None = None,
) -> DocumentReport:
    """Run every document check on the declaration's current version (`documents`: its
    documents, and `uses`: their `other_uses`, when read already)."""
    today = get_clock().now().date()
    body = declarations_service.body(session=session, declaration=declaration)
    reference = reference_service.snapshot(session=session, today=today)
    needed = requirements.required_kinds(
        requirements.current_rows(session=session, today=today),
        kind=body.kind.value,
        hs_codes=[line.hs_code for line in body.lines],
        preferences={line.preference for line in body.lines if line.preference},
        reference=reference,
    )
    docs = dossier(
        list_for(session=session, declaration=declaration) if documents is None else documents
    )
    facts = CheckInput(
        body=body,
        trader_tax_code=declaration.trader_tax_code,
        on=declaration.arrived_at.date() if declaration.arrived_at else today,
        arrived=declaration.arrived_at is not None,
        weighbridge_kg=declaration.arrival_weight_kg,
        documents=[
            DocumentFacts(d.id, d.kind, d.number, d.issued_on, d.expires_on, d.fields, d.sha256)
            for d in docs
        ],
        requirements=needed,
        to_usd=reference.to_usd,
        other_uses=list(uses)
        if uses is not None
        else other_uses(session=session, documents={declaration.id: docs})[declaration.id],
        licence_used=_licence_used(session, declaration, docs),
    )
    findings = checks.run_checks(facts)
    missing_kinds = {f.document_kind for f in findings if f.check_id == "DOC-MISSING"}
    return DocumentReport(
        complete=not any(f.blocks_release for f in findings),
        required=needed,
        missing=[req for req in needed if req.kind in missing_kinds],
        findings=findings,
    )


def document_findings_for_risk(report: DocumentReport) -> list[Finding]:
    """Findings the risk engine reads as signals: reuse and inconsistency, not completeness."""
    return [f for f in report.findings if f.risk_score > 0]


def remember_report(
    *,
    session: Session,
    declaration: Declaration,
    report: DocumentReport,
    documents: Sequence[Document],
) -> None:
    """Keep a report, and the documents it read, for this session's release gate and duties:
    screening checks the documents, and no document comes in the same unit of work before its
    decision asks the gate."""
    session.info[("document_report", declaration.id, declaration.version)] = (
        report,
        list(documents),
    )


def _remembered(
    session: Session, declaration: Declaration
) -> tuple[DocumentReport, list[Document]] | None:
    found = session.info.get(("document_report", declaration.id, declaration.version))
    return found if isinstance(found, tuple) else None


def report_of(*, session: Session, declaration: Declaration) -> DocumentReport:
    """The report this session keeps for the version, else the checks run now."""
    remembered = _remembered(session, declaration)
    if remembered is not None:
        return remembered[0]
    return check_declaration(session=session, declaration=declaration)


def documents_for(*, session: Session, declaration: Declaration) -> list[Document]:
    """The documents this session's report read for the version, else read now."""
    remembered = _remembered(session, declaration)
    if remembered is not None:
        return remembered[1]
    return list_for(session=session, declaration=declaration)


def release_gate(session: Session, declaration: Declaration) -> Message | None:
    """The release gate (DESIGN §2): open when every required document is uploaded and valid."""
    report = report_of(session=session, declaration=declaration)
    if report.complete:
        return None
    blocking = [f for f in report.findings if f.blocks_release]
    kinds = dict.fromkeys(
        (f.document_kind, f.check_id == "DOC-EXPIRED")
        for f in blocking
        if f.document_kind is not None
    )
    papers = [
        Message("paper.expired", {"paper": checks.paper(kind)}) if expired else checks.paper(kind)
        for kind, expired in kinds
    ]
    return Message("gate.documents", {"missing": papers})
