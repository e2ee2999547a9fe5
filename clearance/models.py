"""Every table, imported in one place so metadata (and Alembic) sees them all."""

from clearance.auth.models import ApiKey
from clearance.declarations.models import (
    Assessment,
    Decision,
    Declaration,
    DeclarationEvent,
    DeclarationLine,
    DeclarationVersion,
    IdempotencyRecord,
    Query,
)
from clearance.reference.models import (
    Country,
    Currency,
    ExchangeRate,
    Gate,
    Holiday,
    HsCode,
    ProhibitedGood,
    ReferencePrice,
)
from clearance.review.models import ReviewLease

__all__ = [
    "ApiKey",
    "Assessment",
    "Country",
    "Currency",
    "Decision",
    "Declaration",
    "DeclarationEvent",
    "DeclarationLine",
    "DeclarationVersion",
    "ExchangeRate",
    "Gate",
    "Holiday",
    "HsCode",
    "IdempotencyRecord",
    "ProhibitedGood",
    "Query",
    "ReferencePrice",
    "ReviewLease",
]
