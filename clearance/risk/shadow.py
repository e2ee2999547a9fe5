"""Shadow scoring: while a candidate model is on trial, screening also scores each declaration
with it and stores that score beside the score in force. The shadow score never decides a
channel; the retraining job compares the two on the declarations officers then inspected."""

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from clearance.clock import get_clock
from clearance.declarations.models import Declaration
from clearance.declarations.schemas import DeclarationIn
from clearance.risk import learning
from clearance.risk.models import ShadowScore

if TYPE_CHECKING:
    from clearance.risk.arrival import LiveActivity

logger = logging.getLogger(__name__)


def score(
    session: Session,
    declaration: Declaration,
    body: DeclarationIn,
    lodged_at: datetime,
    signals: list[float],
    in_force: float,
    active: learning.LoadedModel | None,
    live_activity: "LiveActivity",
) -> ShadowScore | None:
    """Score the screened version with the model on trial, as the active model scored it
    (`signals`: the rule hits the model does not read); stored beside `in_force`, the score
    that decided the channel. Nothing when no model is on trial."""
    model = learning.shadow_model(session=session)
    if model is None:
        return None
    live = live_activity(session, declaration, body, model.history_until)
    try:
        value = model.score(body, lodged_at, live, signals=signals)
    except Exception:
        logger.warning("shadow model %s could not score", model.version, exc_info=True)
        return None
    row = ShadowScore(
        declaration_id=declaration.id,
        version=declaration.version,
        model_version=model.version,
        score=round(value, 4),
        active_version=active.version if active is not None else None,
        active_score=in_force,
        scored_at=get_clock().now(),
    )
    session.add(row)
    return row
