"""The Time Release Study report: stage intervals, their statistics per channel, the target."""

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from clearance.declarations.models import Channel

ALL_CHANNELS = "all"


class Stage(StrEnum):
    """The intervals of the WCO Time Release Study, in the order goods go through them."""

    lodgement_to_screening = "lodgement_to_screening"  # lodged -> accepted and channel given
    screening_to_document_check = "screening_to_document_check"  # channel -> an officer claims
    document_check = "document_check"  # claim -> decision or referral to inspection
    inspection = "inspection"  # referral -> decision
    decision_to_release = "decision_to_release"  # decision -> every release gate open
    release_to_exit = "release_to_exit"
    arrival_to_release = "arrival_to_release"
    lodgement_to_release = "lodgement_to_release"


# The consecutive stages from lodgement to exit: what a TRS chart stacks. The other two are
# totals over several of these.
SEQUENTIAL_STAGES = (
    Stage.lodgement_to_screening,
    Stage.screening_to_document_check,
    Stage.document_check,
    Stage.inspection,
    Stage.decision_to_release,
    Stage.release_to_exit,
)
# The interval the reduction target is judged on: how long goods wait at the gate.
TARGET_STAGE = Stage.arrival_to_release


class ReleaseTarget(BaseModel):
    """The baseline before the service (hours, per channel or overall) and the reduction."""

    baseline_hours: dict[str, float] = Field(
        description="hours per channel (green, yellow, red) with 'all' for the rest"
    )
    reduction: float = Field(ge=0, lt=1, description="e.g. 0.5: release in half the baseline")

    def baseline_seconds(self, channel: str) -> float | None:
        hours = self.baseline_hours.get(channel, self.baseline_hours.get(ALL_CHANNELS))
        return None if hours is None else hours * 3600

    def target_seconds(self, channel: str) -> float | None:
        baseline = self.baseline_seconds(channel)
        return None if baseline is None else baseline * (1 - self.reduction)


class StageStats(BaseModel):
    """Seconds; the percentiles interpolate linearly between the two nearest declarations."""

    stage: Stage
    count: int
    mean_seconds: float | None
    median_seconds: float | None
    p90_seconds: float | None
    max_seconds: float | None


class ChannelReport(BaseModel):
    channel: str = Field(description="green, yellow, red, or 'all' (every declaration)")
    lodged: int
    released: int
    seized: int
    cancelled: int
    waiting: int = Field(description="neither released, seized nor cancelled at report time")
    waiting_at_gate: int = Field(description="of those waiting, how many trucks have arrived")
    oldest_waiting_seconds: float | None = Field(
        description="the longest wait so far of those waiting, from their lodgement"
    )
    oldest_at_gate_seconds: float | None = Field(
        description="the longest wait so far of the trucks at the gate, from their arrival"
    )
    stages: list[StageStats]
    baseline_seconds: float | None
    target_seconds: float | None
    within_target: int = Field(
        description="arrived declarations within the target: released ones by their"
        " arrival->release, those still waiting by their wait so far"
    )
    within_target_share: float | None = Field(
        description="within_target over the arrived declarations, released or still waiting"
    )


class Outlier(BaseModel):
    declaration_id: uuid.UUID
    ucr: str
    channel: Channel | None
    lodged_at: datetime
    arrival_to_release_seconds: float | None
    lodgement_to_release_seconds: float
    longest_stage: Stage | None


class ReleaseTimeReport(BaseModel):
    """Declarations lodged in [period_from, period_to), as the database holds them."""

    period_from: datetime
    period_to: datetime
    generated_at: datetime
    target_stage: Stage = TARGET_STAGE
    target: ReleaseTarget
    channels: list[ChannelReport]
    outliers: list[Outlier] = Field(description="the slowest released, by arrival->release")

    def channel(self, name: str) -> ChannelReport:
        return next(report for report in self.channels if report.channel == name)


class ReportFormat(StrEnum):
    json = "json"
    csv = "csv"
    png = "png"
