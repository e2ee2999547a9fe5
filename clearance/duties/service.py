"""A declaration's duties: assess each line of the current version, store it, read it back."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, delete, select

from clearance import db
from clearance.clock import Clock
from clearance.declarations import service as declarations_service
from clearance.declarations.models import Declaration, Kind
from clearance.declarations.schemas import DeclarationIn
from clearance.documents import service as documents_service
from clearance.documents.checks import paper
from clearance.documents.models import DocumentKind
from clearance.duties import compute
from clearance.duties.compute import LineDuty
from clearance.duties.models import DutyAssessment
from clearance.messages import ENGLISH, Message, params_json, rendered, stored
from clearance.reference import service as reference_service
from clearance.reference.calendar import local_date
from clearance.reference.service import ReferenceData

# C/O checks whose finding refuses the preference, and how a trader is told why.
# The document checks whose finding refuses a preference, and the note's code for each.
REFUSING_CHECKS = {
    "DOC-MISSING": "duty.co_missing",
    "DOC-EXPIRED": "duty.co_expired",
    "DOC-CO-ORIGIN": "duty.co_origin",
    "DOC-CO-PARTY": "duty.co_party",
    "DOC-REUSED": "duty.co_reused",
    "DOC-OTHER-TRADER": "duty.co_other_trader",
}
NOT_DUTIABLE = {Kind.export: Message("duty.export"), Kind.transit: Message("duty.transit")}


@dataclass(frozen=True)
class Assessed:
    """The duties of one declaration version; `computed_at` is None until it is stored."""

    version: int
    day: date
    lines: list[LineDuty]
    note: Message | str = ""
    computed_at: datetime | None = None

    @property
    def owed_vnd(self) -> int | None:
        """What the version owes, or None while a line's rate is unknown."""
        totals = [line.total_vnd for line in self.lines]
        return None if None in totals else sum(t for t in totals if t is not None)

    @property
    def unknown(self) -> list[LineDuty]:
        return [line for line in self.lines if not line.rate_known]


def customs_day(*, session: Session, declaration: Declaration) -> date:
    """The day (in Vietnam) the current version was lodged: its rates are the ones that apply."""
    version = declarations_service.current_version(session=session, declaration=declaration)
    return local_date(version.created_at)


def certificate_refusals(
    *, session: Session, declaration: Declaration, body: DeclarationIn, reference: ReferenceData
) -> dict[int, Message]:
    """Per line claiming a preference, why its certificate refuses it; lines absent pass."""
    claimed: dict[int, DocumentKind] = {}
    for no, line in enumerate(body.lines, 1):
        schedule = reference.schedule_for(line.preference, line.origin) if line.preference else None
        if schedule is not None and schedule.document_kind:
            claimed[no] = DocumentKind(schedule.document_kind)
    if not claimed:
        return {}  # the document checks cost queries: only a preference needs them
    report = documents_service.report_of(session=session, declaration=declaration)
    refusals: dict[int, Message] = {}
    for finding in report.findings:
        why = REFUSING_CHECKS.get(finding.check_id)
        for no, kind in claimed.items():
            if why and finding.document_kind is kind and finding.line in (None, no):
                refusals.setdefault(no, Message(why, {"co": paper(kind)}))
    documents = documents_service.documents_for(session=session, declaration=declaration)
    for no, kind in claimed.items():
        certificates = [d for d in documents if d.kind is kind]
        # Chinese and ASEAN tariffs agree on the first six digits only: the C/O lists its own.
        covered = {
            str(item.get("hs_code", ""))[:6]
            for d in certificates
            for item in d.fields.get("lines", [])
        }
        hs6 = body.lines[no - 1].hs_code[:6]
        if certificates and hs6 not in covered:
            refusals.setdefault(no, Message("duty.co_goods", {"hs6": hs6, "co": paper(kind)}))
    return refusals


def assess(*, session: Session, declaration: Declaration) -> Assessed:
    """Compute the current version's duties without storing them."""
    day = customs_day(session=session, declaration=declaration)
    if declaration.kind is not Kind.import_:
        return Assessed(declaration.version, day, [], NOT_DUTIABLE[Kind(declaration.kind)])
    body = declarations_service.body(session=session, declaration=declaration)
    reference = reference_service.snapshot(session=session, today=day)
    currency = body.lines[0].currency  # one currency per declaration (the invoice's)
    rate_vnd = reference_service.rate_vnd_on(session=session, currency=currency, on=day)
    refusals = certificate_refusals(
        session=session, declaration=declaration, body=body, reference=reference
    )
    lines = [
        compute.line_duty(
            line_no=no,
            line=line,
            day=day,
            reference=reference,
            rate_vnd=rate_vnd,
            refusal=refusals.get(no),
        )
        for no, line in enumerate(body.lines, 1)
    ]
    return Assessed(declaration.version, day, lines)


def record(*, session: Session, clock: Clock, declaration: Declaration) -> Assessed:
    """Assess the current version and store it, replacing an earlier assessment of it."""
    session.exec(
        delete(DutyAssessment).where(
            col(DutyAssessment.declaration_id) == declaration.id,
            col(DutyAssessment.version) == declaration.version,
        )
    )
    return record_set(session=session, clock=clock, declarations=[declaration])[declaration.id]


def record_set(
    *, session: Session, clock: Clock, declarations: Sequence[Declaration]
) -> dict[uuid.UUID, Assessed]:
    """Assess the current versions of a set and store them as one INSERT. None may have duties
    stored yet (the unique constraint refuses a second): screening a version assesses it first."""
    now = clock.now()
    assessed = {
        d.id: replace(assess(session=session, declaration=d), computed_at=now) for d in declarations
    }
    db.insert_rows(
        session,
        DutyAssessment,
        [_row(d, assessed[d.id], line) for d in declarations for line in assessed[d.id].lines],
    )
    for declaration in declarations:
        session.info[_remembered(declaration)] = assessed[declaration.id]
    return assessed


def _remembered(declaration: Declaration) -> tuple[str, uuid.UUID, int]:
    """Where this session keeps what it stored for the version: its gate reads it back."""
    return ("duties", declaration.id, declaration.version)


def _row(declaration: Declaration, assessed: Assessed, line: LineDuty) -> dict[str, Any]:
    note = line.note if isinstance(line.note, Message) else None
    return {
        **line.figures(),
        "declaration_id": declaration.id,
        "version": assessed.version,
        "note": rendered(line.note, ENGLISH),
        "note_code": note.code if note else None,
        "note_params": params_json(note.params) if note else None,
        "rate_known": line.rate_known,
        "assessed_on": assessed.day,
        "computed_at": assessed.computed_at,
    }


def _line(row: DutyAssessment) -> LineDuty:
    figures = {f.name: getattr(row, f.name) for f in fields(LineDuty) if f.name != "note"}
    return LineDuty(**figures, note=stored(row.note_code, row.note_params, row.note))


def current(*, session: Session, declaration: Declaration) -> Assessed:
    """The stored assessment of the current version; computed afresh before screening, and
    while a rate is unknown (a supervisor may add the missing line, in force that day)."""
    stored_here = session.info.get(_remembered(declaration))
    if isinstance(stored_here, Assessed):
        return stored_here  # computed in this unit of work, from what it would compute again
    rows = session.exec(
        select(DutyAssessment)
        .where(
            DutyAssessment.declaration_id == declaration.id,
            DutyAssessment.version == declaration.version,
        )
        .order_by(col(DutyAssessment.line_no))
    ).all()
    if not rows or not all(row.rate_known for row in rows):
        return assess(session=session, declaration=declaration)
    first = rows[0]
    return Assessed(
        first.version, first.assessed_on, [_line(r) for r in rows], computed_at=first.computed_at
    )
