"""What the bank, supervisors and every reader send and read about duties."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Self

from pydantic import BaseModel, Field, StringConstraints, model_validator

from clearance.fields import NoControlCharacters, PlausibleDate, StrictModel, TaxCode, UtcDatetime
from clearance.pydantic_errors import invalid

# More than any truck of goods owes: beyond it an amount is a typing error.
MAX_VND = 10**15
HsCode8 = Annotated[str, StringConstraints(pattern=r"^[0-9]{8}$")]
Reference = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9\-_/.]{3,63}$")]
Ucr = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9\-/]{3,34}$")]
Vnd = Annotated[int, Field(gt=0, le=MAX_VND)]


RateColumn = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,15}$")]
RateCell = Annotated[str, StringConstraints(max_length=100), NoControlCharacters]


class TariffLineIn(StrictModel):
    """A line's new rates in the decrees' notation (`5`, `0 (-CN)`, `*`), from a date."""

    hs_code: HsCode8
    rates: dict[RateColumn, RateCell] = Field(
        min_length=1, max_length=30, description="Column (`mfn`, `acfta`, ...) -> cell."
    )
    effective_from: PlausibleDate = Field(description="Today or later: never rewrites the past.")


class ProcedureOut(BaseModel):
    text: str
    legal_basis: str


class TariffLineOut(BaseModel):
    hs_code: str
    description_vi: str
    description_en: str
    rates: dict[str, str] = Field(description="Each column as the decrees write it.")
    vat_rate: Decimal | None
    vat_legal_basis: str
    procedures: list[ProcedureOut]
    border_resident: bool = Field(description="On the border-resident trade list.")


class TariffOut(BaseModel):
    on: date
    total: int = Field(description="Lines under the prefix; `offset` and `limit` page them.")
    offset: int
    limit: int
    lines: list[TariffLineOut]


class PaymentNoticeIn(StrictModel):
    """A bank's notice: the declaration by id, or by its UCR and the declarant's tax code."""

    bank_reference: Reference
    declaration_id: uuid.UUID | None = None
    ucr: Ucr | None = None
    declarant_tax_code: TaxCode | None = None
    amount_vnd: Vnd
    paid_at: UtcDatetime

    @model_validator(mode="after")
    def _one_way_to_name_the_declaration(self) -> Self:
        by_id = self.declaration_id is not None
        by_ucr = self.ucr is not None or self.declarant_tax_code is not None
        if by_id == by_ucr or (by_ucr and (self.ucr is None or self.declarant_tax_code is None)):
            raise invalid("field.payment_names_declaration")
        return self


class PaymentOut(BaseModel):
    bank_reference: str
    declaration_id: uuid.UUID
    amount_vnd: int
    paid_at: datetime
    received_at: datetime


class GuaranteeIn(StrictModel):
    amount_vnd: Vnd
    reference: Reference
    expires_on: PlausibleDate


class GuaranteeOut(BaseModel):
    id: int
    declaration_id: uuid.UUID
    amount_vnd: int
    reference: str
    registered_by: str
    registered_at: datetime
    expires_on: date


class DutyLineOut(BaseModel):
    line_no: int
    hs_code: str
    customs_value: Decimal
    currency: str
    rate_vnd: Decimal | None
    value_vnd: int | None
    duty_rate: Decimal | None = Field(description="Percent: the ACFTA rate where granted.")
    vat_rate: Decimal | None
    preference_claimed: str | None
    preference_granted: bool
    note: str = Field(
        description="Why the preference was (not) granted, or the rate unknown, in the language"
        " Accept-Language asked for."
    )
    note_code: str | None = Field(default=None, description="The note's message code.")
    note_params: dict[str, Any] | None = Field(
        default=None, description="The note's parameters (a nested message as {code, params})."
    )
    duty_vnd: int | None
    vat_vnd: int | None
    total_vnd: int | None


class DutiesOut(BaseModel):
    declaration_id: uuid.UUID
    version: int
    assessed_on: date = Field(description="The customs day whose rates apply: the lodgement.")
    computed_at: datetime | None = Field(description="None: not screened yet, provisional.")
    note: str = Field(description="Why nothing is owed (an export, goods in transit), if so.")
    note_code: str | None = None
    note_params: dict[str, Any] | None = None
    lines: list[DutyLineOut]
    owed_vnd: int | None = Field(description="None while a line's rate is unknown.")
    paid_vnd: int
    guaranteed_vnd: int
    outstanding_vnd: int | None
    overpaid_vnd: int = Field(description="Paid beyond what is owed: to be refunded.")
    guarantees: list[GuaranteeOut]
