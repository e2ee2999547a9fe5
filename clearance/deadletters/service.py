"""Park a job that failed its last retry; list the parked ones; replay one."""

import uuid

from sqlmodel import Session, col, select

from clearance.auth.service import Caller
from clearance.clock import Clock
from clearance.db import after_commit
from clearance.deadletters.models import DeadLetter
from clearance.declarations.models import Declaration, State
from clearance.errors import Conflict, NotFound
from clearance.messages import Message
from clearance.queues import trigger_screening

ERROR_CHARS = 2000
AWAITING_SCREENING = frozenset({State.lodged, State.screening})


class DeadLetterNotFound(NotFound):
    code = "dead_letter_not_found"


class AlreadyReplayed(Conflict):
    code = "already_replayed"


def park(
    *,
    session: Session,
    clock: Clock,
    job: str,
    job_id: str,
    declaration_id: uuid.UUID,
    version: int,
    error: str,
) -> DeadLetter:
    letter = DeadLetter(
        job=job,
        job_id=job_id,
        declaration_id=declaration_id,
        version=version,
        error=error[-ERROR_CHARS:],
        failed_at=clock.now(),
    )
    session.add(letter)
    session.flush()
    return letter


def parked(*, session: Session, declaration_id: uuid.UUID, version: int) -> bool:
    """Whether this version's job waits in a dead letter no operator has replayed yet."""
    return (
        session.exec(
            select(DeadLetter.id).where(
                DeadLetter.declaration_id == declaration_id,
                DeadLetter.version == version,
                col(DeadLetter.replayed_at).is_(None),
            )
        ).first()
        is not None
    )


def _trigger() -> None:
    trigger_screening()


def list_letters(*, session: Session, replayed: bool | None, limit: int) -> list[DeadLetter]:
    statement = select(DeadLetter).order_by(col(DeadLetter.id).desc()).limit(limit)
    if replayed is not None:
        is_replayed = col(DeadLetter.replayed_at).is_not(None)
        statement = statement.where(is_replayed if replayed else ~is_replayed)
    return list(session.exec(statement).all())


def replay(*, session: Session, clock: Clock, caller: Caller, letter_id: int) -> DeadLetter:
    """Run the job again once this request commits; a version screened since needs none."""
    letter = session.get(DeadLetter, letter_id, with_for_update=True)
    if letter is None:
        raise DeadLetterNotFound(Message("error.dead_letter_not_found", {"letter_id": letter_id}))
    if letter.replayed_at is not None:
        raise AlreadyReplayed(
            Message(
                "error.dead_letter_replayed",
                {"letter_id": letter_id, "replayed_at": letter.replayed_at.isoformat()},
            )
        )
    declaration = session.get(Declaration, letter.declaration_id)
    if (
        declaration is None
        or declaration.version != letter.version
        or declaration.state not in AWAITING_SCREENING
    ):
        raise AlreadyReplayed(Message("error.dead_letter_moot"))
    letter.replayed_at, letter.replayed_by = clock.now(), caller.actor
    session.add(letter)
    # Replayed, the version is pending again (a claim skips only unreplayed letters).
    after_commit(session, _trigger)
    return letter
