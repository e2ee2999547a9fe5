"""The gate's side of a declaration: the truck's arrival with its weighbridge weight, and exit."""

import uuid

from sqlmodel import Session

from clearance.auth.service import Caller
from clearance.clock import Clock
from clearance.declarations import lifecycle, release, sla, states
from clearance.declarations.errors import InvalidTransition
from clearance.declarations.models import Declaration, State
from clearance.declarations.schemas import ArrivalIn, ExitIn
from clearance.declarations.service import get
from clearance.messages import Message


def record_arrival(
    *,
    session: Session,
    clock: Clock,
    caller: Caller,
    declaration_id: uuid.UUID,
    arrival_in: ArrivalIn,
) -> Declaration:
    declaration = get(
        session=session, caller=caller, declaration_id=declaration_id, for_update=True
    )
    if declaration.state in states.FINAL or declaration.state is State.released:
        raise InvalidTransition(
            Message("error.cannot_record_arrival", {"state": states.state_word(declaration.state)})
        )
    if declaration.arrived_at is not None:
        raise InvalidTransition(Message("error.arrival_recorded"))
    declaration.arrived_at = arrival_in.arrived_at or clock.now()
    declaration.arrival_weight_kg = arrival_in.weighbridge_kg
    if declaration.state is State.inspection and declaration.due_at is None:
        sla.restart(session=session, declaration=declaration, now=clock.now())  # goods presented
    states.note(
        session=session,
        clock=clock,
        declaration=declaration,
        actor=caller.actor,
        action="arrival",
        reason=Message("event.weighbridge", {"kg": str(arrival_in.weighbridge_kg)}),
    )
    # Other domains' checks before release is considered (the risk engine's weighbridge).
    for check in lifecycle.of(session).arrival_checks:
        check(session, clock, declaration)
    release.release_if_ready(session=session, clock=clock, declaration=declaration)
    return declaration


def record_exit(
    *, session: Session, clock: Clock, caller: Caller, declaration_id: uuid.UUID, exit_in: ExitIn
) -> Declaration:
    declaration = get(
        session=session, caller=caller, declaration_id=declaration_id, for_update=True
    )
    states.transition(
        session=session,
        clock=clock,
        declaration=declaration,
        to=State.exited,
        actor_kind=states.GATE,
        actor=caller.actor,
        action="exit",
    )
    declaration.exited_at = exit_in.exited_at or clock.now()
    return declaration
