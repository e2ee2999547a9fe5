"""Duty tables: assessments per line, bank payments and guarantees (the tariff is reference
data: `reference/models.py`).

Rates are percentages (6 means 6%); amounts in VND are whole đồng, stored as integers.
"""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

from clearance.db import timestamp_field

RATE = Numeric(6, 2)


def _declaration_fk(name: str, *, indexed: bool = True) -> Any:
    """`indexed=False` where a unique constraint leads with the declaration (it serves)."""
    return Field(
        sa_column=Column(
            ForeignKey("declaration.id", name=name, ondelete="CASCADE"),
            nullable=False,
            index=indexed,
        )
    )


def _vnd(*, nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(BigInteger(), nullable=nullable))


class DutyAssessment(SQLModel, table=True):
    """What one line of one declaration version owes; all amounts None when a rate is unknown."""

    __tablename__ = "duty_assessment"
    __table_args__ = (
        UniqueConstraint("declaration_id", "version", "line_no", name="uq_duty_assessment_line"),
    )

    id: int | None = Field(default=None, primary_key=True)
    declaration_id: uuid.UUID = _declaration_fk("fk_duty_assessment_declaration", indexed=False)
    version: int
    line_no: int
    hs_code: str = Field(max_length=10)
    customs_value: Decimal = Field(sa_type=Numeric(18, 2))
    currency: str = Field(max_length=3)
    rate_vnd: Decimal | None = Field(default=None, sa_type=Numeric(18, 6))
    value_vnd: int | None = _vnd(nullable=True)
    duty_rate: Decimal | None = Field(default=None, sa_type=RATE)
    vat_rate: Decimal | None = Field(default=None, sa_type=RATE)
    preference_claimed: str | None = Field(default=None, max_length=16)
    preference_granted: bool = False
    # Why the preference was or was not granted, or why the line cannot be assessed: its message
    # code and parameters, and the English text (all a row written before the codes has).
    note: str = ""
    note_code: str | None = Field(default=None, max_length=64)
    note_params: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    rate_known: bool = True
    duty_vnd: int | None = _vnd(nullable=True)
    vat_vnd: int | None = _vnd(nullable=True)
    total_vnd: int | None = _vnd(nullable=True)
    assessed_on: date  # the customs day whose rates apply: the version's lodgement
    computed_at: datetime = timestamp_field()


class Payment(SQLModel, table=True):
    """A bank's notice that duty was paid; the bank's reference makes a retry harmless."""

    __tablename__ = "payment"
    __table_args__ = (UniqueConstraint("bank_reference", name="uq_payment_bank_reference"),)

    id: int | None = Field(default=None, primary_key=True)
    bank_reference: str = Field(max_length=64)
    declaration_id: uuid.UUID = _declaration_fk("fk_payment_declaration")
    amount_vnd: int = _vnd()
    paid_at: datetime = timestamp_field()
    bank_actor: str = Field(max_length=40)
    request_sha256: str = Field(max_length=64)
    received_at: datetime = timestamp_field()


class Guarantee(SQLModel, table=True):
    """A bank or insurer's guarantee of the duty, registered by a supervisor, until a date."""

    __tablename__ = "guarantee"

    id: int | None = Field(default=None, primary_key=True)
    declaration_id: uuid.UUID = _declaration_fk("fk_guarantee_declaration")
    amount_vnd: int = _vnd()
    reference: str = Field(max_length=64)
    registered_by: str = Field(max_length=40)
    registered_at: datetime = timestamp_field()
    expires_on: date
