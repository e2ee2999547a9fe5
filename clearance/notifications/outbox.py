"""The outbox: rows written with each state change, claimed one at a time, resolved in order."""

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from rq import Queue
from sqlalchemy import exists
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from clearance import db, metrics, tracing
from clearance.db import after_commit
from clearance.declarations.lifecycle import DeclarationAsOf, EventWritten
from clearance.declarations.models import Declaration, DeclarationEvent
from clearance.notifications import subscribers
from clearance.notifications.models import (
    Notification,
    NotificationStatus,
    NotificationType,
    Subscription,
)
from clearance.notifications.schemas import DeclarationChange, NotificationEvent
from clearance.queues import notifications_queue
from clearance.settings import get_settings

# The gate records a truck's arrival as an event without a change of state (declarations/gate).
ARRIVAL = "arrival"
# Retries: 10 s, 20 s, 40 s, ... doubling up to every 2 hours, for at least 24 hours from the
# event; then it is `failed` and waits in the pull queue.
RETRY_FIRST = timedelta(seconds=10)
RETRY_CAP = timedelta(hours=2)
RETRY_FOR = timedelta(hours=24)
SWEEP_BATCH = 500
# The job that pushes a subscription's events of several declarations (`workers.jobs`).
DELIVER_SET_JOB = "workers.jobs.deliver_notification_set"
UNRESOLVED = (NotificationStatus.pending, NotificationStatus.failed)


@dataclass(frozen=True)
class Claimed:
    """An event leased for one push: everything the push needs, read in the claim."""

    notification_id: int
    event_id: uuid.UUID
    url: str
    secret: str
    body: bytes


@dataclass(frozen=True)
class Deferred:
    """The head was moved to a later time by this claim: whoever claimed it schedules it."""

    until: datetime


def notification_type(event: EventWritten) -> NotificationType | None:
    """What a trader hears of an event: every change of state, and the truck's arrival."""
    if event.action == ARRIVAL:
        return NotificationType.arrived
    if event.from_state != event.to_state:
        return NotificationType.state_changed
    return None


def trader_view(declaration: DeclarationAsOf, event: EventWritten) -> DeclarationChange:
    return DeclarationChange(
        id=declaration.id,
        ucr=declaration.ucr,
        version=event.version,
        from_state=event.from_state,
        to_state=event.to_state,
        channel=declaration.channel,
        at=event.at,
    )


def event_of(row: Notification) -> NotificationEvent:
    """The body a delivery sends and the pull queue shows, from the stored row."""
    return NotificationEvent(
        event_id=row.event_id,
        type=row.type,
        sequence=row.sequence,
        declaration=DeclarationChange.model_validate(row.payload),
    )


def record_event(session: Session, declaration: Declaration, event: DeclarationEvent) -> None:
    """The state machine's hook: an outbox row per active subscription of either trader."""
    record_events(session, [(declaration, event)])


def record_events(session: Session, events: Sequence[tuple[DeclarationAsOf, EventWritten]]) -> None:
    """The same for many events (a screening set's): one read of the subscriptions, one of
    the declarations' last sequences, one INSERT."""
    heard = [(d, e, kind) for d, e in events if (kind := notification_type(e)) is not None]
    # A broker lodges for an importer: the declarant and the trader both hear of it.
    tax_codes = {code for d, _e, _k in heard for code in (d.declarant_tax_code, d.trader_tax_code)}
    max_age = get_settings().notification_cache_seconds
    if not heard or not subscribers.any_subscribed(
        session=session, tax_codes=tax_codes, max_age=max_age
    ):
        return
    if session.autoflush:
        # As a query through the unit of work would: an event's declaration the session holds
        # unsaved is written before its notifications refer to it (a screening set holds its
        # changes back until it writes them itself, autoflush off).
        session.flush()
    subscriptions = (
        session.connection()
        .execute(_subscriptions_statement(), {"tax_codes": sorted(tax_codes)})
        .all()
    )
    wanted = [
        (
            d,
            e,
            kind,
            [s for s in subscriptions if s.tax_code in {d.declarant_tax_code, d.trader_tax_code}],
        )
        for d, e, kind in heard
    ]
    wanted = [item for item in wanted if item[3]]
    if not wanted:
        return
    sequences = _next_sequences(session, {d.id for d, _e, _k, _s in wanted})
    rows, counts = [], Counter[NotificationType]()
    for declaration, event, kind, subscribed in wanted:
        sequence = sequences[declaration.id]
        sequences[declaration.id] += 1
        payload = trader_view(declaration, event).model_dump(mode="json")
        for subscription in subscribed:
            rows.append(
                {
                    "subscription_id": subscription.id,
                    "tax_code": subscription.tax_code,
                    "declaration_id": declaration.id,
                    "version": event.version,
                    "sequence": sequence,
                    "type": kind,
                    "payload": payload,
                    "created_at": event.at,
                    "next_attempt_at": event.at,
                }
            )
            pair = (subscription.id, declaration.id)
            db.after_commit_each(session, "deliver", pair, enqueue_delivery_sets)
        counts[kind] += len(subscribed)
    db.insert_rows(session, Notification, rows)
    for kind, count in counts.items():
        after_commit(session, lambda k=kind, n=count: metrics.NOTIFICATIONS.labels(k.value).inc(n))  # type: ignore[misc]


def enqueue_delivery_sets(pairs: Sequence[tuple[uuid.UUID, uuid.UUID]]) -> None:
    """One delivery job per subscription for its declarations (`delivery.deliver_set`), in the
    order given, in one Redis round trip. A job lost before it ran leaves its events pending
    in the outbox, overdue: the sweeper enqueues them again."""
    by_subscription: dict[uuid.UUID, list[str]] = {}
    for subscription_id, declaration_id in pairs:
        by_subscription.setdefault(subscription_id, []).append(str(declaration_id))
    if not by_subscription:
        return
    settings = get_settings()
    notifications_queue().enqueue_many(
        [
            Queue.prepare_data(
                DELIVER_SET_JOB,
                args=(str(subscription_id), declaration_ids),
                timeout=settings.job_timeout_seconds,
                failure_ttl=settings.job_failure_ttl_seconds,
                result_ttl=600,
                meta=tracing.job_meta(),
            )
            for subscription_id, declaration_ids in by_subscription.items()
        ]
    )


# Statements a set runs, built once per process (building costs more than running them).
_declaration = Declaration.__table__.c  # type: ignore[attr-defined]
_notification = Notification.__table__.c  # type: ignore[attr-defined]
_subscription = Subscription.__table__.c  # type: ignore[attr-defined]


@lru_cache(maxsize=1)
def _subscriptions_statement() -> sa.Select[Any]:
    return sa.select(_subscription.id, _subscription.tax_code).where(
        _subscription.tax_code.in_(sa.bindparam("tax_codes", expanding=True)),
        _subscription.disabled_at.is_(None),
    )


@lru_cache(maxsize=1)
def _sequences_statement() -> sa.Select[Any]:
    last = (
        sa.select(sa.func.max(_notification.sequence))
        .where(_notification.declaration_id == _declaration.id)
        .scalar_subquery()
    )
    return (
        sa.select(_declaration.id, last)
        .where(_declaration.id.in_(sa.bindparam("ids", expanding=True)))
        .with_for_update(of=Declaration.__table__)  # type: ignore[attr-defined]
    )


def _next_sequences(session: Session, declaration_ids: set[uuid.UUID]) -> dict[uuid.UUID, int]:
    # Changes of one declaration number their events in turn, under its row lock (most callers
    # hold it already); a race here would fail the state change on the unique sequence. One
    # statement takes the locks and reads each one's last sequence.
    last: dict[uuid.UUID, int | None] = dict(
        session.connection().execute(_sequences_statement(), {"ids": sorted(declaration_ids)}).all()
    )
    return {d: (last.get(d) or 0) + 1 for d in declaration_ids}


def claim_next(
    *,
    session: Session,
    now: datetime,
    subscription_id: uuid.UUID,
    declaration_id: uuid.UUID,
    lease: timedelta,
) -> Claimed | Deferred | None:
    """Lease the oldest unresolved event of a declaration if it is due; None: nothing to do."""
    subscription = session.get(Subscription, subscription_id)
    if subscription is None or subscription.disabled_at is not None:
        return None  # its events stay pending, for the pull queue
    head = session.exec(
        select(Notification)
        .where(
            Notification.subscription_id == subscription_id,
            Notification.declaration_id == declaration_id,
            col(Notification.status).in_(UNRESOLVED),
            col(Notification.acknowledged_at).is_(None),
        )
        .order_by(col(Notification.sequence))
        .limit(1)
        .with_for_update()
    ).first()
    # A failed event holds back the later ones until the trader acknowledges it (order first);
    # one not yet due is leased by another run or waits for a retry someone has scheduled.
    if head is None or head.status is NotificationStatus.failed or head.next_attempt_at > now:
        return None
    if subscription.paused_until is not None and subscription.paused_until > now:
        head.next_attempt_at = subscription.paused_until
        session.add(head)
        return Deferred(until=subscription.paused_until)
    assert head.id is not None
    head.attempts += 1
    head.next_attempt_at = now + lease  # if this run dies, the event is due again then
    session.add(head)
    return Claimed(
        notification_id=head.id,
        event_id=head.event_id,
        url=subscription.url,
        secret=subscription.secret,
        body=event_of(head).model_dump_json().encode(),
    )


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed push: doubling from 10 s, at most 2 hours."""
    doublings = min(max(attempts - 1, 0), 20)
    return min(RETRY_FIRST * (1 << doublings), RETRY_CAP)


def record_delivered(*, session: Session, now: datetime, notification_id: int) -> None:
    row = session.get(Notification, notification_id, with_for_update=True)
    if row is None:
        return
    row.status, row.delivered_at, row.last_error = NotificationStatus.delivered, now, None
    session.add(row)
    subscription = session.get(Subscription, row.subscription_id)
    if subscription is not None and subscription.paused_until is not None:
        subscription.paused_until = None  # the receiver is back: no need to hold others
        session.add(subscription)


def record_failure(
    *, session: Session, now: datetime, notification_id: int, error: str
) -> datetime | None:
    """Note a failed push; returns when to try again, or None once it has failed for good."""
    row = session.get(Notification, notification_id, with_for_update=True)
    if row is None:
        return None
    row.last_error = error[:300]
    if now - row.created_at >= RETRY_FOR:
        row.status = NotificationStatus.failed
        session.add(row)
        return None
    row.next_attempt_at = now + retry_delay(row.attempts)
    session.add(row)
    subscription = session.get(Subscription, row.subscription_id)
    if subscription is not None:
        # The other declarations' events wait too: a dead receiver is tried once per step, and
        # the longest wait of its failing events sets the pace (a fresh event does not hurry it).
        paused = subscription.paused_until
        subscription.paused_until = max(row.next_attempt_at, paused or row.next_attempt_at)
        session.add(subscription)
    return row.next_attempt_at


def stale_heads(*, session: Session, older_than: datetime) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(subscription, declaration) pairs whose next event is overdue: its job was lost."""
    earlier = aliased(Notification)
    held_back = exists().where(
        col(earlier.subscription_id) == col(Notification.subscription_id),
        col(earlier.declaration_id) == col(Notification.declaration_id),
        col(earlier.sequence) < col(Notification.sequence),
        col(earlier.status).in_(UNRESOLVED),
        col(earlier.acknowledged_at).is_(None),
    )
    rows = session.exec(
        select(Notification.subscription_id, Notification.declaration_id)
        .join(Subscription, col(Subscription.id) == Notification.subscription_id)
        .where(
            Notification.status == NotificationStatus.pending,
            col(Notification.acknowledged_at).is_(None),
            col(Notification.next_attempt_at) < older_than,
            col(Subscription.disabled_at).is_(None),
            ~held_back,
        )
        .distinct()
        .limit(SWEEP_BATCH)
    ).all()
    return [(subscription_id, declaration_id) for subscription_id, declaration_id in rows]
