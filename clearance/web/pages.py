"""What each page shows, put together from the same service functions the JSON API calls."""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from clearance.auth.models import Role
from clearance.auth.service import Caller, holder_names
from clearance.clock import Clock
from clearance.declarations import service as declarations_service
from clearance.declarations import views as declaration_views
from clearance.declarations.models import Channel, DecisionKind, Declaration, Kind, State
from clearance.declarations.schemas import DeclarationOut
from clearance.documents import service as documents_service
from clearance.documents import views as document_views
from clearance.documents.models import DocumentKind
from clearance.documents.schemas import DocumentList, DocumentOut
from clearance.reference import service as reference_service
from clearance.reports.service import CHANNELS, release_target
from clearance.review import service as review_service
from clearance.review import views as review_views
from clearance.review import work
from clearance.review.schemas import Finding, FindingCode, Lane, ReviewRecord
from clearance.review.service import REVIEWING
from clearance.risk import channels, config
from clearance.risk.rules import RULES
from clearance.settings import Settings

QUEUE_LIMIT = 200
FINDING_CODES: tuple[str, ...] = FindingCode.__args__  # type: ignore[attr-defined]


def queue(*, session: Session, clock: Clock, caller: Caller) -> dict[str, Any]:
    """Items I hold, then every lane, most urgent first (the service's order)."""
    items = review_service.queue(session=session, clock=clock, lane=None, limit=QUEUE_LIMIT)
    return {
        "mine": [item for item in items if item.leased_by == caller.actor],
        "lanes": {lane: [item for item in items if item.lane is lane] for lane in Lane},
        "claimable": [Lane.document_check, Lane.inspection],
        "names": holder_names(session=session, actors={i.leased_by for i in items if i.leased_by}),
    }


@dataclass(frozen=True)
class DeclarationPage:
    declaration: DeclarationOut
    documents: DocumentList
    review: ReviewRecord
    mine: bool
    supervisor: bool
    border_resident: frozenset[str]  # the lines' codes on the border-resident trade list
    names: dict[str, str]  # the people on the page by actor (`officer:2`), as their keys name them

    @property
    def under_review(self) -> bool:
        return self.declaration.state in REVIEWING

    @property
    def needs_check(self) -> bool:
        """No document check of this version has accepted every document yet."""
        version = self.declaration.version
        return not any(c.all_accepted and c.version == version for c in self.review.document_checks)

    @property
    def found_at_inspection(self) -> list[Finding]:
        """The latest inspection's discrepancies on this version: the decision's findings."""
        version = self.declaration.version
        inspections = [i for i in self.review.inspections if i.version == version]
        return inspections[-1].discrepancies if inspections else []

    @property
    def dossier(self) -> list[DocumentOut]:
        """The trader's documents, the ones a document check judges."""
        return [d for d in self.documents.documents if d.kind is not DocumentKind.inspection_photo]

    @property
    def clean_dossier(self) -> bool:
        """Every required paper in, and no check found anything on any of them."""
        return (
            bool(self.dossier)
            and self.documents.complete
            and not (self.documents.findings or any(d.findings for d in self.dossier))
        )

    @property
    def photos(self) -> list[DocumentOut]:
        return [d for d in self.documents.documents if d.kind is DocumentKind.inspection_photo]

    @property
    def decisions(self) -> list[DecisionKind]:
        """What the form offers: red goes on to inspection, yellow is escalated to it."""
        red = self.declaration.channel is Channel.red
        not_offered = {DecisionKind.escalate if red else DecisionKind.inspect}
        if self.declaration.state is State.inspection:
            not_offered |= {DecisionKind.inspect, DecisionKind.escalate}
        return [kind for kind in DecisionKind if kind not in not_offered]


def declaration(
    *, session: Session, clock: Clock, caller: Caller, declaration_id: uuid.UUID, lang: str
) -> DeclarationPage:
    """The declaration as an officer reads it: documents and their checks, the review work."""
    found = declarations_service.get(session=session, caller=caller, declaration_id=declaration_id)
    report = documents_service.check_declaration(session=session, declaration=found)
    documents = documents_service.list_for(session=session, declaration=found)
    lease = review_service.live_lease(session=session, clock=clock, declaration=found)
    checks, inspections, cases = work.records(session=session, declaration=found)
    detail = declaration_views.detail(session=session, caller=caller, declaration=found, lang=lang)
    actors = {
        *(event.actor for event in detail.events),
        *(check.officer for check in checks),
        *(inspection.officer for inspection in inspections),
        *(case.opened_by for case in cases),
        *([lease.officer] if lease is not None else []),
    }
    return DeclarationPage(
        declaration=detail,
        documents=document_views.document_list(documents, report, with_findings=True, lang=lang),
        review=review_views.record_out(
            item=review_service.item(session=session, clock=clock, declaration=found),
            lease=lease,
            checks=checks,
            inspections=inspections,
            cases=cases,
        ),
        mine=lease is not None and lease.officer == caller.actor,
        supervisor=caller.role is Role.supervisor,
        border_resident=_border_resident(session, clock, found),
        names=holder_names(session=session, actors=actors),
    )


def _border_resident(session: Session, clock: Clock, found: Declaration) -> frozenset[str]:
    """An import's lines on the border-resident trade list (a list of imports), as of its
    lodgement."""
    body = declarations_service.body(session=session, declaration=found)
    if body.kind is not Kind.import_:
        return frozenset()
    reference = reference_service.snapshot(session=session, today=clock.now().date())
    on = found.lodged_at.date()
    return frozenset(
        line.hs_code for line in body.lines if reference.border_resident(line.hs_code, on)
    )


def supervisor(*, session: Session, clock: Clock, settings: Settings) -> dict[str, Any]:
    """Lanes, overdue items, who holds what, channel targets and thresholds, the rules."""
    policy = config.policy(session=session, settings=settings)
    rule_configs = config.rule_configs(session=session, settings=settings)
    target = release_target()
    overdue = review_service.queue(
        session=session, clock=clock, lane=None, limit=QUEUE_LIMIT, overdue_only=True
    )
    workload = work.workload(session=session, clock=clock)
    actors = {row.officer for row in workload} | {i.leased_by for i in overdue if i.leased_by}
    return {
        "lane_stats": review_service.lane_stats(session=session, clock=clock),
        "overdue": overdue,
        "workload": workload,
        "names": holder_names(session=session, actors=actors),
        "policy": policy,
        "thresholds": channels.fit(session=session, settings=settings, policy=policy),
        "release_targets": [
            (channel, target.baseline_seconds(channel), target.target_seconds(channel))
            for channel in CHANNELS
        ],
        "rules": [(rule_id, RULES[rule_id], rule_configs[rule_id]) for rule_id in RULES],
    }
