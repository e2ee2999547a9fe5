"""Officers' leases on declarations under review: one holder at a time, expiring."""

import uuid
from datetime import datetime

from sqlalchemy import Column, ForeignKey
from sqlmodel import Field, SQLModel

from clearance.db import timestamp_field


class ReviewLease(SQLModel, table=True):
    __tablename__ = "review_lease"

    declaration_id: uuid.UUID = Field(
        sa_column=Column(
            ForeignKey("declaration.id", name="fk_review_lease_declaration", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    version: int
    officer: str = Field(max_length=40, index=True)
    claimed_at: datetime = timestamp_field()
    expires_at: datetime = timestamp_field()
