"""Risk tables: rule versions, channel policy, traders' standing, watchlist, history, models."""

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Numeric, Text, UniqueConstraint
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
        # A trader's record in the fraud-history rule's lookback, read from the index alone.
        Index(
            "ix_risk_history_trader_lodged_at",
            "trader_tax_code",
            "lodged_at",
            postgresql_include=["fraud_found"],
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=100)
    ucr: str = Field(max_length=40)
    declarant_tax_code: str = Field(max_length=40)
    trader_tax_code: str = Field(max_length=40)
    lodged_at: datetime = timestamp_field()
    record: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    fraud_found: bool
    revenue_usd: Decimal | None = Field(default=None, sa_type=Numeric(18, 2))
    declaration_id: uuid.UUID | None = Field(default=None, index=True)
    version: int | None = None
    recorded_at: datetime = timestamp_field()


class ModelStatus(StrEnum):
    """Where a model version stands in its trial; whether it scores is `active` alone."""

    stored = "stored"  # trained and kept, never in trial (`clearance risk train`)
    shadow = "shadow"  # scores every screening beside the active model, for comparison
    promoted = "promoted"  # beat the active model on recent inspected declarations, or by hand
    rejected = "rejected"  # did not beat it, or too few were inspected in its window
    superseded = "superseded"  # its trial ended first: a newer candidate went on trial


class RiskModelVersion(SQLModel, table=True):
    """A trained model, its metrics beside it; workers score with the active one. Every
    version is kept: any of them can be activated again."""

    __tablename__ = "risk_model"
    __table_args__ = (UniqueConstraint("version", name="uq_risk_model_version"),)

    id: int | None = Field(default=None, primary_key=True)
    version: str = Field(max_length=80)
    active: bool = False
    status: str = Field(default=ModelStatus.stored, max_length=16)
    trained_on: int
    metrics: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    # The last comparison with the active model on inspected declarations, and its decision.
    comparison: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    decided_at: datetime | None = timestamp_field(nullable=True)
    artefact: str = Field(sa_column=Column(Text, nullable=False))
    created_by: str = Field(max_length=40)
    created_at: datetime = timestamp_field()


class ShadowScore(SQLModel, table=True):
    """A shadow model's score of a screened version, beside the score in force (the active
    model's, or the rules' when none is active); it never decides the channel."""

    __tablename__ = "risk_shadow_score"
    __table_args__ = (
        UniqueConstraint("declaration_id", "version", "model_version", name="uq_risk_shadow_score"),
    )

    id: int | None = Field(default=None, primary_key=True)
    declaration_id: uuid.UUID = Field(index=True)
    version: int
    model_version: str = Field(max_length=80, index=True)
    score: float
    active_version: str | None = Field(default=None, max_length=80)
    active_score: float
    scored_at: datetime = timestamp_field()
