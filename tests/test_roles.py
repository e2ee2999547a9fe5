"""Who may call what: every API route against every role, from one table (DESIGN §1).

The table is the access policy written down. A route missing from it fails the suite, and the
table is checked against the roles each route's `require` dependency really lets through, so
neither the policy nor the code can change without the other.
"""

import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import fastapi.routing
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from clearance.auth.models import ApiKey, Role
from clearance.clock import FrozenClock
from clearance.errors import PROBLEM_MEDIA_TYPE
from tests import factories
from tests.conftest import auth

# One app and one set of keys for the module; each test runs in a savepoint (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("shared_app")

Endpoint = tuple[str, str]

TRADER = frozenset({Role.trader})
GATE = frozenset({Role.gate})
REVIEWERS = frozenset({Role.officer, Role.supervisor})
READERS = frozenset({Role.trader, Role.officer, Role.supervisor, Role.operator, Role.gate})
SUPERVISOR = frozenset({Role.supervisor})
RISK_READERS = frozenset({Role.officer, Role.supervisor, Role.operator})
BANK = frozenset({Role.bank})
# Who reads what a declaration owes: its trader, customs, and the bank that collects it.
DUTY_READERS = frozenset({Role.trader, Role.officer, Role.supervisor, Role.operator, Role.bank})

# The access policy. Every (method, path template) the API serves is listed here; the bank
# sends payment notices and reads what is owed, nothing else.
EXPECTED_ROLES: dict[Endpoint, frozenset[Role]] = {
    ("POST", "/v1/declarations"): TRADER,
    ("GET", "/v1/declarations"): READERS,
    ("GET", "/v1/declarations/{declaration_id}"): READERS,
    ("POST", "/v1/declarations/{declaration_id}/amendments"): TRADER,
    ("POST", "/v1/declarations/{declaration_id}/cancel"): TRADER,
    ("POST", "/v1/declarations/{declaration_id}/queries/{query_id}/answer"): TRADER,
    ("POST", "/v1/declarations/{declaration_id}/arrival"): GATE,
    ("POST", "/v1/declarations/{declaration_id}/exit"): GATE,
    ("GET", "/v1/review/queue"): REVIEWERS,
    ("POST", "/v1/review/claim-next"): REVIEWERS,
    ("POST", "/v1/review/items/{declaration_id}/decision"): REVIEWERS,
    ("GET", "/v1/review/items/{declaration_id}"): REVIEWERS,
    ("POST", "/v1/review/items/{declaration_id}/claim"): REVIEWERS,
    ("PUT", "/v1/review/items/{declaration_id}/lease"): REVIEWERS,
    ("DELETE", "/v1/review/items/{declaration_id}/lease"): REVIEWERS,
    ("POST", "/v1/review/items/{declaration_id}/reassign"): SUPERVISOR,
    ("POST", "/v1/review/items/{declaration_id}/document-check"): REVIEWERS,
    ("POST", "/v1/review/items/{declaration_id}/inspection"): REVIEWERS,
    ("GET", "/v1/review/workload"): SUPERVISOR,
    ("GET", "/v1/risk/rules"): RISK_READERS,
    ("PUT", "/v1/risk/rules/{rule_id}"): SUPERVISOR,
    ("GET", "/v1/risk/rules/{rule_id}/versions"): RISK_READERS,
    ("GET", "/v1/risk/policy"): RISK_READERS,
    ("PUT", "/v1/risk/policy"): SUPERVISOR,
    ("PUT", "/v1/risk/traders/{tax_code}"): SUPERVISOR,
    ("GET", "/v1/risk/watchlist"): RISK_READERS,
    ("POST", "/v1/risk/watchlist"): SUPERVISOR,
    ("DELETE", "/v1/risk/watchlist/{party_id}"): SUPERVISOR,
    ("GET", "/v1/risk/models"): RISK_READERS,
    ("POST", "/v1/risk/models/{version}/activate"): SUPERVISOR,
    ("GET", "/v1/reports/release-time"): frozenset({Role.operator, Role.supervisor}),
    ("GET", "/v1/reports/what-if"): frozenset({Role.operator, Role.supervisor}),
    # Traders send their dossier; officers add photos taken at the inspection.
    ("POST", "/v1/declarations/{declaration_id}/documents"): TRADER | REVIEWERS,
    ("GET", "/v1/declarations/{declaration_id}/documents"): frozenset(
        {Role.trader, Role.officer, Role.supervisor, Role.operator}
    ),
    ("GET", "/v1/declarations/{declaration_id}/documents/{document_id}/file"): frozenset(
        {Role.trader, Role.officer, Role.supervisor}
    ),
    ("GET", "/v1/requirements"): frozenset(Role),
    ("POST", "/v1/requirements"): SUPERVISOR,
    ("POST", "/v1/mandates"): TRADER | SUPERVISOR,
    ("GET", "/v1/mandates"): TRADER | SUPERVISOR,
    ("POST", "/v1/mandates/{mandate_id}/revoke"): TRADER | SUPERVISOR,
    ("GET", "/v1/audit"): SUPERVISOR,
    ("POST", "/v1/keys"): SUPERVISOR,
    ("GET", "/v1/keys"): SUPERVISOR,
    ("POST", "/v1/keys/{key_id}/revoke"): SUPERVISOR,
    ("POST", "/v1/keys/rotate"): frozenset(Role),
    ("GET", "/v1/dead-letters"): frozenset({Role.operator, Role.supervisor}),
    ("POST", "/v1/dead-letters/{letter_id}/replay"): frozenset({Role.operator, Role.supervisor}),
    ("GET", "/v1/tariff"): frozenset(Role),
    ("POST", "/v1/tariff"): SUPERVISOR,
    ("GET", "/v1/declarations/{declaration_id}/duties"): DUTY_READERS,
    ("POST", "/v1/declarations/{declaration_id}/guarantees"): SUPERVISOR,
    ("POST", "/v1/payments/notifications"): BANK,
    # A trader's own callbacks and pull queue; nobody else's, and no other role's.
    ("POST", "/v1/subscriptions"): TRADER,
    ("GET", "/v1/subscriptions"): TRADER,
    ("DELETE", "/v1/subscriptions/{subscription_id}"): TRADER,
    ("GET", "/v1/notifications"): TRADER,
    ("POST", "/v1/notifications/{event_id}/ack"): TRADER,
}

# Routes outside the role model: probes and Prometheus, scraped without a key.
UNGUARDED_PATHS = frozenset({"/metrics", "/healthz", "/readyz", "/docs", "/openapi.json", "/redoc"})
# The officer pages sign in with a session cookie, not a key: tests/web/test_page_roles.py
# holds their own table, checked the same way.
PAGES_PREFIX = "/officer/"

# The smallest body each allowed role could send; a route not listed here is sent `{}`.
MINIMAL_BODIES: dict[Endpoint, Callable[[], dict[str, Any]]] = {
    ("POST", "/v1/declarations"): factories.declaration,
    ("POST", "/v1/declarations/{declaration_id}/amendments"): lambda: {
        "declaration": factories.declaration(),
        "reason": "corrected the net weight",
    },
    ("POST", "/v1/declarations/{declaration_id}/cancel"): lambda: {"reason": "order cancelled"},
    ("POST", "/v1/declarations/{declaration_id}/queries/{query_id}/answer"): lambda: {
        "answer": "the phytosanitary certificate is attached"
    },
    ("POST", "/v1/declarations/{declaration_id}/arrival"): lambda: {"weighbridge_kg": "20400"},
    ("POST", "/v1/declarations/{declaration_id}/exit"): dict,
    ("POST", "/v1/review/claim-next"): dict,
    ("POST", "/v1/review/items/{declaration_id}/decision"): lambda: {
        "decision": "release",
        "version": 1,
    },
    ("POST", "/v1/review/items/{declaration_id}/reassign"): lambda: {"officer": "officer:1"},
    ("POST", "/v1/review/items/{declaration_id}/document-check"): lambda: {
        "version": 1,
        "documents": [{"document_id": str(uuid.uuid4()), "verdict": "accepted"}],
    },
    ("POST", "/v1/review/items/{declaration_id}/inspection"): lambda: {
        "version": 1,
        "seals_intact": True,
    },
    ("PUT", "/v1/risk/rules/{rule_id}"): lambda: {"severity": "info"},
    ("POST", "/v1/requirements"): lambda: {
        "regime": "import",
        "hs_prefix": "3102",
        "document_kind": "licence",
        "reason": "matrix test",
        "effective_from": "2026-12-01",
    },
    ("PUT", "/v1/risk/traders/{tax_code}"): lambda: {"aeo": False},
    ("POST", "/v1/keys"): lambda: {"role": "gate"},
    ("POST", "/v1/tariff"): lambda: {
        "hs_code": "31021000",
        "rates": {"mfn": "6"},
        "effective_from": "2026-12-01",
    },
    ("POST", "/v1/declarations/{declaration_id}/guarantees"): lambda: {
        "amount_vnd": 21397680,
        "reference": "BL-VCB-2026-0042",
        "expires_on": "2026-12-31",
    },
    ("POST", "/v1/payments/notifications"): lambda: {
        "bank_reference": "VCB-20261130-000001",
        "declaration_id": str(uuid.uuid4()),
        "amount_vnd": 21397680,
        "paid_at": "2026-11-30T07:00:00Z",
    },
    ("POST", "/v1/risk/watchlist"): lambda: {
        "name": "Công ty TNHH Ma Lù",
        "reason": "test listing",
        "source": "matrix test",
    },
    ("POST", "/v1/subscriptions"): lambda: {"url": "https://hooks.example.com/clearance"},
}

ROLES = list(Role)
MATRIX = [
    pytest.param(method, path, role, id=f"{method} {path} as {role.value}")
    for (method, path) in EXPECTED_ROLES
    for role in ROLES
]
ENDPOINTS = [pytest.param(method, path, id=f"{method} {path}") for (method, path) in EXPECTED_ROLES]


@dataclass(frozen=True)
class Served:
    """One (method, path template) the app serves, with its resolved dependencies."""

    method: str
    path: str
    dependant: Dependant


def api_routes(app: FastAPI) -> dict[Endpoint, Served]:
    """Every API route behind the role model, as the app really serves it.

    FastAPI resolves included routers lazily; their effective routes (prefix joined, router
    dependencies added) come from `iter_route_contexts` where this FastAPI has it.
    """
    iter_route_contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    routes: Iterable[Any] = iter_route_contexts(app.routes) if iter_route_contexts else app.routes
    found: dict[Endpoint, Served] = {}
    for route in routes:
        if not isinstance(getattr(route, "original_route", route), APIRoute):
            continue
        if route.path in UNGUARDED_PATHS or route.path.startswith(PAGES_PREFIX):
            continue
        for method in set(route.methods) - {"HEAD", "OPTIONS"}:
            found[(method, route.path)] = Served(method, route.path, route.dependant)
    return found


def required_role_sets(dependant: Dependant) -> list[frozenset[Role]]:
    """The `.roles` of every `require(...)` dependency anywhere under a route."""
    sets: list[frozenset[Role]] = []
    for sub in dependant.dependencies:
        roles = getattr(sub.call, "roles", None)
        if roles is not None:
            sets.append(frozenset(roles))
        sets.extend(required_role_sets(sub))
    return sets


# Path parameters that are not ids, with a value of the right shape.
PATH_EXAMPLES = {
    "rule_id": "R-NEW-TRADER",
    "tax_code": "0100000009",
    "version": "v0-unknown",
    "mandate_id": "1",
    "key_id": "999999",
    "letter_id": "999999",
}


def concrete_path(route: Served) -> str:
    """The path template filled with syntactically valid values: UUIDs for ids, 1 for ints."""
    values: dict[str, str] = {}
    for param in route.dependant.path_params:
        annotation = param.field_info.annotation
        default = "1" if annotation is int else str(uuid.uuid4())
        values[param.name] = PATH_EXAMPLES.get(param.name, default)
    return re.sub(r"{([^}:]+)(:[^}]*)?}", lambda m: values[m.group(1)], route.path)


def send(
    client: TestClient, route: Served, headers: dict[str, str], path: str | None = None
) -> Any:
    body_factory = MINIMAL_BODIES.get((route.method, route.path), dict)
    json_body = body_factory() if route.method in {"POST", "PUT", "PATCH"} else None
    return client.request(
        route.method, path or concrete_path(route), json=json_body, headers=headers
    )


@pytest.fixture(scope="module")
def routes(module_app: FastAPI) -> dict[Endpoint, Served]:
    return api_routes(module_app)


def test_every_api_route_is_in_the_role_table(routes: dict[Endpoint, Served]) -> None:
    missing = sorted(set(routes) - set(EXPECTED_ROLES))
    assert not missing, f"add these routes to EXPECTED_ROLES in {__name__}: {missing}"


def test_the_role_table_names_no_route_that_is_gone(routes: dict[Endpoint, Served]) -> None:
    stale = sorted(set(EXPECTED_ROLES) - set(routes))
    assert not stale, f"EXPECTED_ROLES lists routes the app no longer serves: {stale}"


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_route_requires_exactly_the_roles_in_the_table(
    routes: dict[Endpoint, Served], method: str, path: str
) -> None:
    route = routes.get((method, path))
    if route is None:
        pytest.fail(f"{method} {path} is not served; see the stale-route test")
    role_sets = required_role_sets(route.dependant)
    assert role_sets, f"{method} {path} has no require(...) dependency: anyone with a key gets in"
    # Several guards on one route let through only the roles all of them accept.
    enforced = frozenset.intersection(*role_sets)
    assert enforced == EXPECTED_ROLES[(method, path)]


@pytest.mark.parametrize(("method", "path", "role"), MATRIX)
def test_role_is_let_in_or_refused_as_the_table_says(
    client: TestClient,
    keys: dict[str, str],
    routes: dict[Endpoint, Served],
    method: str,
    path: str,
    role: Role,
) -> None:
    response = send(client, routes[(method, path)], auth(keys[role.value]))

    assert response.status_code < 500, response.text
    if role in EXPECTED_ROLES[(method, path)]:
        assert response.status_code not in (401, 403), response.text
    else:
        assert response.status_code == 403, response.text
        assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
        problem = response.json()
        assert problem["code"] == "forbidden"
        assert problem["status"] == 403


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_request_without_a_key_is_challenged(
    client: TestClient, routes: dict[Endpoint, Served], method: str, path: str
) -> None:
    response = send(client, routes[(method, path)], {})

    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].lower().startswith("bearer")
    assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    assert response.json()["code"] == "unauthorized"


@pytest.fixture
def revoked_key(make_key: Callable[..., str], session: Session, clock: FrozenClock) -> str:
    """An officer's key that was valid once and is revoked now."""
    plain = make_key(Role.officer)
    key = session.exec(select(ApiKey).where(ApiKey.prefix == plain[:10])).one()
    key.revoked_at = clock.now()
    session.add(key)
    session.commit()
    return plain


BAD_CREDENTIALS: dict[str, Callable[[str], dict[str, str]]] = {
    "unknown bearer key": lambda _revoked: auth("clr_" + uuid.uuid4().hex),
    "unknown X-API-Key": lambda _revoked: {"X-API-Key": "clr_" + uuid.uuid4().hex},
    "revoked bearer key": auth,
    "revoked X-API-Key": lambda revoked: {"X-API-Key": revoked},
    "basic credentials": lambda _revoked: {"Authorization": "Basic b2ZmaWNlcjpzZWNyZXQ="},
}


@pytest.mark.parametrize("credentials", list(BAD_CREDENTIALS))
@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_unknown_or_revoked_key_is_refused(
    client: TestClient,
    routes: dict[Endpoint, Served],
    revoked_key: str,
    method: str,
    path: str,
    credentials: str,
) -> None:
    headers = BAD_CREDENTIALS[credentials](revoked_key)

    response = send(client, routes[(method, path)], headers)

    assert response.status_code == 401, response.text
    # RFC 9110 §15.5.2: every 401 carries a challenge, whatever made the key unacceptable.
    assert response.headers.get("www-authenticate", "").lower().startswith("bearer")
    assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    assert response.json()["code"] == "unauthorized"


TRADER_ROUTES_ON_ONE_DECLARATION = [
    pytest.param(method, path, id=f"{method} {path}")
    for (method, path), roles in EXPECTED_ROLES.items()
    if Role.trader in roles and "{declaration_id}" in path
]


@pytest.mark.parametrize(("method", "path"), TRADER_ROUTES_ON_ONE_DECLARATION)
def test_trader_cannot_reach_another_companys_declaration(
    client: TestClient,
    keys: dict[str, str],
    routes: dict[Endpoint, Served],
    method: str,
    path: str,
) -> None:
    lodged = client.post(
        "/v1/declarations", json=factories.declaration(), headers=auth(keys["trader"])
    )
    assert lodged.status_code == 202, lodged.text
    concrete = (
        path.replace("{declaration_id}", lodged.json()["id"])
        .replace("{query_id}", "1")
        .replace("{document_id}", str(uuid.uuid4()))
    )

    response = send(client, routes[(method, path)], auth(keys["other_trader"]), concrete)

    # Another company's declaration does not exist for this trader: 404, never 403 or 2xx.
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
