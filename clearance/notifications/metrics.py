"""The outbox's gauge, read from the database at scrape time."""

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlmodel import col, select

from clearance import db
from clearance.notifications.models import Notification, NotificationStatus, Subscription


class UndeliveredNotifications(Collector):
    """Outbox rows of active subscriptions not delivered or acknowledged, by status."""

    def collect(self) -> Iterator[Metric]:
        gauge = GaugeMetricFamily(
            "clearance_notifications_undelivered",
            "Notifications waiting to be pushed (pending) or given up on (failed, pull queue "
            "only).",
            labels=["status"],
        )
        with db.new_session(writes=False) as session:
            rows = session.exec(
                select(Notification.status, func.count())
                .join(Subscription, col(Subscription.id) == Notification.subscription_id)
                .where(
                    Notification.status != NotificationStatus.delivered,
                    col(Notification.acknowledged_at).is_(None),
                    col(Subscription.disabled_at).is_(None),
                )
                .group_by(col(Notification.status))
            ).all()
        counts = {str(status): n for status, n in rows}
        for status in (NotificationStatus.pending, NotificationStatus.failed):
            gauge.add_metric([status.value], float(counts.get(status.value, 0)))
        yield gauge
