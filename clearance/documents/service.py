"""Documents: store uploads, list and fetch them, and check a declaration's papers."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import ValidationError
from sqlmodel import Session, col, func, select

from clearance import pydantic_errors
from clearance.auth.models import Role
from clearance.auth.service import Caller
from clearance.clock import Clock, get_clock
from clearance.declarations import lifecycle, states
from clearance.declarations import service as declarations_service
from clearance.declarations.models import Declaration, State
from clearance.documents import checks, papers, rechecks, requirements, structure
from clearance.documents.checks import CheckInput, Finding, OtherUse, number_key
from clearance.documents.errors import (
    DocumentNotFound,
    DocumentsClosed,
    NotUnderInspection,
    TooManyDocuments,
)
from clearance.documents.models import Document, DocumentKind
from clearance.documents.papers import Dossier, Paper
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


def documents_of(
    *, session: Session, declarations: Sequence[Declaration]
) -> dict[uuid.UUID, list[Paper]]:
    """`list_for` many declarations in one query, as plain rows (screening a set)."""
    return papers.papers_of(session=session, declaration_ids=[d.id for d in declarations])


other_uses = papers.other_uses


def dossier(documents: Sequence[Dossier]) -> list[Dossier]:
    """The papers the checks read: all but the officers' inspection photos (evidence)."""
    return [d for d in documents if d.kind is not DocumentKind.inspection_photo]


def check_declaration(
    *,
    session: Session,
    declaration: Declaration,
    documents: Sequence[Paper] | None = None,
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
        [papers.paper_of(d) for d in list_for(session=session, declaration=declaration)]
        if documents is None
        else documents
    )
    facts = CheckInput(
        body=body,
        trader_tax_code=declaration.trader_tax_code,
        on=declaration.arrived_at.date() if declaration.arrived_at else today,
        arrived=declaration.arrived_at is not None,
        weighbridge_kg=declaration.arrival_weight_kg,
        documents=[d.facts() for d in docs],
        requirements=needed,
        to_usd=reference.to_usd,
        other_uses=list(uses)
        if uses is not None
        else other_uses(session=session, documents={declaration.id: docs})[declaration.id],
        licence_used=papers.licence_used(session, declaration.id, declaration.lodged_at, docs),
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
    documents: Sequence[Paper],
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
) -> tuple[DocumentReport, list[Paper]] | None:
    found = session.info.get(("document_report", declaration.id, declaration.version))
    return found if isinstance(found, tuple) else None


def report_of(*, session: Session, declaration: Declaration) -> DocumentReport:
    """The report this session keeps for the version, else the checks run now."""
    remembered = _remembered(session, declaration)
    if remembered is not None:
        return remembered[0]
    return check_declaration(session=session, declaration=declaration)


def documents_for(*, session: Session, declaration: Declaration) -> list[Paper]:
    """The documents this session's report read for the version, else read now."""
    remembered = _remembered(session, declaration)
    if remembered is not None:
        return remembered[1]
    return [papers.paper_of(d) for d in list_for(session=session, declaration=declaration)]


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
