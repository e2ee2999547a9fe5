"""Where domains plug into the declaration lifecycle: built by the app factory and the worker."""

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func

from clearance.clock import Clock
from clearance.declarations import release
from clearance.declarations.lifecycle import Lifecycle
from clearance.declarations.models import Declaration, Kind
from clearance.documents import service as documents_service
from clearance.documents.models import Document
from clearance.duties import payments
from clearance.duties.models import DutyAssessment, Guarantee, Payment
from clearance.notifications import outbox
from clearance.risk import service as risk_service
from clearance.settings import get_settings


def _weighbridge(session: Session, clock: Clock, declaration: Declaration) -> None:
    risk_service.rescore_at_arrival(
        session=session, clock=clock, settings=get_settings(), declaration=declaration
    )


def _documents_uploaded(session: Session, clock: Clock, declaration: Declaration) -> None:
    risk_service.documents_uploaded(session=session, clock=clock, declaration=declaration)


def _papers_read(
    declaration_id: sa.ColumnElement[uuid.UUID], _version: sa.ColumnElement[int]
) -> Sequence[sa.ColumnElement[Any]]:
    """What the documents gate reads of the declaration's own rows: its papers (never changed
    nor deleted, so their count); the requirements are reference data."""
    count = sa.select(func.count()).select_from(Document)
    return [count.where(col(Document.declaration_id) == declaration_id).scalar_subquery()]


def _duty_read(
    declaration_id: sa.ColumnElement[uuid.UUID], version: sa.ColumnElement[int]
) -> Sequence[sa.ColumnElement[Any]]:
    """What the duty gate reads: for an import, the version's stored assessment (rewritten
    with new ids; NULL while none is stored or a rate is unknown, when the gate assesses
    afresh), the payments and the guarantees (never changed nor deleted); an export or a
    transit owes nothing, by its row alone."""
    unknown = func.sum(sa.case((col(DutyAssessment.rate_known), 0), else_=1))
    stored = sa.select(sa.case((unknown == 0, func.max(DutyAssessment.id)), else_=None)).where(
        col(DutyAssessment.declaration_id) == declaration_id,
        col(DutyAssessment.version) == version,
    )
    assessed = sa.case(
        (col(Declaration.kind) != Kind.import_, sa.literal(0)), else_=stored.scalar_subquery()
    )
    paid = sa.select(func.count()).select_from(Payment)
    paid = paid.where(col(Payment.declaration_id) == declaration_id)
    guaranteed = sa.select(func.count()).select_from(Guarantee)
    guaranteed = guaranteed.where(col(Guarantee.declaration_id) == declaration_id)
    return [assessed, paid.scalar_subquery(), guaranteed.scalar_subquery()]


def lifecycle() -> Lifecycle:
    """Every domain's part of the lifecycle, in the order each runs."""
    return Lifecycle(
        # Released only with the required documents uploaded and valid, and the duty paid or
        # guaranteed where any is owed (DESIGN §2), besides the decision and the truck.
        release_gates={
            **release.OWN_GATES,
            # Kept for status reads while what each reads is unchanged (`release.KeptGate`).
            "documents": release.KeptGate(documents_service.release_gate, _papers_read),
            "duty": release.KeptGate(payments.release_gate, _duty_read),
        },
        # Every state change (and the truck's arrival) goes to the traders' outbox, in the
        # same transaction as the change itself.
        event_hooks=(outbox.record_event,),
        event_set_hooks=(outbox.record_events,),
        assessed_set_hooks=(payments.assessed_set_hook,),
        arrival_checks=(_weighbridge,),
        # Duties first: the risk hook may release, and must read what the new paper changed.
        upload_hooks=(payments.documents_hook, _documents_uploaded),
    )
