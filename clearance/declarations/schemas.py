"""The declaration as traders send it and as each role reads it back."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    Field,
    FiniteFloat,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from clearance.declarations.models import Channel, DecisionKind, Kind, State
from clearance.fields import (
    CountryCode,
    CurrencyCode,
    HsCodeStr,
    Name,
    NoControlCharacters,
    PlausibleDate,
    Reason,
    ShortText,
    StrictModel,
    TaxCode,
    UtcDatetime,
    expiry_after_issue,
)
from clearance.messages import MessageOut
from clearance.pydantic_errors import invalid

# A truck at a land border carries at most a few tens of tonnes; beyond these bounds a value
# is a typing error, not a consignment.
MAX_KG = Decimal("100000")
MAX_QUANTITY = Decimal("10000000")
MAX_VALUE = Decimal("1000000000000")


class Party(StrictModel):
    tax_code: TaxCode
    name: Name


class Counterparty(StrictModel):
    name: Name
    country: CountryCode
    address: Annotated[str, StringConstraints(max_length=300), NoControlCharacters] | None = None


# Vietnamese plates ("25C-012.34") and Chinese ones ("云A12345", trailers "云G1234挂").
Plate = Annotated[
    str, StringConstraints(pattern=r"^[A-Z0-9\u4e00-\u9fff][A-Z0-9\u4e00-\u9fff.\- ]{3,14}$")
]


class Truck(StrictModel):
    plate: Plate
    trailer: Plate | None = None
    driver: Name
    expected_arrival_at: UtcDatetime | None = None


class Line(StrictModel):
    hs_code: HsCodeStr
    description: Reason
    origin: CountryCode
    quantity: Decimal = Field(gt=0, le=MAX_QUANTITY, decimal_places=3)
    unit: Literal["kg", "u", "m", "m2", "m3", "l", "head", "pair", "set"]
    gross_kg: Decimal = Field(gt=0, le=MAX_KG, decimal_places=3)
    net_kg: Decimal = Field(gt=0, le=MAX_KG, decimal_places=3)
    customs_value: Decimal = Field(gt=0, le=MAX_VALUE, decimal_places=2)
    currency: CurrencyCode
    incoterm: Literal[
        "EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF"
    ] = "DAP"
    # A claimed FTA preference, by the code of its schedule (reference/data/agreements.csv).
    preference: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{1,15}$")] | None = None

    # Field validators (not model ones) so the error names the field; earlier fields are in
    # `info.data` when they were valid.
    @field_validator("net_kg")
    @classmethod
    def _net_agrees(cls, net_kg: Decimal, info: ValidationInfo) -> Decimal:
        gross_kg = info.data.get("gross_kg")
        if gross_kg is not None and net_kg > gross_kg:
            raise invalid("field.net_over_gross")
        if info.data.get("unit") == "kg" and info.data.get("quantity") not in (None, net_kg):
            raise invalid("field.net_is_quantity")
        return net_kg


class DocumentRef(StrictModel):
    kind: Literal[
        "invoice",
        "packing_list",
        "co_form_e",
        "co_form_d",
        "phytosanitary",
        "quarantine",
        "licence",
        "contract",
        "cites_permit",
        "quality_inspection",
        "food_safety",
        "chemical_declaration",
    ]
    number: ShortText
    issuer: Name | None = None
    issued_on: PlausibleDate | None = None
    expires_on: PlausibleDate | None = None
    fields: dict[
        Annotated[str, StringConstraints(min_length=1, max_length=64), NoControlCharacters],
        Annotated[str, StringConstraints(max_length=500), NoControlCharacters]
        | int
        # JSON has no NaN or Infinity (Python's parser takes them): the stored body could not
        # hold them, and they would come back as null.
        | FiniteFloat
        | bool
        | None,
    ] = Field(default_factory=dict, max_length=50)

    @field_validator("expires_on")
    @classmethod
    def _expires_after_issue(cls, expires_on: date | None, info: ValidationInfo) -> date | None:
        return expiry_after_issue(expires_on, info.data.get("issued_on"))


class DeclarationIn(StrictModel):
    ucr: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9\-/]{3,34}$")]
    kind: Kind
    gate: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2,8}$")]
    declarant: Party
    trader: Party = Field(description="The importer (import) or exporter (export, transit).")
    counterparty: Counterparty
    truck: Truck
    lines: list[Line] = Field(min_length=1, max_length=200)
    documents: list[DocumentRef] = Field(default_factory=list, max_length=50)

    @field_validator("lines")
    @classmethod
    def _one_truckload(cls, lines: list[Line]) -> list[Line]:
        if sum(line.gross_kg for line in lines) > MAX_KG:
            raise invalid("field.over_truckload", max_kg=MAX_KG)
        if len({line.currency for line in lines}) > 1:
            raise invalid("field.one_currency")
        return lines


class AmendmentIn(StrictModel):
    declaration: DeclarationIn
    reason: Reason


class CancelIn(StrictModel):
    reason: Reason


class ArrivalIn(StrictModel):
    arrived_at: UtcDatetime | None = None
    weighbridge_kg: Decimal = Field(gt=0, le=MAX_KG, decimal_places=3)


class ExitIn(StrictModel):
    exited_at: UtcDatetime | None = None


class QueryAnswerIn(StrictModel):
    answer: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
        NoControlCharacters,
    ]


class Accepted(BaseModel):
    id: uuid.UUID
    version: int
    state: State
    location: str


class EventOut(BaseModel):
    version: int
    action: str
    from_state: State | None
    to_state: State
    actor: str
    actor_name: str | None = Field(
        default=None, description="The name the actor's key was issued to (officers' view)."
    )
    text: str = Field(description="What happened, from a fixed set of texts every role may read.")
    code: str = Field(description="The text's message code (`trader.lodged`, ...).")
    reason: str | None = Field(
        default=None, description="The detail behind it: officers, supervisors, operators only."
    )
    reason_code: str | None = Field(
        default=None, description="The reason's message code, where the service wrote it."
    )
    reason_params: dict[str, Any] | None = Field(
        default=None, description="The reason's parameters (a nested message as {code, params})."
    )
    at: datetime


class QueryOut(BaseModel):
    id: int
    version: int
    text: str
    code: str | None = Field(
        default=None, description="The message code of a query the service wrote."
    )
    params: dict[str, Any] | None = None
    raised_at: datetime
    answer: str | None
    answered_at: datetime | None


class RiskOut(BaseModel):
    """Why a declaration was selected: for officers, supervisors and operators only."""

    score: float
    channel: Channel
    hard_hit: bool
    random_selected: bool
    reasons: list[dict[str, Any]]
    assessed_at: datetime


class DecisionOut(BaseModel):
    version: int
    kind: DecisionKind
    decided_at: datetime


class DeclarationSummary(BaseModel):
    id: uuid.UUID
    ucr: str
    kind: Kind
    gate: str
    version: int
    state: State
    channel: Channel | None
    lodged_at: datetime


class DeclarationOut(DeclarationSummary):
    expected_arrival_at: datetime | None
    arrived_at: datetime | None
    released_at: datetime | None
    exited_at: datetime | None
    missing: list[str] = Field(description="Release gates still closed.")
    missing_messages: list[MessageOut] = Field(
        default_factory=list, description="The same gates as message codes with parameters."
    )
    readiness: str = Field(
        description="What is still needed: `ready: release on arrival` when only the truck is"
    )
    readiness_code: str | None = Field(
        default=None, description="The readiness text's message code (none for a final state)."
    )
    declaration: DeclarationIn
    queries: list[QueryOut]
    decisions: list[DecisionOut]
    events: list[EventOut]
    risk: RiskOut | None = Field(default=None, description="Never present for traders.")


class DeclarationPage(BaseModel):
    items: list[DeclarationSummary]
    next_cursor: str | None
