"""Subscriptions and the notification outbox; rows are disabled or resolved, never deleted."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from clearance.db import enum_type, timestamp_field


class NotificationStatus(StrEnum):
    pending = "pending"  # waiting to be pushed, or to be retried
    delivered = "delivered"  # the callback answered 2xx
    failed = "failed"  # retried for 24 hours in vain: only the pull queue has it now


class NotificationType(StrEnum):
    state_changed = "declaration.state_changed"
    arrived = "declaration.arrived"


class Subscription(SQLModel, table=True):
    """A trader's callback URL and the secret its events are signed with."""

    __tablename__ = "subscription"
    __table_args__ = (
        # One active registration per URL and trader: a retried POST cannot double deliveries.
        Index(
            "uq_subscription_active_url",
            "tax_code",
            "url",
            unique=True,
            postgresql_where=text("disabled_at IS NULL"),
            sqlite_where=text("disabled_at IS NULL"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    tax_code: str = Field(max_length=20, index=True)
    url: str = Field(max_length=2048)
    # Kept to sign with; returned once, at registration. Encryption at rest is not done yet.
    secret: str = Field(max_length=200)
    created_by: str = Field(max_length=40)
    created_at: datetime = timestamp_field()
    disabled_at: datetime | None = timestamp_field(nullable=True)
    # After a failed push, no declaration's event is tried before this: a dead receiver costs
    # one timeout per retry step, not one per declaration.
    paused_until: datetime | None = timestamp_field(nullable=True)


class Notification(SQLModel, table=True):
    """One event for one subscription: the outbox row, written with the state change."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("event_id", name="uq_notification_event_id"),
        UniqueConstraint(
            "subscription_id", "declaration_id", "sequence", name="uq_notification_sequence"
        ),
        Index("ix_notification_tax_code_id", "tax_code", "id"),
        Index("ix_notification_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    subscription_id: uuid.UUID = Field(
        sa_column=Column(
            ForeignKey("subscription.id", name="fk_notification_subscription_id"), nullable=False
        )
    )
    tax_code: str = Field(max_length=20)  # the subscriber's: whose pull queue holds it
    declaration_id: uuid.UUID = Field(
        sa_column=Column(
            ForeignKey("declaration.id", name="fk_notification_declaration_id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    version: int
    # Per declaration, one up per event: the order events are pushed in.
    sequence: int
    type: NotificationType = Field(sa_type=enum_type(NotificationType))
    # What the trader may see (DESIGN §1): never a score, a reason or a rule.
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    status: NotificationStatus = Field(
        default=NotificationStatus.pending, sa_type=enum_type(NotificationStatus)
    )
    attempts: int = 0
    created_at: datetime = timestamp_field()
    next_attempt_at: datetime = timestamp_field()
    last_error: str | None = Field(default=None, max_length=300)
    delivered_at: datetime | None = timestamp_field(nullable=True)
    acknowledged_at: datetime | None = timestamp_field(nullable=True)
