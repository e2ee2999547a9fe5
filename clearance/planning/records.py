"""The rows the planner reads: a gate's declarations of a window with their events, scores,
duty and what inspections recovered, and the officers' actions."""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, and_, col, or_, select

from clearance.declarations.models import Assessment, Decision, Declaration, DeclarationEvent
from clearance.duties.models import DutyAssessment


@dataclass(frozen=True)
class Row:
    declaration: Declaration
    events: list[DeclarationEvent]
    score: float
    pinned_red: bool
    in_period: bool
    duty_vnd: int
    recovered_vnd: int


def busiest_gate(*, session: Session, period_from: datetime, period_to: datetime) -> str | None:
    """The gate with the most declarations lodged in the period."""
    count = func.count()
    found = session.exec(
        select(Declaration.gate_code, count)
        .where(col(Declaration.lodged_at) >= period_from, col(Declaration.lodged_at) < period_to)
        .group_by(col(Declaration.gate_code))
        .order_by(count.desc(), col(Declaration.gate_code))
        .limit(1)
    ).first()
    return None if found is None else found[0]


def load_rows(
    *,
    session: Session,
    gate: str,
    window: tuple[datetime, datetime],
    period: tuple[datetime, datetime],
) -> list[Row]:
    """The gate's declarations lodged in the window, each with its events in order."""
    where = (
        col(Declaration.gate_code) == gate,
        col(Declaration.lodged_at) >= window[0],
        col(Declaration.lodged_at) < window[1],
    )
    declarations = session.exec(
        select(Declaration).where(*where).order_by(col(Declaration.lodged_at), col(Declaration.id))
    ).all()
    events: dict[uuid.UUID, list[DeclarationEvent]] = defaultdict(list)
    for event in session.exec(
        select(DeclarationEvent)
        .join(Declaration, col(Declaration.id) == col(DeclarationEvent.declaration_id))
        .where(*where)
        .order_by(col(DeclarationEvent.at), col(DeclarationEvent.id))
    ).all():
        events[event.declaration_id].append(event)
    scores = _scores(session, where)
    duty, recovered = _duty(session, where), _recovered(session, where)
    return [
        Row(
            declaration=d,
            events=events[d.id],
            score=scores.get(d.id, (0.0, False))[0],
            pinned_red=scores.get(d.id, (0.0, False))[1],
            in_period=period[0] <= d.lodged_at < period[1],
            duty_vnd=duty.get(d.id, 0),
            recovered_vnd=recovered.get(d.id, 0),
        )
        for d in declarations
    ]


def _current(table: type[Assessment] | type[DutyAssessment]) -> object:
    return and_(
        col(table.declaration_id) == col(Declaration.id),
        col(table.version) == col(Declaration.version),
    )


def _scores(session: Session, where: tuple[object, ...]) -> dict[uuid.UUID, tuple[float, bool]]:
    """The current version's risk score, and whether it is red whatever the rate."""
    rows = session.exec(
        select(
            Assessment.declaration_id,
            Assessment.score,
            Assessment.hard_hit,
            Assessment.random_selected,
        )
        .join(Declaration, _current(Assessment))  # type: ignore[arg-type]
        .where(*where)  # type: ignore[arg-type]
    ).all()
    return {d: (score, hard or random) for d, score, hard, random in rows}


def _duty(session: Session, where: tuple[object, ...]) -> dict[uuid.UUID, int]:
    """Duty and VAT assessed on the current version, in VND."""
    rows = session.exec(
        select(DutyAssessment.declaration_id, func.sum(col(DutyAssessment.total_vnd)))
        .join(Declaration, _current(DutyAssessment))  # type: ignore[arg-type]
        .where(*where)  # type: ignore[arg-type]
        .group_by(col(DutyAssessment.declaration_id))
    ).all()
    return {d: int(total or 0) for d, total in rows}


def _recovered(session: Session, where: tuple[object, ...]) -> dict[uuid.UUID, int]:
    """Revenue the officers recorded as recovered, in VND (other currencies are left out)."""
    rows = session.exec(
        select(Decision.declaration_id, func.sum(col(Decision.revenue_recovered)))
        .join(Declaration, col(Declaration.id) == col(Decision.declaration_id))
        .where(
            *where,  # type: ignore[arg-type]
            col(Decision.revenue_recovered).is_not(None),
            or_(col(Decision.revenue_currency).is_(None), col(Decision.revenue_currency) == "VND"),
        )
        .group_by(col(Decision.declaration_id))
    ).all()
    return {d: int(total or 0) for d, total in rows}


def officer_actions(
    *, session: Session, gate: str, since: datetime, until: datetime
) -> list[DeclarationEvent]:
    """Every officer's and supervisor's event on the gate's declarations in [since, until)."""
    return list(
        session.exec(
            select(DeclarationEvent)
            .join(Declaration, col(Declaration.id) == col(DeclarationEvent.declaration_id))
            .where(
                col(Declaration.gate_code) == gate,
                col(DeclarationEvent.at) >= since,
                col(DeclarationEvent.at) < until,
                or_(
                    col(DeclarationEvent.actor).startswith("officer:"),
                    col(DeclarationEvent.actor).startswith("supervisor:"),
                ),
            )
            .order_by(col(DeclarationEvent.at), col(DeclarationEvent.id))
        ).all()
    )
