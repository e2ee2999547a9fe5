"""Pushing one declaration's events to one callback: in order, signed, never redirected."""

import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

import httpx
from sqlmodel import Session

from clearance import db, metrics
from clearance.clock import Clock
from clearance.db import after_commit
from clearance.notifications import addresses, outbox, signing
from clearance.notifications.errors import UnsafeCallback
from clearance.queues import (
    IN_HAND,
    enqueue_delivery,
    job_status,
    sweeper_delivery_job_id,
)
from clearance.settings import Settings

# A run pushes at most this many events, then hands over to a new job: fair to other traders.
MAX_PER_RUN = 50
# A declaration's run: none of its events left due, or `MAX_PER_RUN` reached with more to come.
DONE, MORE = "done", "more"
LEASE_MARGIN = timedelta(seconds=30)


def deliver_pending(
    *, clock: Clock, settings: Settings, subscription_id: uuid.UUID, declaration_id: uuid.UUID
) -> str:
    """Push the due events of a declaration to a subscription, oldest first, until one fails."""
    outcome, delivered = _deliver(clock, settings, subscription_id, declaration_id, MAX_PER_RUN)
    if outcome == MORE:
        enqueue_delivery(subscription_id, declaration_id)
        return f"delivered {MAX_PER_RUN}, more to come"
    return f"delivered {delivered}" if outcome == DONE else outcome


def deliver_set(
    *,
    clock: Clock,
    settings: Settings,
    subscription_id: uuid.UUID,
    declaration_ids: Sequence[uuid.UUID],
) -> str:
    """`deliver_pending` for each of a subscription's declarations in turn (the events a set
    wrote: one job, not one per declaration); past `MAX_PER_RUN` pushes in all, a new job
    takes the declarations left, as one declaration's job hands over."""
    left, outcomes = MAX_PER_RUN, Counter[str]()
    for n, declaration_id in enumerate(declaration_ids):
        outcome = MORE
        if left > 0:
            outcome, delivered = _deliver(clock, settings, subscription_id, declaration_id, left)
            left -= delivered
            outcomes["pushed"] += delivered
        if outcome == MORE:  # this declaration and those after it go to a new job
            outbox.enqueue_delivery_sets([(subscription_id, d) for d in declaration_ids[n:]])
            outcomes["handed over"] += len(declaration_ids) - n
            break
        if outcome != DONE:
            outcomes[outcome] += 1
    return ", ".join(f"{what} {count}" for what, count in outcomes.items()) or "pushed 0"


def _deliver(
    clock: Clock,
    settings: Settings,
    subscription_id: uuid.UUID,
    declaration_id: uuid.UUID,
    limit: int,
) -> tuple[str, int]:
    """Push up to `limit` due events of the declaration, oldest first, until one fails: the
    outcome (`DONE`: none left due; `MORE`: `limit` reached; else the failure's) and how many
    were delivered."""
    # A push outlives neither the job's timeout nor this lease: past it the event is due again.
    lease = timedelta(seconds=settings.job_timeout_seconds) + LEASE_MARGIN
    for delivered in range(limit):
        with db.unit_of_work() as session:
            claimed = outbox.claim_next(
                session=session,
                now=clock.now(),
                subscription_id=subscription_id,
                declaration_id=declaration_id,
                lease=lease,
            )
        if claimed is None:
            return DONE, delivered
        retry_at: datetime | None
        if isinstance(claimed, outbox.Deferred):
            outcome, retry_at = "deferred", claimed.until
        else:
            error = push(claimed, settings=settings, now=clock.now())
            outcome, retry_at = _record(claimed, error, now=clock.now())
        metrics.NOTIFICATION_DELIVERIES.labels(outcome).inc()
        if retry_at is not None:
            # RQ's scheduler brings the job back then; if Redis loses it, the sweeper finds
            # the event overdue in the database and enqueues it again.
            enqueue_delivery(subscription_id, declaration_id, delay=retry_at - clock.now())
        if outcome != "delivered":
            return outcome, delivered
    return MORE, limit


def _record(
    claimed: outbox.Claimed, error: str | None, *, now: datetime
) -> tuple[str, datetime | None]:
    """Store a push's outcome; returns it with the time of the next try, if there is one."""
    with db.unit_of_work() as session:
        if error is None:
            outbox.record_delivered(
                session=session, now=now, notification_id=claimed.notification_id
            )
            return "delivered", None
        retry_at = outbox.record_failure(
            session=session, now=now, notification_id=claimed.notification_id, error=error
        )
    return ("retrying" if retry_at is not None else "failed"), retry_at


def push(claimed: outbox.Claimed, *, settings: Settings, now: datetime) -> str | None:
    """POST one signed event; None when the callback answered 2xx, else what went wrong."""
    try:
        # Checked again at each push: DNS may have changed since the registration.
        target = addresses.check(claimed.url, allowlist=settings.notification_allowlist)
    except UnsafeCallback as exc:
        return f"refused: {exc.errors[0].message}"
    headers = signing.headers(
        secret=claimed.secret,
        event_id=str(claimed.event_id),
        timestamp=int(now.timestamp()),
        body=claimed.body,
    )
    # Connect to the address just checked, not to whatever a second lookup answers (DNS
    # rebinding); the Host header and TLS name stay the URL's.
    pinned = target.url.copy_with(host=str(target.addresses[0]))
    headers["Host"] = target.url.netloc.decode("ascii")
    extensions = {"sni_hostname": target.host} if target.url.scheme == "https" else {}
    try:
        with (
            httpx.Client(
                timeout=settings.notification_timeout_seconds,
                follow_redirects=False,
                trust_env=False,  # no proxy from the environment: it would connect elsewhere
            ) as client,
            client.stream(
                "POST", pinned, content=claimed.body, headers=headers, extensions=extensions
            ) as response,
        ):
            status = response.status_code
    except httpx.TimeoutException:
        return f"timed out after {settings.notification_timeout_seconds:g} s"
    except httpx.HTTPError as exc:
        return f"could not connect: {type(exc).__name__}"
    return None if 200 <= status < 300 else f"HTTP {status}"


def sweep(*, session: Session, clock: Clock, settings: Settings) -> int:
    """Enqueue the overdue deliveries whose job is gone (a Redis wipe, a dead worker)."""
    older_than = clock.now() - timedelta(seconds=settings.sweeper_stuck_after_seconds)
    enqueued = 0
    for subscription_id, declaration_id in outbox.stale_heads(
        session=session, older_than=older_than
    ):
        job_id = sweeper_delivery_job_id(subscription_id, declaration_id)
        if job_status(job_id) in IN_HAND:
            continue
        after_commit(
            session,
            lambda s=subscription_id, d=declaration_id, j=job_id: enqueue_delivery(s, d, job_id=j),  # type: ignore[misc]
        )
        enqueued += 1
    return enqueued
