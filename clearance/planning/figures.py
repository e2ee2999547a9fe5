"""The answer's figures: release times per channel (observed and simulated), the replay's
validation against what was observed, queues by hour, and the revenue at stake."""

from collections.abc import Sequence
from datetime import datetime

from clearance.planning.calibration import Trace
from clearance.planning.fits import CHANNELS, median_p90
from clearance.planning.schemas import (
    VALIDATION_TOLERANCE,
    HourLoad,
    ReleaseFigures,
    RevenueAtStake,
    Validation,
)
from clearance.planning.simulation import Release, RunResult, load_by_hour
from clearance.quantiles import quantile

ARRIVAL_TO_RELEASE, LODGEMENT_TO_RELEASE = "arrival_to_release", "lodgement_to_release"
# A median of a few minutes sits where many trucks are released the moment they arrive: 15% of
# it is less than a minute, finer than the stage is worked. Within five minutes, it agrees.
ABSOLUTE_SLACK_SECONDS = 300.0
REVENUE_METHOD = (
    "duty and VAT assessed on the period's declarations that go to inspection (red), as a"
    " share of all assessed: under the scenario the red lane holds the period's highest risk"
    " scores up to its rate (hard hits and random picks always). It is the revenue exposed to"
    " an inspection, not a forecast of fraud found. Recovered revenue is what officers recorded,"
    " and the part of it on declarations the scenario reviews at least as strictly: what a"
    " newly selected declaration would have yielded is unknown, since nobody looked."
)


def observed_figures(traces: Sequence[Trace], channel: str) -> ReleaseFigures:
    releases = [
        Release(t.index, t.channel.value, t.lodged, t.arrived, t.released)
        for t in traces
        if t.in_period and t.released is not None and t.channel.value == channel
    ]
    return release_figures(releases, runs=1, overdue=None)


def release_figures(
    releases: Sequence[Release], *, runs: int, overdue: list[bool] | None
) -> ReleaseFigures:
    arrival = median_p90(r.released - r.arrived for r in releases if r.arrived is not None)
    lodgement = median_p90(r.released - r.lodged for r in releases)
    return ReleaseFigures(
        released=round(len(releases) / runs, 1),
        arrival_to_release_median_seconds=arrival[0],
        arrival_to_release_p90_seconds=arrival[1],
        lodgement_to_release_median_seconds=lodgement[0],
        lodgement_to_release_p90_seconds=lodgement[1],
        review_overdue_share=round(sum(overdue) / len(overdue), 3) if overdue else None,
    )


def simulated_figures(results: Sequence[RunResult], channel: str) -> ReleaseFigures:
    releases = [r for result in results for r in result.releases if r.channel == channel]
    overdue = [o for result in results for o in result.reviews.get(channel, [])]
    return release_figures(releases, runs=len(results), overdue=overdue)


def validation(
    channel: str, observed: ReleaseFigures, replayed: ReleaseFigures, runs: Sequence[RunResult]
) -> list[Validation]:
    """The medians of the replay with the period's own stage times against the observed ones,
    and how much one week scatters in `runs`, the runs with drawn stage times."""
    rows = []
    for stage, seen, simulated in (
        (
            ARRIVAL_TO_RELEASE,
            observed.arrival_to_release_median_seconds,
            replayed.arrival_to_release_median_seconds,
        ),
        (
            LODGEMENT_TO_RELEASE,
            observed.lodgement_to_release_median_seconds,
            replayed.lodgement_to_release_median_seconds,
        ),
    ):
        error = within = inside = None
        spread = _run_medians(runs, channel, stage)
        if seen is not None and simulated is not None:
            error = round((simulated - seen) / seen, 3) if seen > 0 else None
            slack = max(VALIDATION_TOLERANCE * seen, ABSOLUTE_SLACK_SECONDS)
            within = abs(simulated - seen) <= slack
        if seen is not None and spread[0] is not None and spread[1] is not None:
            inside = spread[0] <= seen <= spread[1]
        rows.append(
            Validation(
                channel=channel,
                stage=stage,
                observed_median_seconds=seen,
                simulated_median_seconds=simulated,
                relative_error=error,
                within_tolerance=within,
                run_medians_p10_seconds=spread[0],
                run_medians_p90_seconds=spread[1],
                within_run_spread=inside,
            )
        )
    return rows


def _run_medians(
    runs: Sequence[RunResult], channel: str, stage: str
) -> tuple[float | None, float | None]:
    """The 10th and 90th percentiles of the medians each run gives on its own."""
    medians = []
    for run in runs:
        starts = (
            (r, r.lodged if stage == LODGEMENT_TO_RELEASE else r.arrived) for r in run.releases
        )
        values = sorted(
            r.released - start for r, start in starts if r.channel == channel and start is not None
        )
        if values:
            medians.append(quantile(values, 0.5))
    medians.sort()
    if not medians:
        return None, None
    return round(quantile(medians, 0.1), 1), round(quantile(medians, 0.9), 1)


def hourly(
    baseline: Sequence[RunResult],
    scenario: Sequence[RunResult],
    *,
    origin: datetime,
    period: tuple[float, float],
) -> list[HourLoad]:
    """Mean queue and trucks at the gate by local hour over the period, every run pooled."""

    def mean(results: Sequence[RunResult], which: str) -> list[float]:
        per_run = [load_by_hour(getattr(r, which), origin, *period) for r in results]
        return [round(sum(values) / len(per_run), 2) for values in zip(*per_run, strict=True)]

    queues = mean(baseline, "waiting_for_officer"), mean(scenario, "waiting_for_officer")
    trucks = mean(baseline, "at_gate"), mean(scenario, "at_gate")
    return [
        HourLoad(
            hour=hour,
            baseline_review_queue=queues[0][hour],
            scenario_review_queue=queues[1][hour],
            baseline_trucks_waiting=trucks[0][hour],
            scenario_trucks_waiting=trucks[1][hour],
        )
        for hour in range(24)
    ]


def revenue(traces: Sequence[Trace], channels: dict[int, str]) -> RevenueAtStake:
    """Duty exposed to inspection in the period as it was and under the scenario's channels."""
    period = [t for t in traces if t.in_period]
    total = sum(t.duty_vnd for t in period)
    observed_red = [t for t in period if t.channel.value == "red"]
    scenario_red = [t for t in period if channels[t.index] == "red"]

    def share(members: Sequence[Trace]) -> float | None:
        return round(sum(t.duty_vnd for t in members) / total, 4) if total else None

    return RevenueAtStake(
        method=REVENUE_METHOD,
        red_rate_observed=round(len(observed_red) / len(period), 4) if period else 0.0,
        red_rate_scenario=round(len(scenario_red) / len(period), 4) if period else 0.0,
        duty_assessed_vnd=total,
        duty_inspected_share_observed=share(observed_red),
        duty_inspected_share_scenario=share(scenario_red),
        recovered_vnd_observed=sum(t.recovered_vnd for t in period),
        recovered_vnd_kept=sum(
            t.recovered_vnd
            for t in period
            if CHANNELS.index(channels[t.index]) >= CHANNELS.index(t.channel.value)
        ),
    )
