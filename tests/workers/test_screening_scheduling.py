"""Screening jobs that keep screening while work arrives: lodgements meanwhile queue no job, the
marker is released without losing a lodgement, whole sets call more workers, and a job stops
before its timeout or when its worker stops."""

import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from rq import SimpleWorker
from rq.job import Job
from sqlmodel import col, func, select

from clearance import db, queues
from clearance.auth.models import Role
from clearance.deadletters.models import DeadLetter
from clearance.declarations.models import Assessment, Declaration
from clearance.documents.models import DocumentRecheck
from clearance.embedded import create_keys
from clearance.main import create_app
from clearance.risk import screening
from tests.conftest import TRADER_TAX_CODE
from tests.documents.helpers import uploaded
from tests.factories import declaration
from tests.helpers import lodge, required_documents
from workers import jobs

BATCH = 4


@pytest.fixture
def committed_client(
    cloned_db: str, configure: Callable[..., None], redis: Redis
) -> Iterator[TestClient]:
    """Requests commit for real, so the jobs' own connections see them."""
    configure(database_url=cloned_db, screening_batch_size=BATCH)
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        yield client
    db.get_engine().dispose()


@pytest.fixture
def trader(committed_client: TestClient) -> str:
    return create_keys({Role.trader: TRADER_TAX_CODE}, "scheduling test")[Role.trader]


@pytest.fixture
def stopping() -> Iterator[threading.Event]:
    yield jobs.STOPPING
    jobs.STOPPING.clear()


def _queued(redis: Redis) -> list[str | None]:
    """The functions of the jobs waiting in the screening queue."""
    queue = queues.screening_queue(redis)
    return [Job.fetch(job_id, connection=redis).func_name for job_id in queue.get_job_ids()]


def _assessments() -> dict[str, int]:
    """Assessments per declaration."""
    with db.new_session(writes=False) as session:
        rows = session.exec(
            select(Assessment.declaration_id, func.count()).group_by(col(Assessment.declaration_id))
        ).all()
    return {str(declaration_id): count for declaration_id, count in rows}


def _until(done: Callable[[], bool], job: threading.Thread) -> None:
    """Wait for `done` while the job runs (a bound for a broken job, not a measure of speed)."""
    deadline = time.monotonic() + 120
    while not done():
        assert job.is_alive(), "the job ended"
        assert time.monotonic() < deadline, "the job screened nothing more in 120 s"
        job.join(0.05)


def _pending() -> int:
    with db.new_session(writes=False) as session:
        return session.exec(
            select(func.count()).where(col(Declaration.state).in_(["lodged", "screening"]))
        ).one()


def test_a_job_on_its_way_is_told_of_new_work_and_needs_no_other(redis: Redis) -> None:
    assert queues.trigger_screening()  # no job on its way: this call enqueues one
    assert not queues.trigger_screening()  # it claims this one's version too
    assert queues.screening_news()  # the job starts: work was noted before its first look
    assert not queues.screening_news()  # nothing since
    assert not queues.trigger_screening()  # a lodgement while it screens: noted, no job
    assert queues.screening_news()
    assert queues.screening_queue(redis).count == 1


def test_the_marker_is_released_only_when_nothing_was_noted_since_the_last_look(
    redis: Redis,
) -> None:
    queues.trigger_screening()
    queues.screening_news()
    queues.trigger_screening()  # noted after the look: the job must claim once more
    assert not queues.release_screening()
    assert queues.screening_triggered()
    assert not queues.screening_news()  # the refused release counted as a look
    assert queues.release_screening()
    assert not queues.screening_triggered()
    assert queues.trigger_screening()  # from the release on, a lodgement queues a job
    assert queues.screening_queue(redis).count == 2


def test_concurrent_full_sets_call_one_more_worker_until_it_starts(redis: Redis) -> None:
    threads = [threading.Thread(target=queues.trigger_backlog) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _queued(redis) == [queues.SCREEN_BACKLOG_JOB]
    queues.backlog_taken()  # that worker starts: the next full set may call another
    assert queues.trigger_backlog()
    assert _queued(redis) == [queues.SCREEN_BACKLOG_JOB] * 2


def test_a_lodgement_while_the_job_screens_queues_no_job_and_is_screened_by_it(
    committed_client: TestClient,
    trader: str,
    redis: Redis,
    stopping: threading.Event,
    configure: Callable[..., None],
) -> None:
    # It waits for work until told to stop.
    configure(job_timeout_seconds=3600, screening_idle_seconds=3600)
    first = lodge(committed_client, trader)
    [trigger] = queues.screening_queue(redis).get_job_ids()
    queues.screening_queue(redis).remove(trigger)  # taken by the job run here
    done: list[dict[str, int]] = []
    job = threading.Thread(target=lambda: done.append(jobs.screen_pending()))
    job.start()
    try:
        # Without papers: an upload holds its declaration's row, which a claim then skips and,
        # with no idle time to end the wait, only the next lodgement's news claims again.
        later = [lodge(committed_client, trader, documents=False) for _ in range(2 * BATCH + 1)]
        _until(lambda: len(_assessments()) == 1 + len(later), job)
        # Every lodgement found the marker: no trigger of its own (a set that came full may
        # have called a second worker, which is another job).
        assert queues.SCREEN_JOB not in _queued(redis)
    finally:
        stopping.set()
        job.join(120)
    assert set(_assessments()) == {first, *later}
    assert set(_assessments().values()) == {1}
    assert done[0]["claimed"] == 1 + len(later)
    # Asked to stop, it let go of the marker or, with work noted (a lodgement's news may come
    # after the set that screened it), handed it to a new trigger: never a marker alone.
    queued = [name for name in _queued(redis) if name == queues.SCREEN_JOB]
    assert queues.screening_triggered() is bool(queued)


def _rechecks_waiting() -> int:
    with db.new_session(writes=False) as session:
        return session.exec(select(func.count()).select_from(DocumentRecheck)).one()


def test_papers_uploaded_while_the_job_screens_are_rechecked_between_its_sets(
    committed_client: TestClient,
    trader: str,
    redis: Redis,
    stopping: threading.Event,
    configure: Callable[..., None],
) -> None:
    body = declaration()
    screened = lodge(committed_client, trader, body, documents=False)
    queues.screening_queue(redis).empty()  # type: ignore[no-untyped-call]  # rq: untyped
    assert jobs.screen_pending()["claimed"] == 1
    # The next job waits for work until told to stop: the re-check's own job, queued behind
    # it, would wait as long.
    configure(job_timeout_seconds=3600, screening_idle_seconds=3600)
    lodge(committed_client, trader, documents=False)
    queues.screening_queue(redis).empty()  # type: ignore[no-untyped-call]  # rq: untyped
    job = threading.Thread(target=jobs.screen_pending)
    job.start()
    try:
        uploaded(committed_client, trader, screened, required_documents(body)[0])
        assert _rechecks_waiting() == 1
        # The job screens a set, then looks at the papers.
        lodge(committed_client, trader, documents=False)
        _until(lambda: _rechecks_waiting() == 0, job)
    finally:
        stopping.set()
        job.join(120)


def test_an_idle_job_releases_the_marker_and_the_next_lodgement_queues_a_job(
    committed_client: TestClient, trader: str, redis: Redis
) -> None:
    lodged = lodge(committed_client, trader)
    queues.screening_queue(redis).empty()  # type: ignore[no-untyped-call]  # rq: untyped
    assert jobs.screen_pending()["claimed"] == 1
    assert not queues.screening_triggered()
    assert _queued(redis) == []
    again = lodge(committed_client, trader)
    assert _queued(redis) == [queues.SCREEN_JOB]
    assert set(_assessments()) == {lodged}
    assert jobs.screen_pending()["claimed"] == 1
    assert set(_assessments()) == {lodged, again}


def test_whole_sets_call_a_second_worker_which_stops_at_the_first_short_set(
    committed_client: TestClient, trader: str, redis: Redis
) -> None:
    lodged = {lodge(committed_client, trader) for _ in range(2 * BATCH + 2)}
    queues.screening_queue(redis).empty()  # type: ignore[no-untyped-call]  # rq: untyped
    done = jobs.screen_backlog()
    assert done["claimed"] == len(lodged)
    # Two whole sets, one call: nobody had answered the first when the second came full.
    assert _queued(redis) == [queues.SCREEN_BACKLOG_JOB]
    SimpleWorker([queues.screening_queue(redis)], connection=redis).work(
        burst=True, logging_level="WARNING"
    )
    assert _queued(redis) == []
    assert set(_assessments()) == lodged
    assert not redis.exists(queues.SCREENING_BACKLOG_KEY)


def test_a_worker_and_the_one_it_called_screen_a_backlog_once_each(
    committed_client: TestClient, trader: str, redis: Redis
) -> None:
    lodged = {lodge(committed_client, trader) for _ in range(6 * BATCH + 1)}
    results: list[dict[str, int]] = []
    called = threading.Thread(target=lambda: results.append(jobs.screen_backlog()))
    called.start()
    results.append(jobs.screen_pending())
    called.join(120)
    assert sum(r["claimed"] for r in results) == len(lodged)
    assert _assessments() == dict.fromkeys(lodged, 1)
    assert _pending() == 0


def test_a_job_hands_over_before_its_timeout_while_work_keeps_it_busy(
    committed_client: TestClient,
    trader: str,
    redis: Redis,
    configure: Callable[..., None],
) -> None:
    configure(job_timeout_seconds=1, screening_idle_seconds=3600)  # only the timeout ends it
    lodged = lodge(committed_client, trader)
    queues.screening_queue(redis).empty()  # type: ignore[no-untyped-call]  # rq: untyped
    finished = threading.Event()

    def arriving() -> None:  # work keeps being noted (lodgements elsewhere)
        while not finished.wait(0.005):
            queues.trigger_screening()

    noting = threading.Thread(target=arriving)
    noting.start()
    try:
        assert jobs.screen_pending()["claimed"] == 1
    finally:
        finished.set()
        noting.join()
    assert _queued(redis) == [queues.SCREEN_JOB]  # the next trigger, for what comes next
    assert set(_assessments()) == {lodged}


def test_a_job_at_its_time_stops_waiting_and_leaves_no_marker_without_a_job(
    committed_client: TestClient,
    trader: str,
    redis: Redis,
    configure: Callable[..., None],
) -> None:
    configure(job_timeout_seconds=1, screening_idle_seconds=3600)
    lodge(committed_client, trader)
    queues.screening_queue(redis).empty()  # type: ignore[no-untyped-call]  # rq: untyped
    assert jobs.screen_pending()["claimed"] == 1
    # Released; or, if its first set outlasted its time, handed over: never a marker alone.
    queued = _queued(redis)
    assert queued in ([], [queues.SCREEN_JOB])
    assert queues.screening_triggered() is bool(queued)


def test_a_failing_job_lets_go_of_the_marker(
    committed_client: TestClient, trader: str, redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    lodged = lodge(committed_client, trader)

    def broken(**_kwargs: object) -> None:
        raise RuntimeError("the model cannot be read")

    monkeypatch.setattr(screening, "shared", broken)
    with pytest.raises(RuntimeError):
        jobs.screen_pending()
    assert not queues.screening_triggered()  # the next lodgement, or the sweeper, triggers
    with db.new_session(writes=False) as session:  # outside RQ it was the last try: parked
        assert session.exec(select(DeadLetter.declaration_id)).all() == [uuid.UUID(lodged)]
