"""Reading the audit trail back in tests, and knowing each key's actor name."""

from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session, col, select

from clearance.audit.models import AuditRecord
from clearance.auth.models import ApiKey


@pytest.fixture
def actors(session: Session, keys: dict[str, str]) -> dict[str, str]:
    """The actor name each key of `keys` is recorded under ("officer:12")."""
    found: dict[str, str] = {}
    for name, plain in keys.items():
        key = session.exec(select(ApiKey).where(ApiKey.prefix == plain[:10])).one()
        found[name] = f"{key.role}:{key.id}"
    return found


@pytest.fixture
def trail(session: Session) -> Callable[..., list[AuditRecord]]:
    """The records so far, oldest first, narrowed by equality on any column."""

    def read(**where: Any) -> list[AuditRecord]:
        statement = select(AuditRecord).order_by(col(AuditRecord.id))
        for name, value in where.items():
            statement = statement.where(getattr(AuditRecord, name) == value)
        return list(session.exec(statement).all())

    return read
