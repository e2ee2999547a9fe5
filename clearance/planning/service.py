"""The what-if planner: calibrate on a period, replay it, replay it with the changes, compare.

The answer's baseline and scenario draw every stage time from the fitted distributions, so
they describe a week of this traffic; the validation replays the period with each
declaration's own stage times, so what it compares with the observed medians is the model's
queue, shifts, legal clocks and release gates, and the spread of the drawn runs says how much
one week scatters.

The simulation loads the gate from a day before the period (so the period does not start on
an empty queue) to three days after it (later lodgements keep the officers busy while the
period's last declarations are worked), as far as the data goes; only the period's own
declarations are counted in the figures.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import Session

from clearance.errors import invalid_field
from clearance.messages import Message
from clearance.planning import figures, scenario
from clearance.planning.calibration import (
    Observed,
    OfficerDays,
    Trace,
    officers_worked,
    outside_shifts,
    read_trace,
)
from clearance.planning.fits import CHANNELS, Fits, fit_stages
from clearance.planning.records import busiest_gate, load_rows, officer_actions
from clearance.planning.schemas import Calibration, Changes, ChannelOutcome, WhatIfReport
from clearance.planning.shifts import ShiftHours, Staffing, fixed_staffing, parse_shifts, segments
from clearance.planning.simulation import Model, RunResult, calendar_deadline, simulate
from clearance.reference import calendar
from clearance.reference.calendar import VIETNAM, WorkingCalendar, local_date
from clearance.settings import Settings

WARM_UP = timedelta(days=1)
DRAIN = timedelta(days=3)
RUN_ON = timedelta(days=7)  # simulated past the last lodgement, for the last ones to finish
DEFAULT_RUNS = 20
MAX_RUNS = 50
DEFAULT_DAYS = 7
# Declarations times runs a request may simulate (each takes a fraction of a millisecond):
# a busy gate's week at twice its traffic, 20 runs over.
MAX_SIMULATED = 200_000


def last_week(now: datetime) -> tuple[datetime, datetime]:
    """The seven days before today at the gate, midnight to midnight."""
    today = datetime.combine(local_date(now), time(), VIETNAM)
    return today - timedelta(days=DEFAULT_DAYS), today


@dataclass(frozen=True)
class Calibrated:
    gate: str
    origin: datetime
    period: tuple[float, float]  # the period in the simulation's seconds
    traces: list[Trace]
    fits: Fits
    staffing: Staffing
    shifts: list[ShiftHours]
    calendar: WorkingCalendar
    summary: Calibration


def calibrate(
    *,
    session: Session,
    period: tuple[datetime, datetime],
    now: datetime,
    settings: Settings,
    gate: str | None = None,
) -> Calibrated:
    """Everything the simulation needs, from the period's events; a 422 when there is none."""
    gate = gate or busiest_gate(session=session, period_from=period[0], period_to=period[1])
    if gate is None:
        raise invalid_field("from", Message("field.plan_nothing_lodged"))
    origin = period[0] - WARM_UP
    window = (origin, max(min(period[1] + DRAIN, now), period[1]))
    shifts = parse_shifts(settings.shift_hours)
    rows = load_rows(session=session, gate=gate, window=window, period=period)
    actions = officer_actions(session=session, gate=gate, since=origin, until=window[1])
    observed = Observed()
    officer_days = OfficerDays(actions, shifts)
    for index, row in enumerate(rows):
        read_trace(row, index, origin, officer_days, observed)
    if not any(trace.in_period for trace in observed.traces):
        raise invalid_field("from", Message("field.plan_nothing_screened", {"gate": gate}))
    gate_calendar = calendar.for_gate(session=session, gate_code=gate)
    staffing = _staffing(observed, shifts, settings, window, gate_calendar)
    fits = fit_stages(observed.samples)
    seconds = ((period[0] - origin).total_seconds(), (period[1] - origin).total_seconds())
    summary = _summary(observed, fits, staffing, shifts, period, origin)
    return Calibrated(
        gate, origin, seconds, observed.traces, fits, staffing, shifts, gate_calendar, summary
    )


def _staffing(
    observed: Observed,
    shifts: list[ShiftHours],
    settings: Settings,
    window: tuple[datetime, datetime],
    gate_calendar: WorkingCalendar,
) -> Staffing:
    days = _days(*window)
    if settings.officers_per_shift:
        return fixed_staffing(settings.officers_per_shift, days, gate_calendar.closed)
    worked = officers_worked(observed.starts, shifts)
    return Staffing(worked, frozenset(days), "worked")


def _days(start: datetime, end: datetime) -> list[date]:
    first, last = local_date(start), local_date(end - timedelta(microseconds=1))
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _summary(
    observed: Observed,
    fits: Fits,
    staffing: Staffing,
    shifts: list[ShiftHours],
    period: tuple[datetime, datetime],
    origin: datetime,
) -> Calibration:
    traces = [t for t in observed.traces if t.in_period]
    days = max((period[1] - period[0]).total_seconds() / 86400, 1e-9)
    channels = Counter(t.channel.value for t in traces)
    yellows = [t for t in traces if t.channel.value == "yellow"]
    arrived = [t.arrived for t in traces if t.arrived is not None]
    return Calibration(
        declarations=len(traces),
        channel_shares={c: round(channels[c] / len(traces), 4) for c in CHANNELS},
        lodgements_per_hour=_per_hour([t.lodged for t in traces], origin, days),
        arrivals_per_hour=_per_hour(arrived, origin, days),
        officers_per_shift=_officers_per_shift(staffing, shifts, period),
        officers_source=staffing.source,
        stages=fits.rows,
        escalation_share=_share(sum(t.inspected for t in yellows), len(yellows)),
        waiting_for_trader=sum(1 for t in traces if t.trader_ready is not None),
        notes=_notes(observed, fits, shifts, traces),
    )


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _officers_per_shift(
    staffing: Staffing, shifts: list[ShiftHours], period: tuple[datetime, datetime]
) -> dict[str, float]:
    """Mean officers per shift over the period's days on which anyone worked."""
    days = [d for d in _days(*period) if any(staffing.worked(d, s.name) for s in shifts)]
    return {
        s.name.value: round(sum(staffing.worked(d, s.name) for d in days) / len(days), 2)
        if days
        else 0.0
        for s in shifts
    }


def _notes(
    observed: Observed, fits: Fits, shifts: list[ShiftHours], traces: list[Trace]
) -> list[str]:
    notes = list(fits.notes)
    if outside := outside_shifts(observed.starts, shifts):
        notes.append(f"{outside} items were begun outside every shift: the model staffs shifts")
    if waiting := sum(1 for t in traces if t.released is None and not t.seized):
        notes.append(
            f"{waiting} declarations of the period were not released when read: the observed"
            " figures leave them out, the simulation works them to the end"
        )
    return notes


def _per_hour(moments: Sequence[float], origin: datetime, days: float) -> list[float]:
    hours = Counter((origin + timedelta(seconds=m)).astimezone(VIETNAM).hour for m in moments)
    return [round(hours[hour] / days, 2) for hour in range(24)]


def what_if(
    *,
    session: Session,
    period: tuple[datetime, datetime],
    now: datetime,
    changes: Changes,
    settings: Settings,
    gate: str | None = None,
    runs: int = DEFAULT_RUNS,
    seed: int = 0,
) -> WhatIfReport:
    """The period replayed, and replayed with the changes: release times, queues, revenue."""
    found = calibrate(session=session, period=period, now=now, settings=settings, gate=gate)
    as_was = scenario.rechannel(found.traces, Changes())
    changed = scenario.rechannel(found.traces, changes)
    replayed = _runs(found, Changes(), as_was, runs=runs, seed=seed, own_times=True)
    baseline = _runs(found, Changes(), as_was, runs=runs, seed=seed)
    outcome = baseline if changes == Changes() else _runs(found, changes, changed, runs, seed)
    channels = [_channel(found, name, baseline, outcome) for name in CHANNELS]
    return WhatIfReport(
        period_from=period[0],
        period_to=period[1],
        generated_at=now,
        gate=found.gate,
        changes=changes.describe(),
        runs=runs,
        seed=seed,
        calibration=found.summary,
        channels=channels,
        validation=[
            row
            for c in channels
            for row in figures.validation(
                c.channel, c.observed, figures.simulated_figures(replayed, c.channel), baseline
            )
        ],
        queue_by_hour=figures.hourly(baseline, outcome, origin=found.origin, period=found.period),
        revenue=figures.revenue(found.traces, changed),
    )


def _runs(
    found: Calibrated,
    changes: Changes,
    channels: dict[int, str],
    runs: int,
    seed: int,
    own_times: bool = False,
) -> list[RunResult]:
    """The period simulated `runs` times under the changes, each run seeded apart."""
    jobs = scenario.jobs(
        found.traces,
        channels,
        escalation_share=found.summary.escalation_share,
        traffic=changes.traffic,
        seed=seed,
        own_times=own_times,
    )
    if len(jobs) * runs > MAX_SIMULATED:
        too_large = Message("field.plan_too_large", {"declarations": len(jobs), "runs": runs})
        raise invalid_field("runs", too_large)
    horizon = max((job.lodged for job in jobs), default=0.0) + RUN_ON.total_seconds()
    roster = segments(
        origin=found.origin,
        horizon=horizon,
        shifts=found.shifts,
        staffing=found.staffing,
        changes=changes,
        closed=found.calendar.closed,
    )
    deadline = calendar_deadline(found.origin, found.calendar.add)
    model = Model(found.fits, roster, deadline, horizon)
    return [simulate(jobs, model, seed=seed, run=run) for run in range(runs)]


def _channel(
    found: Calibrated, name: str, baseline: Sequence[RunResult], outcome: Sequence[RunResult]
) -> ChannelOutcome:
    return ChannelOutcome(
        channel=name,
        observed=figures.observed_figures(found.traces, name),
        baseline=figures.simulated_figures(baseline, name),
        scenario=figures.simulated_figures(outcome, name),
    )
