"""Reference tables (DESIGN §3): versioned by effective date, seeded by `clearance migrate`."""

from datetime import date, time
from decimal import Decimal

from sqlalchemy import JSON, Column, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel


class Country(SQLModel, table=True):
    __tablename__ = "country"
    code: str = Field(primary_key=True, max_length=2)
    name: str = Field(max_length=100)
    # Gives Vietnam most-favoured-nation treatment (a WTO member): its goods pay MFN rates,
    # other countries' goods the standard rate (Law 107/2016/QH13 art. 5).
    mfn: bool = True


class Currency(SQLModel, table=True):
    __tablename__ = "currency"
    code: str = Field(primary_key=True, max_length=3)
    name: str = Field(max_length=100)
    minor_units: int = 2


class Gate(SQLModel, table=True):
    __tablename__ = "gate"
    code: str = Field(primary_key=True, max_length=8)
    name: str = Field(max_length=100)
    province: str = Field(max_length=100)
    country: str = Field(max_length=2)
    facing: str = Field(max_length=200)
    opens: time
    closes: time


class TariffLine(SQLModel, table=True):
    """One 8-digit line of Vietnam's nomenclature with its rates and procedures, from a date.

    `rates` holds each column of the tariff (`standard`, `mfn`, one per FTA schedule) as the
    decrees write it (`reference/notation.py` reads it); a line an edition drops gets a
    version that is `withdrawn`.
    """

    __tablename__ = "tariff_line"
    __table_args__ = (UniqueConstraint("code", "effective_from", name="uq_tariff_line_version"),)
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=8, index=True)
    description_vi: str
    description_en: str
    rates: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    procedures: str = ""  # the specialised procedures, each with its legal basis
    withdrawn: bool = False
    effective_from: date
    created_by: str = Field(default="seed", max_length=40)


class VatRate(SQLModel, table=True):
    """The VAT rate of goods whose HS code starts with a prefix (the longest prefix wins)."""

    __tablename__ = "vat_rate"
    __table_args__ = (UniqueConstraint("hs_prefix", "effective_from", name="uq_vat_rate_version"),)
    id: int | None = Field(default=None, primary_key=True)
    hs_prefix: str = Field(max_length=8)
    rate: Decimal = Field(sa_type=Numeric(6, 2))
    legal_basis: str
    effective_from: date


class Agreement(SQLModel, table=True):
    """A free-trade agreement's schedule: its tariff column, members, and the certificate that
    claims it (no `preference` yet: its rates are known but the gate does not grant them)."""

    __tablename__ = "agreement"
    column: str = Field(primary_key=True, max_length=16)
    agreement: str = Field(max_length=100)
    preference: str = Field(default="", max_length=16)
    document_kind: str = Field(default="", max_length=32)
    members: str  # ISO codes, space-separated
    legal_basis: str = Field(max_length=100)


class ProcedurePaper(SQLModel, table=True):
    """What a specialised procedure asks of the trader: a paper of a kind, or (no kind) a mark
    on the line such as the border-resident trade list."""

    __tablename__ = "procedure_paper"
    __table_args__ = (UniqueConstraint("basis", "procedure", name="uq_procedure_paper"),)
    id: int | None = Field(default=None, primary_key=True)
    basis: str = Field(max_length=100)  # part of the legal document's reference
    procedure: str = Field(max_length=200)  # part of the procedure's text
    regime: str = Field(max_length=16)  # import | export | any
    document_kind: str = Field(default="", max_length=32)
    paper: str
    paper_vi: str = Field(default="", sa_column_kwargs={"server_default": ""})  # "" if none


class ProhibitedGood(SQLModel, table=True):
    __tablename__ = "prohibited_good"
    __table_args__ = (
        UniqueConstraint("hs_prefix", "regime", "effective_from", name="uq_prohibited_version"),
    )
    id: int | None = Field(default=None, primary_key=True)
    hs_prefix: str = Field(max_length=10)
    kind: str = Field(max_length=16)  # prohibited | restricted
    regime: str = Field(max_length=16)  # import | export | any
    licence: str | None = Field(default=None, max_length=32)
    reason: str
    reason_vi: str = Field(default="", sa_column_kwargs={"server_default": ""})  # "" if none
    effective_from: date


class ReferencePrice(SQLModel, table=True):
    __tablename__ = "reference_price"
    __table_args__ = (
        UniqueConstraint("hs_code", "origin", "effective_from", name="uq_reference_price_version"),
    )
    id: int | None = Field(default=None, primary_key=True)
    hs_code: str = Field(max_length=10)
    origin: str = Field(max_length=2)
    unit_value_usd_p10: Decimal = Field(sa_type=Numeric(18, 4))
    unit_value_usd_median: Decimal = Field(sa_type=Numeric(18, 4))
    unit_value_usd_p90: Decimal = Field(sa_type=Numeric(18, 4))
    n: int
    effective_from: date


class ExchangeRate(SQLModel, table=True):
    __tablename__ = "exchange_rate"
    __table_args__ = (
        UniqueConstraint("currency", "effective_from", name="uq_exchange_rate_version"),
    )
    id: int | None = Field(default=None, primary_key=True)
    currency: str = Field(max_length=3)
    rate_vnd: Decimal = Field(sa_type=Numeric(18, 6))
    effective_from: date


class Holiday(SQLModel, table=True):
    __tablename__ = "holiday"
    day: date = Field(primary_key=True)
    name: str = Field(max_length=200)


class HsKeyword(SQLModel, table=True):
    """Words a truthful description of goods of a heading contains, in VI, ZH and EN."""

    __tablename__ = "hs_keyword"
    __table_args__ = (UniqueConstraint("heading", "effective_from", name="uq_hs_keyword_version"),)
    id: int | None = Field(default=None, primary_key=True)
    heading: str = Field(max_length=4)
    keywords_vi: str
    keywords_zh: str
    keywords_en: str
    effective_from: date

    def words(self) -> frozenset[str]:
        cells = (self.keywords_vi, self.keywords_zh, self.keywords_en)
        return frozenset(
            w.strip().casefold() for cell in cells for w in cell.split("|") if w.strip()
        )
