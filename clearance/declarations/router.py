"""Declaration endpoints: thin, each calls one service function."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response, status

from clearance.clock import get_clock
from clearance.declarations import gate, intake, service, views
from clearance.declarations.models import State
from clearance.declarations.schemas import (
    Accepted,
    AmendmentIn,
    ArrivalIn,
    CancelIn,
    DeclarationIn,
    DeclarationOut,
    DeclarationPage,
    ExitIn,
    QueryAnswerIn,
)
from clearance.deps import (
    ClockDep,
    GateDep,
    KnownTraderDep,
    LanguageDep,
    ReaderDep,
    ReferenceDep,
    SessionDep,
    SettingsDep,
    TraderDep,
)
from clearance.errors import PROBLEM_RESPONSES, invalid_field
from clearance.fields import UtcDatetime
from clearance.messages import Message

router = APIRouter(prefix="/v1/declarations", tags=["declarations"], responses=PROBLEM_RESPONSES)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="A unique key per declaration: a retry with the same key and body is safe.",
    ),
]


def _accepted(
    response: Response, declaration_id: uuid.UUID, version: int, state: State
) -> Accepted:
    location = f"/v1/declarations/{declaration_id}"
    response.headers["Location"] = location
    return Accepted(id=declaration_id, version=version, state=state, location=location)


@router.post("", status_code=status.HTTP_202_ACCEPTED)
async def lodge(
    body: DeclarationIn,
    response: Response,
    known: KnownTraderDep,
    idempotency_key: IdempotencyKey = None,
) -> Accepted:
    """Lodge a declaration; it is screened within seconds."""
    lodged = await intake.lodge(
        clock=get_clock(),
        caller=known.caller,
        declaration_in=body,
        idempotency_key=idempotency_key,
        facts=known.facts,
        lifecycle=known.lifecycle,
    )
    if not lodged.created:
        response.headers["Idempotent-Replayed"] = "true"
    return _accepted(response, lodged.declaration_id, lodged.version, lodged.state)


@router.get("")
def list_declarations(
    session: SessionDep,
    caller: ReaderDep,
    settings: SettingsDep,
    state: State | None = None,
    lodged_from: Annotated[UtcDatetime | None, Query(alias="from")] = None,
    lodged_to: Annotated[UtcDatetime | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> DeclarationPage:
    """The caller's declarations (a trader's own; all for officers), newest first."""
    if lodged_from and lodged_to and lodged_to <= lodged_from:
        raise invalid_field("to", Message("field.after_from"))
    items = service.list_for(
        session=session,
        caller=caller,
        state=state,
        lodged_from=lodged_from,
        lodged_to=lodged_to,
        limit=min(limit, settings.page_size_max),
        cursor=views.decode_cursor(cursor) if cursor else None,
    )
    next_cursor = views.encode_cursor(items[-1]) if len(items) == limit else None
    return DeclarationPage(items=[views.summary(d) for d in items], next_cursor=next_cursor)


@router.get("/{declaration_id}")
def read(
    declaration_id: uuid.UUID, session: SessionDep, caller: ReaderDep, lang: LanguageDep
) -> DeclarationOut:
    """State, channel, queries, what is missing for release, and the event history."""
    declaration = service.get(session=session, caller=caller, declaration_id=declaration_id)
    return views.detail(
        session=session, caller=caller, declaration=declaration, lang=lang, read_only=True
    )


@router.post("/{declaration_id}/amendments", status_code=status.HTTP_202_ACCEPTED)
def amend(
    declaration_id: uuid.UUID,
    body: AmendmentIn,
    response: Response,
    session: SessionDep,
    clock: ClockDep,
    caller: TraderDep,
    reference: ReferenceDep,
) -> Accepted:
    """Lodge a new version; it is screened again and never gets a less strict channel."""
    declaration = service.amend(
        session=session,
        clock=clock,
        caller=caller,
        reference=reference,
        declaration_id=declaration_id,
        declaration_in=body.declaration,
        reason=body.reason,
    )
    return _accepted(response, declaration.id, declaration.version, declaration.state)


@router.post("/{declaration_id}/cancel")
def cancel(
    declaration_id: uuid.UUID,
    body: CancelIn,
    session: SessionDep,
    clock: ClockDep,
    caller: TraderDep,
    lang: LanguageDep,
) -> DeclarationOut:
    """Cancel a declaration not yet under examination."""
    declaration = service.get(
        session=session, caller=caller, declaration_id=declaration_id, for_update=True
    )
    service.cancel(
        session=session,
        clock=clock,
        declaration=declaration,
        actor_kind="trader",
        actor=caller.actor,
        reason=body.reason,
    )
    return views.detail(session=session, caller=caller, declaration=declaration, lang=lang)


@router.post("/{declaration_id}/queries/{query_id}/answer")
def answer_query(
    declaration_id: uuid.UUID,
    query_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: QueryAnswerIn,
    session: SessionDep,
    clock: ClockDep,
    caller: TraderDep,
    lang: LanguageDep,
) -> DeclarationOut:
    """Answer a customs query; a held declaration returns to where it was."""
    declaration = service.answer_query(
        session=session,
        clock=clock,
        caller=caller,
        declaration_id=declaration_id,
        query_id=query_id,
        answer=body.answer,
    )
    return views.detail(session=session, caller=caller, declaration=declaration, lang=lang)


@router.post("/{declaration_id}/arrival")
def record_arrival(
    declaration_id: uuid.UUID,
    body: ArrivalIn,
    session: SessionDep,
    clock: ClockDep,
    caller: GateDep,
    lang: LanguageDep,
) -> DeclarationOut:
    """The gate records the truck's arrival and weighbridge weight."""
    declaration = gate.record_arrival(
        session=session, clock=clock, caller=caller, declaration_id=declaration_id, arrival_in=body
    )
    return views.detail(session=session, caller=caller, declaration=declaration, lang=lang)


@router.post("/{declaration_id}/exit")
def record_exit(
    declaration_id: uuid.UUID,
    body: ExitIn,
    session: SessionDep,
    clock: ClockDep,
    caller: GateDep,
    lang: LanguageDep,
) -> DeclarationOut:
    """The gate records that the released truck left."""
    declaration = gate.record_exit(
        session=session, clock=clock, caller=caller, declaration_id=declaration_id, exit_in=body
    )
    return views.detail(session=session, caller=caller, declaration=declaration, lang=lang)
