"""Re-scoring at arrival by the model: once the truck is weighed, the arrival head values the
declaration again, and it goes red if that reaches the red threshold of the channel policy."""

from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from clearance.declarations import outcomes
from clearance.declarations import service as declarations_service
from clearance.declarations.models import Channel, Declaration
from clearance.declarations.schemas import DeclarationIn
from clearance.messages import Message
from clearance.risk import channels, config, learning
from clearance.risk.features import Activity
from clearance.risk.history import Arrival
from clearance.risk.rules import Hit
from clearance.settings import Settings

LiveActivity = Callable[[Session, Declaration, DeclarationIn, datetime | None], Activity]


def model_hits(
    *,
    session: Session,
    settings: Settings,
    declaration: Declaration,
    body: DeclarationIn,
    hits: list[Hit],
    live_activity: LiveActivity,
) -> list[Hit]:
    """A hit when the weighed declaration's priority reaches the red threshold (`hits`, the
    rules' findings at arrival, raise its probability)."""
    model = learning.active_model(session=session)
    assessment = outcomes.assessment_of(session=session, declaration=declaration)
    if (
        model is None
        or assessment is None
        or assessment.channel is Channel.red
        or declaration.arrived_at is None
        or declaration.arrival_weight_kg is None
    ):
        return []
    weighed = Arrival(
        arrived_at=declaration.arrived_at, weighbridge_kg=declaration.arrival_weight_kg
    )
    lodged_at = declarations_service.current_version(
        session=session, declaration=declaration
    ).created_at
    live = live_activity(session, declaration, body, model.history_until)
    signals = [hit.score for hit in hits]
    score = model.score(body, lodged_at, live, signals=signals, arrival=weighed)
    policy = config.policy(session=session, settings=settings)
    red = channels.fit(session=session, settings=settings, policy=policy).red
    if score < red:
        return []
    params = {"weighbridge": float(weighed.weighbridge_kg), "score": score, "red": red}
    return [Hit("MODEL", 0, "warning", score, Message("risk.model_arrival", params))]
