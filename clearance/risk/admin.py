"""Supervisors' levers besides rules and policy: AEO standing, the watchlist, the model."""

from sqlmodel import Session, col, select

from clearance.clock import Clock
from clearance.errors import Conflict, NotFound
from clearance.messages import Message
from clearance.risk import learning
from clearance.risk.models import ModelStatus, RiskModelVersion, TraderStanding, WatchlistParty
from clearance.risk.schemas import TraderStandingIn, WatchlistIn


def set_standing(
    *, session: Session, clock: Clock, tax_code: str, standing_in: TraderStandingIn, actor: str
) -> TraderStanding:
    standing = session.get(TraderStanding, tax_code) or TraderStanding(
        tax_code=tax_code, updated_by=actor, updated_at=clock.now()
    )
    standing.aeo = standing_in.aeo
    if standing_in.name is not None:
        standing.name = standing_in.name
    standing.updated_by, standing.updated_at = actor, clock.now()
    session.add(standing)
    session.flush()
    return standing


def watchlist(*, session: Session) -> list[WatchlistParty]:
    return list(
        session.exec(
            select(WatchlistParty)
            .where(col(WatchlistParty.removed_at).is_(None))
            .order_by(col(WatchlistParty.id))
        ).all()
    )


def add_to_watchlist(
    *, session: Session, clock: Clock, party_in: WatchlistIn, actor: str
) -> WatchlistParty:
    party = WatchlistParty(**party_in.model_dump(), added_by=actor, added_at=clock.now())
    session.add(party)
    session.flush()
    return party


def remove_from_watchlist(*, session: Session, clock: Clock, party_id: int) -> WatchlistParty:
    """Kept, with the time it was removed: the audit needs to know who was listed when."""
    party = session.get(WatchlistParty, party_id)
    if party is None or party.removed_at is not None:
        raise NotFound(Message("error.party_not_found", {"party_id": party_id}))
    party.removed_at = clock.now()
    session.add(party)
    return party


def models(*, session: Session) -> list[RiskModelVersion]:
    return list(
        session.exec(select(RiskModelVersion).order_by(col(RiskModelVersion.id).desc())).all()
    )


def activate(*, session: Session, clock: Clock, version: str) -> RiskModelVersion:
    """Any stored version scores again, from each worker's next screening on; one on trial
    ends its trial promoted by hand."""
    from clearance.risk.model import readable  # heavy: only when a supervisor activates one

    row = session.exec(select(RiskModelVersion).where(RiskModelVersion.version == version)).first()
    if row is None:
        raise NotFound(Message("error.model_not_found", {"version": version}))
    try:
        readable(row.artefact)
    except ValueError as unreadable:  # another format, or not a model at all
        raise Conflict(Message("error.model_unreadable", {"version": version})) from unreadable
    learning.activate_model(session=session, version=version)
    if row.status == ModelStatus.shadow:
        row.status, row.decided_at = ModelStatus.promoted, clock.now()
        session.add(row)
    session.flush()
    session.refresh(row)
    return row
