"""Jobs that failed every retry, kept in the database for an operator to see and replay."""

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from clearance.db import timestamp_field


class DeadLetter(SQLModel, table=True):
    __tablename__ = "dead_letter"

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=40)  # what the job does, e.g. "screen"
    job_id: str = Field(max_length=120, index=True)
    declaration_id: uuid.UUID = Field(index=True)
    version: int
    error: str  # the last exception, trimmed: what the operator reads first
    failed_at: datetime = timestamp_field()
    replayed_at: datetime | None = timestamp_field(nullable=True)
    replayed_by: str | None = Field(default=None, max_length=40)
