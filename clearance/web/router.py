"""The officer pages under /officer/: thin routes over the services the JSON API calls."""

import dataclasses
import json
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from clearance.auth import service as auth_service
from clearance.deps import ClockDep, SessionDep, SettingsDep
from clearance.documents import service as documents_service
from clearance.documents import views as document_views
from clearance.documents.storage import get_storage
from clearance.errors import Unauthorized
from clearance.messages import Message
from clearance.review import service as review_service
from clearance.review.schemas import Lane
from clearance.web import i18n, pages
from clearance.web import session as tokens
from clearance.web.deps import (
    CSRF,
    PAGE_ROLES,
    SIGN_IN_CSRF,
    FormDep,
    OfficerPage,
    PageRoleRefused,
    SupervisorPage,
    UploadDep,
    current_viewer,
)
from clearance.web.review import NOTICES, redirect
from clearance.web.templating import render

PHOTO_NUMBER = "P"  # when the officer names the photo nothing
router = APIRouter(prefix="/officer", include_in_schema=False)

QUEUE_URL = "/officer/queue"
SIGN_IN_URL = "/officer/"
Notice = Annotated[str | None, Query(pattern=f"^({'|'.join(NOTICES)})$")]


def _sign_in_page(request: Request, secret_key: str, *, error: str | None = None) -> Response:
    """The sign-in form with a fresh pre-session nonce its CSRF token is bound to."""
    nonce = tokens.new_signin_nonce()
    response = render(
        request,
        "signin.html",
        {
            "csrf": tokens.csrf_token(secret_key=secret_key, bound_to=nonce),
            "error": error,
        },
        status_code=status.HTTP_401_UNAUTHORIZED if error else status.HTTP_200_OK,
    )
    tokens.set_cookie(
        response, request, name=tokens.SIGNIN_COOKIE, value=nonce, max_age=tokens.SIGNIN_LIFETIME
    )
    return response


@router.get("/")
def home(request: Request, session: SessionDep, settings: SettingsDep, clock: ClockDep) -> Response:
    """The sign-in form, or the queue for someone signed in already."""
    viewer = current_viewer(request, session=session, settings=settings, clock=clock)
    if viewer is not None and viewer.caller.role in PAGE_ROLES:
        return redirect(QUEUE_URL)
    return _sign_in_page(request, settings.secret_key)


@router.post("/sign-in", dependencies=[SIGN_IN_CSRF])
def sign_in(
    request: Request, session: SessionDep, settings: SettingsDep, clock: ClockDep, form: FormDep
) -> Response:
    """Turn an officer's or supervisor's API key into a signed session cookie."""
    key = form.get("api_key")
    try:
        caller = auth_service.authenticate(
            session=session,
            secret_key=settings.secret_key,
            key=key.strip() if isinstance(key, str) else "",
        )
    except Unauthorized:
        return _sign_in_page(request, settings.secret_key, error="bad_key")
    request.state.caller = caller  # the audit records who signed in, or who was refused
    if caller.role not in PAGE_ROLES:
        raise PageRoleRefused(
            Message("error.page_role", {"role": Message(f"role.{caller.role.value}")})
        )
    token, _expires = tokens.issue(
        secret_key=settings.secret_key, key_id=caller.key_id, now=clock.now()
    )
    response = redirect(QUEUE_URL)
    tokens.set_cookie(
        response, request, name=tokens.SESSION_COOKIE, value=token, max_age=tokens.SESSION_LIFETIME
    )
    tokens.clear_cookie(response, request, name=tokens.SIGNIN_COOKIE)
    return response


@router.post("/sign-out", dependencies=[CSRF])
def sign_out(request: Request) -> Response:
    response = redirect(SIGN_IN_URL)
    tokens.clear_cookie(response, request, name=tokens.SESSION_COOKIE)
    return response


@router.get("/queue")
def queue_page(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    viewer: OfficerPage,
    notice: Notice = None,
) -> Response:
    """My items, the lanes with their SLA clocks, and the claim-next button."""
    context = pages.queue(session=session, clock=clock, caller=viewer.caller)
    return render(request, "queue.html", {**context, "viewer": viewer, "notice": notice})


@router.get("/queue/table")
def queue_table(
    request: Request, session: SessionDep, clock: ClockDep, viewer: OfficerPage
) -> Response:
    """The lanes alone, for htmx to refresh in place."""
    context = pages.queue(session=session, clock=clock, caller=viewer.caller)
    return render(request, "_queue_table.html", {**context, "viewer": viewer})


@router.post("/claim-next", dependencies=[CSRF])
def claim_next(
    session: SessionDep, clock: ClockDep, settings: SettingsDep, viewer: OfficerPage, form: FormDep
) -> Response:
    """Lease the most urgent free item and open it; back to the queue when there is none."""
    lane = form.get("lane")
    claimed = review_service.claim_next(
        session=session,
        clock=clock,
        caller=viewer.caller,
        lane=Lane(lane) if lane in (Lane.document_check, Lane.inspection) else None,
        lease_seconds=settings.lease_seconds,
    )
    if claimed is None:
        return redirect(f"{QUEUE_URL}?notice=empty")
    return redirect(f"/officer/declarations/{claimed[0].declaration_id}?notice=claimed")


@router.get("/declarations/{declaration_id}")
def declaration_page(
    declaration_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    viewer: OfficerPage,
    notice: Notice = None,
) -> Response:
    """Parties, lines, truck, risk reasons, documents and their checks, history, the decision."""
    page = pages.declaration(
        session=session,
        clock=clock,
        caller=viewer.caller,
        declaration_id=declaration_id,
        lang=i18n.language(request),
    )
    context = {"page": page, "viewer": viewer, "notice": notice, "names": page.names}
    return render(request, "declaration.html", {**context, "finding_codes": pages.FINDING_CODES})


@router.get("/declarations/{declaration_id}/documents/{document_id}")
def document_file(
    declaration_id: uuid.UUID, document_id: uuid.UUID, session: SessionDep, viewer: OfficerPage
) -> Response:
    """A paper of the dossier, shown in the browser (PDF, image) or saved (XML)."""
    document = documents_service.get(
        session=session,
        caller=viewer.caller,
        declaration_id=declaration_id,
        document_id=document_id,
    )
    return document_views.file_response(document, inline=True)


@router.post("/declarations/{declaration_id}/photos")
async def upload_photo(
    declaration_id: uuid.UUID,
    session: SessionDep,
    clock: ClockDep,
    viewer: OfficerPage,
    received: UploadDep,
) -> Response:
    """An inspection photo, taken at the goods, attached to the declaration from its page."""
    number = received.texts.get("number", "").strip()
    fields = {"kind": "inspection_photo", "number": number or PHOTO_NUMBER}
    with received.file:
        await run_in_threadpool(
            documents_service.upload,
            session=session,
            clock=clock,
            storage=get_storage(),
            caller=viewer.caller,
            declaration_id=declaration_id,
            upload_in=dataclasses.replace(received, fields=json.dumps(fields).encode()),
        )
    return redirect(f"/officer/declarations/{declaration_id}?notice=photo_uploaded#inspection")


@router.get("/findings/row")
def finding_row(
    request: Request, viewer: OfficerPage, prefix: Literal["finding", "discrepancy"] = "finding"
) -> Response:
    """One more blank row of a findings table (htmx)."""
    return render(
        request, "_finding_row.html", {"finding_codes": pages.FINDING_CODES, "prefix": prefix}
    )


@router.get("/supervisor")
def supervisor_page(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: SupervisorPage,
) -> Response:
    """Lanes, overdue items, workload per officer, channel targets and rules."""
    context = pages.supervisor(session=session, clock=clock, settings=settings)
    return render(request, "supervisor.html", {**context, "viewer": viewer})
