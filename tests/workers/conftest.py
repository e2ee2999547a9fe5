"""Fixtures of the worker tests."""

from datetime import timedelta

import pytest
from sqlmodel import Session

from clearance.clock import FrozenClock
from clearance.reference import service as reference_service
from clearance.risk import learning
from clearance.risk.model import train
from clearance.risk.models import RiskModelVersion
from clearance.synthetic.history import simulate
from tests.conftest import START


@pytest.fixture
def active_model(session: Session, clock: FrozenClock) -> str:
    """A model trained on a year of simulated traffic, active."""
    records = simulate(seed=5, count=1500, start=START - timedelta(days=365), days=360)
    reference = reference_service.snapshot(session=session, today=START.date())
    learning.import_history(
        session=session, clock=clock, reference=reference, records=records, source="simulated"
    )
    training = learning.training_records(session=session)
    model = train(training, seed=3, trained_at=clock.now())
    row = learning.store_model(
        session=session,
        clock=clock,
        model=model,
        trained_on=len(training),
        actor="test",
        activate=True,
    )
    session.commit()
    return row.version


def activate_broken_model(session: Session, clock: FrozenClock) -> RiskModelVersion:
    """A model whose artefact cannot load: every screening fails until it is deactivated."""
    broken = RiskModelVersion(
        version="broken",
        active=True,
        trained_on=0,
        metrics={},
        artefact="not a model",
        created_by="test",
        created_at=clock.now(),
    )
    session.add(broken)
    session.commit()
    return broken
