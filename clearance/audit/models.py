"""The audit record: one row per action, never updated or deleted (triggers refuse it)."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from clearance.db import timestamp_field

# The role of the service's own actors (the worker, the sweeper, release by the system).
SYSTEM_ROLE = "system"
# Who a request was from when no API key was accepted.
ANONYMOUS = "anonymous"
OK = "ok"


class AuditRecord(SQLModel, table=True):
    """An action by an actor; no key secrets and no request bodies are ever stored."""

    __tablename__ = "audit_record"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = timestamp_field(index=True)
    actor: str = Field(max_length=40, index=True)
    role: str | None = Field(default=None, max_length=32)
    tax_code: str | None = Field(default=None, max_length=20)
    # A stable name: "POST /v1/declarations/{declaration_id}/cancel", "transition:a->b".
    action: str = Field(max_length=200)
    target_kind: str | None = Field(default=None, max_length=32)
    target_id: str | None = Field(default=None, max_length=64, index=True)
    version: int | None = None
    client_address: str | None = Field(default=None, max_length=64)
    request_id: str | None = Field(default=None, max_length=128)
    # "ok" for what was done; the HTTP status of what was refused ("401", "403").
    outcome: str = Field(max_length=16)
