"""Stage times as lognormal distributions fitted to the period's observed intervals.

A lognormal is the usual shape of service times (positive, skewed to the right, a few long
ones); it is fitted by the mean and spread of the log seconds, the maximum-likelihood fit. A
channel with too few intervals for a stage borrows the fit pooled over every channel, and a
stage nobody observed at all takes an assumed time, said so in the calibration's notes.
"""

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from clearance.planning.schemas import StageFit
from clearance.quantiles import quantile

SCREENING, DOCUMENT_CHECK, INSPECTION = "screening", "document_check", "inspection"
STAGES = (SCREENING, DOCUMENT_CHECK, INSPECTION)
CHANNELS = ("green", "yellow", "red")
# Which channels go through which stage.
STAGE_CHANNELS = {
    SCREENING: CHANNELS,
    DOCUMENT_CHECK: ("yellow", "red"),
    INSPECTION: ("yellow", "red"),
}
# Fewer intervals than this and a channel's own fit is too loose: it borrows the pooled one.
MIN_SAMPLES = 5
# Only when a stage was never observed in the period: a plain guess, flagged in the notes.
ASSUMED_MEDIAN_SECONDS = {SCREENING: 30.0, DOCUMENT_CHECK: 1800.0, INSPECTION: 5400.0}
ASSUMED_SIGMA = 0.5
Z90 = statistics.NormalDist().inv_cdf(0.9)
NORMAL = statistics.NormalDist()
# Below a second the log is meaningless for a stage: it was immediate.
FLOOR_SECONDS = 1.0


@dataclass(frozen=True)
class Lognormal:
    mu: float
    sigma: float

    def quantile(self, u: float) -> float:
        """The time at cumulative probability u (in (0, 1)), in seconds."""
        u = min(max(u, 1e-9), 1 - 1e-9)
        return math.exp(self.mu + self.sigma * NORMAL.inv_cdf(u))

    @property
    def median(self) -> float:
        return math.exp(self.mu)

    @property
    def p90(self) -> float:
        return math.exp(self.mu + self.sigma * Z90)


def fit_lognormal(seconds: Sequence[float]) -> Lognormal:
    logs = [math.log(max(value, FLOOR_SECONDS)) for value in seconds]
    sigma = statistics.pstdev(logs) if len(logs) > 1 else ASSUMED_SIGMA
    return Lognormal(statistics.fmean(logs), sigma)


@dataclass(frozen=True)
class Fits:
    """The distribution the simulation draws each stage's time from, per channel."""

    by_stage: dict[tuple[str, str], Lognormal]
    rows: list[StageFit]
    notes: list[str]

    def seconds(self, stage: str, channel: str, u: float) -> float:
        return self.by_stage[(stage, channel)].quantile(u)


def fit_stages(samples: dict[tuple[str, str], list[float]]) -> Fits:
    """Fit each (stage, channel) the simulation needs, borrowing where too few were seen."""
    by_stage: dict[tuple[str, str], Lognormal] = {}
    rows: list[StageFit] = []
    notes: list[str] = []
    for stage in STAGES:
        pooled = [v for channel in STAGE_CHANNELS[stage] for v in samples.get((stage, channel), [])]
        if not pooled:
            notes.append(
                f"no {stage} was observed in the period: its time is assumed"
                f" ({ASSUMED_MEDIAN_SECONDS[stage] / 60:g} min median)"
            )
        for channel in STAGE_CHANNELS[stage]:
            own = samples.get((stage, channel), [])
            fit, source = _choose(stage, own, pooled)
            by_stage[(stage, channel)] = fit
            rows.append(_row(stage, channel, own, fit, source))
    return Fits(by_stage, rows, notes)


def _choose(stage: str, own: list[float], pooled: list[float]) -> tuple[Lognormal, str]:
    if len(own) >= MIN_SAMPLES:
        return fit_lognormal(own), "channel"
    if pooled:
        return fit_lognormal(pooled), "pooled"
    return Lognormal(math.log(ASSUMED_MEDIAN_SECONDS[stage]), ASSUMED_SIGMA), "assumed"


def _row(stage: str, channel: str, own: list[float], fit: Lognormal, source: str) -> StageFit:
    ordered = sorted(own)
    return StageFit(
        stage=stage,
        channel=channel,
        count=len(ordered),
        source=source,
        observed_median_seconds=_round(quantile(ordered, 0.5)) if ordered else None,
        observed_p90_seconds=_round(quantile(ordered, 0.9)) if ordered else None,
        fitted_median_seconds=_round(fit.median),
        fitted_p90_seconds=_round(fit.p90),
    )


def _round(seconds: float) -> float:
    return round(seconds, 1)


def median_p90(values: Iterable[float]) -> tuple[float | None, float | None]:
    ordered = sorted(values)
    if not ordered:
        return None, None
    return _round(quantile(ordered, 0.5)), _round(quantile(ordered, 0.9))
