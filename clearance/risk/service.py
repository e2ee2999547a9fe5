"""Risk after screening: re-scoring at arrival and when documents come; the scores' sums.

Screening itself, a set of versions at a time, is `clearance.risk.screening`.
"""

import hashlib
import uuid

from sqlmodel import Session

from clearance.clock import Clock
from clearance.declarations import outcomes, release, states
from clearance.declarations import service as declarations_service
from clearance.declarations.models import Channel, Declaration, State
from clearance.documents import service as documents_service
from clearance.documents.checks import CHECKS_VERSION
from clearance.documents.service import DocumentReport
from clearance.messages import Message
from clearance.reference import service as reference_service
from clearance.risk import arrival, config, live_reads
from clearance.risk.rules import RULES, Context, Hit
from clearance.settings import Settings


def combined_score(scores: list[float]) -> float:
    """Noisy-OR: independent signals each raise the risk, none can push it past 1."""
    clean = 1.0
    for score in scores:
        clean *= 1.0 - score
    return round(1.0 - clean, 4)


def random_draw(declaration_id: uuid.UUID) -> float:
    """A draw in [0, 1) fixed by the declaration: amending never re-rolls it."""
    digest = hashlib.sha256(b"random-selection:" + declaration_id.bytes).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def document_hits(report: DocumentReport) -> list[Hit]:
    """What the documents check found that speaks of fraud (reuse, inconsistency)."""
    return [
        Hit(f.check_id, CHECKS_VERSION, f.severity, f.risk_score, f.reason)
        for f in documents_service.document_findings_for_risk(report)
    ]


def rescore_at_arrival(
    *, session: Session, clock: Clock, settings: Settings, declaration: Declaration
) -> Hit | None:
    """The weighbridge against the declared weight, once the truck is there.

    Screening reads the weighbridge when the truck came first; this covers the trucks that come
    after screening. A mismatch makes the declaration red; a green one already decided is
    stopped for inspection instead of released.
    """
    rescorable = {State.assessed, State.document_check, State.inspection, State.held, State.decided}
    weight = config.rule_configs(session=session, settings=settings)["R-WEIGHT"]
    if declaration.state not in rescorable:
        return None
    context = Context(
        reference=reference_service.snapshot(session=session, today=clock.now().date()),
        weighbridge_kg=declaration.arrival_weight_kg,
    )
    rule = RULES["R-WEIGHT"]
    body = declarations_service.body(session=session, declaration=declaration)
    findings = rule.check(body, context, {**rule.defaults, **weight.params})
    hits = [
        Hit(rule.rule_id, weight.version, weight.severity, score, reason, line)
        for score, reason, line in (findings if weight.enabled else [])
    ]
    hits += arrival.model_hits(
        session=session,
        settings=settings,
        declaration=declaration,
        body=body,
        hits=hits,
        live_activity=live_reads.live_activity,
    )
    return hits[0] if hits and _escalate(session, clock, declaration, hits) else None


def _escalate(session: Session, clock: Clock, declaration: Declaration, hits: list[Hit]) -> bool:
    """Signals found after screening make the declaration red; a decided one is inspected."""
    assessment = outcomes.assessment_of(session=session, declaration=declaration)
    if not hits or assessment is None:
        return False
    assessment.reasons = [*assessment.reasons, *(hit.as_reason() for hit in hits)]
    assessment.score = combined_score([assessment.score, *(hit.score for hit in hits)])
    assessment.channel = declaration.channel = Channel.red
    session.add(assessment)
    reason = (
        hits[0].reason
        if len(hits) == 1
        else Message("risk.several", {"hits": [h.reason for h in hits]})
    )
    if declaration.state is State.decided:
        outcomes.stop_for_inspection(
            session=session, clock=clock, declaration=declaration, reason=reason
        )
    else:
        states.note(
            session=session,
            clock=clock,
            declaration=declaration,
            actor=states.SYSTEM,
            action="rescore",
            reason=reason,
        )
    return True


def documents_uploaded(*, session: Session, clock: Clock, declaration: Declaration) -> None:
    """A document arrived after screening: check again, and carry on if it was awaited."""
    if declaration.state in {State.lodged, State.screening}:
        return  # screening, still to come, reads every document
    # The re-check keeps the report it made of every paper now stored (else checked now).
    report = documents_service.report_of(session=session, declaration=declaration)
    assessment = outcomes.assessment_of(session=session, declaration=declaration)
    seen = {r["reason"] for r in assessment.reasons} if assessment is not None else set()
    _escalate(
        session,
        clock,
        declaration,
        [h for h in document_hits(report) if h.reason.text not in seen],
    )
    if report.complete:
        outcomes.documents_arrived(session=session, clock=clock, declaration=declaration)
    release.release_if_ready(session=session, clock=clock, declaration=declaration)
