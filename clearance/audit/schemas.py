"""The audit trail as supervisors query and read it."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from clearance.fields import NoControlCharacters, UtcDatetime
from clearance.pydantic_errors import invalid

MAX_PAGE = 500

Text = Annotated[str, StringConstraints(min_length=1, max_length=200), NoControlCharacters]
# The roles of API keys (auth.models.Role), and that of the service's own actors.
AuditRole = Literal["trader", "officer", "supervisor", "operator", "gate", "bank", "system"]


class AuditQuery(BaseModel):
    """Filters and paging for `GET /v1/audit`; every filter narrows, none is required."""

    model_config = ConfigDict(extra="forbid")

    actor: Annotated[Text | None, Field(max_length=40, description="e.g. officer:12, worker")] = (
        None
    )
    role: AuditRole | None = None
    action: Annotated[
        Text | None, Field(description="a prefix: 'POST /v1/review', 'transition:'")
    ] = None
    target_id: Annotated[Text | None, Field(max_length=64)] = None
    since: Annotated[UtcDatetime | None, Field(description="from this time on (inclusive)")] = None
    until: Annotated[UtcDatetime | None, Field(description="before this time (exclusive)")] = None
    outcome: Annotated[
        str | None, Field(pattern=r"^(ok|[1-5][0-9]{2})$", description="'ok', '401', '403'")
    ] = None
    after: Annotated[int | None, Field(ge=1, le=2**31 - 1, description="last id seen")] = None
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 100
    order: Literal["newest", "oldest"] = "newest"

    @model_validator(mode="after")
    def _period(self) -> "AuditQuery":
        if self.since and self.until and self.until <= self.since:
            raise invalid("field.until_after_since")
        return self


class AuditRecordOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    role: str | None
    tax_code: str | None
    action: str
    target_kind: str | None
    target_id: str | None
    version: int | None
    client_address: str | None
    request_id: str | None
    outcome: str


class AuditPage(BaseModel):
    items: list[AuditRecordOut]
    next_after: int | None = Field(description="pass as `after` for the next page; null at the end")
