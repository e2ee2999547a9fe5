"""Screening a set of declaration versions: read per table, score as one matrix, record each."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from sqlmodel import Session, col, select

from clearance import hot
from clearance.clock import Clock
from clearance.declarations import outcomes, states
from clearance.declarations import service as declarations_service
from clearance.declarations.changes import Changes
from clearance.declarations.models import Assessment, Channel, Declaration, State
from clearance.declarations.schemas import DeclarationIn
from clearance.documents import checks
from clearance.documents import service as documents_service
from clearance.documents.checks import OtherUse
from clearance.documents.papers import Paper
from clearance.documents.service import DocumentReport
from clearance.messages import Message
from clearance.names import Watchlist
from clearance.reference import service as reference_service
from clearance.reference.service import ReferenceData
from clearance.risk import channels, config, learning, live_reads, set_reads, shadow
from clearance.risk.channels import Thresholds
from clearance.risk.features import Activity, Facts
from clearance.risk.models import WatchlistParty
from clearance.risk.rules import Context, Hit, RuleConfig, evaluate
from clearance.risk.service import combined_score, document_hits, random_draw
from clearance.risk.set_reads import SetReads
from clearance.settings import Settings


@dataclass(frozen=True)
class Shared:
    """What every declaration of a set is screened against, read once per set."""

    configs: dict[str, RuleConfig]
    model: learning.LoadedModel | None
    thresholds: Thresholds
    reference: ReferenceData
    watchlist: Watchlist
    watched_codes: frozenset[str]


@lru_cache(maxsize=4)
def _watchlist(names: tuple[str, ...]) -> Watchlist:
    """One prepared watchlist per content, kept across screenings (it remembers answers)."""
    return Watchlist(names)


def shared(*, session: Session, clock: Clock, settings: Settings) -> Shared:
    """Rules, model, thresholds, reference data and watchlist: a failure here is no one
    declaration's fault (a broken model fails every screening)."""
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
    policy = config.policy(session=session, settings=settings)
    return Shared(
        configs=config.rule_configs(session=session, settings=settings),
        model=learning.active_model(session=session),
        thresholds=channels.fit(session=session, settings=settings, policy=policy),
        reference=reference_service.snapshot(session=session, today=clock.now().date()),
        watchlist=_watchlist(tuple(party.name for party in watched)),
        watched_codes=frozenset(p.tax_code for p in watched if p.tax_code),
    )


@dataclass
class _Prepared:
    declaration: Declaration
    body: DeclarationIn
    hits: list[Hit]
    documents: DocumentReport
    lodged_at: Any
    live: Activity | None


def screen_set(
    *,
    session: Session,
    clock: Clock,
    settings: Settings,
    declarations: Sequence[Declaration],
    common: Shared | None = None,
) -> dict[uuid.UUID, Assessment]:
    """Screen the claimed declarations' current versions; those no longer waiting, or
    assessed already, are left as they are. Returns the new assessments by declaration."""
    common = common or shared(session=session, clock=clock, settings=settings)
    waiting = [d for d in declarations if d.state in {State.lodged, State.screening}]
    declarations_service.load_versions(session=session, declarations=waiting)
    bodies = {d.id: declarations_service.body(session=session, declaration=d) for d in waiting}
    reads = set_reads.read(
        session=session,
        clock=clock,
        declarations=waiting,
        bodies=bodies,
        configs=common.configs,
        reference=common.reference,
    )
    todo = [d for d in waiting if (d.id, d.version) not in reads.assessed]
    papers = documents_service.documents_of(session=session, declarations=todo)
    if common.model is not None:
        reads.live = live_reads.live_activities(session, todo, bodies, common.model.history_until)
    dossiers = {d.id: documents_service.dossier(papers[d.id]) for d in todo}
    uses = documents_service.other_uses(session=session, documents=dossiers)
    prepared = [
        _prepare(session, common, reads, d, bodies[d.id], papers[d.id], uses[d.id]) for d in todo
    ]
    scores, facts = _model_scores(common.model, prepared)
    verdicts = [
        _verdict(common, reads, item, score) for item, score in zip(prepared, scores, strict=True)
    ]
    explained = _explanations(common.model, facts, verdicts)
    # The set's moves, assessments, decisions and releases are made in memory and written
    # together, one statement per table (`Changes`); the other domains' hooks take the set.
    # Nothing read from here on depends on the claimed rows' changes: the unit of work must not
    # flush them one by one before `write` updates them together.
    with session.no_autoflush:
        changes = Changes(session, clock)
        for item in prepared:
            _start(changes, item.declaration)
        assessed = {
            item.declaration.id: _assess(changes, common, item, verdict, why)
            for item, verdict, why in zip(prepared, verdicts, explained, strict=True)
        }
        outcomes.conclude(
            changes=changes,
            concluded=[
                (
                    item.declaration,
                    [checks.bilingual(r.reason, r.reason_vi) for r in item.documents.missing],
                )
                for item in prepared
            ],
        )
        changes.write()
    return assessed


def _prepare(
    session: Session,
    common: Shared,
    reads: SetReads,
    declaration: Declaration,
    body: DeclarationIn,
    papers: Sequence[Paper],
    uses: Sequence[OtherUse],
) -> _Prepared:
    inspections, frauds = reads.history.get(declaration.trader_tax_code, (0, 0))
    context = Context(
        reference=common.reference,
        trader_prior_declarations=reads.priors.get(declaration.id, 0),
        trader_inspections=inspections,
        trader_frauds=frauds,
        watchlist_match=common.watchlist.match,
        watchlisted_tax_codes=common.watched_codes,
        split_windows=reads.split_windows(declaration, body),
        hs_keywords=common.reference.hs_keywords,
        weighbridge_kg=declaration.arrival_weight_kg,
        **({"learned_band": common.model.band} if common.model is not None else {}),
    )
    documents = documents_service.check_declaration(
        session=session, declaration=declaration, documents=papers, uses=uses
    )
    documents_service.remember_report(
        session=session, declaration=declaration, report=documents, documents=papers
    )
    return _Prepared(
        declaration=declaration,
        body=body,
        hits=evaluate(body, context, common.configs) + document_hits(documents),
        documents=documents,
        lodged_at=declarations_service.current_version(
            session=session, declaration=declaration
        ).created_at,
        live=reads.live.get(declaration.id),
    )


def _unread(hits: Sequence[Hit]) -> list[float]:
    """The rules' signals the model does not learn from: they raise its probability."""
    return [hit.score for hit in hits if hit.rule_id not in learning.MODEL_OWNS]


def _model_scores(
    model: learning.LoadedModel | None, prepared: Sequence[_Prepared]
) -> tuple[list[float | None], list[Facts]]:
    """With a model, each score is the expected value of inspecting: it reads the rules'
    signals it does not learn from. One call for the whole set; the facts it read, for the
    explanations."""
    if model is None or not prepared:
        return [None] * len(prepared), []
    items = [
        learning.ToScore(
            body=item.body,
            lodged_at=item.lodged_at,
            live=item.live,
            signals=_unread(item.hits),
        )
        for item in prepared
    ]
    facts = model.facts_many(items)
    return list(model.score_many(items, facts)), facts


@dataclass(frozen=True)
class _Verdict:
    """What one declaration's channel was chosen from, and the channel."""

    model_score: float | None
    score: float
    rules_score: float
    hard_hit: bool
    randomly: bool
    aeo: bool
    floor: Channel | None
    channel: Channel


def _channel_for(common: Shared, verdict: _Verdict, value: float, *, use_floor: bool) -> Channel:
    return channels.assign_channel(
        score=value,
        hard_hit=verdict.hard_hit,
        randomly_selected=verdict.randomly,
        floor=verdict.floor if use_floor else None,
        thresholds=common.thresholds,
        aeo=verdict.aeo,
    )


def _verdict(
    common: Shared, reads: SetReads, item: _Prepared, model_score: float | None
) -> _Verdict:
    declaration, hits = item.declaration, item.hits
    rules_score = combined_score([hit.score for hit in hits])
    score = round(model_score, 4) if model_score is not None else rules_score
    chosen = _Verdict(
        model_score=model_score,
        score=score,
        rules_score=rules_score,
        hard_hit=any(hit.hard for hit in hits),
        randomly=random_draw(declaration.id) < common.thresholds.random_share,
        aeo=declaration.trader_tax_code in reads.aeo,
        floor=reads.floors.get(declaration.id),
        channel=Channel.green,
    )
    return replace(chosen, channel=_channel_for(common, chosen, score, use_floor=True))


def _explanations(
    model: learning.LoadedModel | None, facts: Sequence[Facts], verdicts: Sequence[_Verdict]
) -> list[list[Message]]:
    """The model's reasons for each yellow or red one it scored, in one call of the model:
    explanations cost more than the score, so only where an officer will read them."""
    wanted = [
        n
        for n, verdict in enumerate(verdicts)
        if model is not None
        and verdict.model_score is not None
        and verdict.channel is not Channel.green
    ]
    explained: list[list[Message]] = [[] for _ in verdicts]
    if model is not None and wanted:
        for n, why in zip(wanted, model.explain_many([facts[n] for n in wanted]), strict=True):
            explained[n] = why
    return explained


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


def _info_reason(rule_id: str, score: float, message: Message) -> dict[str, Any]:
    return {
        "rule_id": rule_id,
        "rule_version": 0,
        "severity": "info",
        "score": score,
        "reason": message.text,
        "line": None,
        **message.as_json(),
    }


def _start(changes: Changes, declaration: Declaration) -> None:
    if declaration.state is State.lodged:
        changes.transition(
            declaration=declaration,
            to=State.screening,
            actor_kind=states.WORKER,
            actor=states.WORKER,
            action="screen",
        )


def _assess(
    changes: Changes,
    common: Shared,
    item: _Prepared,
    verdict: _Verdict,
    explained: Sequence[Message],
) -> Assessment:
    declaration, channel = item.declaration, verdict.channel
    reasons = _reasons(common, item, verdict, explained)
    unread = _unread(item.hits)
    live = live_reads.live_activity
    session, score = changes.session, verdict.score
    shadow.score(session, declaration, item.body, item.lodged_at, unread, score, common.model, live)
    return outcomes.assess(
        changes=changes,
        declaration=declaration,
        score=score,
        channel=channel,
        hard_hit=verdict.hard_hit,
        random_selected=verdict.randomly,
        reasons=reasons,
        details={
            "channel_reason": _channel_reason(
                channel,
                hard_hit=verdict.hard_hit,
                randomly=verdict.randomly,
                floor_applied=channel is not _channel_for(common, verdict, score, use_floor=False),
                rules_alone=_channel_for(common, verdict, verdict.rules_score, use_floor=False),
            ),
            **_versions(common, verdict.model_score, aeo=verdict.aeo),
        },
    )


def _reasons(
    common: Shared, item: _Prepared, verdict: _Verdict, explained: Sequence[Message]
) -> list[dict[str, Any]]:
    reasons = [hit.as_reason() for hit in item.hits]
    if verdict.model_score is not None:
        model_score = round(verdict.model_score, 4)
        reasons += [_info_reason("MODEL", model_score, why) for why in explained]
    if verdict.randomly:
        drawn = Message("risk.random", {"share": common.thresholds.random_share})
        reasons.append(_info_reason("RANDOM", 0.0, drawn))
    return reasons


def _versions(common: Shared, model_score: float | None, *, aeo: bool) -> dict[str, Any]:
    """What the channel was chosen with: model, policy, thresholds and rules, by version."""
    thresholds = common.thresholds
    return {
        "model_version": common.model.version if common.model is not None else None,
        "model_score": model_score,
        "policy_version": thresholds.policy_version,
        "thresholds": {
            "yellow": thresholds.yellow,
            "red": thresholds.red,
            "fitted_on": thresholds.fitted_on,
            "aeo": aeo,
        },
        "rule_versions": {c.rule_id: c.version for c in common.configs.values() if c.enabled},
    }
