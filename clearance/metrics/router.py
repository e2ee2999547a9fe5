"""`GET /metrics`: this process's metrics, or every process's in multiprocess mode."""

import logging
import os
from wsgiref.simple_server import WSGIServer

from fastapi import APIRouter, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector
from sqlalchemy import func
from sqlmodel import col, select

from clearance import db
from clearance.clock import get_clock
from clearance.declarations.models import Channel, Declaration, State
from clearance.notifications.models import Notification, NotificationStatus, Subscription
from clearance.queues import get_redis, notifications_queue, screening_queue
from clearance.review import service as review_service

router = APIRouter(tags=["operations"])
logger = logging.getLogger(__name__)


class LiveGauges(Collector):
    """Queue depths read at scrape time: a gauge per process would double-count them."""

    def collect(self):  # type: ignore[no-untyped-def]
        depth = GaugeMetricFamily(
            "clearance_queue_depth", "Jobs waiting in a worker queue.", labels=["queue"]
        )
        try:
            for queue in (screening_queue(get_redis()), notifications_queue(get_redis())):
                depth.add_metric([queue.name], float(queue.count))
        except Exception:  # noqa: S110 - an unreachable Redis must not break the scrape
            pass
        yield depth
        yield _undelivered_notifications()
        lanes = GaugeMetricFamily(
            "clearance_review_items",
            "Declarations waiting for officers, by state.",
            labels=["state"],
        )
        with db.new_session(writes=False) as session:
            rows = session.exec(
                select(Declaration.state, func.count())
                .where(
                    col(Declaration.state).in_(
                        [State.assessed, State.document_check, State.inspection, State.held]
                    ),
                    col(Declaration.channel) != Channel.green,
                )
                .group_by(col(Declaration.state))
            ).all()
            stats = review_service.lane_stats(session=session, clock=get_clock())
        counts = {str(state): n for state, n in rows}
        for state in ("assessed", "document_check", "inspection", "held"):
            lanes.add_metric([state], float(counts.get(state, 0)))
        yield lanes
        overdue = GaugeMetricFamily(
            "clearance_review_overdue_items",
            "Declarations in a lane past their legal clock (Customs Law art. 23).",
            labels=["lane"],
        )
        oldest = GaugeMetricFamily(
            "clearance_review_oldest_waiting_seconds",
            "How long the longest-waiting declaration of a lane has waited.",
            labels=["lane"],
        )
        for lane in stats:
            overdue.add_metric([lane.lane.value], float(lane.overdue))
            oldest.add_metric([lane.lane.value], lane.oldest_waiting_seconds)
        yield overdue
        yield oldest


def _undelivered_notifications() -> GaugeMetricFamily:
    """Outbox rows of active subscriptions not delivered or acknowledged, by status."""
    gauge = GaugeMetricFamily(
        "clearance_notifications_undelivered",
        "Notifications waiting to be pushed (pending) or given up on (failed, pull queue only).",
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
    return gauge


def scrape_registry() -> CollectorRegistry:
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = CollectorRegistry()
        registry.register(_ProcessMetrics())
    registry.register(LiveGauges())
    return registry


class _ProcessMetrics(Collector):
    """The default registry's metrics, when one process holds them all."""

    def collect(self):  # type: ignore[no-untyped-def]
        yield from REGISTRY.collect()


@router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    return Response(generate_latest(scrape_registry()), media_type=CONTENT_TYPE_LATEST)


def serve_internal(*, host: str, port: int) -> WSGIServer | None:
    """Serve the scrape on its own address, off the public app; None if another API process
    of this host serves it already (in multiprocess mode any one of them reports them all)."""
    try:
        server, _thread = start_http_server(port, addr=host, registry=scrape_registry())
    except OSError as exc:
        logger.info("metrics not served by this process on %s:%d: %s", host, port, exc)
        return None
    logger.info("metrics on http://%s:%d/metrics", host, port)
    return server
