"""The database as screening's work list: the versions waiting for their assessment."""

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, exists, func, tuple_
from sqlmodel import Session, col, select

from clearance.deadletters.models import DeadLetter
from clearance.declarations.models import Declaration, State

WAITING = (State.lodged, State.screening)


def _not_parked() -> ColumnElement[bool]:
    """A version parked as a dead letter waits for an operator's replay, not for a worker."""
    return ~exists().where(
        col(DeadLetter.declaration_id) == col(Declaration.id),
        col(DeadLetter.version) == col(Declaration.version),
        col(DeadLetter.replayed_at).is_(None),
    )


def claim(
    *, session: Session, limit: int, versions: Collection[tuple[uuid.UUID, int]] | None = None
) -> list[Declaration]:
    """Lock up to `limit` pending declarations (or those of `versions` still pending at that
    version), oldest first.

    PostgreSQL: rows another worker holds are skipped (`FOR UPDATE SKIP LOCKED`), so claimers
    never wait for nor share a version. SQLite: the transaction holds the one write lock from
    its start, so a plain read claims.
    """
    statement = (
        select(Declaration)
        .where(col(Declaration.state).in_(WAITING), _not_parked())
        .order_by(col(Declaration.state_since), col(Declaration.id))
        .limit(limit)
    )
    if versions is not None:
        pairs = tuple_(col(Declaration.id), col(Declaration.version))
        statement = statement.where(pairs.in_(list(versions)))
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return list(session.exec(statement).all())


def waiting(*, session: Session, older_than: datetime | None = None) -> tuple[int, datetime | None]:
    """How many versions wait for screening (not parked), and since when the oldest does."""
    statement = select(func.count(), func.min(col(Declaration.state_since))).where(
        col(Declaration.state).in_(WAITING), _not_parked()
    )
    if older_than is not None:
        statement = statement.where(col(Declaration.state_since) < older_than)
    count, oldest = session.exec(statement).one()
    return int(count), oldest
