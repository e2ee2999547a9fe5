"""Every table, imported in one place so metadata (and Alembic) sees them all."""

from clearance.audit.models import AuditRecord
from clearance.auth.models import ApiKey
from clearance.deadletters.models import DeadLetter
from clearance.declarations.models import (
    ActivityDay,
    Assessment,
    Decision,
    Declaration,
    DeclarationEvent,
    DeclarationLine,
    DeclarationVersion,
    IdempotencyRecord,
    Query,
)
from clearance.documents.models import Document, RequiredDocument
from clearance.duties.models import DutyAssessment, Guarantee, Payment
from clearance.mandates.models import Mandate
from clearance.notifications.models import Notification, Subscription
from clearance.reference.models import (
    Agreement,
    Country,
    Currency,
    ExchangeRate,
    Gate,
    Holiday,
    HsKeyword,
    ProcedurePaper,
    ProhibitedGood,
    ReferencePrice,
    TariffLine,
    VatRate,
)
from clearance.review.models import DocumentCheck, Inspection, ReviewLease, SeizureCase
from clearance.risk.models import (
    ChannelPolicy,
    HistoryEntry,
    RiskModelVersion,
    RiskRule,
    TraderStanding,
    WatchlistParty,
)

__all__ = [
    "ActivityDay",
    "Agreement",
    "ApiKey",
    "Assessment",
    "AuditRecord",
    "ChannelPolicy",
    "Country",
    "Currency",
    "DeadLetter",
    "Decision",
    "Declaration",
    "DeclarationEvent",
    "DeclarationLine",
    "DeclarationVersion",
    "Document",
    "DocumentCheck",
    "DutyAssessment",
    "ExchangeRate",
    "Gate",
    "Guarantee",
    "HistoryEntry",
    "Holiday",
    "HsKeyword",
    "IdempotencyRecord",
    "Inspection",
    "Mandate",
    "Notification",
    "Payment",
    "ProcedurePaper",
    "ProhibitedGood",
    "Query",
    "ReferencePrice",
    "RequiredDocument",
    "ReviewLease",
    "RiskModelVersion",
    "RiskRule",
    "SeizureCase",
    "Subscription",
    "TariffLine",
    "TraderStanding",
    "VatRate",
    "WatchlistParty",
]
