"""Retraining on a schedule: a candidate model is trained on the labelled history, scores in
shadow beside the active model (`clearance.risk.shadow`), and is promoted only when it ranks
the declarations officers then inspected better than the active model did.

The trial compares the two scores each screened version got, on the versions inspected since
the trial began (at most `promotion_window_days` back): the share of the revenue recovered
that each would have caught, and its precision, when inspecting the top share the channel
policy sends to red (the backtest's own figures). The candidate is promoted when it catches
more revenue (without revenue in the outcomes: more frauds) at no lower precision, and
rejected otherwise; with fewer than `promotion_min_inspected` inspected it waits, and is
rejected once its window has passed without them. Every version is kept.
"""

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlmodel import Session, col, select

from clearance import db
from clearance.audit import service as audit_service
from clearance.audit.models import SYSTEM_ROLE
from clearance.clock import Clock
from clearance.risk import config, learning
from clearance.risk.backtest_report import figures
from clearance.risk.models import HistoryEntry, ModelStatus, RiskModelVersion, ShadowScore
from clearance.settings import Settings

SCHEDULER = "scheduler"
WAITING = "waiting"


@dataclass(frozen=True)
class AtBudget:
    precision: float
    revenue: float | None  # share of the revenue recovered; None when no outcome gives one


@dataclass(frozen=True)
class Trial:
    """One comparison of the model on trial with the ranking in force, and its decision."""

    shadow: str
    active: str | None  # None: the rules rank, no model is active
    since: datetime
    rate: float
    inspected: int
    frauds: int
    shadow_figures: AtBudget | None
    active_figures: AtBudget | None
    decision: str  # "promoted", "rejected" or "waiting"
    reason: str
    at: datetime

    def as_json(self) -> dict[str, Any]:
        found = asdict(self)
        found["since"], found["at"] = self.since.isoformat(), self.at.isoformat()
        return found


def on_trial(*, session: Session) -> RiskModelVersion | None:
    return session.exec(
        select(RiskModelVersion)
        .where(RiskModelVersion.status == ModelStatus.shadow)
        .order_by(col(RiskModelVersion.id).desc())
        .with_for_update()
    ).first()


def _active_version(session: Session) -> str | None:
    return session.exec(
        select(RiskModelVersion.version).where(col(RiskModelVersion.active).is_(True))
    ).first()


def _inspected(
    session: Session, shadow: str, active: str | None, since: datetime
) -> list[tuple[ShadowScore, HistoryEntry]]:
    """Versions both scored (beside this version in force) and officers have since inspected."""
    in_force = (
        col(ShadowScore.active_version).is_(None)
        if active is None
        else col(ShadowScore.active_version) == active
    )
    rows = session.exec(
        select(ShadowScore, HistoryEntry)
        .join(
            HistoryEntry,
            (col(HistoryEntry.declaration_id) == col(ShadowScore.declaration_id))
            & (col(HistoryEntry.version) == col(ShadowScore.version)),
        )
        .where(
            ShadowScore.model_version == shadow,
            in_force,
            col(ShadowScore.scored_at) >= since,
            HistoryEntry.source == learning.OFFICER_SOURCE,
        )
        .order_by(col(ShadowScore.id))
    ).all()
    return [(s, e) for s, e in rows if (e.record.get("outcome") or {}).get("inspected")]


def _at_budget(
    labels: np.ndarray, revenue: np.ndarray | None, scores: Sequence[float], rate: float
) -> AtBudget:
    found = figures(labels, revenue, np.array(scores, dtype=np.float64), rates=(rate,)).at[rate]
    revenue_caught = None if found.revenue is None else round(found.revenue, 4)
    return AtBudget(round(found.precision, 4), revenue_caught)


def beats(shadow: AtBudget, active: AtBudget) -> bool:
    """More revenue caught at no lower precision; without revenue, higher precision."""
    if shadow.revenue is None or active.revenue is None:
        return shadow.precision > active.precision
    return shadow.revenue > active.revenue and shadow.precision >= active.precision


def compare(*, session: Session, clock: Clock, settings: Settings, row: RiskModelVersion) -> Trial:
    """How the model on trial and the ranking in force did on the inspected versions."""
    now = clock.now()
    window = timedelta(days=settings.promotion_window_days)
    since = max(row.created_at, now - window)
    active = _active_version(session)
    rate = config.policy(session=session, settings=settings).red_share
    pairs = _inspected(session, row.version, active, since)
    labels = np.array([int(entry.fraud_found) for _, entry in pairs], dtype=np.int8)
    recovered = [float(entry.revenue_usd or 0) for _, entry in pairs]
    revenue = np.array(recovered) if any(recovered) else None
    trial = Trial(
        shadow=row.version,
        active=active,
        since=since,
        rate=rate,
        inspected=len(pairs),
        frauds=int(labels.sum()),
        shadow_figures=None,
        active_figures=None,
        decision=WAITING,
        reason=f"{len(pairs)} inspected, {settings.promotion_min_inspected} needed",
        at=now,
    )
    if len(pairs) < settings.promotion_min_inspected:
        if now - row.created_at < window:
            return trial
        reason = f"{trial.reason} within {settings.promotion_window_days} days"
        return replace(trial, decision=ModelStatus.rejected, reason=reason)
    mine = _at_budget(labels, revenue, [s.score for s, _ in pairs], rate)
    theirs = _at_budget(labels, revenue, [s.active_score for s, _ in pairs], rate)
    won = beats(mine, theirs)
    return replace(
        trial,
        shadow_figures=mine,
        active_figures=theirs,
        decision=ModelStatus.promoted if won else ModelStatus.rejected,
        reason="beats the ranking in force" if won else "does not beat the ranking in force",
    )


def decide(*, session: Session, clock: Clock, settings: Settings, actor: str) -> Trial | None:
    """Compare the model on trial, record the comparison on it, and promote or reject it when
    the trial is decided (an audit record says which); None when no model is on trial."""
    row = on_trial(session=session)
    if row is None:
        return None
    trial = compare(session=session, clock=clock, settings=settings, row=row)
    row.comparison = trial.as_json()
    if trial.decision != WAITING:
        row.status, row.decided_at = trial.decision, trial.at
        if trial.decision == ModelStatus.promoted:
            learning.activate_model(session=session, version=row.version)
        audit_service.record(
            session=session,
            at=trial.at,
            actor=actor,
            role=SYSTEM_ROLE,
            action=f"risk.model.{trial.decision}",
            target_kind="risk_model",
            target_id=row.version[:64],
        )
    session.add(row)
    session.flush()
    return trial


def store_shadow(
    *, session: Session, clock: Clock, model: Any, trained_on: int, actor: str
) -> RiskModelVersion:
    """The candidate goes on trial; a candidate still on trial is superseded by it."""
    for earlier in session.exec(
        select(RiskModelVersion).where(RiskModelVersion.status == ModelStatus.shadow)
    ).all():
        earlier.status, earlier.decided_at = ModelStatus.superseded, clock.now()
        session.add(earlier)
    return learning.store_model(
        session=session,
        clock=clock,
        model=model,
        trained_on=trained_on,
        actor=actor,
        activate=False,
        status=ModelStatus.shadow,
    )


@dataclass(frozen=True)
class Round:
    """What one scheduled round did: the trial's decision, and the candidate trained."""

    trial: Trial | None
    trained: str | None
    trained_on: int

    def as_json(self) -> dict[str, Any]:
        return {
            "trial": None if self.trial is None else self.trial.as_json(),
            "trained": self.trained,
            "trained_on": self.trained_on,
        }


def run_round(*, clock: Clock, settings: Settings, actor: str = SCHEDULER) -> Round:
    """Decide the trial; with no model left on trial, train a candidate and put it on trial.

    Training runs outside any transaction: it reads the history first, stores the model after.
    """
    from clearance.risk.model import train  # heavy: only the process that trains loads it

    with db.unit_of_work() as session:
        trial = decide(session=session, clock=clock, settings=settings, actor=actor)
        waiting = trial is not None and trial.decision == WAITING
        records = [] if waiting else learning.training_records(session=session)
        if not records:
            return Round(trial, None, 0)
        goods = learning.goods_table(session)
    model = train(records, seed=settings.retrain_seed, goods=goods, trained_at=clock.now())
    with db.unit_of_work() as session:
        row = store_shadow(
            session=session, clock=clock, model=model, trained_on=len(records), actor=actor
        )
        return Round(trial, row.version, len(records))
