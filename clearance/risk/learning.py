"""What the model learns from: imported history and officers' outcomes; training and loading."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlmodel import Session, col, select

from clearance import hot
from clearance.clock import Clock
from clearance.declarations.models import Decision, DecisionKind, Declaration
from clearance.declarations.schemas import DeclarationIn
from clearance.messages import Message
from clearance.reference.service import PriceBand, ReferenceData
from clearance.risk.history import Finding, HistoryRecord, Outcome, record_from_declaration
from clearance.risk.models import HistoryEntry, RiskModelVersion

if TYPE_CHECKING:
    from clearance.risk.features import Activity
    from clearance.risk.model import RiskModel

OFFICER_SOURCE = "officer"


def _revenue_usd(outcome: Outcome, reference: ReferenceData) -> Decimal | None:
    if outcome.revenue_recovered is None or outcome.revenue_currency is None:
        return None
    return reference.to_usd(outcome.revenue_recovered, outcome.revenue_currency)


def _entry(
    record: HistoryRecord, *, source: str, reference: ReferenceData, recorded_at: datetime
) -> HistoryEntry:
    assert record.outcome is not None
    return HistoryEntry(
        source=source,
        ucr=record.ucr,
        declarant_tax_code=record.declarant.tax_code,
        trader_tax_code=record.trader.tax_code,
        lodged_at=record.lodged_at,
        record=record.model_dump(mode="json", exclude_none=True),
        fraud_found=record.outcome.fraud_found,
        revenue_usd=_revenue_usd(record.outcome, reference),
        recorded_at=recorded_at,
    )


def import_history(
    *,
    session: Session,
    clock: Clock,
    reference: ReferenceData,
    records: Iterable[HistoryRecord],
    source: str,
) -> tuple[int, int]:
    """Store labeled records; returns (added, skipped: unlabeled or already imported)."""
    known = set(
        session.exec(
            select(HistoryEntry.declarant_tax_code, HistoryEntry.ucr).where(
                HistoryEntry.source == source
            )
        ).all()
    )
    added = skipped = 0
    for record in records:
        key = (record.declarant.tax_code, record.ucr)
        if record.outcome is None or key in known:
            skipped += 1
            continue
        known.add(key)
        session.add(_entry(record, source=source, reference=reference, recorded_at=clock.now()))
        added += 1
    session.flush()
    return added, skipped


def record_outcome(
    *,
    session: Session,
    clock: Clock,
    reference: ReferenceData,
    declaration: Declaration,
    body: DeclarationIn,
    decision: Decision,
) -> HistoryEntry | None:
    """An officer's release or seizure becomes a labeled record the model learns from."""
    if decision.kind not in {DecisionKind.release, DecisionKind.seize}:
        return None
    outcome = Outcome(
        inspected=decision.inspected or decision.kind is DecisionKind.seize,
        fraud_found=decision.fraud_found or decision.kind is DecisionKind.seize,
        revenue_recovered=decision.revenue_recovered,
        revenue_currency=decision.revenue_currency,
        findings=[Finding.model_validate(f) for f in decision.findings],
        decided_at=decision.decided_at,
    )
    record = record_from_declaration(body, lodged_at=declaration.lodged_at, outcome=outcome)
    entry = _entry(record, source=OFFICER_SOURCE, reference=reference, recorded_at=clock.now())
    entry.ucr = f"{declaration.ucr}#v{declaration.version}"
    entry.declaration_id, entry.version = declaration.id, declaration.version
    session.add(entry)
    return entry


def training_records(*, session: Session) -> list[HistoryRecord]:
    """Every labeled record, oldest first."""
    entries = session.exec(select(HistoryEntry).order_by(col(HistoryEntry.lodged_at))).all()
    return [HistoryRecord.model_validate(entry.record) for entry in entries]


@dataclass(frozen=True)
class LoadedModel:
    """The active model as screening uses it: scores declarations as lodged."""

    version: str
    model: "RiskModel"

    @property
    def history_until(self) -> datetime | None:
        return self.model.history_until

    def band(self, hs_code: str, origin: str, unit: str) -> PriceBand | None:
        learned = self.model.state.bands.band(hs_code, origin, unit)
        return learned.as_price_band() if learned is not None else None

    def score(self, body: DeclarationIn, lodged_at: datetime, live: "Activity | None") -> float:
        return self.model.score(record_from_declaration(body, lodged_at=lodged_at), live=live)

    def explain(
        self, body: DeclarationIn, lodged_at: datetime, live: "Activity | None"
    ) -> list[Message]:
        record = record_from_declaration(body, lodged_at=lodged_at)
        return self.model.explain(record, live=live)


_loaded: LoadedModel | None = None


def active_model(*, session: Session) -> LoadedModel | None:
    """The active model, loaded once per version per process."""
    global _loaded
    version = hot.cached(
        "active_model", None, [RiskModelVersion.__tablename__],
        lambda: session.exec(
            select(RiskModelVersion.version).where(col(RiskModelVersion.active).is_(True))
        ).first(),
    )  # fmt: skip
    if version is None:
        return None
    if _loaded is None or _loaded.version != version:
        from clearance.risk.model import RiskModel  # heavy: only processes that score load it

        artefact = session.exec(
            select(RiskModelVersion.artefact).where(RiskModelVersion.version == version)
        ).one()
        _loaded = LoadedModel(version, RiskModel.loads(artefact))
    return _loaded


def forget_model() -> None:
    global _loaded
    _loaded = None


def store_model(
    *,
    session: Session,
    clock: Clock,
    model: "RiskModel",
    trained_on: int,
    actor: str,
    activate: bool,
) -> RiskModelVersion:
    row = RiskModelVersion(
        version=model.version,
        trained_on=trained_on,
        metrics=model.metrics,
        artefact=model.dumps(),
        created_by=actor,
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    if activate:
        activate_model(session=session, version=row.version)
    return row


def activate_model(*, session: Session, version: str) -> None:
    """One active model at a time: workers switch to it at their next screening."""
    session.exec(update(RiskModelVersion).values(active=False))
    session.exec(
        update(RiskModelVersion).where(col(RiskModelVersion.version) == version).values(active=True)
    )
