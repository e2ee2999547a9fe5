"""Where domains plug into the declaration lifecycle: built by the app factory and the worker."""

from sqlmodel import Session

from clearance.clock import Clock
from clearance.declarations import release
from clearance.declarations.lifecycle import Lifecycle
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


def lifecycle() -> Lifecycle:
    """Every domain's part of the lifecycle, in the order each runs."""
    return Lifecycle(
        # Released only with the required documents uploaded and valid, and the duty paid or
        # guaranteed where any is owed (DESIGN §2), besides the decision and the truck.
        release_gates={
            **release.OWN_GATES,
            "documents": documents_service.release_gate,
            "duty": payments.release_gate,
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
