"""API keys: each bound to one role and, for traders, to one company."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from clearance.db import enum_type, timestamp_field


class Role(StrEnum):
    trader = "trader"
    officer = "officer"
    supervisor = "supervisor"
    operator = "operator"
    gate = "gate"
    bank = "bank"


# Roles that may see why a declaration was selected (scores, reasons, rule ids).
RISK_READERS = frozenset({Role.officer, Role.supervisor, Role.operator})


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"
    __table_args__ = (UniqueConstraint("digest", name="uq_api_key_digest"),)

    id: int | None = Field(default=None, primary_key=True)
    digest: str = Field(max_length=64)
    prefix: str = Field(max_length=16)
    role: Role = Field(sa_type=enum_type(Role))
    tax_code: str | None = Field(default=None, max_length=20, index=True)
    name: str = Field(default="", max_length=200)
    created_at: datetime = timestamp_field()
    revoked_at: datetime | None = timestamp_field(nullable=True)
    # Set when the key is rotated: it keeps working until then, for the client to switch.
    expires_at: datetime | None = timestamp_field(nullable=True)
