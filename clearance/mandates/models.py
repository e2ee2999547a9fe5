"""Mandates: an importer or exporter authorises a customs broker to declare for it."""

from datetime import date, datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from clearance.db import timestamp_field


class Mandate(SQLModel, table=True):
    __tablename__ = "mandate"

    id: int | None = Field(default=None, primary_key=True)
    broker_tax_code: str = Field(max_length=20, index=True)
    client_tax_code: str = Field(max_length=20, index=True)
    # The declaration kinds it covers: import, export, transit.
    scope: list[str] = Field(sa_column=Column(JSON, nullable=False))
    valid_from: date
    valid_to: date
    granted_by: str = Field(max_length=40)
    granted_at: datetime = timestamp_field()
    revoked_at: datetime | None = timestamp_field(nullable=True)
