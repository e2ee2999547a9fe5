"""A declaration's dossier looked at again once a paper came, off the upload's request.

The upload stores its paper and asks for a re-check (`ask`): a `document_recheck` row in the
upload's own transaction, and once it is committed a trigger for a worker. The worker's job
(`workers.documents_jobs.recheck_documents`) takes the declarations waiting, a set at a time
(`recheck_sets.recheck_set`), and runs the lifecycle's upload hooks on each (duties assess
again, risk looks again at the papers, either may release), each in a savepoint of the set's
one transaction: a declaration whose hooks fail is rolled back alone, its failure noted and,
after `recheck_sets.RECHECK_ATTEMPTS`, parked, while the rest go on. The table, not Redis, is
the list of what is pending: a lost trigger is made again by the sweeper (`sweep`).

Order: every writer of a declaration's row here holds the declaration's row lock (the upload
from before its insert, the job from its claim), so a re-check reads every paper committed
before it, and a paper committed after it asks again.
"""

import logging
import uuid
from collections.abc import Collection
from datetime import datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
from redis import Redis
from rq import Queue
from rq.queue import EnqueueData
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, func, select

from clearance import db
from clearance.clock import Clock
from clearance.declarations.models import Declaration, State
from clearance.documents.models import DocumentRecheck
from clearance.queues import SCREENING_QUEUE, get_redis, retried
from clearance.settings import Settings, get_settings

logger = logging.getLogger(__name__)
# The worker takes its queue first: release waits for the re-check.
RECHECK_QUEUE = SCREENING_QUEUE
RECHECK_JOB = "workers.documents_jobs.recheck_documents"
# Set while a re-check job is queued and not started: an upload that finds it set enqueues
# nothing (that job will claim its declaration). The job deletes it as it starts.
RECHECK_TRIGGERED_KEY = "clearance:documents:recheck:triggered"
RECHECK_LATER_KEY = "clearance:documents:recheck:later"
# Before its screening a declaration has nothing to re-check: screening reads every paper
# (the upload hooks skip these states), and cannot start while an upload holds its row.
SCREENING_READS_EVERY_PAPER = frozenset({State.lodged, State.screening})


def needs_recheck(declaration: Declaration) -> bool:
    return declaration.state not in SCREENING_READS_EVERY_PAPER


def ask(*, session: Session, clock: Clock, declaration: Declaration) -> None:
    """Ask for the declaration's re-check, in the caller's transaction (which holds its row
    lock); a worker is triggered once it commits. A re-check already pending stays one; a
    parked one is asked afresh."""
    now = clock.now()
    session.execute(
        _upsert(session.get_bind().dialect.name),
        {"declaration_id": declaration.id, "requested_at": now, "attempts": 0},
    )
    db.after_commit(session, _trigger_quietly, key=RECHECK_JOB)


@lru_cache(maxsize=4)
def _upsert(dialect_name: str) -> sa.Insert:
    table: sa.Table = DocumentRecheck.__table__  # type: ignore[attr-defined]
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(table)
    parked = table.c.failed_at.is_not(None)
    upsert: sa.Insert = statement.on_conflict_do_update(
        index_elements=["declaration_id"],
        set_={
            # Pending: its age stays the oldest paper's (the sweeper reads it); parked: anew.
            "requested_at": sa.case(
                (parked, statement.excluded.requested_at), else_=table.c.requested_at
            ),
            "attempts": 0,
            "failed_at": None,
            "error": None,
        },
    )
    return upsert


def _trigger_quietly() -> None:
    try:
        trigger()
    except Exception:  # the upload is committed: the sweeper triggers what waits too long
        logger.exception("could not trigger the documents re-check")


def _job_data() -> EnqueueData:
    return retried(RECHECK_JOB, None, "recheck-documents")


def _trigger_ttl() -> int:
    """A trigger waiting longer than this is taken for lost: the next upload enqueues another."""
    settings = get_settings()
    return max(settings.job_timeout_seconds, int(settings.sweeper_stuck_after_seconds), 1)


def trigger(connection: Redis | None = None) -> bool:
    """Make sure a re-check job is on its way; True if this call enqueued it."""
    redis = connection or get_redis()
    if not redis.set(RECHECK_TRIGGERED_KEY, "1", nx=True, ex=_trigger_ttl()):
        return False
    try:
        Queue(RECHECK_QUEUE, connection=redis).enqueue_many([_job_data()])
    except Exception:
        redis.delete(RECHECK_TRIGGERED_KEY)
        raise
    return True


def taken(connection: Redis | None = None) -> None:
    """A job started: what is committed from now on triggers another (this one may be past
    its claim by then)."""
    (connection or get_redis()).delete(RECHECK_TRIGGERED_KEY)


def triggered(connection: Redis | None = None) -> bool:
    return bool((connection or get_redis()).exists(RECHECK_TRIGGERED_KEY))


def trigger_later(seconds: float, connection: Redis | None = None) -> bool:
    """A job in `seconds` (for the worker's RQ scheduler), unless one is due already: for
    declarations a claim skipped because another transaction held their rows."""
    redis = connection or get_redis()
    if not redis.set(RECHECK_LATER_KEY, "1", nx=True, ex=max(int(seconds), 1)):
        return False
    data = _job_data()
    Queue(RECHECK_QUEUE, connection=redis).enqueue_in(
        timedelta(seconds=seconds),
        RECHECK_JOB,
        job_id=data.job_id,
        job_timeout=data.timeout,
        failure_ttl=data.failure_ttl,
        result_ttl=data.result_ttl,
        retry=data.retry,
    )
    return True


def _pending() -> sa.ColumnElement[bool]:
    return col(DocumentRecheck.failed_at).is_(None)


def claim(*, session: Session, limit: int, skip: Collection[uuid.UUID] = ()) -> list[Declaration]:
    """Lock up to `limit` declarations waiting for a re-check (not parked, not in `skip`),
    oldest request first. PostgreSQL: declarations another transaction holds are skipped (an
    upload on them, which triggers again once committed; screening; an officer's decision)."""
    statement = (
        select(Declaration)
        .join(DocumentRecheck, col(DocumentRecheck.declaration_id) == col(Declaration.id))
        .where(_pending())
        .order_by(col(DocumentRecheck.requested_at), col(DocumentRecheck.declaration_id))
        .limit(limit)
    )
    if skip:
        statement = statement.where(col(Declaration.id).not_in(list(skip)))
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(of=Declaration, skip_locked=True)
    return list(session.exec(statement).all())


def waiting(
    *, session: Session, older_than: datetime | None = None, skip: Collection[uuid.UUID] = ()
) -> int:
    """How many declarations wait for a re-check (not parked, not in `skip`), asked before
    `older_than`."""
    statement = select(func.count()).select_from(DocumentRecheck).where(_pending())
    if skip:
        statement = statement.where(col(DocumentRecheck.declaration_id).not_in(list(skip)))
    if older_than is not None:
        statement = statement.where(col(DocumentRecheck.requested_at) < older_than)
    return int(session.exec(statement).one())


def sweep(*, session: Session, clock: Clock, settings: Settings) -> int:
    """Re-checks waiting too long with no job on its way (Redis lost it, or its last try
    failed): one trigger, once the sweep commits. The count of those found."""
    older_than = clock.now() - timedelta(seconds=settings.sweeper_stuck_after_seconds)
    stuck = waiting(session=session, older_than=older_than)
    if not stuck or triggered():
        return 0
    db.after_commit(session, _trigger_quietly, key=RECHECK_JOB)
    return stuck
