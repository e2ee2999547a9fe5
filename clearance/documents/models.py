"""Document tables: uploaded documents and the versioned table of required documents."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from clearance.db import enum_type, timestamp_field


class DocumentKind(StrEnum):
    invoice = "invoice"
    packing_list = "packing_list"
    co_form_e = "co_form_e"
    co_form_d = "co_form_d"
    phytosanitary = "phytosanitary"
    quarantine = "quarantine"
    licence = "licence"
    contract = "contract"
    cites_permit = "cites_permit"
    quality_inspection = "quality_inspection"
    food_safety = "food_safety"
    chemical_declaration = "chemical_declaration"
    # Taken by officers at the physical inspection; never part of the trader's dossier.
    inspection_photo = "inspection_photo"


class Document(SQLModel, table=True):
    """One uploaded document: its structured fields and where its file is stored."""

    __tablename__ = "document"
    __table_args__ = (
        Index("ix_document_kind_number_key", "kind", "number_key"),
        UniqueConstraint("storage_key", name="uq_document_storage_key"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    declaration_id: uuid.UUID = Field(
        sa_column=Column(
            ForeignKey("declaration.id", name="fk_document_declaration_id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    # The declaration's version when the file came, and whose goods it covers: the
    # cross-trader check compares owners without re-reading every declaration.
    declaration_version: int
    trader_tax_code: str = Field(max_length=20, index=True)
    kind: DocumentKind = Field(sa_type=enum_type(DocumentKind))
    number: str = Field(max_length=64)
    # The number as reuse is judged: case, spaces and punctuation do not make a new certificate.
    number_key: str = Field(max_length=64)
    issuer: str | None = Field(default=None, max_length=200)
    issued_on: date | None = None
    expires_on: date | None = None
    fields: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    storage_key: str = Field(max_length=200)
    sha256: str = Field(max_length=64, index=True)
    size_bytes: int
    media_type: str = Field(max_length=40)
    uploaded_by: str = Field(max_length=40)
    uploaded_at: datetime = timestamp_field()


class RequiredDocument(SQLModel, table=True):
    """A document kind the goods need, by regime, HS prefix and preference; versioned by date.

    A newer row with `required` false withdraws a requirement without deleting its history.
    """

    __tablename__ = "required_document"
    __table_args__ = (
        UniqueConstraint(
            "regime",
            "hs_prefix",
            "preference",
            "document_kind",
            "effective_from",
            name="uq_required_document_version",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    regime: str = Field(max_length=16)  # import | export | transit | any
    hs_prefix: str = Field(default="", max_length=10)  # "" for all goods
    preference: str = Field(default="", max_length=16)  # "" whatever is claimed
    document_kind: DocumentKind = Field(sa_type=enum_type(DocumentKind))
    required: bool = True
    reason: str
    reason_vi: str = Field(default="", sa_column_kwargs={"server_default": ""})  # "" if none
    effective_from: date


class DocumentRecheck(SQLModel, table=True):
    """A declaration whose dossier changed since it was last looked at again: the list of
    pending re-checks is this table, not Redis (`clearance.documents.rechecks`). One row per
    declaration, however many papers came meanwhile: a burst is re-checked once.

    Written only under the declaration's row lock (the upload that asks, the job that clears
    it), so the lock orders them. A re-check that failed `RECHECK_ATTEMPTS` times is parked:
    `failed_at` set, left for an operator (or the next upload, which asks afresh).
    """

    __tablename__ = "document_recheck"

    declaration_id: uuid.UUID = Field(
        sa_column=Column(
            ForeignKey(
                "declaration.id", name="fk_document_recheck_declaration_id", ondelete="CASCADE"
            ),
            primary_key=True,
        )
    )
    requested_at: datetime = timestamp_field(index=True)
    attempts: int = 0
    failed_at: datetime | None = timestamp_field(nullable=True)
    error: str | None = None  # the last failure, trimmed: what the operator reads first
