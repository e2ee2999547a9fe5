"""What the model learns from: imported history and officers' outcomes; training and loading."""

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlmodel import Session, col, select

from clearance import hot
from clearance.clock import Clock, get_clock
from clearance.declarations.models import Decision, DecisionKind, Declaration
from clearance.declarations.schemas import DeclarationIn
from clearance.messages import Message
from clearance.reference import service as reference_service
from clearance.reference.service import PriceBand, ReferenceData
from clearance.risk.history import (
    Arrival,
    Finding,
    HistoryRecord,
    Outcome,
    record_from_declaration,
)
from clearance.risk.models import HistoryEntry, ModelStatus, RiskModelVersion

if TYPE_CHECKING:
    from clearance.risk.features import Activity, Facts
    from clearance.risk.goods import GoodsTable
    from clearance.risk.model import RiskModel

OFFICER_SOURCE = "officer"
# Rules on the trader's own record: the model's profiles of the trader weigh the same facts
# from outcomes, so these rules' fixed scores do not add to its probability. Every other soft
# hit (rules and document checks that read the live database, which may know more than the
# model's history) raises the probability by noisy-OR.
MODEL_OWNS = frozenset({"R-NEW-TRADER", "R-FRAUD-HISTORY"})

logger = logging.getLogger(__name__)


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
    weighed = (
        Arrival(arrived_at=declaration.arrived_at, weighbridge_kg=declaration.arrival_weight_kg)
        if declaration.arrived_at is not None and declaration.arrival_weight_kg is not None
        else None
    )
    record = record_from_declaration(
        body, lodged_at=declaration.lodged_at, outcome=outcome, arrival=weighed
    )
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
class ToScore:
    """One declaration of a set to score: its body, when it was lodged, the trader's activity
    since the model's history, and the rules' signals the model does not read."""

    body: DeclarationIn
    lodged_at: datetime
    live: "Activity | None"
    signals: Sequence[float]


@dataclass(frozen=True)
class LoadedModel:
    """The active model as screening uses it: scores declarations as lodged, or as weighed."""

    version: str
    model: "RiskModel"

    @property
    def history_until(self) -> datetime | None:
        return self.model.history_until

    def band(self, hs_code: str, origin: str, unit: str) -> PriceBand | None:
        learned = self.model.state.bands.band(hs_code, origin, unit)
        return learned.as_price_band() if learned is not None else None

    def score(
        self,
        body: DeclarationIn,
        lodged_at: datetime,
        live: "Activity | None",
        *,
        signals: Sequence[float] = (),
        arrival: Arrival | None = None,
    ) -> float:
        """The priority of inspecting it, in [0, 1): what channels rank by.

        Expected value: the fraud probability (raised by the `signals` the model does not read)
        times the revenue a finding would recover plus the harm weight, against the model's
        value scale. With `arrival`, the truck's weighing is read too (re-scoring at arrival).
        """
        from clearance.risk.value import priority

        record = record_from_declaration(body, lodged_at=lodged_at, arrival=arrival)
        valued = self.model.value(record, live=live, at_arrival=arrival is not None)
        clean = (1.0 - float(valued.probability[0])) * math.prod(1.0 - s for s in signals)
        worth = float(valued.recovery[0] + valued.harm[0])
        return priority((1.0 - clean) * worth, self.model.value_scale)

    def facts_many(self, items: Sequence["ToScore"]) -> "list[Facts]":
        """What the model reads of each declaration as lodged (`score_many`, `explain_many`)."""
        return [
            self.model.facts(
                record_from_declaration(item.body, lodged_at=item.lodged_at), item.live
            )
            for item in items
        ]

    def score_many(
        self, items: Sequence["ToScore"], facts: "Sequence[Facts] | None" = None
    ) -> list[float]:
        """`score` for many declarations as lodged, in one call of the model (one matrix);
        `facts`: theirs, when `facts_many` read them already."""
        from clearance.risk.value import priority

        facts = self.facts_many(items) if facts is None else facts
        valued = self.model.value_facts(facts)
        scores = []
        for row, item in enumerate(items):
            signals = math.prod(1.0 - s for s in item.signals)
            clean = (1.0 - float(valued.probability[row])) * signals
            worth = float(valued.recovery[row] + valued.harm[row])
            scores.append(priority((1.0 - clean) * worth, self.model.value_scale))
        return scores

    def explain(
        self,
        body: DeclarationIn,
        lodged_at: datetime,
        live: "Activity | None",
        *,
        arrival: Arrival | None = None,
    ) -> list[Message]:
        record = record_from_declaration(body, lodged_at=lodged_at, arrival=arrival)
        return self.model.explain(record, live=live, at_arrival=arrival is not None)

    def explain_many(self, facts: "Sequence[Facts]") -> list[list[Message]]:
        """`explain` for many declarations as lodged, from their `facts_many`: one call."""
        return self.model.explain_facts(facts)


_loaded: LoadedModel | None = None
_unreadable: str | None = None  # the version that failed to load, not read again
_goods: "tuple[ReferenceData, GoodsTable] | None" = None


def goods_table(session: Session) -> "GoodsTable":
    """The goods' terms over the reference data in force (a supervisor's edits included)."""
    from clearance.risk.goods import GoodsTable

    global _goods
    reference = reference_service.snapshot(session=session, today=get_clock().now().date())
    if _goods is None or _goods[0] is not reference:
        _goods = (reference, GoodsTable(reference))
    return _goods[1]


def active_model(*, session: Session) -> LoadedModel | None:
    """The active model, loaded once per version per process; None if there is none, or if it
    was saved by an earlier version of the engine (train again)."""
    global _loaded, _unreadable
    version = hot.cached(
        "active_model",
        None,
        [RiskModelVersion.__tablename__],
        lambda: session.exec(
            select(RiskModelVersion.version).where(col(RiskModelVersion.active).is_(True))
        ).first(),
    )
    if version is None or version == _unreadable:
        return None
    if _loaded is None or _loaded.version != version:
        # Heavy: only processes that score load it.
        from clearance.risk.model import OtherFormat

        try:
            _loaded = load(session=session, version=version)
        except OtherFormat as unreadable:  # a corrupt artefact fails the job: a dead letter
            logger.warning("active model %s not used: %s", version, unreadable)
            _unreadable = version
            return None
    _loaded.model.use_goods(goods_table(session))
    return _loaded


def load(*, session: Session, version: str) -> LoadedModel:
    """A stored version, read and loaded (OtherFormat if this engine cannot read it)."""
    from clearance.risk.model import RiskModel

    artefact = session.exec(
        select(RiskModelVersion.artefact).where(RiskModelVersion.version == version)
    ).one()
    loaded = LoadedModel(version, RiskModel.loads(artefact))
    loaded.model.use_goods(goods_table(session))
    return loaded


_shadow: LoadedModel | None = None
_shadow_unusable: str | None = None


def shadow_model(*, session: Session) -> LoadedModel | None:
    """The model on trial (`clearance.risk.shadow`), loaded once per version per process;
    None if there is none, or if it cannot be loaded (a shadow never fails screening)."""
    global _shadow, _shadow_unusable
    version = hot.cached(
        "shadow_model",
        None,
        [RiskModelVersion.__tablename__],
        lambda: session.exec(
            select(RiskModelVersion.version)
            .where(RiskModelVersion.status == ModelStatus.shadow)
            .order_by(col(RiskModelVersion.id).desc())
        ).first(),
    )
    if version is None or version == _shadow_unusable:
        return None
    if _shadow is None or _shadow.version != version:
        try:
            _shadow = load(session=session, version=version)
        except Exception:
            logger.warning("shadow model %s not used", version, exc_info=True)
            _shadow_unusable = version
            return None
    _shadow.model.use_goods(goods_table(session))
    return _shadow


def forget_model() -> None:
    global _loaded, _unreadable, _shadow, _shadow_unusable
    _loaded = _unreadable = _shadow = _shadow_unusable = None


def store_model(
    *,
    session: Session,
    clock: Clock,
    model: "RiskModel",
    trained_on: int,
    actor: str,
    activate: bool,
    status: ModelStatus = ModelStatus.stored,
) -> RiskModelVersion:
    row = RiskModelVersion(
        version=model.version,
        status=status,
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
