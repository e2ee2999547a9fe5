"""Queue depths, read at scrape time: screening's from the database, deliveries' from Redis."""

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from clearance import db
from clearance.queues import SCREENING_QUEUE, get_redis, notifications_queue
from clearance.risk import pending


class QueueDepths(Collector):
    """Work waiting for a worker. Screening's list is the database (the versions pending, not
    parked); Redis holds only triggers for it. Deliveries wait as jobs in their Redis queue."""

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "clearance_queue_depth", "Work waiting in a worker queue.", labels=["queue"]
        )
        with db.new_session(writes=False) as session:
            waiting, _oldest = pending.waiting(session=session)
        depth.add_metric([SCREENING_QUEUE], float(waiting))
        try:
            queue = notifications_queue(get_redis())
            depth.add_metric([queue.name], float(queue.count))
        except Exception:  # noqa: S110 - an unreachable Redis must not break the scrape
            pass
        yield depth
