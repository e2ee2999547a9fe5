"""What a client sends to authorise a broker, and what either side reads."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from clearance.fields import TaxCode
from clearance.pydantic_errors import invalid

Kind = Literal["import", "export", "transit"]


class MandateIn(BaseModel):
    """`client_tax_code` defaults to the caller's; a supervisor names it (a paper mandate)."""

    model_config = ConfigDict(extra="forbid")
    broker_tax_code: TaxCode
    client_tax_code: TaxCode | None = None
    scope: list[Kind] = Field(min_length=1, max_length=3)
    valid_from: date
    valid_to: date

    @model_validator(mode="after")
    def _consistent(self) -> "MandateIn":
        if self.valid_to < self.valid_from:
            raise invalid("field.mandate_reversed")
        if (self.valid_to - self.valid_from).days > 366 * 5:
            raise invalid("field.mandate_too_long")
        if len(set(self.scope)) != len(self.scope):
            raise invalid("field.scope_repeated")
        if self.client_tax_code is not None and self.client_tax_code == self.broker_tax_code:
            raise invalid("field.mandate_not_needed")
        return self


class MandateOut(BaseModel):
    id: int
    broker_tax_code: str
    client_tax_code: str
    scope: list[str]
    valid_from: date
    valid_to: date
    granted_by: str
    granted_at: datetime
    revoked_at: datetime | None
