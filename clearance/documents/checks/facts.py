"""What the document checks read and what they answer: the facts of a declaration and its
papers, and findings in the shape the risk engine and the officer's page read."""

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from clearance.declarations.schemas import DeclarationIn
from clearance.documents.models import DocumentKind
from clearance.documents.requirements import Requirement
from clearance.messages import Message

CHECKS_VERSION = 1

BLOCKING, CRITICAL, WARNING = "blocking", "critical", "warning"


def paper(kind: DocumentKind) -> Message:
    """A kind of paper as running text names it ("commercial invoice")."""
    return Message(f"paper.{kind.value}")


def bilingual(en: str, vi: str) -> Message:
    """Prose that reference data carries in both languages (Vietnamese may be missing)."""
    return Message("bilingual", {"en": en, "vi": vi or en})


@dataclass(frozen=True)
class DocumentFacts:
    id: uuid.UUID
    kind: DocumentKind
    number: str
    issued_on: date | None
    expires_on: date | None
    fields: Mapping[str, Any]
    sha256: str


@dataclass(frozen=True)
class OtherUse:
    """One of our documents whose number or file also appears on another declaration."""

    document_id: uuid.UUID
    kind: DocumentKind
    number: str
    other_declaration_id: uuid.UUID
    other_trader_tax_code: str
    same_number: bool
    same_file: bool


@dataclass(frozen=True)
class CheckInput:
    body: DeclarationIn
    trader_tax_code: str
    on: date  # the arrival date, or today while the truck has not arrived
    arrived: bool
    weighbridge_kg: Decimal | None
    documents: Sequence[DocumentFacts]
    requirements: Sequence[Requirement]
    to_usd: Callable[[Decimal, str], Decimal | None]
    other_uses: Sequence[OtherUse] = ()
    # Licence number key -> quantity already cleared under it by earlier declarations.
    licence_used: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    check_id: str
    severity: str
    reason: Message
    document_id: uuid.UUID | None = None
    document_kind: DocumentKind | None = None
    risk_score: float = 0.0  # what the risk engine reads; 0 for completeness
    blocks_release: bool = False
    line: int | None = None  # the declaration line it concerns, where it concerns one

    def as_reason(self) -> dict[str, object]:
        """In the shape of a risk rule hit's reason, so an assessment can store it as one."""
        return {
            "rule_id": self.check_id,
            "rule_version": CHECKS_VERSION,
            "severity": self.severity,
            "score": round(self.risk_score, 4),
            "reason": self.reason.text,
            "line": self.line,
            **self.reason.as_json(),
        }
