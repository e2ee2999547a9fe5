"""A worker loads what screening reads first before it takes a job: its first job is not the one
that waits seconds for the model, under load a backlog's or a hand-over's."""

from collections.abc import Iterator

import pytest
from sqlmodel import Session

from clearance.clock import FrozenClock
from clearance.risk import learning
from tests.workers.conftest import activate_broken_model
from workers import jobs


@pytest.fixture
def cold() -> Iterator[None]:
    """No model in this process yet, as in a worker just started."""
    learning.forget_model()
    yield
    learning.forget_model()


def test_the_warm_up_loads_the_active_model_and_the_first_job_reads_it_in_memory(
    active_model: str, session: Session, cold: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs.warm_up()

    def load_again(**_kwargs: object) -> learning.LoadedModel:
        raise AssertionError("the model was loaded again after the warm-up")

    monkeypatch.setattr(learning, "load", load_again)
    loaded = learning.active_model(session=session)
    assert loaded is not None
    assert loaded.version == active_model


def test_a_warm_up_that_fails_leaves_the_failure_to_the_jobs(
    session: Session, clock: FrozenClock, cold: None, caplog: pytest.LogCaptureFixture
) -> None:
    activate_broken_model(session, clock)

    jobs.warm_up()  # no exception: the worker starts, and its jobs fail, retry and park

    assert "screening's warm-up failed" in caplog.text
