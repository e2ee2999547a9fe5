"""What a trader sends with a file (one model per document kind) and what each role reads."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationInfo,
    field_validator,
)

from clearance.declarations.schemas import MAX_KG, MAX_QUANTITY, MAX_VALUE
from clearance.documents.models import DocumentKind
from clearance.fields import (
    CountryCode,
    CurrencyCode,
    HsCodeStr,
    Name,
    NoControlCharacters,
    PlausibleDate,
    ShortText,
    StrictModel,
    TaxCode,
    expiry_after_issue,
)

Quantity = Annotated[Decimal, Field(gt=0, le=MAX_QUANTITY, decimal_places=3)]
Kg = Annotated[Decimal, Field(gt=0, le=MAX_KG, decimal_places=3)]


class DocumentFieldsBase(StrictModel):
    """What every document carries; `issuer` is the issuing authority of a certificate."""

    number: ShortText
    issuer: Name | None = None
    issued_on: PlausibleDate | None = None
    expires_on: PlausibleDate | None = None

    @field_validator("expires_on")
    @classmethod
    def _expires_after_issue(cls, expires_on: date | None, info: ValidationInfo) -> date | None:
        return expiry_after_issue(expires_on, info.data.get("issued_on"))


class InvoiceLine(StrictModel):
    hs_code: HsCodeStr
    quantity: Quantity
    unit_price: Decimal = Field(gt=0, le=MAX_VALUE, decimal_places=4)


class InvoiceIn(DocumentFieldsBase):
    kind: Literal["invoice"]
    issued_on: PlausibleDate  # the invoice date
    seller: Name
    buyer: Name
    currency: CurrencyCode
    total: Decimal = Field(gt=0, le=MAX_VALUE, decimal_places=2)
    lines: list[InvoiceLine] = Field(min_length=1, max_length=200)


class PackingListIn(DocumentFieldsBase):
    kind: Literal["packing_list"]
    packages: int = Field(gt=0, le=100000)
    gross_kg: Kg
    net_kg: Kg

    @field_validator("net_kg")
    @classmethod
    def _net_agrees(cls, net_kg: Decimal, info: ValidationInfo) -> Decimal:
        gross_kg = info.data.get("gross_kg")
        if gross_kg is not None and net_kg > gross_kg:
            raise ValueError("net_kg must not exceed gross_kg")
        return net_kg


class GoodsLine(StrictModel):
    hs_code: HsCodeStr
    quantity: Quantity


class CertificateOfOriginIn(DocumentFieldsBase):
    kind: Literal["co_form_e", "co_form_d"]
    issuer: Name  # the issuing authority
    issued_on: PlausibleDate
    exporter: Name
    importer: Name
    origin_country: CountryCode
    origin_criterion: Annotated[str, Field(pattern=r"^(WO|PE|RVC ?[0-9]{2}%?|CTH|PSR|CC|CTSH)$")]
    lines: list[GoodsLine] = Field(min_length=1, max_length=200)


class CertificateIn(DocumentFieldsBase):
    """A certificate or result a specialised procedure asks for, covering the goods listed."""

    kind: Literal[
        "phytosanitary",
        "quarantine",
        "cites_permit",
        "quality_inspection",
        "food_safety",
        "chemical_declaration",
    ]
    issuer: Name
    issued_on: PlausibleDate
    goods: list[GoodsLine] = Field(min_length=1, max_length=200)


class LicenceIn(DocumentFieldsBase):
    kind: Literal["licence"]
    expires_on: PlausibleDate
    holder_tax_code: TaxCode
    hs_codes: list[Annotated[str, Field(pattern=r"^[0-9]{4,10}$")]] = Field(
        min_length=1, max_length=50
    )
    quantity_allowed: Quantity
    unit: Literal["kg", "u", "m", "m2", "m3", "l", "head", "pair", "set"] = "kg"


class ContractIn(DocumentFieldsBase):
    kind: Literal["contract"]
    issued_on: PlausibleDate  # the date signed
    parties: list[Name] = Field(min_length=2, max_length=10)


class InspectionPhotoIn(DocumentFieldsBase):
    """A photo an officer takes at the physical inspection; `number` labels it (e.g. P-1)."""

    kind: Literal["inspection_photo"]


DocumentFieldsIn = Annotated[
    InvoiceIn
    | PackingListIn
    | CertificateOfOriginIn
    | CertificateIn
    | LicenceIn
    | ContractIn
    | InspectionPhotoIn,
    Field(discriminator="kind"),
]
DOCUMENT_FIELDS: TypeAdapter[DocumentFieldsIn] = TypeAdapter(DocumentFieldsIn)
# Columns of their own; everything else a kind carries goes into the `fields` JSON.
COMMON_FIELDS = frozenset({"kind", "number", "issuer", "issued_on", "expires_on"})


class RequirementOut(BaseModel):
    kind: DocumentKind
    reason: str
    reason_vi: str = Field(default="", description="The same reason in Vietnamese.")
    legal_basis: list[str] = Field(
        default_factory=list, description="The specialised procedures that ask for it."
    )


class FindingOut(BaseModel):
    """A check's result: for officers, supervisors and operators only."""

    check_id: str
    severity: str
    reason: str
    code: str = Field(description="The reason's message code.")
    params: dict[str, Any] = Field(description="The reason's parameters.")
    document_id: uuid.UUID | None
    document_kind: DocumentKind | None
    risk_score: float
    blocks_release: bool


class DocumentOut(BaseModel):
    id: uuid.UUID
    kind: DocumentKind
    number: str
    issuer: str | None
    issued_on: date | None
    expires_on: date | None
    fields: dict[str, Any]
    media_type: str
    size_bytes: int
    sha256: str
    declaration_version: int
    uploaded_at: datetime
    findings: list[FindingOut] | None = Field(
        default=None, description="Check results; never present for traders."
    )


class DocumentList(BaseModel):
    documents: list[DocumentOut]
    complete: bool = Field(description="Every required document is uploaded and valid.")
    required: list[RequirementOut] = Field(
        description="Every paper the goods need, with the legal basis that asks for it."
    )
    missing: list[RequirementOut]
    findings: list[FindingOut] | None = Field(
        default=None, description="Findings not tied to one document; never for traders."
    )


class Requirements(BaseModel):
    kind: str
    hs_codes: list[str]
    preferences: list[str]
    required: list[RequirementOut]


class RequiredDocumentIn(StrictModel):
    """A supervisor's new version of one requirement; `required: false` withdraws it."""

    regime: Literal["import", "export", "transit", "any"]
    hs_prefix: Annotated[str, StringConstraints(pattern=r"^([0-9]{2}|[0-9]{4}|[0-9]{6,8})?$")] = ""
    preference: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9_]{0,16}$")] = ""
    document_kind: DocumentKind
    required: bool = True
    reason: Annotated[str, StringConstraints(min_length=3, max_length=300), NoControlCharacters]
    effective_from: PlausibleDate


class RequiredDocumentOut(BaseModel):
    id: int
    regime: str
    hs_prefix: str
    preference: str
    document_kind: DocumentKind
    required: bool
    reason: str
    effective_from: PlausibleDate
