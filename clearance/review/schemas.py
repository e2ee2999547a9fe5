"""What officers send and read in the review queues."""

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from clearance.declarations.models import Channel, DecisionKind, State
from clearance.fields import NoControlCharacters


class Lane(StrEnum):
    document_check = "document_check"
    inspection = "inspection"
    held = "held"


class QueueItem(BaseModel):
    declaration_id: uuid.UUID
    version: int
    ucr: str
    lane: Lane
    state: State
    channel: Channel | None
    score: float | None
    due_at: datetime | None
    overdue: bool
    leased_by: str | None
    lease_expires_at: datetime | None


class Claim(BaseModel):
    item: QueueItem
    lease_expires_at: datetime


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lane: Literal["document_check", "inspection"] | None = None


FindingCode = Literal[
    "undervaluation", "misclassification", "origin", "weight", "document", "prohibited", "quantity"
]


class Finding(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: FindingCode
    line: int | None = Field(default=None, ge=1, le=200)
    detail: Annotated[str, StringConstraints(max_length=1000), NoControlCharacters] = ""


class DecisionIn(BaseModel):
    """An officer's decision on the version it names (the outcome schema of DESIGN §3)."""

    model_config = ConfigDict(extra="forbid")
    decision: DecisionKind
    version: int = Field(ge=1)
    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=2000), NoControlCharacters
    ] = ""
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
            raise ValueError("a hold needs a query to the trader")
        if self.decision is DecisionKind.seize and len(self.reason) < 3:
            raise ValueError("a seizure needs a reason")
        if (self.revenue_recovered is None) != (self.revenue_currency is None):
            raise ValueError("revenue_recovered and revenue_currency go together")
        if self.fraud_found and not self.findings:
            raise ValueError("fraud_found needs at least one finding")
        return self


class DecisionOut(BaseModel):
    declaration_id: uuid.UUID
    version: int
    decision: DecisionKind
    state: State
