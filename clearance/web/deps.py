"""Dependencies of the officer pages: who is signed in, what they may see, CSRF on every POST."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session
from starlette.datastructures import FormData

from clearance import db
from clearance.auth import service as auth_service
from clearance.auth.models import Role
from clearance.auth.service import Caller
from clearance.clock import Clock
from clearance.deps import ClockDep, SessionDep, SettingsDep
from clearance.documents import upload
from clearance.documents.upload import ReceivedUpload
from clearance.errors import Forbidden, Unauthorized
from clearance.messages import Message
from clearance.settings import Settings
from clearance.web import session as tokens

PAGE_ROLES = frozenset({Role.officer, Role.supervisor})


class NotSignedIn(Unauthorized):
    """No valid session cookie: pages answer with the sign-in page, not a problem document."""

    code = "not_signed_in"


class CsrfFailed(Forbidden):
    code = "csrf_failed"


class CrossSite(Forbidden):
    code = "cross_site"


class PageRoleRefused(Forbidden):
    code = "page_role"


class SupervisorOnly(Forbidden):
    code = "supervisor_only"


@dataclass(frozen=True)
class Viewer:
    """The signed-in person and the CSRF token their forms carry."""

    caller: Caller
    csrf: str
    name: str = ""  # the name the key was issued to


def current_viewer(
    request: Request, *, session: Session, settings: Settings, clock: Clock
) -> Viewer | None:
    """Who the session cookie signs in, if it is ours, unexpired and its key not revoked."""
    token = request.cookies.get(tokens.SESSION_COOKIE)
    if not token:
        return None
    found = tokens.read(secret_key=settings.secret_key, token=token, now=clock.now())
    if found is None:
        return None
    try:
        caller = auth_service.caller_by_id(session=session, key_id=found.key_id)
    except Unauthorized:
        return None  # the key was revoked, or rotated and its grace period is over
    # Read by the audit hook, as for API requests (the rate limit counts pages before this).
    request.state.caller = caller
    name = auth_service.holder_names(session=session, actors=[caller.actor]).get(caller.actor, "")
    return Viewer(caller, tokens.csrf_token(secret_key=settings.secret_key, bound_to=token), name)


def _viewer(
    request: Request, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> Viewer:
    viewer = current_viewer(request, session=session, settings=settings, clock=clock)
    db.release(session)  # the page runs on another thread: it takes a connection then
    if viewer is None:
        raise NotSignedIn(Message("error.sign_in"))
    return viewer


ViewerDep = Annotated[Viewer, Depends(_viewer)]


def require_page(*roles: Role) -> Callable[[Viewer], Viewer]:
    """Let only these roles see the page; the page role test reads `roles`."""
    refusal = SupervisorOnly if set(roles) == {Role.supervisor} else PageRoleRefused

    def check(viewer: ViewerDep) -> Viewer:
        if viewer.caller.role not in roles:
            raise refusal(
                Message(
                    "error.page_role_page", {"role": Message(f"role.{viewer.caller.role.value}")}
                )
            )
        return viewer

    check.roles = frozenset(roles)  # type: ignore[attr-defined]
    return check


OfficerPage = Annotated[Viewer, Depends(require_page(Role.officer, Role.supervisor))]
SupervisorPage = Annotated[Viewer, Depends(require_page(Role.supervisor))]


async def form_data(request: Request) -> FormData:
    """The posted form, parsed once (Starlette keeps it for the route); kept in the request's
    state too, so that a refusal can give back what the officer typed."""
    form = await request.form()
    request.state.form = form
    return form


FormDep = Annotated[FormData, Depends(form_data)]


def check_origin(request: Request) -> None:
    if tokens.cross_site(request):
        raise CrossSite(Message("error.cross_site"))


# Each check takes the request session, unused, so that it is opened first: a refusal then
# passes through it and is audited like any other.
def verify_csrf(
    request: Request, _session: SessionDep, settings: SettingsDep, form: FormDep
) -> None:
    """The session's token, from the form field or htmx's header; constant-time compared."""
    check_origin(request)
    session_token = request.cookies.get(tokens.SESSION_COOKIE)
    if not session_token:
        raise NotSignedIn(Message("error.sign_in"))
    sent = request.headers.get(tokens.CSRF_HEADER) or form.get(tokens.CSRF_FIELD)
    if not isinstance(sent, str):
        raise CsrfFailed(Message("error.csrf_missing"))
    if not tokens.csrf_valid(secret_key=settings.secret_key, bound_to=session_token, sent=sent):
        raise CsrfFailed(Message("error.csrf_wrong"))


def verify_sign_in_csrf(
    request: Request, _session: SessionDep, settings: SettingsDep, form: FormDep
) -> None:
    """The sign-in form's token, bound to the pre-session nonce cookie it was served with."""
    check_origin(request)
    nonce, sent = request.cookies.get(tokens.SIGNIN_COOKIE), form.get(tokens.CSRF_FIELD)
    if not (nonce and isinstance(sent, str)):
        raise CsrfFailed(Message("error.sign_in_csrf_missing"))
    if not tokens.csrf_valid(secret_key=settings.secret_key, bound_to=nonce, sent=sent):
        raise CsrfFailed(Message("error.sign_in_csrf_wrong"))


async def verify_upload_csrf(
    request: Request, _session: SessionDep, settings: SettingsDep
) -> ReceivedUpload:
    """A file posted from a page: streamed under the upload limits, and its form's CSRF token
    checked before anything is stored. The caller closes the file."""
    check_origin(request)
    session_token = request.cookies.get(tokens.SESSION_COOKIE)
    if not session_token:
        raise NotSignedIn(Message("error.sign_in"))
    received = await upload.receive(
        content_type=request.headers.get("content-type", ""),
        chunks=request.stream(),
        fields_part=False,
    )
    sent = received.texts.get(tokens.CSRF_FIELD, "")
    if not tokens.csrf_valid(secret_key=settings.secret_key, bound_to=session_token, sent=sent):
        received.file.close()
        raise CsrfFailed(Message("error.csrf_wrong_or_missing"))
    request.state.form = FormData(list(received.texts.items()))  # for a refusal page
    return received


UploadDep = Annotated[ReceivedUpload, Depends(verify_upload_csrf)]
# Every POST page route carries one of these; the page role test checks that it does.
CSRF = Depends(verify_csrf)
SIGN_IN_CSRF = Depends(verify_sign_in_csrf)
