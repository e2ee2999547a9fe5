"""Risk tables: rule versions, channel policy, traders' standing, watchlist, history, models."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Numeric, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from clearance.db import timestamp_field


class RiskRule(SQLModel, table=True):
    """One version of a rule's settings; the newest version of each rule is in force."""

    __tablename__ = "risk_rule"
    __table_args__ = (UniqueConstraint("rule_id", "version", name="uq_risk_rule_version"),)

    id: int | None = Field(default=None, primary_key=True)
    rule_id: str = Field(max_length=40, index=True)
    version: int
    enabled: bool = True
    severity: str = Field(max_length=16)
    params: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    note: str = ""
    created_by: str = Field(max_length=40)
    created_at: datetime = timestamp_field()


class ChannelPolicy(SQLModel, table=True):
    """Inspection budget: target shares of red and yellow, and the random share kept aside."""

    __tablename__ = "channel_policy"
    __table_args__ = (UniqueConstraint("version", name="uq_channel_policy_version"),)

    id: int | None = Field(default=None, primary_key=True)
    version: int
    red_share: float
    yellow_share: float
    random_share: float
    aeo_relief: float  # AEO traders' scores are multiplied by (1 - relief) before thresholds
    window: int  # how many recent scores the thresholds are fitted to
    note: str = ""
    created_by: str = Field(max_length=40)
    created_at: datetime = timestamp_field()


class TraderStanding(SQLModel, table=True):
    """What customs knows of a company beyond its declarations: AEO status."""

    __tablename__ = "trader_standing"

    tax_code: str = Field(primary_key=True, max_length=20)
    name: str = ""
    aeo: bool = False
    updated_by: str = Field(max_length=40)
    updated_at: datetime = timestamp_field()


class WatchlistParty(SQLModel, table=True):
    """A sanctioned or blacklisted party: a fuzzy name match sends the declaration to red."""

    __tablename__ = "watchlist_party"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    country: str | None = Field(default=None, max_length=2)
    tax_code: str | None = Field(default=None, max_length=20, index=True)
    reason: str
    source: str = Field(max_length=100)
    added_by: str = Field(max_length=40)
    added_at: datetime = timestamp_field()
    removed_at: datetime | None = timestamp_field(nullable=True)


class HistoryEntry(SQLModel, table=True):
    """A labeled declaration the model learns from: imported history or an officer's outcome."""

    __tablename__ = "risk_history"
    __table_args__ = (
        UniqueConstraint("source", "declarant_tax_code", "ucr", name="uq_risk_history_record"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=100)
    ucr: str = Field(max_length=40)
    declarant_tax_code: str = Field(max_length=40)
    trader_tax_code: str = Field(max_length=40, index=True)
    lodged_at: datetime = timestamp_field()
    record: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    fraud_found: bool
    revenue_usd: Decimal | None = Field(default=None, sa_type=Numeric(18, 2))
    declaration_id: uuid.UUID | None = Field(default=None, index=True)
    version: int | None = None
    recorded_at: datetime = timestamp_field()


class RiskModelVersion(SQLModel, table=True):
    """A trained model, its metrics beside it; workers score with the active one."""

    __tablename__ = "risk_model"
    __table_args__ = (UniqueConstraint("version", name="uq_risk_model_version"),)

    id: int | None = Field(default=None, primary_key=True)
    version: str = Field(max_length=80)
    active: bool = False
    trained_on: int
    metrics: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    artefact: str = Field(sa_column=Column(Text, nullable=False))
    created_by: str = Field(max_length=40)
    created_at: datetime = timestamp_field()
