"""The what-if planner's question (the changes an operator asks about) and its answer."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

# A simulated median within this share of the observed one reproduces the period.
VALIDATION_TOLERANCE = 0.15


class ShiftName(StrEnum):
    """The officers' shifts; their hours are configuration (`CLEARANCE_SHIFT_HOURS`)."""

    morning = "morning"
    afternoon = "afternoon"
    evening = "evening"


class WhatIfFormat(StrEnum):
    json = "json"
    png = "png"


class OfficerChange(BaseModel):
    """`+1` / `-1` adds to the officers who worked each day of that shift; `3` sets them."""

    shift: ShiftName
    value: int
    relative: bool

    def apply(self, worked: int) -> int:
        return max(worked + self.value if self.relative else self.value, 0)

    def text(self) -> str:
        return f"{self.value:+d}" if self.relative else str(self.value)


class Changes(BaseModel):
    """What differs from the period as it happened; nothing set replays the period."""

    officers: list[OfficerChange] = []
    red_rate: float | None = Field(default=None, ge=0, le=1)
    yellow_rate: float | None = Field(default=None, ge=0, le=1)
    traffic: float = Field(default=1.0, gt=0, le=10, description="lodgements times this")

    def describe(self) -> str:
        parts = [f"officers {c.shift} {c.text()}" for c in self.officers]
        if self.red_rate is not None:
            parts.append(f"red rate {self.red_rate:.1%}")
        if self.yellow_rate is not None:
            parts.append(f"yellow rate {self.yellow_rate:.1%}")
        if self.traffic != 1.0:
            parts.append(f"traffic x{self.traffic:g}")
        return ", ".join(parts) or "no change (a replay of the period)"


class StageFit(BaseModel):
    """A stage's time as observed in the period and as the simulation draws it (lognormal)."""

    stage: str = Field(description="screening, document_check or inspection")
    channel: str
    count: int = Field(description="observed intervals the fit was made on")
    source: str = Field(description="this channel, 'pooled' over channels, or 'assumed'")
    observed_median_seconds: float | None
    observed_p90_seconds: float | None
    fitted_median_seconds: float
    fitted_p90_seconds: float


class Calibration(BaseModel):
    declarations: int = Field(description="declarations lodged and screened in the period")
    channel_shares: dict[str, float]
    lodgements_per_hour: list[float] = Field(description="mean per day, by local hour 0-23")
    arrivals_per_hour: list[float] = Field(description="trucks at the gate, mean per day")
    officers_per_shift: dict[str, float] = Field(
        description="mean officers per open day and shift, as the simulation staffs them"
    )
    officers_source: str = Field(description="'worked' (from the events) or 'setting'")
    stages: list[StageFit]
    escalation_share: float = Field(description="yellow declarations sent on to inspection")
    waiting_for_trader: int = Field(
        description="released only after decision and arrival: the trader's gates (payment,"
        " papers) held them; the simulation replays each one's moment"
    )
    notes: list[str] = []


class ReleaseFigures(BaseModel):
    """Release times of one channel; simulated figures pool every run."""

    released: float = Field(description="declarations released (per run when simulated)")
    arrival_to_release_median_seconds: float | None
    arrival_to_release_p90_seconds: float | None
    lodgement_to_release_median_seconds: float | None
    lodgement_to_release_p90_seconds: float | None
    review_overdue_share: float | None = Field(
        default=None, description="reviews begun after their legal clock ran out"
    )


class ChannelOutcome(BaseModel):
    channel: str
    observed: ReleaseFigures
    baseline: ReleaseFigures = Field(
        description="the period replayed by the simulation, stage times drawn from the fits"
    )
    scenario: ReleaseFigures = Field(description="the period with the changes")


class Validation(BaseModel):
    """The replay against what was observed: does the model reproduce the period?"""

    channel: str
    stage: str
    observed_median_seconds: float | None
    simulated_median_seconds: float | None = Field(
        description="the period replayed with each declaration's own stage times (drawn only"
        " where it has none), every run pooled: the model's queue, shifts, legal clocks and"
        " release gates against what happened"
    )
    relative_error: float | None
    within_tolerance: bool | None = Field(
        description="within 15% of the observed median (or five minutes, for short ones)"
    )
    run_medians_p10_seconds: float | None = Field(
        description="the medians single runs of the baseline give (stage times drawn from the"
        " fits): the spread one week of this traffic shows under the model, from the 10th to"
        " the 90th percentile"
    )
    run_medians_p90_seconds: float | None
    within_run_spread: bool | None = Field(
        description="the observed median is one the model's own weeks give"
    )


class HourLoad(BaseModel):
    """Mean over the period's days and the runs, at the local hour."""

    hour: int
    baseline_review_queue: float = Field(description="items waiting for an officer")
    scenario_review_queue: float
    baseline_trucks_waiting: float = Field(description="trucks at the gate, not yet released")
    scenario_trucks_waiting: float


class RevenueAtStake(BaseModel):
    method: str
    red_rate_observed: float
    red_rate_scenario: float
    duty_assessed_vnd: int
    duty_inspected_share_observed: float | None
    duty_inspected_share_scenario: float | None
    recovered_vnd_observed: int = Field(description="recovered at the period's inspections")
    recovered_vnd_kept: int = Field(
        description="of that, on declarations the scenario reviews at least as strictly"
    )


class WhatIfReport(BaseModel):
    period_from: datetime
    period_to: datetime
    generated_at: datetime
    gate: str
    changes: str
    runs: int
    seed: int
    calibration: Calibration
    channels: list[ChannelOutcome]
    validation: list[Validation]
    validation_tolerance: float = VALIDATION_TOLERANCE
    queue_by_hour: list[HourLoad]
    revenue: RevenueAtStake
