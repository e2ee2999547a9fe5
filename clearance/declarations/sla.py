"""The legal review clocks (Vietnam Customs Law art. 23), counted in the gate's working hours."""

from datetime import datetime, timedelta

from sqlmodel import Session

from clearance.declarations.models import Channel, Declaration, State
from clearance.reference import calendar

# Document check within 2 working hours of a complete dossier; physical inspection within
# 8 working hours of the goods being presented.
DOCUMENT_CHECK = timedelta(hours=2)
INSPECTION = timedelta(hours=8)


def restart(*, session: Session, declaration: Declaration, now: datetime) -> None:
    """Set `due_at` for the state the declaration has just entered (None: no clock runs)."""
    state, start, allowed = declaration.state, now, None
    if state is State.document_check or (
        state is State.assessed and declaration.channel not in {None, Channel.green}
    ):
        allowed = DOCUMENT_CHECK
    elif state is State.inspection and declaration.arrived_at is not None:
        # The goods are presented once the truck is there and inspection is called for.
        start, allowed = max(declaration.arrived_at, now), INSPECTION
    declaration.due_at = (
        None
        if allowed is None
        else calendar.for_gate(session=session, gate_code=declaration.gate_code).add(start, allowed)
    )
