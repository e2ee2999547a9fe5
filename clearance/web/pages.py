"""What each page shows, put together from the same service functions the JSON API calls."""

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from clearance.auth.service import Caller
from clearance.clock import Clock
from clearance.declarations import service as declarations_service
from clearance.declarations import views as declaration_views
from clearance.declarations.models import State
from clearance.declarations.schemas import DeclarationOut
from clearance.documents import service as documents_service
from clearance.documents import views as document_views
from clearance.documents.schemas import DocumentList
from clearance.reports.service import CHANNELS, release_target
from clearance.review import service as review_service
from clearance.review.models import ReviewLease
from clearance.review.schemas import FindingCode, Lane, QueueItem
from clearance.risk import channels, config
from clearance.risk.rules import RULES
from clearance.settings import Settings

QUEUE_LIMIT = 200
FINDING_CODES: tuple[str, ...] = FindingCode.__args__  # type: ignore[attr-defined]
UNDER_REVIEW = frozenset({State.document_check, State.inspection})


@dataclass(frozen=True)
class Row:
    """A queue item with its SLA clock as the page shows it."""

    item: QueueItem
    time_left_seconds: float | None
    mine: bool


def _row(item: QueueItem, caller: Caller, now: datetime) -> Row:
    left = (item.due_at - now).total_seconds() if item.due_at is not None else None
    return Row(item=item, time_left_seconds=left, mine=item.leased_by == caller.actor)


def queue(*, session: Session, clock: Clock, caller: Caller) -> dict[str, Any]:
    """Items I hold, then every lane, most urgent first (the service's order)."""
    now = clock.now()
    rows = [
        _row(item, caller, now)
        for item in review_service.queue(session=session, clock=clock, lane=None, limit=QUEUE_LIMIT)
    ]
    return {
        "mine": [row for row in rows if row.mine],
        "lanes": {lane: [row for row in rows if row.item.lane is lane] for lane in Lane},
        "claimable": [Lane.document_check, Lane.inspection],
    }


@dataclass(frozen=True)
class DeclarationPage:
    declaration: DeclarationOut
    documents: DocumentList
    lease: ReviewLease | None
    mine: bool
    under_review: bool


def declaration(
    *, session: Session, clock: Clock, caller: Caller, declaration_id: uuid.UUID
) -> DeclarationPage:
    """The declaration as an officer reads it, its documents with their checks, the lease."""
    found = declarations_service.get(session=session, caller=caller, declaration_id=declaration_id)
    report = documents_service.check_declaration(session=session, declaration=found)
    documents = documents_service.list_for(session=session, declaration=found)
    lease = review_service.current_lease(session=session, clock=clock, declaration=found)
    return DeclarationPage(
        declaration=declaration_views.detail(session=session, caller=caller, declaration=found),
        documents=document_views.document_list(documents, report, with_findings=True),
        lease=lease,
        mine=lease is not None and lease.officer == caller.actor,
        under_review=found.state in UNDER_REVIEW,
    )


def supervisor(*, session: Session, clock: Clock, settings: Settings) -> dict[str, Any]:
    """Lanes, overdue items, who holds what, channel targets and thresholds, the rules."""
    items = review_service.queue(session=session, clock=clock, lane=None, limit=QUEUE_LIMIT)
    policy = config.policy(session=session, settings=settings)
    rule_configs = config.rule_configs(session=session, settings=settings)
    target = release_target()
    return {
        "lane_stats": review_service.lane_stats(session=session, clock=clock),
        "overdue": [item for item in items if item.overdue],
        "workload": sorted(Counter(i.leased_by for i in items if i.leased_by).items()),
        "policy": policy,
        "thresholds": channels.fit(session=session, settings=settings, policy=policy),
        "release_targets": [
            (channel, target.baseline_seconds(channel), target.target_seconds(channel))
            for channel in CHANNELS
        ],
        "rules": [(rule_id, RULES[rule_id], rule_configs[rule_id]) for rule_id in RULES],
    }
