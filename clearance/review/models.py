"""What officers hold and record while reviewing: leases, document checks, inspections, cases."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Numeric
from sqlmodel import Field, SQLModel

from clearance.db import timestamp_field


def _declaration_fk(name: str, *, primary_key: bool = False) -> Any:
    return Field(
        sa_column=Column(
            ForeignKey("declaration.id", name=name, ondelete="CASCADE"),
            primary_key=primary_key,
            nullable=False,
            index=not primary_key,
        )
    )


class ReviewLease(SQLModel, table=True):
    __tablename__ = "review_lease"

    declaration_id: uuid.UUID = _declaration_fk("fk_review_lease_declaration", primary_key=True)
    version: int
    officer: str = Field(max_length=40, index=True)
    claimed_at: datetime = timestamp_field()
    expires_at: datetime = timestamp_field()


class DocumentCheck(SQLModel, table=True):
    """An officer's verdict on each document of one version: accepted, or queried and why."""

    __tablename__ = "document_check"

    id: int | None = Field(default=None, primary_key=True)
    declaration_id: uuid.UUID = _declaration_fk("fk_document_check_declaration")
    version: int
    officer: str = Field(max_length=40)
    # [{document_id, kind, number, verdict: accepted|queried, note}]
    verdicts: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    all_accepted: bool
    note: str = ""
    checked_at: datetime = timestamp_field()


class Inspection(SQLModel, table=True):
    """What an officer found at the physical inspection of one version's goods."""

    __tablename__ = "inspection"

    id: int | None = Field(default=None, primary_key=True)
    declaration_id: uuid.UUID = _declaration_fk("fk_inspection_declaration")
    version: int
    officer: str = Field(max_length=40)
    seals_intact: bool
    seal_numbers: list[str] = Field(sa_column=Column(JSON, nullable=False))
    packages_counted: int | None = None
    weight_kg: Decimal | None = Field(default=None, sa_type=Numeric(14, 3))
    sample_taken: bool = False
    sample_reference: str | None = Field(default=None, max_length=64)
    photo_document_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    # [{code, line, detail}], the outcome schema of DESIGN §3
    discrepancies: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    note: str = ""
    inspected_at: datetime = timestamp_field()


class SeizureCase(SQLModel, table=True):
    """The case a seizure opens: the goods are held for the enforcement team, for good."""

    __tablename__ = "seizure_case"

    id: int | None = Field(default=None, primary_key=True)
    declaration_id: uuid.UUID = _declaration_fk("fk_seizure_case_declaration")
    version: int
    reason: str
    findings: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    opened_by: str = Field(max_length=40)
    opened_at: datetime = timestamp_field()
    status: str = Field(default="open", max_length=16)

    @property
    def number(self) -> str:
        return f"SC-{self.opened_at:%Y}-{self.id:06d}"
