"""Stage boundaries from event sequences the pipeline tests do not reach: holds, amendments."""

import uuid
from datetime import UTC, datetime, timedelta

from clearance.declarations.models import Channel, State
from clearance.reports.schemas import Stage
from clearance.reports.service import Event, Timeline, stage_intervals

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def _t(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _timeline(*events: Event, released: int | None = None) -> Timeline:
    return Timeline(
        id=uuid.uuid4(),
        ucr="MLT-1",
        channel=Channel.yellow,
        state=State.released if released is not None else State.document_check,
        lodged_at=T0,
        arrived_at=None,
        released_at=None if released is None else _t(released),
        exited_at=None,
        events=list(events),
    )


def test_a_hold_during_the_document_check_counts_as_checking_time() -> None:
    spans = stage_intervals(
        _timeline(
            Event("assess", State.screening, State.assessed, _t(1)),
            Event("claim", State.assessed, State.document_check, _t(5)),
            Event("decide_hold", State.document_check, State.held, _t(10)),
            Event("answer", State.held, State.document_check, _t(70)),
            Event("decide_release", State.document_check, State.decided, _t(75)),
            released=75,
        )
    )
    assert spans[Stage.document_check] == 70 * 60
    assert spans[Stage.decision_to_release] == 0
    assert Stage.inspection not in spans


def test_an_amendment_restarts_review_from_the_last_screening() -> None:
    spans = stage_intervals(
        _timeline(
            Event("assess", State.screening, State.assessed, _t(1)),
            Event("claim", State.assessed, State.document_check, _t(5)),
            Event("assess", State.screening, State.assessed, _t(30)),  # version 2
            Event("claim", State.assessed, State.document_check, _t(40)),
        )
    )
    assert spans == {
        Stage.lodgement_to_screening: 30 * 60,
        Stage.screening_to_document_check: 10 * 60,
    }
