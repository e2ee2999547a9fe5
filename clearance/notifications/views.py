"""Subscriptions and outbox rows as a trader reads them."""

from clearance.notifications.models import Notification, Subscription
from clearance.notifications.outbox import event_of
from clearance.notifications.schemas import NotificationOut, SubscriptionCreated, SubscriptionOut


def subscription_out(subscription: Subscription) -> SubscriptionOut:
    return SubscriptionOut(
        id=subscription.id,
        url=subscription.url,
        created_at=subscription.created_at,
        disabled_at=subscription.disabled_at,
        active=subscription.disabled_at is None,
    )


def subscription_created(subscription: Subscription, secret: str) -> SubscriptionCreated:
    return SubscriptionCreated(**subscription_out(subscription).model_dump(), secret=secret)


def notification_out(row: Notification) -> NotificationOut:
    return NotificationOut(
        event=event_of(row),
        subscription_id=row.subscription_id,
        status=row.status,
        attempts=row.attempts,
        last_error=row.last_error,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        delivered_at=row.delivered_at,
        acknowledged_at=row.acknowledged_at,
    )
