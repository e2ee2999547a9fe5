"""Scheduled retraining: a candidate trained on the labelled history scores in shadow, is promoted
only when it beats the active model on inspected declarations, and any version can be activated
again."""

import uuid
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from rq import Queue
from sqlmodel import Session, col, select

from clearance.audit.models import AuditRecord
from clearance.clock import FrozenClock
from clearance.declarations.models import Assessment
from clearance.queues import TRAINING_QUEUE
from clearance.reference import service as reference_service
from clearance.risk import learning, retraining
from clearance.risk.model import train
from clearance.risk.models import HistoryEntry, ModelStatus, RiskModelVersion, ShadowScore
from clearance.settings import get_settings
from clearance.synthetic.history import simulate
from tests.conftest import START, auth
from tests.factories import declaration
from tests.helpers import lodge
from workers import jobs

ACTIVE, SHADOW = "lgbm-active", "lgbm-shadow"


@pytest.fixture
def history(session: Session, clock: FrozenClock) -> None:
    """Simulated traffic with its inspection outcomes, imported."""
    records = simulate(seed=5, count=600, start=START - timedelta(days=120), days=110)
    reference = reference_service.snapshot(session=session, today=START.date())
    learning.import_history(
        session=session, clock=clock, reference=reference, records=records, source="simulated"
    )


def test_a_round_puts_a_candidate_on_trial_that_scores_in_shadow_and_decides_nothing(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    session: Session,
    clock: FrozenClock,
    history: None,
) -> None:
    older = learning.training_records(session=session)[:300]
    active = learning.store_model(
        session=session,
        clock=clock,
        model=train(older, seed=3, trained_at=clock.now()),
        trained_on=len(older),
        actor="test",
        activate=True,
    )
    clock.advance(timedelta(minutes=1))

    done = retraining.run_round(clock=clock, settings=get_settings())

    assert done.trial is None and done.trained is not None and done.trained_on > len(older)
    candidate = session.exec(
        select(RiskModelVersion).where(RiskModelVersion.version == done.trained)
    ).one()
    assert (candidate.status, candidate.active, candidate.created_by) == (
        ModelStatus.shadow,
        False,
        "scheduler",
    )
    ids = [lodge(client, keys["trader"], declaration()) for _ in range(4)]
    work()
    assessments = {a.declaration_id: a for a in session.exec(select(Assessment)).all()}
    shadows = {s.declaration_id: s for s in session.exec(select(ShadowScore)).all()}
    assert set(shadows) == set(assessments) == {uuid.UUID(i) for i in ids}
    for declaration_id, assessment in assessments.items():
        scored = shadows[declaration_id]
        assert (scored.model_version, scored.active_version) == (candidate.version, active.version)
        # The channel is the active model's: its score is the one stored beside the shadow's.
        assert assessment.model_version == active.version
        assert assessment.score == scored.active_score
    assert any(s.score != s.active_score for s in shadows.values())

    # The next round finds the trial still waiting for inspections: it trains nothing more.
    clock.advance(timedelta(days=1))
    again = retraining.run_round(clock=clock, settings=get_settings())
    assert again.trial is not None and again.trial.decision == "waiting"
    assert again.trained is None
    assert len(session.exec(select(RiskModelVersion)).all()) == 2


def _model(
    session: Session,
    clock: FrozenClock,
    version: str,
    *,
    active: bool = False,
    status: str = ModelStatus.stored,
) -> None:
    session.add(
        RiskModelVersion(
            version=version,
            active=active,
            status=status,
            trained_on=1,
            metrics={},
            artefact="{}",
            created_by="test",
            created_at=clock.now(),
        )
    )
    session.flush()


def _inspected(
    session: Session, clock: FrozenClock, outcomes: list[tuple[bool, int, float, float]]
) -> None:
    """Screened versions, both scores stored, then inspected: (fraud, revenue USD, shadow's
    score, active model's score) each."""
    for fraud, revenue, shadow_score, active_score in outcomes:
        declaration_id = uuid.uuid4()
        session.add(
            ShadowScore(
                declaration_id=declaration_id,
                version=1,
                model_version=SHADOW,
                score=shadow_score,
                active_version=ACTIVE,
                active_score=active_score,
                scored_at=clock.now(),
            )
        )
        session.add(
            HistoryEntry(
                source=learning.OFFICER_SOURCE,
                ucr=f"{declaration_id}#v1",
                declarant_tax_code="0100000001",
                trader_tax_code="0100000001",
                lodged_at=clock.now(),
                record={"outcome": {"inspected": True, "fraud_found": fraud}},
                fraud_found=fraud,
                revenue_usd=Decimal(revenue) if fraud else None,
                declaration_id=declaration_id,
                version=1,
                recorded_at=clock.now(),
            )
        )
    session.flush()


@pytest.fixture
def trial(session: Session, clock: FrozenClock, configure: Callable[..., None]) -> None:
    """An active model and a candidate on trial since now; 20 inspections decide."""
    configure(promotion_min_inspected=20, promotion_window_days=30)
    _model(session, clock, ACTIVE, active=True)
    _model(session, clock, SHADOW, status=ModelStatus.shadow)
    clock.advance(timedelta(hours=1))


def _traffic(shadow_finds_them: bool) -> list[tuple[bool, int, float, float]]:
    """Two frauds worth 5,000 USD and 18 honest declarations; one model ranks the frauds first,
    the other last (the budget, 5% red, inspects the top one)."""
    frauds = [(True, 5000, 0.9, 0.1), (True, 4000, 0.8, 0.2)]
    honest = [(False, 0, 0.3 + i / 100, 0.5 + i / 100) for i in range(18)]
    if shadow_finds_them:
        return frauds + honest
    return [(f, r, a, s) for f, r, s, a in frauds + honest]


def _decide(session: Session, clock: FrozenClock) -> retraining.Trial:
    found = retraining.decide(session=session, clock=clock, settings=get_settings(), actor="test")
    assert found is not None
    return found


def _row(session: Session, version: str) -> RiskModelVersion:
    row = session.exec(select(RiskModelVersion).where(RiskModelVersion.version == version)).one()
    session.refresh(row)
    return row


def test_a_candidate_that_catches_more_revenue_is_promoted_and_the_decision_recorded(
    session: Session, clock: FrozenClock, trial: None
) -> None:
    _inspected(session, clock, _traffic(shadow_finds_them=True))

    decided = _decide(session, clock)

    assert decided.decision == ModelStatus.promoted and decided.inspected == 20
    assert decided.shadow_figures == retraining.AtBudget(precision=1.0, revenue=round(5 / 9, 4))
    assert decided.active_figures == retraining.AtBudget(precision=0.0, revenue=0.0)
    candidate, before = _row(session, SHADOW), _row(session, ACTIVE)
    assert (candidate.status, candidate.active, before.active) == ("promoted", True, False)
    assert candidate.comparison["decision"] == "promoted"
    assert candidate.comparison["shadow_figures"] == {"precision": 1.0, "revenue": 0.5556}
    audit = session.exec(
        select(AuditRecord).where(col(AuditRecord.action).startswith("risk.model."))
    ).all()
    assert [(a.action, a.target_id, a.actor) for a in audit] == [
        ("risk.model.promoted", SHADOW, "test")
    ]
    assert learning.active_model(session=session) is None  # "{}" is no model this engine reads
    assert (
        retraining.decide(session=session, clock=clock, settings=get_settings(), actor="t") is None
    )


def test_a_candidate_that_does_not_beat_the_active_model_is_rejected_and_kept(
    session: Session, clock: FrozenClock, trial: None
) -> None:
    _inspected(session, clock, _traffic(shadow_finds_them=False))

    decided = _decide(session, clock)

    assert decided.decision == ModelStatus.rejected
    candidate, active = _row(session, SHADOW), _row(session, ACTIVE)
    assert (candidate.status, candidate.active, active.active) == ("rejected", False, True)
    assert candidate.decided_at == clock.now()


def test_a_trial_waits_for_enough_inspections_and_ends_when_its_window_passes(
    session: Session, clock: FrozenClock, trial: None
) -> None:
    _inspected(session, clock, _traffic(shadow_finds_them=True)[:10])
    assert _decide(session, clock).decision == "waiting"
    assert _row(session, SHADOW).status == ModelStatus.shadow
    assert _row(session, SHADOW).comparison["reason"] == "10 inspected, 20 needed"

    clock.advance(timedelta(days=31))
    decided = _decide(session, clock)
    assert (decided.decision, decided.inspected) == (ModelStatus.rejected, 0)
    assert _row(session, ACTIVE).active


def test_the_next_round_is_scheduled_once_for_the_workers_scheduler(
    redis: Redis, configure: Callable[..., None]
) -> None:
    configure(retrain_hours=24)
    first = jobs.schedule_retraining(redis)
    assert first is not None and first.startswith("retrain-") and first.endswith("T000000")
    assert jobs.schedule_retraining(redis) == first  # a second worker starting: the same job
    registry = Queue(TRAINING_QUEUE, connection=redis).scheduled_job_registry
    assert registry.get_job_ids() == [first]

    configure(retrain_hours=0)
    assert jobs.schedule_retraining(redis) is None


def test_any_version_is_activated_again_by_a_supervisor_alone(
    client: TestClient, keys: dict[str, str], session: Session, clock: FrozenClock
) -> None:
    records = simulate(seed=5, count=200, start=START - timedelta(days=60), days=50)
    for days in (0, 1):
        model = train(records, seed=3, trained_at=clock.now() + timedelta(days=days))
        learning.store_model(
            session=session, clock=clock, model=model, trained_on=1, actor="test", activate=True
        )
    by_age = select(RiskModelVersion).order_by(col(RiskModelVersion.id))
    first, second = (row.version for row in session.exec(by_age).all())
    _model(session, clock, "lgbm-format-1", status=ModelStatus.shadow)
    _row(session, "lgbm-format-1").artefact = '{"format": 1, "features": []}'
    session.flush()

    for role in ("officer", "operator", "trader"):
        refused = client.post(f"/v1/risk/models/{first}/activate", headers=auth(keys[role]))
        assert refused.status_code == 403, role
    assert _row(session, second).active

    done = client.post(f"/v1/risk/models/{first}/activate", headers=auth(keys["supervisor"]))
    assert done.status_code == 200, done.text
    assert (done.json()["version"], done.json()["active"]) == (first, True)
    assert not _row(session, second).active

    missing = client.post("/v1/risk/models/lgbm-none/activate", headers=auth(keys["supervisor"]))
    assert (missing.status_code, missing.json()["message"]["code"]) == (
        404,
        "error.model_not_found",
    )
    unreadable = client.post(
        "/v1/risk/models/lgbm-format-1/activate",
        headers={**auth(keys["supervisor"]), "Accept-Language": "vi"},
    )
    assert unreadable.status_code == 409
    assert unreadable.json()["message"]["code"] == "error.model_unreadable"
    assert unreadable.json()["detail"].startswith("Mô hình lgbm-format-1")
    assert _row(session, first).active and _row(session, "lgbm-format-1").status == "shadow"
