"""Declarations as each role may read them: traders never see why one was selected."""

import base64
import binascii
import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from clearance.auth.models import RISK_READERS
from clearance.auth.service import Caller, holder_names
from clearance.clock import get_clock
from clearance.declarations import release, timeline
from clearance.declarations import service as declarations_service
from clearance.declarations.models import Decision, Declaration, DeclarationEvent, Query
from clearance.declarations.outcomes import assessment_of
from clearance.declarations.schemas import (
    DecisionOut,
    DeclarationOut,
    DeclarationSummary,
    QueryOut,
    RiskOut,
)
from clearance.errors import invalid_field
from clearance.fields import plausible_utc
from clearance.messages import API_LANGUAGE, Message, from_json, out, rendered, stored


def detail(
    *,
    session: Session,
    caller: Caller,
    declaration: Declaration,
    lang: str = API_LANGUAGE,
    read_only: bool = False,
) -> DeclarationOut:
    """The declaration for `caller`, its texts in `lang`; `read_only` (a request that changed
    nothing) may answer what holds it from what was kept (`release.kept_closed_gates`)."""
    events = session.exec(
        select(DeclarationEvent)
        .where(DeclarationEvent.declaration_id == declaration.id)
        .order_by(col(DeclarationEvent.id))
    ).all()
    queries = session.exec(
        select(Query).where(Query.declaration_id == declaration.id).order_by(col(Query.id))
    ).all()
    decisions = session.exec(
        select(Decision).where(Decision.declaration_id == declaration.id).order_by(col(Decision.id))
    ).all()
    missing = (
        release.kept_closed_gates(session=session, clock=get_clock(), declarations=[declaration])[
            declaration.id
        ]
        if read_only
        else release.closed_gates(session=session, declaration=declaration)
    )
    risk = None
    with_detail = caller.role in RISK_READERS
    if with_detail:
        assessment = assessment_of(session=session, declaration=declaration)
        if assessment is not None:
            risk = RiskOut.model_validate(assessment, from_attributes=True)
            risk.reasons = [_reason_in(reason, lang) for reason in risk.reasons]
    readiness = release.readiness(declaration.state, missing)
    names = holder_names(session=session, actors={e.actor for e in events}) if with_detail else {}
    return DeclarationOut(
        **summary(declaration).model_dump(),
        expected_arrival_at=declaration.expected_arrival_at,
        arrived_at=declaration.arrived_at,
        released_at=declaration.released_at,
        exited_at=declaration.exited_at,
        missing=[gate.render(lang) for gate in missing],
        missing_messages=[out(gate, lang) for gate in missing],
        readiness=rendered(readiness, lang),
        readiness_code=readiness.code if isinstance(readiness, Message) else None,
        declaration=declarations_service.body(session=session, declaration=declaration),
        queries=[query_out(q, lang) for q in queries],
        decisions=[DecisionOut.model_validate(d, from_attributes=True) for d in decisions],
        events=[
            timeline.event_out(e, with_detail=with_detail, lang=lang, names=names) for e in events
        ],
        risk=risk,
    )


def _reason_in(reason: dict[str, Any], lang: str) -> dict[str, Any]:
    """A stored risk reason with its text in `lang` (reasons stored before codes keep theirs)."""
    return {**reason, "reason": from_json(reason).render(lang)} if "code" in reason else reason


def query_out(query: Query, lang: str) -> QueryOut:
    text = stored(query.text_code, query.text_params, query.text)
    message = text if isinstance(text, Message) else None
    return QueryOut(
        id=query.id or 0,
        version=query.version,
        text=rendered(text, lang),
        code=message.code if message else None,
        params=message.as_json()["params"] if message else None,
        raised_at=query.raised_at,
        answer=query.answer,
        answered_at=query.answered_at,
    )


def summary(declaration: Declaration) -> DeclarationSummary:
    return DeclarationSummary(
        id=declaration.id,
        ucr=declaration.ucr,
        kind=declaration.kind,
        gate=declaration.gate_code,
        version=declaration.version,
        state=declaration.state,
        channel=declaration.channel,
        lodged_at=declaration.lodged_at,
    )


def encode_cursor(declaration: Declaration) -> str:
    raw = f"{declaration.lodged_at.isoformat()}|{declaration.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        at, last_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        lodged_at = datetime.fromisoformat(at)
        if lodged_at.tzinfo is None:
            raise ValueError("naive time")
        return plausible_utc(lodged_at), uuid.UUID(last_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid_field("cursor", Message("field.cursor_unknown")) from None
