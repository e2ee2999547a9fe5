"""The documents re-check job: what an upload leaves to a worker (`documents.rechecks`)."""

import time
import uuid
from collections import Counter

from clearance import logs
from clearance.clock import get_clock
from clearance.documents import recheck_sets, rechecks
from clearance.settings import get_settings
from workers import jobs

# Declarations a claim skipped (another transaction held them) are claimed again this much
# later: an upload on them triggers again itself, a decision or a screening does not.
RECLAIM_AFTER_SECONDS = 1.0


def recheck_documents() -> dict[str, int]:
    """Re-check the declarations waiting, a set at a time, until a set comes short of a whole
    one (or half the job's time is gone, or the worker stops: a new trigger takes over)."""
    settings, clock = get_settings(), get_clock()
    rechecks.taken()  # uploads committed from now on trigger another job
    totals: Counter[str] = Counter()
    failed: set[uuid.UUID] = set()  # tried again by a later job, not this one
    until = time.monotonic() + settings.job_timeout_seconds / 2
    with logs.bound(job_id=jobs._job_id()), jobs._measured("recheck") as set_outcome:
        while True:
            outcome = recheck_sets.recheck_set(clock=clock, lifecycle=jobs.LIFECYCLE, skip=failed)
            failed |= outcome.failed
            totals.update(
                claimed=outcome.claimed,
                done=outcome.done,
                failed=len(outcome.failed),
                parked=outcome.parked,
            )
            if outcome.claimed < recheck_sets.RECHECK_BATCH:
                break
            if time.monotonic() > until or jobs.STOPPING.is_set():
                rechecks.trigger()
                break
        _claim_later(failed)
        set_outcome("done" if totals["claimed"] else "skipped")
    return dict(totals)


def _claim_later(failed: set[uuid.UUID]) -> None:
    """Declarations still waiting that no claim took: another transaction held their rows."""
    with jobs._unit_of_work() as session:
        left = rechecks.waiting(session=session, skip=failed)
    if left > 0 and not rechecks.triggered():
        rechecks.trigger_later(RECLAIM_AFTER_SECONDS)
