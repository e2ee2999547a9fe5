"""Screening: score a declaration version, pick its channel, store the one assessment."""

import hashlib
import uuid
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from clearance.clock import Clock
from clearance.declarations import outcomes, states
from clearance.declarations import service as declarations_service
from clearance.declarations.models import Assessment, Channel, Declaration, State
from clearance.reference import service as reference_service
from clearance.risk.rules import Context, Hit, evaluate
from clearance.settings import Settings


@dataclass(frozen=True)
class Thresholds:
    yellow: float
    red: float
    random_red_share: float

    @classmethod
    def from_settings(cls, settings: Settings) -> "Thresholds":
        return cls(settings.yellow_threshold, settings.red_threshold, settings.random_red_share)


def combined_score(hits: list[Hit]) -> float:
    """Noisy-OR: independent signals each raise the risk, none can push it past 1."""
    clean = 1.0
    for hit in hits:
        clean *= 1.0 - hit.score
    return round(1.0 - clean, 4)


def random_draw(declaration_id: uuid.UUID) -> float:
    """A draw in [0, 1) fixed by the declaration: amending never re-rolls it."""
    digest = hashlib.sha256(b"random-selection:" + declaration_id.bytes).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign_channel(
    *,
    score: float,
    hard_hit: bool,
    randomly_selected: bool,
    floor: Channel | None,
    thresholds: Thresholds,
) -> Channel:
    if hard_hit or randomly_selected or score >= thresholds.red:
        channel = Channel.red
    elif score >= thresholds.yellow:
        channel = Channel.yellow
    else:
        channel = Channel.green
    if floor is not None and floor.strictness > channel.strictness:
        return floor
    return channel


def _prior_declarations(session: Session, declaration: Declaration) -> int:
    return session.exec(
        select(func.count()).where(
            Declaration.trader_tax_code == declaration.trader_tax_code,
            col(Declaration.lodged_at) < declaration.lodged_at,
        )
    ).one()


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
    context = Context(
        reference=reference_service.snapshot(session=session, today=clock.now().date()),
        trader_prior_declarations=_prior_declarations(session, declaration),
        new_trader_below=settings.new_trader_declarations,
    )
    hits = evaluate(body, context)
    thresholds = Thresholds.from_settings(settings)
    score = combined_score(hits)
    hard_hit = any(hit.hard for hit in hits)
    randomly_selected = random_draw(declaration.id) < thresholds.random_red_share
    reasons = [hit.as_reason() for hit in hits]
    if randomly_selected:
        reasons.append({"rule_id": "RANDOM", "rule_version": 1, "severity": "info", "score": 0.0,
                        "reason": f"random selection ({thresholds.random_red_share:.0%} share)",
                        "line": None})  # fmt: skip
    channel = assign_channel(
        score=score,
        hard_hit=hard_hit,
        randomly_selected=randomly_selected,
        floor=outcomes.channel_floor(session=session, declaration=declaration),
        thresholds=thresholds,
    )
    return outcomes.record_assessment(
        session=session,
        clock=clock,
        declaration=declaration,
        score=score,
        channel=channel,
        hard_hit=hard_hit,
        random_selected=randomly_selected,
        reasons=reasons,
    )
