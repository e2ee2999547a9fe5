"""Declaration tables: the declaration, its versions and lines, events, assessments, decisions."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

from clearance.db import enum_type, timestamp_field


class State(StrEnum):
    lodged = "lodged"
    screening = "screening"
    assessed = "assessed"
    document_check = "document_check"
    inspection = "inspection"
    held = "held"
    decided = "decided"
    released = "released"
    exited = "exited"
    seized = "seized"
    cancelled = "cancelled"


class Channel(StrEnum):
    green = "green"
    yellow = "yellow"
    red = "red"

    @property
    def strictness(self) -> int:
        return list(Channel).index(self)


class Kind(StrEnum):
    import_ = "import"
    export = "export"
    transit = "transit"


class DecisionKind(StrEnum):
    release = "release"
    hold = "hold"
    seize = "seize"
    inspect = "inspect"  # a red declaration's documents are checked: on to the goods
    escalate = "escalate"  # a yellow one turns red: its goods are inspected too


def _fk_declaration(*, indexed: bool = True) -> Any:
    """The declaration a row belongs to. `indexed=False` where a unique constraint leads with
    it (that index serves the reads and the cascade) or where nothing reads by it: every index
    is one more write on each insert of these hot tables."""
    return Field(
        sa_column=Column(
            ForeignKey("declaration.id", name="fk_declaration_id", ondelete="CASCADE"),
            nullable=False,
            index=indexed,
        )
    )


class Declaration(SQLModel, table=True):
    __tablename__ = "declaration"
    __table_args__ = (
        UniqueConstraint("declarant_tax_code", "ucr", name="uq_declaration_declarant_ucr"),
        # A party's declarations in a span of time: its activity, the split-shipment window.
        Index("ix_declaration_trader_lodged_at", "trader_tax_code", "lodged_at"),
        Index("ix_declaration_declarant_lodged_at", "declarant_tax_code", "lodged_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    ucr: str = Field(max_length=35)
    kind: Kind = Field(sa_type=enum_type(Kind))
    gate_code: str = Field(max_length=8)
    declarant_tax_code: str = Field(max_length=20)
    trader_tax_code: str = Field(max_length=20)  # the importer or exporter
    state: State = Field(sa_type=enum_type(State), index=True)
    version: int = 1
    channel: Channel | None = Field(default=None, sa_type=enum_type(Channel))
    held_from: State | None = Field(default=None, sa_type=enum_type(State))
    lodged_at: datetime = timestamp_field(index=True)
    state_since: datetime = timestamp_field()
    expected_arrival_at: datetime | None = timestamp_field(nullable=True)
    arrived_at: datetime | None = timestamp_field(nullable=True)
    arrival_weight_kg: Decimal | None = Field(default=None, sa_type=Numeric(14, 3))
    released_at: datetime | None = timestamp_field(nullable=True)
    exited_at: datetime | None = timestamp_field(nullable=True)
    # Review SLA: when the current lane's legal clock runs out (DESIGN §2).
    due_at: datetime | None = timestamp_field(nullable=True)


class DeclarationVersion(SQLModel, table=True):
    """The body as lodged or amended; the payload is the validated `DeclarationIn`."""

    __tablename__ = "declaration_version"
    __table_args__ = (UniqueConstraint("declaration_id", "version", name="uq_declaration_version"),)

    id: int | None = Field(default=None, primary_key=True)
    declaration_id: uuid.UUID = _fk_declaration(indexed=False)
    version: int
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    payload_sha256: str = Field(max_length=64)
    created_by: str = Field(max_length=40)
    created_at: datetime = timestamp_field()


class DeclarationLine(SQLModel, table=True):
    """Lines of each version, as rows, so history can be queried by HS code and origin."""

    __tablename__ = "declaration_line"
    __table_args__ = (
        UniqueConstraint("declaration_id", "version", "line_no", name="uq_declaration_line"),
    )

    id: int | None = Field(default=None, primary_key=True)
    declaration_id: uuid.UUID = _fk_declaration(indexed=False)
    version: int
    line_no: int
    hs_code: str = Field(max_length=10)  # read by its HS4 or HS6 prefix, which no index serves
    origin: str = Field(max_length=2)
    quantity: Decimal = Field(sa_type=Numeric(18, 3))
    unit: str = Field(max_length=8)
    gross_kg: Decimal = Field(sa_type=Numeric(14, 3))
    net_kg: Decimal = Field(sa_type=Numeric(14, 3))
    customs_value: Decimal = Field(sa_type=Numeric(18, 2))
    currency: str = Field(max_length=3)
    preference: str | None = Field(default=None, max_length=16)


class ActivityDay(SQLModel, table=True):
    """How many declarations a party lodged in a UTC day: a trader's (`hs6` empty), a
    trader's with a line of that HS6 code in any of their versions, or a declarant's. Written
    with the declarations (`clearance.declarations.activity`), recounted from them by
    `clearance risk rebuild-activity`."""

    __tablename__ = "activity_day"

    party: str = Field(primary_key=True, max_length=16)  # "trader" or "declarant"
    tax_code: str = Field(primary_key=True, max_length=20)
    hs6: str = Field(primary_key=True, max_length=6)
    day: date = Field(primary_key=True)
    declarations: int


class DeclarationEvent(SQLModel, table=True):
    """Every change to a declaration; the state is the last event's `to_state`."""

    __tablename__ = "declaration_event"

    id: int | None = Field(default=None, primary_key=True)
    declaration_id: uuid.UUID = _fk_declaration()
    version: int
    action: str = Field(max_length=32)
    from_state: State | None = Field(default=None, sa_type=enum_type(State))
    to_state: State = Field(sa_type=enum_type(State))
    actor: str = Field(max_length=40)
    reason: str = ""  # in English, or an officer's own words
    # The reason as a message (catalogue code and parameters) when the service wrote it.
    reason_code: str | None = Field(default=None, max_length=64)
    reason_params: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    at: datetime = timestamp_field()


class Assessment(SQLModel, table=True):
    """The screening result of one version; the unique constraint makes screening idempotent."""

    __tablename__ = "assessment"
    __table_args__ = (
        UniqueConstraint("declaration_id", "version", name="uq_assessment_declaration_version"),
    )

    id: int | None = Field(default=None, primary_key=True)
    declaration_id: uuid.UUID = _fk_declaration(indexed=False)
    version: int
    score: float
    channel: Channel = Field(sa_type=enum_type(Channel))
    hard_hit: bool = False
    random_selected: bool = False
    reasons: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    # Why this channel: "rule", "model", "random", "amendment" (the earlier version's channel)
    # or "below thresholds"; and what decided it, so any assessment can be reproduced.
    channel_reason: str = Field(default="below thresholds", max_length=32)
    model_version: str | None = Field(default=None, max_length=80)
    model_score: float | None = None
    policy_version: int | None = None
    thresholds: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    rule_versions: dict[str, int] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    assessed_at: datetime = timestamp_field()


class Decision(SQLModel, table=True):
    """Who decided what about which version: the outcome the risk model learns from."""

    __tablename__ = "decision"

    id: int | None = Field(default=None, primary_key=True)
    declaration_id: uuid.UUID = _fk_declaration()
    version: int
    kind: DecisionKind = Field(sa_type=enum_type(DecisionKind))
    actor: str = Field(max_length=40)
    reason: str = ""
    inspected: bool = False
    fraud_found: bool = False
    revenue_recovered: Decimal | None = Field(default=None, sa_type=Numeric(18, 2))
    revenue_currency: str | None = Field(default=None, max_length=3)
    findings: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    decided_at: datetime = timestamp_field()


class Query(SQLModel, table=True):
    """A question to the trader that holds the declaration until it is answered."""

    __tablename__ = "declaration_query"

    id: int | None = Field(default=None, primary_key=True)
    declaration_id: uuid.UUID = _fk_declaration()
    version: int
    text: str  # in English, or the officer's own words
    # The text as a message (catalogue code and parameters) when the service wrote it.
    text_code: str | None = Field(default=None, max_length=64)
    text_params: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    raised_by: str = Field(max_length=40)
    raised_at: datetime = timestamp_field()
    answer: str | None = None
    answered_at: datetime | None = timestamp_field(nullable=True)


class IdempotencyRecord(SQLModel, table=True):
    """Kept in the database so retries stay safe across a Redis wipe (DESIGN §6)."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_idempotency_scope_key"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=40)
    key: str = Field(max_length=200)
    request_sha256: str = Field(max_length=64)
    # Read by scope and key only; declarations are never deleted (the cascade would scan).
    declaration_id: uuid.UUID = _fk_declaration(indexed=False)
    created_at: datetime = timestamp_field()
