"""Reference tables (DESIGN §3): versioned by effective date, seeded by `clearance migrate`."""

from datetime import date, time
from decimal import Decimal

from sqlalchemy import Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel


class Country(SQLModel, table=True):
    __tablename__ = "country"
    code: str = Field(primary_key=True, max_length=2)
    name: str = Field(max_length=100)


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


class HsCode(SQLModel, table=True):
    __tablename__ = "hs_code"
    __table_args__ = (UniqueConstraint("code", "effective_from", name="uq_hs_code_version"),)
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=10, index=True)
    chapter: str = Field(max_length=2)
    heading: str = Field(max_length=4)
    description_vi: str
    description_zh: str
    description_en: str
    unit: str = Field(max_length=8)
    effective_from: date


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
