"""Screening: score a declaration version, pick its channel, store the one assessment."""

import hashlib
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, case, func
from sqlmodel import Session, col, select

from clearance import hot
from clearance.clock import Clock
from clearance.declarations import outcomes, release, states
from clearance.declarations import service as declarations_service
from clearance.declarations.models import (
    Assessment,
    Channel,
    Declaration,
    DeclarationLine,
    State,
)
from clearance.declarations.schemas import DeclarationIn
from clearance.documents import checks
from clearance.documents import service as documents_service
from clearance.documents.checks import CHECKS_VERSION
from clearance.documents.service import DocumentReport
from clearance.messages import Message
from clearance.names import Watchlist
from clearance.reference import service as reference_service
from clearance.reference.service import ReferenceData
from clearance.risk import arrival, channels, config, learning, shadow
from clearance.risk.features import Activity
from clearance.risk.models import HistoryEntry, TraderStanding, WatchlistParty
from clearance.risk.rules import RULES, Context, Hit, RuleConfig, SplitWindow, evaluate
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


def _split_windows(
    session: Session,
    declaration: Declaration,
    body: DeclarationIn,
    reference: ReferenceData,
    rule: RuleConfig,
    clock: Clock,
) -> dict[str, SplitWindow]:
    """Per HS heading: the trader's other current declarations in the window just under it."""
    since = clock.now() - timedelta(days=float(rule.params["window_days"]))
    threshold = Decimal(str(rule.params["threshold_usd"]))
    floor = threshold * Decimal(str(rule.params["near_share"]))
    headings = {line.hs_code[:4] for line in body.lines}
    hs4_of = func.substr(col(DeclarationLine.hs_code), 1, 4)
    # Summed in the database: a busy trader has thousands of lines in the window.
    rows = session.exec(
        select(
            col(DeclarationLine.declaration_id),
            hs4_of,
            col(DeclarationLine.currency),
            func.sum(col(DeclarationLine.customs_value)),
        )
        .join(Declaration, col(Declaration.id) == col(DeclarationLine.declaration_id))
        .where(
            Declaration.trader_tax_code == declaration.trader_tax_code,
            col(Declaration.id) != declaration.id,
            col(Declaration.version) == col(DeclarationLine.version),
            col(Declaration.state) != State.cancelled,
            col(Declaration.lodged_at) >= since,
            hs4_of.in_(headings),
        )
        .group_by(col(DeclarationLine.declaration_id), hs4_of, col(DeclarationLine.currency))
    ).all()
    totals: dict[tuple[str, uuid.UUID], Decimal] = defaultdict(Decimal)
    for declaration_id, hs4, currency, value in rows:
        totals[(hs4, declaration_id)] += reference.to_usd(Decimal(value), currency) or 0
    windows: dict[str, SplitWindow] = {}
    for heading in headings:
        under = [v for (h, _d), v in totals.items() if h == heading and floor <= v < threshold]
        if under:
            windows[heading] = SplitWindow(len(under), sum(under, Decimal(0)))
    return windows


@lru_cache(maxsize=4)
def _watchlist(names: tuple[str, ...]) -> Watchlist:
    """One prepared watchlist per content, kept across screenings (it remembers answers)."""
    return Watchlist(names)


def _context(
    session: Session,
    clock: Clock,
    declaration: Declaration,
    body: DeclarationIn,
    configs: dict[str, RuleConfig],
    model: learning.LoadedModel | None,
) -> Context:
    reference = reference_service.snapshot(session=session, today=clock.now().date())
    prior = session.exec(
        select(func.count()).where(
            Declaration.trader_tax_code == declaration.trader_tax_code,
            col(Declaration.lodged_at) < declaration.lodged_at,
        )
    ).one()
    lookback = clock.now() - timedelta(
        days=float(configs["R-FRAUD-HISTORY"].params["lookback_days"])
    )
    fraud = case((col(HistoryEntry.fraud_found), 1), else_=0)
    inspections, frauds = session.exec(
        select(func.count(), func.coalesce(func.sum(fraud), 0)).where(
            HistoryEntry.trader_tax_code == declaration.trader_tax_code,
            col(HistoryEntry.lodged_at) >= lookback,
        )
    ).one()
    watched = hot.cached(
        "watchlist",
        None,
        [WatchlistParty.__tablename__],
        lambda: [
            hot.copied(row)
            for row in session.exec(
                select(WatchlistParty).where(col(WatchlistParty.removed_at).is_(None))
            )
        ],
    )
    watchlist = _watchlist(tuple(party.name for party in watched))
    return Context(
        reference=reference,
        trader_prior_declarations=prior,
        trader_inspections=inspections,
        trader_frauds=int(frauds),
        watchlist_match=watchlist.match,
        watchlisted_tax_codes=frozenset(p.tax_code for p in watched if p.tax_code),
        split_windows=_split_windows(
            session, declaration, body, reference, configs["R-SPLIT-SHIPMENT"], clock
        ),
        hs_keywords=reference.hs_keywords,
        weighbridge_kg=declaration.arrival_weight_kg,
        **({"learned_band": model.band} if model is not None else {}),
    )


def _live_activity(
    session: Session, declaration: Declaration, body: DeclarationIn, since: datetime | None
) -> Activity:
    """The trader's declarations lodged here since the model's history ends: it adds them."""

    start = since or datetime.min.replace(tzinfo=UTC)
    lodged_at = col(Declaration.lodged_at)

    def count(*conditions: ColumnElement[bool], days: int | None = None) -> Any:
        if days is not None:
            conditions += (lodged_at >= max(start, declaration.lodged_at - timedelta(days=days)),)
        return func.count(func.distinct(col(Declaration.id))).filter(*conditions)

    # One query for every count: each is a filtered aggregate over the same rows.
    trader = col(Declaration.trader_tax_code) == declaration.trader_tax_code
    hs6 = sorted({line.hs_code[:6] for line in body.lines})
    counts = session.exec(
        select(
            count(trader),
            count(trader, days=7),
            count(trader, days=30),
            count(col(Declaration.declarant_tax_code) == declaration.declarant_tax_code),
            *(count(trader, col(DeclarationLine.hs_code).startswith(code)) for code in hs6),
        )
        .select_from(Declaration)
        .outerjoin(DeclarationLine, col(DeclarationLine.declaration_id) == col(Declaration.id))
        .where(lodged_at >= start, lodged_at < declaration.lodged_at)
    ).one()
    return Activity(
        importer_declarations=counts[0],
        importer_7d=counts[1],
        importer_30d=counts[2],
        importer_hs6_declarations=min(counts[4:]),
        declarant_declarations=counts[3],
    )


def _document_hits(report: DocumentReport) -> list[Hit]:
    """What the documents check found that speaks of fraud (reuse, inconsistency)."""
    return [
        Hit(f.check_id, CHECKS_VERSION, f.severity, f.risk_score, f.reason)
        for f in documents_service.document_findings_for_risk(report)
    ]


def _channel_reason(
    channel: Channel, *, hard_hit: bool, randomly: bool, floor_applied: bool, rules_alone: Channel
) -> str:
    if channel is Channel.green:
        return "below thresholds"
    if hard_hit or (rules_alone is channel and not randomly):
        return "rule"
    if randomly:
        return "random"
    return "amendment" if floor_applied else "model"


def screen(
    *, session: Session, clock: Clock, settings: Settings, declaration_id: uuid.UUID, version: int
) -> Assessment | None:
    """Screen one version; a job for a stale or already screened version does nothing."""
    declaration = declarations_service.lock(session=session, declaration_id=declaration_id)
    if (
        declaration is None
        or declaration.version != version
        or declaration.state not in {State.lodged, State.screening}
        or outcomes.assessment_of(session=session, declaration=declaration) is not None
    ):
        return None
    if declaration.state is State.lodged:
        states.transition(
            session=session,
            clock=clock,
            declaration=declaration,
            to=State.screening,
            actor_kind=states.WORKER,
            actor=states.WORKER,
            action="screen",
        )
    body = declarations_service.body(session=session, declaration=declaration)
    configs = config.rule_configs(session=session, settings=settings)
    model = learning.active_model(session=session)
    context = _context(session, clock, declaration, body, configs, model)
    documents = documents_service.check_declaration(session=session, declaration=declaration)
    hits: list[Hit] = evaluate(body, context, configs) + _document_hits(documents)
    policy = config.policy(session=session, settings=settings)
    thresholds = channels.fit(session=session, settings=settings, policy=policy)
    lodged_at = declarations_service.current_version(
        session=session, declaration=declaration
    ).created_at
    live = (
        _live_activity(session, declaration, body, model.history_until)
        if model is not None
        else None
    )
    unread = [hit.score for hit in hits if hit.rule_id not in learning.MODEL_OWNS]
    model_score = model.score(body, lodged_at, live, signals=unread) if model is not None else None
    rules_score = combined_score([hit.score for hit in hits])
    # With a model the score is the expected value of inspecting: it reads the rules' signals.
    score = round(model_score, 4) if model_score is not None else rules_score
    hard_hit = any(hit.hard for hit in hits)
    randomly = random_draw(declaration.id) < thresholds.random_share
    standing = session.get(TraderStanding, declaration.trader_tax_code)
    aeo = standing is not None and standing.aeo
    floor = outcomes.channel_floor(session=session, declaration=declaration)

    def channel_for(value: float, *, use_floor: bool = True) -> Channel:
        return channels.assign_channel(
            score=value,
            hard_hit=hard_hit,
            randomly_selected=randomly,
            floor=floor if use_floor else None,
            thresholds=thresholds,
            aeo=aeo,
        )

    channel = channel_for(score)
    reasons = [hit.as_reason() for hit in hits]
    if model is not None and model_score is not None and channel is not Channel.green:
        # Explanations cost more than the score: computed only where an officer will read them.
        reasons += [
            {
                "rule_id": "MODEL",
                "rule_version": 0,
                "severity": "info",
                "score": round(model_score, 4),
                "reason": why.text,
                "line": None,
                **why.as_json(),
            }
            for why in model.explain(body, lodged_at, live)
        ]
    if randomly:
        drawn = Message("risk.random", {"share": thresholds.random_share})
        reasons.append(
            {
                "rule_id": "RANDOM",
                "rule_version": 0,
                "severity": "info",
                "score": 0.0,
                "reason": drawn.text,
                "line": None,
                **drawn.as_json(),
            }
        )
    shadow.score(session, declaration, body, lodged_at, unread, score, model, _live_activity)
    return outcomes.record_assessment(
        session=session,
        clock=clock,
        declaration=declaration,
        score=score,
        channel=channel,
        hard_hit=hard_hit,
        random_selected=randomly,
        reasons=reasons,
        missing=[checks.bilingual(r.reason, r.reason_vi) for r in documents.missing],
        details={
            "channel_reason": _channel_reason(
                channel,
                hard_hit=hard_hit,
                randomly=randomly,
                floor_applied=channel is not channel_for(score, use_floor=False),
                rules_alone=channel_for(rules_score, use_floor=False),
            ),
            "model_version": model.version if model is not None else None,
            "model_score": model_score,
            "policy_version": thresholds.policy_version,
            "thresholds": {
                "yellow": thresholds.yellow,
                "red": thresholds.red,
                "fitted_on": thresholds.fitted_on,
                "aeo": aeo,
            },
            "rule_versions": {c.rule_id: c.version for c in configs.values() if c.enabled},
        },
    )


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
        live_activity=_live_activity,
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
    report = documents_service.check_declaration(session=session, declaration=declaration)
    assessment = outcomes.assessment_of(session=session, declaration=declaration)
    seen = {r["reason"] for r in assessment.reasons} if assessment is not None else set()
    _escalate(
        session,
        clock,
        declaration,
        [h for h in _document_hits(report) if h.reason.text not in seen],
    )
    if report.complete:
        outcomes.documents_arrived(session=session, clock=clock, declaration=declaration)
    release.release_if_ready(session=session, clock=clock, declaration=declaration)
