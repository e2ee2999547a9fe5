"""What officers send and read in the review queues."""

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from clearance.declarations.models import Channel, DecisionKind, State
from clearance.fields import NoControlCharacters
from clearance.pydantic_errors import invalid

Note = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2000), NoControlCharacters
]
Reference = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    NoControlCharacters,
]
OfficerId = Annotated[str, StringConstraints(pattern=r"^(officer|supervisor):[0-9]{1,9}$")]


class Lane(StrEnum):
    document_check = "document_check"
    inspection = "inspection"
    held = "held"


class QueueItem(BaseModel):
    declaration_id: uuid.UUID
    version: int
    ucr: str
    gate: str
    lane: Lane
    state: State
    channel: Channel | None
    score: float | None
    due_at: datetime | None
    # Working time left on the legal clock (negative once overdue); None while none runs.
    time_left_seconds: float | None
    overdue: bool
    leased_by: str | None
    lease_expires_at: datetime | None


class Claim(BaseModel):
    item: QueueItem
    lease_expires_at: datetime


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lane: Literal["document_check", "inspection"] | None = None


class LeaseOut(BaseModel):
    declaration_id: uuid.UUID
    version: int
    officer: str
    claimed_at: datetime
    expires_at: datetime


class ReassignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    officer: OfficerId = Field(description="The officer's actor id, e.g. `officer:12`")


FindingCode = Literal[
    "undervaluation", "misclassification", "origin", "weight", "document", "prohibited", "quantity"
]


class Finding(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: FindingCode
    line: int | None = Field(default=None, ge=1, le=200)
    detail: Annotated[str, StringConstraints(max_length=1000), NoControlCharacters] = ""


class Verdict(StrEnum):
    accepted = "accepted"
    queried = "queried"


class DocumentVerdictIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    document_id: uuid.UUID
    verdict: Verdict
    note: Note = ""

    @model_validator(mode="after")
    def _query_says_why(self) -> "DocumentVerdictIn":
        if self.verdict is Verdict.queried and len(self.note) < 3:
            raise invalid("field.query_needs_note")
        return self


class DocumentCheckIn(BaseModel):
    """A verdict on every document of the version named; any query holds the declaration."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
    documents: list[DocumentVerdictIn] = Field(min_length=1, max_length=50)
    note: Note = ""


class DocumentCheckOut(BaseModel):
    id: int
    declaration_id: uuid.UUID
    version: int
    officer: str
    verdicts: list[dict[str, str]]
    all_accepted: bool
    note: str
    checked_at: datetime


class InspectionIn(BaseModel):
    """What the officer found at the goods: seals, count, weight, sample, photos, discrepancies."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
    seals_intact: bool
    seal_numbers: list[Reference] = Field(default_factory=list, max_length=10)
    packages_counted: int | None = Field(default=None, ge=0, le=1_000_000)
    weight_kg: Decimal | None = Field(default=None, gt=0, le=Decimal("200000"), decimal_places=3)
    sample_taken: bool = False
    sample_reference: Reference | None = None
    photo_document_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)
    discrepancies: list[Finding] = Field(default_factory=list, max_length=100)
    note: Note = ""

    @model_validator(mode="after")
    def _sample_has_reference(self) -> "InspectionIn":
        if self.sample_taken != (self.sample_reference is not None):
            raise invalid("field.sample_reference")
        return self


class InspectionOut(BaseModel):
    id: int
    declaration_id: uuid.UUID
    version: int
    officer: str
    seals_intact: bool
    seal_numbers: list[str]
    packages_counted: int | None
    weight_kg: Decimal | None
    sample_taken: bool
    sample_reference: str | None
    photo_document_ids: list[uuid.UUID]
    discrepancies: list[Finding]
    note: str
    inspected_at: datetime


class DecisionIn(BaseModel):
    """An officer's decision on the version it names (the outcome schema of DESIGN §3)."""

    model_config = ConfigDict(extra="forbid")
    decision: DecisionKind
    version: int = Field(ge=1)
    reason: Note = ""
    query: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, min_length=3, max_length=2000),
            NoControlCharacters,
        ]
        | None
    ) = None
    inspected: bool = False
    fraud_found: bool = False
    revenue_recovered: Decimal | None = Field(
        default=None, ge=0, le=Decimal("1e15"), decimal_places=2
    )
    revenue_currency: Literal["VND", "USD"] | None = None
    findings: list[Finding] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _consistent(self) -> "DecisionIn":
        if self.decision is DecisionKind.hold and not self.query:
            raise invalid("field.hold_needs_query")
        if self.decision is DecisionKind.seize and len(self.reason) < 3:
            raise invalid("field.seizure_needs_reason")
        if (self.revenue_recovered is None) != (self.revenue_currency is None):
            raise invalid("field.revenue_currency")
        return self


class CaseOut(BaseModel):
    number: str
    declaration_id: uuid.UUID
    version: int
    reason: str
    findings: list[Finding]
    opened_by: str
    opened_at: datetime
    status: str


class DecisionOut(BaseModel):
    declaration_id: uuid.UUID
    version: int
    decision: DecisionKind
    state: State
    case: CaseOut | None = None


class ReviewRecord(BaseModel):
    """Everything officers recorded on a declaration under review, with the lease on it."""

    item: QueueItem | None
    lease: LeaseOut | None
    document_checks: list[DocumentCheckOut]
    inspections: list[InspectionOut]
    cases: list[CaseOut]


class OfficerWorkload(BaseModel):
    officer: str
    items_held: int
    overdue_held: int
    decisions_today: int
    oldest_claim_at: datetime | None
