"""Labeled history: declarations as lodged, with what inspection found (DESIGN §3 outcome).

One JSON object per line, in the schema of `POST /v1/declarations` plus `lodged_at`, the
truck's `arrival` at the gate (when, and what the weighbridge read) and `outcome`. What a
land-border declaration has but older history may lack (truck, gate, arrival, line
descriptions, documents, gross weight) is optional here.
"""

from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from clearance.declarations.models import Kind
from clearance.declarations.schemas import DeclarationIn, DocumentRef, Truck
from clearance.fields import UtcDatetime, plausible_utc

FindingCode = Literal[
    "undervaluation", "misclassification", "origin", "weight", "document", "prohibited", "quantity"
]
Code = Annotated[str, StringConstraints(min_length=1, max_length=40)]


class HistoryModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Finding(HistoryModel):
    code: FindingCode
    line: int | None = Field(default=None, ge=1)
    detail: str = ""


class Outcome(HistoryModel):
    """What an officer's decision teaches the risk engine."""

    inspected: bool
    fraud_found: bool
    revenue_recovered: Decimal | None = Field(default=None, ge=0)
    revenue_currency: Literal["VND", "USD"] | None = None
    findings: list[Finding] = Field(default_factory=list)
    decided_at: UtcDatetime | None = None


class Arrival(HistoryModel):
    """The truck at the gate, as the gate records it (`POST /v1/declarations/{id}/arrival`)."""

    arrived_at: UtcDatetime
    weighbridge_kg: Decimal = Field(gt=0)


class HistoryParty(HistoryModel):
    tax_code: Code  # history from other administrations uses other identifiers
    name: str = ""


class HistoryCounterparty(HistoryModel):
    name: str = ""
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    address: str | None = None


class HistoryLine(HistoryModel):
    hs_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{6,10}$")]
    description: str = ""
    origin: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    quantity: Decimal = Field(gt=0)
    unit: str = "kg"
    gross_kg: Decimal | None = Field(default=None, gt=0)
    net_kg: Decimal = Field(gt=0)
    customs_value: Decimal = Field(gt=0)
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    incoterm: str | None = None
    preference: str | None = None


class HistoryRecord(HistoryModel):
    ucr: Code
    kind: Kind = Kind.import_
    gate: str | None = None
    declarant: HistoryParty
    trader: HistoryParty
    counterparty: HistoryCounterparty = Field(
        description="The party across the border; its country is the country of departure."
    )
    truck: Truck | None = None
    lines: list[HistoryLine] = Field(min_length=1)
    documents: list[DocumentRef] = Field(default_factory=list)
    lodged_at: UtcDatetime
    arrival: Arrival | None = None
    outcome: Outcome | None = None

    @property
    def lodged_on(self) -> date:
        return self.lodged_at.date()

    def arrival_known_at(self, at: datetime) -> Arrival | None:
        """The arrival if the truck had been weighed by `at` (it may come before lodgement)."""
        return self.arrival if self.arrival is not None and self.arrival.arrived_at <= at else None


def read_jsonl(path: Path) -> Iterator[HistoryRecord]:
    """Records of a JSON Lines file, in file order; a bad line raises with its number."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    yield HistoryRecord.model_validate_json(line)
                except ValueError as exc:
                    raise ValueError(f"{path}:{number}: {exc}") from exc


def write_jsonl(records: Iterable[HistoryRecord], path: Path) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(record.model_dump_json(exclude_none=True) + "\n")
            count += 1
    return count


def record_from_declaration(
    body: DeclarationIn,
    *,
    lodged_at: datetime,
    outcome: Outcome | None = None,
    arrival: Arrival | None = None,
) -> HistoryRecord:
    """A live declaration in the history schema, which is what the model scores and learns."""
    if outcome is None and arrival is None:
        return _as_history(body, plausible_utc(lodged_at))
    payload = body.model_dump(mode="json")
    return HistoryRecord.model_validate(
        {
            **payload,
            "lodged_at": lodged_at,
            "arrival": arrival.model_dump() if arrival else None,
            "outcome": outcome.model_dump() if outcome else None,
        }
    )


def _as_history(body: DeclarationIn, lodged_at: datetime) -> HistoryRecord:
    """The body, validated already, as the history record its JSON would validate to: the
    history schema takes every field the body has, with the same values (a screening set
    builds one per declaration; through JSON and back cost a tenth of a millisecond each)."""
    party = HistoryParty.model_construct
    return HistoryRecord.model_construct(
        ucr=body.ucr,
        kind=body.kind,
        gate=body.gate,
        declarant=party(tax_code=body.declarant.tax_code, name=body.declarant.name),
        trader=party(tax_code=body.trader.tax_code, name=body.trader.name),
        counterparty=HistoryCounterparty.model_construct(
            name=body.counterparty.name,
            country=body.counterparty.country,
            address=body.counterparty.address,
        ),
        truck=body.truck,
        lines=[HistoryLine.model_construct(**dict(line)) for line in body.lines],
        documents=list(body.documents),
        lodged_at=lodged_at,
        arrival=None,
        outcome=None,
    )
