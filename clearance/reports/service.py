"""The Time Release Study report, computed exactly from the event rows (never from Prometheus).

Every figure comes from `declaration_event` and the declaration's own timestamps, so the report
for a closed period is the same whenever it is run. Stage boundaries (DESIGN §5):

- screening done is the last `assess` event: an amendment screens again, and the time spent
  on earlier versions belongs to lodgement -> screening done;
- the document check starts at the officer's `claim` after it, and ends when the declaration
  leaves `document_check` for inspection, a decision or a seizure (a hold to the trader in
  between is part of the check: the goods are still waiting);
- the inspection runs from the referral to the decision or seizure;
- decision -> release runs from the last move to `decided` (for green, the worker's decision
  at screening) to release, which waits for the truck and every other release gate.
"""

import csv
import io
import statistics
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col

from clearance.declarations.models import Channel, Declaration, DeclarationEvent, State
from clearance.quantiles import quantile
from clearance.reports.schemas import (
    ALL_CHANNELS,
    SEQUENTIAL_STAGES,
    TARGET_STAGE,
    ChannelReport,
    Outlier,
    ReleaseTarget,
    ReleaseTimeReport,
    Stage,
    StageStats,
)
from clearance.settings import get_settings

# Used until Settings carries CLEARANCE_BASELINE_HOURS and CLEARANCE_TARGET_REDUCTION.
# The baseline is a placeholder: set it to the gate's measured time before the service.
DEFAULT_OUTLIERS = 10
# What held goods back: the stages up to release (exit is the trader's time, not customs').
BEFORE_RELEASE = tuple(stage for stage in SEQUENTIAL_STAGES if stage is not Stage.release_to_exit)
CHANNELS = (ALL_CHANNELS, *(channel.value for channel in Channel))
# Events that mark a stage boundary; notes (arrival, from_state == to_state) mark none.
_BOUNDARY_STATES = (
    State.assessed,
    State.document_check,
    State.inspection,
    State.decided,
    State.seized,
)


def release_target() -> ReleaseTarget:
    """The configured baseline and reduction (a dependency: tests and settings replace it)."""
    settings = get_settings()
    baseline = settings.baseline_hours
    hours = {ALL_CHANNELS: float(baseline)} if isinstance(baseline, int | float) else baseline
    return ReleaseTarget(baseline_hours=dict(hours), reduction=settings.target_reduction)


@dataclass(frozen=True)
class Event:
    action: str
    from_state: State | None
    to_state: State
    at: datetime


@dataclass
class Timeline:
    """One declaration as the report needs it: its timestamps and its boundary events."""

    id: uuid.UUID
    ucr: str
    channel: Channel | None
    state: State
    lodged_at: datetime
    arrived_at: datetime | None
    released_at: datetime | None
    exited_at: datetime | None
    events: list[Event] = field(default_factory=list)


def stage_intervals(timeline: Timeline) -> dict[Stage, float]:
    """The TRS intervals this declaration has been through, in seconds (never negative)."""
    events = timeline.events
    assessed = _last(events, lambda e: e.action == "assess")
    after = events[events.index(assessed) + 1 :] if assessed else []
    claimed = _first(after, lambda e: e.action == "claim")
    check_done = _first(
        after,
        lambda e: (
            e.from_state is State.document_check
            and e.to_state in {State.inspection, State.decided, State.seized}
        ),
    )
    referred = _first(after, lambda e: e.to_state is State.inspection and e.from_state is not None)
    inspected = _first(
        after,
        lambda e: e.from_state is State.inspection and e.to_state in {State.decided, State.seized},
    )
    decided = _last(
        events, lambda e: e.to_state is State.decided and e.from_state is not State.decided
    )
    spans = {
        Stage.lodgement_to_screening: (timeline.lodged_at, _at(assessed)),
        Stage.screening_to_document_check: (_at(assessed), _at(claimed)),
        Stage.document_check: (_at(claimed), _at(check_done)),
        Stage.inspection: (_at(referred), _at(inspected)),
        Stage.decision_to_release: (_at(decided), timeline.released_at),
        Stage.release_to_exit: (timeline.released_at, timeline.exited_at),
        Stage.arrival_to_release: (timeline.arrived_at, timeline.released_at),
        Stage.lodgement_to_release: (timeline.lodged_at, timeline.released_at),
    }
    return {
        stage: max((end - start).total_seconds(), 0.0)
        for stage, (start, end) in spans.items()
        if start is not None and end is not None
    }


def _at(event: Event | None) -> datetime | None:
    return None if event is None else event.at


def _first(events: Sequence[Event], match: Callable[[Event], bool]) -> Event | None:
    return next((event for event in events if match(event)), None)


def _last(events: Sequence[Event], match: Callable[[Event], bool]) -> Event | None:
    return _first(list(reversed(events)), match)


def stage_stats(stage: Stage, values: Iterable[float]) -> StageStats:
    ordered = sorted(values)
    if not ordered:
        return StageStats(
            stage=stage,
            count=0,
            mean_seconds=None,
            median_seconds=None,
            p90_seconds=None,
            max_seconds=None,
        )
    return StageStats(
        stage=stage,
        count=len(ordered),
        mean_seconds=_round(statistics.fmean(ordered)),
        median_seconds=_round(quantile(ordered, 0.5)),
        p90_seconds=_round(quantile(ordered, 0.9)),
        max_seconds=_round(ordered[-1]),
    )


def _round(seconds: float) -> float:
    # Milliseconds are finer than any stage is measured; rounding hides float noise.
    return round(seconds, 3)


def load_timelines(
    *, session: Session, period_from: datetime, period_to: datetime
) -> list[Timeline]:
    """Declarations lodged in [period_from, period_to) with their boundary events, in order."""
    in_period = (
        col(Declaration.lodged_at) >= period_from,
        col(Declaration.lodged_at) < period_to,
    )
    # Columns, not entities: a month of declarations as ORM objects cost the API more than
    # the report's own arithmetic (the operator's report beside a hundred traders' requests).
    declarations = session.execute(
        sa.select(
            col(Declaration.id),
            col(Declaration.ucr),
            col(Declaration.channel),
            col(Declaration.state),
            col(Declaration.lodged_at),
            col(Declaration.arrived_at),
            col(Declaration.released_at),
            col(Declaration.exited_at),
        ).where(*in_period)
    )
    timelines = {row[0]: Timeline(*row) for row in declarations}
    events = session.execute(
        sa.select(
            col(DeclarationEvent.declaration_id),
            col(DeclarationEvent.action),
            col(DeclarationEvent.from_state),
            col(DeclarationEvent.to_state),
            col(DeclarationEvent.at),
        )
        .join(Declaration, col(Declaration.id) == col(DeclarationEvent.declaration_id))
        .where(*in_period, col(DeclarationEvent.to_state).in_(_BOUNDARY_STATES))
        .order_by(col(DeclarationEvent.at), col(DeclarationEvent.id))
    )
    for declaration_id, *event in events:
        timelines[declaration_id].events.append(Event(*event))
    return list(timelines.values())


def release_time(
    *,
    session: Session,
    period_from: datetime,
    period_to: datetime,
    generated_at: datetime,
    target: ReleaseTarget,
    outliers: int = DEFAULT_OUTLIERS,
) -> ReleaseTimeReport:
    """Count, mean, median, p90 and max per stage and channel; the share within target."""
    timelines = load_timelines(session=session, period_from=period_from, period_to=period_to)
    intervals = [(timeline, stage_intervals(timeline)) for timeline in timelines]
    groups: dict[str, list[tuple[Timeline, dict[Stage, float]]]] = defaultdict(list)
    for timeline, spans in intervals:
        groups[ALL_CHANNELS].append((timeline, spans))
        if timeline.channel is not None:
            groups[timeline.channel.value].append((timeline, spans))
    return ReleaseTimeReport(
        period_from=period_from,
        period_to=period_to,
        generated_at=generated_at,
        target=target,
        channels=[_channel_report(name, groups[name], target, generated_at) for name in CHANNELS],
        outliers=_slowest(intervals, outliers),
    )


def _waiting(timeline: Timeline) -> bool:
    return timeline.released_at is None and timeline.state not in {State.seized, State.cancelled}


def _channel_report(
    name: str,
    members: list[tuple[Timeline, dict[Stage, float]]],
    target: ReleaseTarget,
    now: datetime,
) -> ChannelReport:
    states = [timeline.state for timeline, _ in members]
    released = sum(1 for timeline, _ in members if timeline.released_at is not None)
    seized = states.count(State.seized)
    cancelled = states.count(State.cancelled)
    target_seconds = target.target_seconds(name)
    waiting = [timeline for timeline, _ in members if _waiting(timeline)]
    # A truck still at the gate counts by its wait so far: an old one is already past target.
    at_gate = [max((now - t.arrived_at).total_seconds(), 0.0) for t in waiting if t.arrived_at]
    measured = [spans[TARGET_STAGE] for _, spans in members if TARGET_STAGE in spans] + at_gate
    within = (
        sum(1 for seconds in measured if seconds <= target_seconds)
        if target_seconds is not None
        else 0
    )
    return ChannelReport(
        channel=name,
        lodged=len(members),
        released=released,
        seized=seized,
        cancelled=cancelled,
        waiting=len(waiting),
        waiting_at_gate=len(at_gate),
        oldest_waiting_seconds=max(
            (_round((now - t.lodged_at).total_seconds()) for t in waiting), default=None
        ),
        oldest_at_gate_seconds=_round(max(at_gate)) if at_gate else None,
        stages=[
            stage_stats(stage, (spans[stage] for _, spans in members if stage in spans))
            for stage in Stage
        ],
        baseline_seconds=target.baseline_seconds(name),
        target_seconds=target_seconds,
        within_target=within,
        within_target_share=(
            within / len(measured) if measured and target_seconds is not None else None
        ),
    )


def _slowest(intervals: list[tuple[Timeline, dict[Stage, float]]], count: int) -> list[Outlier]:
    released = [(t, spans) for t, spans in intervals if Stage.lodgement_to_release in spans]
    released.sort(
        key=lambda item: (
            item[1].get(TARGET_STAGE, -1.0),
            item[1][Stage.lodgement_to_release],
        ),
        reverse=True,
    )
    return [
        Outlier(
            declaration_id=timeline.id,
            ucr=timeline.ucr,
            channel=timeline.channel,
            lodged_at=timeline.lodged_at,
            arrival_to_release_seconds=spans.get(TARGET_STAGE),
            lodgement_to_release_seconds=spans[Stage.lodgement_to_release],
            longest_stage=max(
                (stage for stage in BEFORE_RELEASE if stage in spans),
                key=lambda stage: spans[stage],
                default=None,
            ),
        )
        for timeline, spans in released[:count]
    ]


CSV_COLUMNS = (
    "channel",
    "stage",
    "count",
    "mean_seconds",
    "median_seconds",
    "p90_seconds",
    "max_seconds",
    "target_seconds",
    "within_target",
    "within_target_share",
)


def to_csv(report: ReleaseTimeReport) -> str:
    """One row per channel and stage; the target columns are filled on the target stage."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for channel in report.channels:
        for stats in channel.stages:
            on_target = stats.stage is report.target_stage
            writer.writerow(
                [
                    channel.channel,
                    stats.stage.value,
                    stats.count,
                    _cell(stats.mean_seconds),
                    _cell(stats.median_seconds),
                    _cell(stats.p90_seconds),
                    _cell(stats.max_seconds),
                    _cell(channel.target_seconds if on_target else None),
                    channel.within_target if on_target else "",
                    _cell(channel.within_target_share if on_target else None),
                ]
            )
    return out.getvalue()


def _cell(value: float | None) -> str:
    return "" if value is None else str(value)
