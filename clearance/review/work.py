"""What officers record under a lease: document checks, inspections, decisions and cases."""

import uuid
from datetime import datetime, time
from typing import TypeVar

from sqlalchemy import func
from sqlmodel import Session, col, select

from clearance.auth.service import Caller
from clearance.clock import Clock
from clearance.declarations import outcomes, states
from clearance.declarations import service as declarations_service
from clearance.declarations.errors import InvalidTransition, StaleVersion
from clearance.declarations.models import Channel, Decision, DecisionKind, Declaration, State
from clearance.documents import service as documents_service
from clearance.documents.checks import paper
from clearance.documents.models import Document, DocumentKind
from clearance.errors import Conflict, invalid_field
from clearance.messages import Message
from clearance.reference import service as reference_service
from clearance.reference.calendar import VIETNAM, local_date
from clearance.review.models import DocumentCheck, Inspection, ReviewLease, SeizureCase
from clearance.review.schemas import (
    DecisionIn,
    DocumentCheckIn,
    InspectionIn,
    OfficerWorkload,
    Verdict,
)
from clearance.review.service import REVIEWING, end_lease, held_lease
from clearance.risk import learning

Record = TypeVar("Record", DocumentCheck, Inspection, SeizureCase)


class CheckRequired(Conflict):
    code = "check_required"


def _under_review(
    *, session: Session, clock: Clock, caller: Caller, declaration_id: uuid.UUID, version: int
) -> Declaration:
    """The declaration, locked, under the caller's lease, at the version the officer judged."""
    declaration = declarations_service.get(
        session=session, caller=caller, declaration_id=declaration_id, for_update=True
    )
    held_lease(session=session, clock=clock, caller=caller, declaration=declaration)
    if version != declaration.version:
        raise StaleVersion(
            Message("error.stale_version", {"version": version, "current": declaration.version})
        )
    if declaration.state not in REVIEWING:
        raise InvalidTransition(
            Message("error.not_under_review", {"state": states.state_word(declaration.state)})
        )
    return declaration


def _numbered(document: Document) -> Message:
    """A paper as the officer names it: its kind and number."""
    return Message("paper.numbered", {"kind": paper(document.kind), "number": document.number})


def record_document_check(
    *,
    session: Session,
    clock: Clock,
    caller: Caller,
    declaration_id: uuid.UUID,
    check_in: DocumentCheckIn,
) -> tuple[Declaration, DocumentCheck]:
    """A verdict on every document; a queried one holds the declaration with a query."""
    declaration = _under_review(
        session=session,
        clock=clock,
        caller=caller,
        declaration_id=declaration_id,
        version=check_in.version,
    )
    documents = _judged_documents(session=session, declaration=declaration, check_in=check_in)
    verdicts = [
        {
            "document_id": str(v.document_id),
            "kind": documents[v.document_id].kind.value,
            "number": documents[v.document_id].number,
            "verdict": v.verdict.value,
            "note": v.note,
        }
        for v in check_in.documents
    ]
    queried = [v for v in verdicts if v["verdict"] == Verdict.queried]
    check = DocumentCheck(
        declaration_id=declaration.id,
        version=declaration.version,
        officer=caller.actor,
        verdicts=verdicts,
        all_accepted=not queried,
        note=check_in.note,
        checked_at=clock.now(),
    )
    session.add(check)
    states.note(
        session=session,
        clock=clock,
        declaration=declaration,
        actor=caller.actor,
        action="document_check",
        reason=Message(
            "event.documents_checked",
            {"accepted": len(verdicts) - len(queried), "queried": len(queried)},
        ),
    )
    if queried:
        _hold_for_queried(
            session=session, clock=clock, caller=caller, declaration=declaration, queried=queried
        )
    session.flush()
    return declaration, check


def _judged_documents(
    *, session: Session, declaration: Declaration, check_in: DocumentCheckIn
) -> dict[uuid.UUID, Document]:
    """The declaration's papers, each judged once in the check; refused naming the field else."""
    documents = {
        d.id: d
        for d in documents_service.list_for(session=session, declaration=declaration)
        if d.kind is not DocumentKind.inspection_photo
    }
    given = [v.document_id for v in check_in.documents]
    for index, document_id in enumerate(given):
        if document_id not in documents:
            raise invalid_field(f"documents[{index}].document_id", Message("field.not_document_of"))
        if given.index(document_id) != index:
            raise invalid_field(f"documents[{index}].document_id", Message("field.judged_twice"))
    unjudged = [_numbered(d) for i, d in documents.items() if i not in given]
    if unjudged:
        raise invalid_field("documents", Message("field.no_verdict", {"documents": unjudged}))
    return documents


def _hold_for_queried(
    *,
    session: Session,
    clock: Clock,
    caller: Caller,
    declaration: Declaration,
    queried: list[dict[str, str]],
) -> None:
    """Hold the declaration with a query naming each queried paper and its note; the lease ends."""
    papers = [
        Message(
            "query.paper_note",
            {"kind": paper(DocumentKind(v["kind"])), "number": v["number"], "note": v["note"]},
        )
        for v in queried
    ]
    outcomes.record_decision(
        session=session,
        clock=clock,
        declaration=declaration,
        kind=DecisionKind.hold,
        actor_kind=states.OFFICER,
        actor=caller.actor,
        reason=Message("event.documents_queried"),
        query=Message("query.documents_queried", {"papers": papers}),
    )
    end_lease(session=session, declaration=declaration)


def record_inspection(
    *,
    session: Session,
    clock: Clock,
    caller: Caller,
    declaration_id: uuid.UUID,
    inspection_in: InspectionIn,
) -> Inspection:
    """What the officer found at the goods; the decision follows separately."""
    declaration = _under_review(
        session=session,
        clock=clock,
        caller=caller,
        declaration_id=declaration_id,
        version=inspection_in.version,
    )
    if declaration.state is not State.inspection:
        raise InvalidTransition(Message("error.inspection_not_sent"))
    if declaration.arrived_at is None:
        raise InvalidTransition(Message("error.goods_not_presented"))
    photos = {
        d.id
        for d in documents_service.list_for(session=session, declaration=declaration)
        if d.kind is DocumentKind.inspection_photo
    }
    for index, photo in enumerate(inspection_in.photo_document_ids):
        if photo not in photos:
            raise invalid_field(
                f"photo_document_ids[{index}]", Message("field.not_inspection_photo")
            )
    inspection = Inspection(
        **inspection_in.model_dump(
            mode="json", exclude={"version", "weight_kg", "photo_document_ids"}
        ),
        weight_kg=inspection_in.weight_kg,
        photo_document_ids=[str(p) for p in inspection_in.photo_document_ids],
        declaration_id=declaration.id,
        version=declaration.version,
        officer=caller.actor,
        inspected_at=clock.now(),
    )
    session.add(inspection)
    states.note(
        session=session,
        clock=clock,
        declaration=declaration,
        actor=caller.actor,
        action="inspection",
        reason=Message("event.discrepancies", {"count": len(inspection_in.discrepancies)}),
    )
    session.flush()
    return inspection


def _latest(session: Session, table: type[Record], declaration: Declaration) -> Record | None:
    return session.exec(
        select(table)
        .where(table.declaration_id == declaration.id, table.version == declaration.version)
        .order_by(col(table.id).desc())
    ).first()


def _check_decision(
    session: Session, declaration: Declaration, kind: DecisionKind
) -> Inspection | None:
    """Refuse a decision the recorded work does not support; returns the inspection, if any."""
    inspection = _latest(session, Inspection, declaration)
    if kind is DecisionKind.escalate and declaration.channel is not Channel.yellow:
        raise InvalidTransition(Message("error.escalate_yellow_only"))
    if kind is DecisionKind.inspect and declaration.channel is not Channel.red:
        raise InvalidTransition(Message("error.yellow_by_escalation"))
    if kind is DecisionKind.release:
        if declaration.channel is Channel.red and inspection is None:
            raise CheckRequired(Message("error.inspection_before_release"))
        check = _latest(session, DocumentCheck, declaration)
        if check is None or not check.all_accepted:
            raise CheckRequired(Message("error.check_before_release"))
    return inspection


def decide(
    *,
    session: Session,
    clock: Clock,
    caller: Caller,
    declaration_id: uuid.UUID,
    decision_in: DecisionIn,
) -> tuple[Declaration, Decision, SeizureCase | None]:
    """Record the officer's decision on the version it names; the lease ends with it."""
    declaration = _under_review(
        session=session,
        clock=clock,
        caller=caller,
        declaration_id=declaration_id,
        version=decision_in.version,
    )
    inspection = _check_decision(session, declaration, decision_in.decision)
    findings = [f.model_dump() for f in decision_in.findings]
    if inspection is not None:
        findings += [f for f in inspection.discrepancies if f not in findings]
    if decision_in.fraud_found and not findings:
        raise invalid_field("findings", Message("field.fraud_needs_finding"))
    decision = outcomes.record_decision(
        session=session,
        clock=clock,
        declaration=declaration,
        kind=decision_in.decision,
        actor_kind=states.OFFICER,
        actor=caller.actor,
        reason=decision_in.reason,
        inspected=decision_in.inspected or inspection is not None,
        fraud_found=decision_in.fraud_found,
        revenue_recovered=decision_in.revenue_recovered,
        revenue_currency=decision_in.revenue_currency,
        findings=findings,
        query=decision_in.query,
    )
    case = None
    if decision_in.decision is DecisionKind.seize:
        case = SeizureCase(
            declaration_id=declaration.id,
            version=declaration.version,
            reason=decision_in.reason,
            findings=findings,
            opened_by=caller.actor,
            opened_at=clock.now(),
        )
        session.add(case)
        session.flush()
    learning.record_outcome(
        session=session,
        clock=clock,
        reference=reference_service.snapshot(session=session, today=clock.now().date()),
        declaration=declaration,
        body=declarations_service.body(session=session, declaration=declaration),
        decision=decision,
    )
    # Every decision ends the lease: an item sent to inspection waits in that lane's queue.
    end_lease(session=session, declaration=declaration)
    return declaration, decision, case


def records(
    *, session: Session, declaration: Declaration
) -> tuple[list[DocumentCheck], list[Inspection], list[SeizureCase]]:
    """Every check, inspection and case recorded on the declaration, oldest first."""

    def of(table: type[Record]) -> list[Record]:
        statement = select(table).where(table.declaration_id == declaration.id)
        return list(session.exec(statement.order_by(col(table.id))).all())

    return of(DocumentCheck), of(Inspection), of(SeizureCase)


def workload(*, session: Session, clock: Clock) -> list[OfficerWorkload]:
    """Per officer: items held under live leases, how many overdue, decisions today."""
    now = clock.now()
    midnight = datetime.combine(local_date(now), time(), VIETNAM)
    held = session.exec(
        select(ReviewLease, Declaration.due_at)
        .join(Declaration, col(Declaration.id) == col(ReviewLease.declaration_id))
        .where(col(ReviewLease.expires_at) > now, ReviewLease.version == Declaration.version)
    ).all()
    decided = session.exec(
        select(Decision.actor, func.count())
        .where(col(Decision.decided_at) >= midnight, Decision.actor != states.WORKER)
        .group_by(col(Decision.actor))
    ).all()
    figures: dict[str, OfficerWorkload] = {}

    def of(officer: str) -> OfficerWorkload:
        return figures.setdefault(
            officer,
            OfficerWorkload(
                officer=officer,
                items_held=0,
                overdue_held=0,
                decisions_today=0,
                oldest_claim_at=None,
            ),
        )

    for lease, due in held:
        row = of(lease.officer)
        row.items_held += 1
        row.overdue_held += int(due is not None and due < now)
        row.oldest_claim_at = min(filter(None, (row.oldest_claim_at, lease.claimed_at)))
    for actor, count in decided:
        of(actor).decisions_today = count
    return sorted(figures.values(), key=lambda w: w.officer)
