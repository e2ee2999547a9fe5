"""Subscriptions, the pull queue and acknowledgements: what a trader asks of notifications."""

import time
import uuid
from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from clearance.auth.service import Caller
from clearance.clock import Clock
from clearance.db import after_commit
from clearance.errors import Forbidden
from clearance.messages import Message
from clearance.notifications import addresses, subscribers
from clearance.notifications.errors import (
    NotificationNotFound,
    SubscriptionConflict,
    SubscriptionNotFound,
)
from clearance.notifications.models import Notification, NotificationStatus, Subscription
from clearance.notifications.schemas import SubscriptionIn
from clearance.notifications.signing import new_secret
from clearance.queues import enqueue_delivery
from clearance.settings import Settings

MAX_ACTIVE_SUBSCRIPTIONS = 10


def _tax_code(caller: Caller) -> str:
    if caller.tax_code is None:
        raise Forbidden(Message("error.notifications_trader_only"))
    return caller.tax_code


def subscribe(
    *,
    session: Session,
    clock: Clock,
    settings: Settings,
    caller: Caller,
    subscription_in: SubscriptionIn,
) -> tuple[Subscription, str]:
    """Register a callback after checking where it points; returns it with its secret."""
    tax_code = _tax_code(caller)
    target = addresses.check(subscription_in.url, allowlist=settings.notification_allowlist)
    url = str(target.url)
    active = list_subscriptions(session=session, caller=caller, active_only=True)
    for existing in active:
        if existing.url == url:
            raise SubscriptionConflict(
                Message("error.subscription_url_taken", {"subscription_id": existing.id})
            )
    if len(active) >= MAX_ACTIVE_SUBSCRIPTIONS:
        raise SubscriptionConflict(
            Message("error.subscriptions_max", {"max": MAX_ACTIVE_SUBSCRIPTIONS})
        )
    secret = subscription_in.secret or new_secret()
    subscription = Subscription(
        tax_code=tax_code,
        url=url,
        secret=secret,
        created_by=caller.actor,
        created_at=clock.now(),
    )
    try:
        # A savepoint: the same URL registered at the same moment is a clean 409, not a 500.
        with session.begin_nested():
            session.add(subscription)
            session.flush()
    except IntegrityError:
        raise SubscriptionConflict(Message("error.subscription_url_registered")) from None
    after_commit(session, lambda: _seen_everywhere(settings.notification_cache_seconds))
    return subscription, secret


def _seen_everywhere(cache_seconds: float) -> None:
    # Other processes trust their set of subscribed traders for up to `cache_seconds`: answer
    # once each has reloaded, so every event after the answer is delivered (see subscribers).
    subscribers.forget()
    if cache_seconds > 0:
        time.sleep(cache_seconds)


def list_subscriptions(
    *, session: Session, caller: Caller, active_only: bool = False
) -> Sequence[Subscription]:
    statement = select(Subscription).where(Subscription.tax_code == _tax_code(caller))
    if active_only:
        statement = statement.where(col(Subscription.disabled_at).is_(None))
    return session.exec(
        statement.order_by(col(Subscription.created_at), col(Subscription.url))
    ).all()


def disable(
    *, session: Session, clock: Clock, caller: Caller, subscription_id: uuid.UUID
) -> Subscription:
    """Stop pushing to a callback; its undelivered events stay in the pull queue."""
    subscription = session.exec(
        select(Subscription)
        .where(Subscription.id == subscription_id, Subscription.tax_code == _tax_code(caller))
        .with_for_update()
    ).first()
    if subscription is None:
        raise SubscriptionNotFound(
            Message("error.subscription_not_found", {"subscription_id": subscription_id})
        )
    if subscription.disabled_at is None:
        subscription.disabled_at = clock.now()
        session.add(subscription)
        after_commit(session, subscribers.forget)
    return subscription


def pull(
    *, session: Session, caller: Caller, after: int | None, limit: int
) -> Sequence[Notification]:
    """Events not delivered nor acknowledged yet, oldest first: pending and failed ones."""
    statement = select(Notification).where(
        Notification.tax_code == _tax_code(caller),
        Notification.status != NotificationStatus.delivered,
        col(Notification.acknowledged_at).is_(None),
    )
    if after is not None:
        statement = statement.where(col(Notification.id) > after)
    return session.exec(statement.order_by(col(Notification.id)).limit(limit)).all()


def acknowledge(
    *, session: Session, clock: Clock, caller: Caller, event_id: uuid.UUID
) -> Notification:
    """The trader has the event (pulled it): no more pushes of it; acknowledging twice is fine."""
    row = session.exec(
        select(Notification)
        .where(Notification.event_id == event_id, Notification.tax_code == _tax_code(caller))
        .with_for_update()
    ).first()
    if row is None:
        raise NotificationNotFound(Message("error.event_not_found", {"event_id": str(event_id)}))
    if row.acknowledged_at is None:
        row.acknowledged_at = clock.now()
        session.add(row)
        if row.status is not NotificationStatus.delivered:
            # It may have held back later events of its declaration: push them now.
            pair = (row.subscription_id, row.declaration_id)
            after_commit(session, lambda: enqueue_delivery(*pair), key=("deliver", *pair))
    return row
