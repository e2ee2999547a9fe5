"""Where domains plug into the declaration lifecycle: called once by the API and the workers."""

from sqlmodel import Session

from clearance.clock import Clock
from clearance.declarations import gate, outcomes, release, states
from clearance.declarations.models import Declaration
from clearance.documents import service as documents_service
from clearance.duties import payments
from clearance.notifications import outbox
from clearance.risk import service as risk_service
from clearance.settings import get_settings


def _weighbridge(session: Session, clock: Clock, declaration: Declaration) -> None:
    risk_service.rescore_at_arrival(
        session=session, clock=clock, settings=get_settings(), declaration=declaration
    )


def _documents_uploaded(session: Session, clock: Clock, declaration: Declaration) -> None:
    risk_service.documents_uploaded(session=session, clock=clock, declaration=declaration)


def install() -> None:
    """Register every domain's hooks; registering twice replaces, never duplicates."""
    gate.register_arrival_check("risk.weighbridge", _weighbridge)
    # Duties first: the risk hook may release, and must read what the new paper changed.
    documents_service.register_upload_hook("duties.assess", payments.documents_hook)
    documents_service.register_upload_hook("risk.documents", _documents_uploaded)
    outcomes.register_assessed_hook("duties.assess", payments.assessed_hook)
    # Released only with the required documents uploaded and valid (DESIGN §2).
    release.register_gate("documents", documents_service.release_gate)
    # And with the duty paid or guaranteed where any is owed (DESIGN §2).
    release.register_gate("duty", payments.release_gate)
    # Every state change (and the truck's arrival) goes to the traders' outbox, in the same
    # transaction as the change itself.
    states.register_event_hook("notifications", outbox.record_event)
