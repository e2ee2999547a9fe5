"""The review lanes' gauges, read from the database at scrape time (one count for the whole
service, however many processes report)."""

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlmodel import col, select

from clearance import db
from clearance.clock import get_clock
from clearance.declarations.models import Channel, Declaration, State
from clearance.review import service as review_service

WAITING = (State.assessed, State.document_check, State.inspection, State.held)


class ReviewLanes(Collector):
    def collect(self) -> Iterator[Metric]:
        lanes = GaugeMetricFamily(
            "clearance_review_items",
            "Declarations waiting for officers, by state.",
            labels=["state"],
        )
        with db.new_session(writes=False) as session:
            rows = session.exec(
                select(Declaration.state, func.count())
                .where(
                    col(Declaration.state).in_(WAITING), col(Declaration.channel) != Channel.green
                )
                .group_by(col(Declaration.state))
            ).all()
            stats = review_service.lane_stats(session=session, clock=get_clock())
        counts = {str(state): n for state, n in rows}
        for state in WAITING:
            lanes.add_metric([state.value], float(counts.get(state.value, 0)))
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
