"""FastAPI dependencies as `Annotated` aliases: one place that says what a route may ask for."""

import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Annotated

import anyio
from fastapi import Depends, Header, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from clearance import db, messages
from clearance.audit import requests as audit_requests
from clearance.audit import service as audit_service
from clearance.auth import service as auth_service
from clearance.auth.models import Role
from clearance.auth.service import Caller
from clearance.clock import Clock, get_clock
from clearance.declarations.lifecycle import Lifecycle, LifecycleIncomplete
from clearance.declarations.lifecycle import attach as attach_lifecycle
from clearance.declarations.lodgement import RequestFacts
from clearance.declarations.models import Declaration
from clearance.errors import ClearanceError, Conflict, Forbidden, Unauthorized, database_error
from clearance.messages import Message
from clearance.reference import service as reference_service
from clearance.reference.service import ReferenceData
from clearance.settings import Settings, get_settings


def _lifecycle(request: Request) -> Lifecycle:
    """The lifecycle the app factory built (`clearance.main.create_app`); none is refused."""
    found = getattr(request.app.state, "lifecycle", None)
    if not isinstance(found, Lifecycle):
        raise LifecycleIncomplete(
            "the app has no lifecycle: build it with clearance.main.create_app"
        )
    return found


def _session(request: Request) -> Iterator[Session]:
    """One session per request, committed once after the handler (STYLE §3), with its audit."""
    # The audit record is added just before the commit, so an action and its record are stored
    # together or not at all. A request refused for its key or role is recorded in a session of
    # its own: this one is rolled back. Taking the caller from `request.state` (set by `_caller`
    # or an HTML page's login) makes this the one hook for every route that has a session.
    settings, clock = get_settings(), get_clock()
    writes = request.method in audit_requests.MUTATING
    lifecycle = _lifecycle(request)
    with db.new_session(writes=writes) as session:
        attach_lifecycle(session, lifecycle)
        audit_service.set_request_id(session, audit_requests.request_id_of(request))
        try:
            yield session
        except BaseException as exc:
            db.rollback(session)
            if isinstance(exc, Unauthorized | Forbidden):
                audit_requests.record_refusal(
                    request=request,
                    status=exc.status,
                    at=clock.now(),
                    trusted_proxies=settings.trusted_proxies,
                )
            raise
        try:
            if audit_requests.is_audited(request):
                if not writes:
                    # The read is over: its record is written by a writer of its own (SQLite).
                    db.commit(session)
                    db.begin_writing(session)
                audit_requests.record_request(
                    session=session,
                    request=request,
                    at=clock.now(),
                    trusted_proxies=settings.trusted_proxies,
                    version_of=_declaration_version,
                )
            db.commit(session)
        except IntegrityError as exc:
            db.rollback(session)
            raise Conflict(Message("error.request_conflict")) from exc
        except OperationalError as exc:
            db.rollback(session)
            raise database_error(exc) from exc


def _declaration_version(session: Session, declaration_id: uuid.UUID) -> int | None:
    # The handler loaded it: `get` finds it in the identity map without a round trip.
    declaration = session.get(Declaration, declaration_id)
    return declaration.version if declaration is not None else None


SessionDep = Annotated[Session, Depends(_session, scope="function")]


# Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` one in the thread
# pool, a hop per dependency per request that the profile of the lodge endpoint showed.
async def _settings() -> Settings:
    return get_settings()


async def _clock() -> Clock:
    return get_clock()


SettingsDep = Annotated[Settings, Depends(_settings)]
ClockDep = Annotated[Clock, Depends(_clock)]


def _language(accept_language: Annotated[str | None, Header()] = None) -> str:
    """The language the texts are rendered in: English unless `Accept-Language` asks for
    Vietnamese."""
    return messages.negotiate(accept_language)


LanguageDep = Annotated[str, Depends(_language)]


# Declared as security schemes so /docs offers "Authorize"; the checks are ours (auto_error off).
_bearer_scheme = HTTPBearer(auto_error=False, description="Authorization: Bearer <API key>")
_api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False)


async def _bearer(
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)],
    x_api_key: Annotated[str | None, Depends(_api_key_scheme)],
) -> str:
    if x_api_key:
        return x_api_key
    if bearer is not None and bearer.scheme.lower() == "bearer" and bearer.credentials:
        return bearer.credentials
    raise Unauthorized(Message("error.bearer_missing"), headers={"WWW-Authenticate": "Bearer"})


def _caller(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    key: Annotated[str, Depends(_bearer)],
) -> Caller:
    caller = auth_service.authenticate(
        session=session,
        secret_key=settings.secret_key,
        key=key,
        max_age=settings.key_cache_seconds,
    )
    db.release(session)  # the handler runs on another thread: it takes a connection then
    request.state.caller = caller
    return caller


CallerDep = Annotated[Caller, Depends(_caller)]


# Routes without a request session (lodging): the caller from the keys this process read
# lately, else one query on a thread; refusals are audited here, as `_session` does for others.
def _look_up(secret_key: str, key: str, max_age: float) -> Caller:
    with db.new_session(writes=False) as session:
        return auth_service.authenticate(
            session=session, secret_key=secret_key, key=key, max_age=max_age
        )


async def _refused(request: Request, exc: ClearanceError) -> None:
    record = partial(
        audit_requests.record_refusal,
        request=request,
        status=exc.status,
        at=get_clock().now(),
        trusted_proxies=get_settings().trusted_proxies,
    )
    await anyio.to_thread.run_sync(record)


async def _known_caller(
    request: Request,
    bearer: HTTPAuthorizationCredentials | None,
    x_api_key: str | None,
    roles: frozenset[Role],
) -> Caller:
    settings = get_settings()
    try:
        key = await _bearer(bearer, x_api_key)
        caller = auth_service.known_caller(
            secret_key=settings.secret_key, key=key, max_age=settings.key_cache_seconds
        )
        if caller is None:
            look_up = partial(_look_up, settings.secret_key, key, settings.key_cache_seconds)
            caller = await anyio.to_thread.run_sync(look_up)
        if caller.role not in roles:
            raise Forbidden(
                Message("error.role_refused", {"role": Message(f"role.{caller.role.value}")})
            )
    except (Unauthorized, Forbidden) as exc:
        await _refused(request, exc)
        raise
    request.state.caller = caller
    return caller


@dataclass(frozen=True)
class KnownRequest:
    """A request on a route without a request session: its caller, what its audit record says
    of it, and the lifecycle of the app it came to."""

    caller: Caller
    facts: RequestFacts
    lifecycle: Lifecycle


def _request_facts(request: Request) -> RequestFacts:
    return RequestFacts(
        client_address=audit_requests.client_address(request, get_settings().trusted_proxies),
        request_id=audit_requests.request_id_of(request),
    )


def require_known(
    *roles: Role,
) -> Callable[[Request, HTTPAuthorizationCredentials | None, str | None], Awaitable[KnownRequest]]:
    """`require` for routes without a request session: the key as this process knows it."""
    allowed = frozenset(roles)

    # One dependency, not several: each one FastAPI solves costs every request 10-20 us.
    async def check(
        request: Request,
        bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)],
        x_api_key: Annotated[str | None, Depends(_api_key_scheme)],
    ) -> KnownRequest:
        caller = await _known_caller(request, bearer, x_api_key, allowed)
        return KnownRequest(caller, _request_facts(request), _lifecycle(request))

    check.roles = allowed  # type: ignore[attr-defined]
    return check


known_trader = require_known(Role.trader)
KnownTraderDep = Annotated[KnownRequest, Depends(known_trader)]


async def known_trader_of(request: Request) -> KnownRequest:
    """What `KnownTraderDep` gives a route, for a request served without FastAPI's routing
    (`clearance.lodge_asgi`): the same schemes and checks, in the same order."""
    bearer = await _bearer_scheme(request)
    x_api_key = await _api_key_scheme(request)
    return await known_trader(request, bearer, x_api_key)


def require(*roles: Role) -> Callable[[Caller], Awaitable[Caller]]:
    """A dependency that lets only these roles through; the role matrix test reads `roles`."""

    async def check(caller: CallerDep) -> Caller:
        if caller.role not in roles:
            raise Forbidden(
                Message("error.role_refused", {"role": Message(f"role.{caller.role.value}")})
            )
        return caller

    check.roles = frozenset(roles)  # type: ignore[attr-defined]
    return check


TraderDep = Annotated[Caller, Depends(require(Role.trader))]
GateDep = Annotated[Caller, Depends(require(Role.gate))]
SupervisorDep = Annotated[Caller, Depends(require(Role.supervisor))]
OfficerDep = Annotated[Caller, Depends(require(Role.officer, Role.supervisor))]
AnyRoleDep = Annotated[Caller, Depends(require(*Role))]
ReaderDep = Annotated[
    Caller,
    Depends(require(Role.trader, Role.officer, Role.supervisor, Role.operator, Role.gate)),
]


def _reference(session: SessionDep, clock: ClockDep) -> ReferenceData:
    return reference_service.snapshot(session=session, today=clock.now().date())


ReferenceDep = Annotated[ReferenceData, Depends(_reference)]
