"""Where domains plug into the declaration lifecycle: called once by the API and the workers."""

from sqlmodel import Session

from clearance.clock import Clock
from clearance.declarations import service as declarations_service
from clearance.declarations.models import Declaration
from clearance.risk import service as risk_service
from clearance.settings import get_settings


def _weighbridge(session: Session, clock: Clock, declaration: Declaration) -> None:
    risk_service.rescore_at_arrival(
        session=session, clock=clock, settings=get_settings(), declaration=declaration
    )


def install() -> None:
    """Register every domain's hooks; registering twice replaces, never duplicates."""
    declarations_service.register_arrival_check("risk.weighbridge", _weighbridge)
