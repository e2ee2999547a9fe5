"""What a request's audit record says: who, which route, on what, from where.

Called by the request session in `clearance.deps` and nowhere else, so every route (API or
HTML page) that takes a `SessionDep` is audited without a line of its own.
"""

import ipaddress
import logging
import re
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

from sqlmodel import Session
from starlette.requests import Request

from clearance import db
from clearance.audit import service
from clearance.audit.models import ANONYMOUS, OK
from clearance.auth.models import Role
from clearance.auth.service import Caller

Network = IPv4Network | IPv6Network

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
MAX_ADDRESS = 64
# Path parameters that name what a request acts on, the most telling first.
PATH_TARGETS = (
    ("declaration_id", service.DECLARATION),
    ("rule_id", "risk_rule"),
    ("party_id", "watchlist_party"),
    ("tax_code", "trader"),
    ("version", "risk_model"),
    ("subscription_id", "subscription"),
    ("event_id", "notification"),
)

logger = logging.getLogger(__name__)


def caller_of(request: Request) -> Caller | None:
    """The caller `deps._caller` (or an HTML page's login) put on the request, if any."""
    caller = getattr(request.state, "caller", None)
    return caller if isinstance(caller, Caller) else None


def is_audited(request: Request) -> bool:
    """Every change; and a read of one declaration by anyone but a trader (data protection)."""
    if request.method in MUTATING:
        return True
    caller = caller_of(request)
    return (
        "declaration_id" in request.path_params
        and caller is not None
        and caller.role is not Role.trader
    )


def action_of(request: Request) -> str:
    """The method and the route's path template: stable, and free of ids and secrets."""
    template = getattr(request.scope.get("route"), "path", None) or "unmatched"
    return f"{request.method} {template}"


def request_id_of(request: Request) -> str | None:
    value = request.headers.get(REQUEST_ID_HEADER, "")
    return value if _REQUEST_ID.fullmatch(value) else None


def _address(value: str) -> IPv4Address | IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address: IPv4Address | IPv6Address, trusted_proxies: Sequence[Network]) -> bool:
    return any(address in network for network in trusted_proxies)


def client_address(request: Request, trusted_proxies: Sequence[Network]) -> str | None:
    """The peer; behind a trusted proxy, the nearest X-Forwarded-For hop not a proxy itself."""
    peer = request.client.host if request.client else None
    if peer is None:
        return None
    forwarded = ",".join(request.headers.getlist("X-Forwarded-For"))
    if not forwarded:
        return peer[:MAX_ADDRESS]
    client = _address(peer)
    if client is None or not _trusted(client, trusted_proxies):
        return peer[:MAX_ADDRESS]
    # Walk from the right: each trusted proxy appended the address it saw, so the first hop
    # that is not one of them is the client; anything further left is the client's own say-so.
    for hop in reversed(forwarded.split(",")):
        found = _address(hop)
        if found is None:
            break  # a malformed hop: keep the last address a trusted proxy vouched for
        client = found
        if not _trusted(found, trusted_proxies):
            break
    return str(client)


def target_of(request: Request, session: Session | None) -> tuple[str | None, str | None]:
    """What the path names; else the declaration the request changed (a lodgement's new one)."""
    for param, kind in PATH_TARGETS:
        value = request.path_params.get(param)
        if value is not None:
            return kind, str(value)[:64]
    changed = service.changed_declaration(session) if session is not None else None
    return (service.DECLARATION, str(changed)) if changed is not None else (None, None)


VersionOf = Callable[[Session, uuid.UUID], int | None]


def _version(
    session: Session, kind: str | None, target_id: str | None, version_of: VersionOf
) -> int | None:
    """The declaration's version as the handler left it (from the session, not the database)."""
    if kind != service.DECLARATION or target_id is None:
        return None
    try:
        declaration_id = uuid.UUID(target_id)
    except ValueError:
        return None
    return version_of(session, declaration_id)


def _record(
    session: Session,
    request: Request,
    *,
    at: datetime,
    trusted_proxies: Sequence[Network],
    outcome: str,
    target: tuple[str | None, str | None],
    version: int | None,
) -> None:
    caller = caller_of(request)
    kind, target_id = target
    service.record(
        session=session,
        at=at,
        actor=caller.actor if caller else ANONYMOUS,
        role=caller.role.value if caller else None,
        tax_code=caller.tax_code if caller else None,
        action=action_of(request),
        outcome=outcome,
        target_kind=kind,
        target_id=target_id,
        version=version,
        client_address=client_address(request, trusted_proxies),
        request_id=request_id_of(request),
    )


def record_request(
    *,
    session: Session,
    request: Request,
    at: datetime,
    trusted_proxies: Sequence[Network],
    version_of: VersionOf,
) -> None:
    """Add the request's record to its own session, to commit with what the request did."""
    target = target_of(request, session)
    _record(
        session,
        request,
        at=at,
        trusted_proxies=trusted_proxies,
        outcome=OK,
        target=target,
        version=_version(session, *target, version_of),
    )


def record_refusal(
    *, request: Request, status: int, at: datetime, trusted_proxies: Sequence[Network]
) -> None:
    """A request refused for its key or role, in a session of its own: who tried what."""
    try:
        with db.unit_of_work() as session:
            _record(
                session,
                request,
                at=at,
                trusted_proxies=trusted_proxies,
                outcome=str(status),
                target=target_of(request, None),
                version=None,
            )
    except Exception:
        # The refusal stands whether or not it could be written down.
        logger.exception("could not record a refused request")
