"""What supervisors send and read when they tune the risk engine."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from clearance.fields import CountryCode, Name, NoControlCharacters, TaxCode

Note = Annotated[str, StringConstraints(max_length=500), NoControlCharacters]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RuleOut(BaseModel):
    rule_id: str
    description: str
    version: int
    enabled: bool
    severity: str
    hard: bool
    params: dict[str, Any]
    defaults: dict[str, Any]


class RuleVersionOut(BaseModel):
    rule_id: str
    version: int
    enabled: bool
    severity: str
    params: dict[str, Any]
    note: str
    created_by: str
    created_at: datetime


class RuleIn(Strict):
    enabled: bool = True
    severity: Literal["info", "warning", "critical"]
    # Checked against the rule's own settings by the service, which names the field.
    params: dict[Annotated[str, StringConstraints(max_length=40)], Any] = Field(
        default_factory=dict, max_length=20
    )
    note: Note = ""


class PolicyOut(BaseModel):
    version: int
    red_share: float
    yellow_share: float
    random_share: float
    aeo_relief: float
    window: int
    note: str
    created_by: str


class PolicyIn(Strict):
    red_share: float | None = Field(default=None, ge=0, le=1)
    yellow_share: float | None = Field(default=None, ge=0, le=1)
    random_share: float | None = Field(default=None, ge=0, le=1)
    aeo_relief: float | None = Field(default=None, ge=0, le=0.9)
    window: int | None = Field(default=None, ge=100, le=100_000)
    note: Note = ""


class TraderStandingIn(Strict):
    name: Name | None = None
    aeo: bool


class TraderStandingOut(BaseModel):
    tax_code: str
    name: str
    aeo: bool
    updated_by: str
    updated_at: datetime


class WatchlistIn(Strict):
    name: Name
    country: CountryCode | None = None
    tax_code: TaxCode | None = None
    reason: Annotated[str, StringConstraints(min_length=3, max_length=500), NoControlCharacters]
    source: Annotated[str, StringConstraints(min_length=2, max_length=100), NoControlCharacters]


class WatchlistOut(BaseModel):
    id: int
    name: str
    country: str | None
    tax_code: str | None
    reason: str
    source: str
    added_at: datetime
    removed_at: datetime | None


class ModelOut(BaseModel):
    version: str
    active: bool
    # stored, shadow (on trial), promoted, rejected or superseded (docs/risk-engine.md)
    status: str
    trained_on: int
    metrics: dict[str, Any]
    comparison: dict[str, Any]  # the trial's last comparison with the ranking in force
    decided_at: datetime | None
    created_at: datetime
