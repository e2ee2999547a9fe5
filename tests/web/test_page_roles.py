"""Who may see which officer page: every page route against every role, from one table.

The pages sit outside the API's role matrix (tests/test_roles.py): they authenticate with a
session cookie. This is the same policy for them: a page route missing from the table fails
the suite, the table is checked against each route's `require_page` guard, and every role's
session is sent to every page. Keys of other roles cannot sign in at all (test_sessions.py);
sessions are minted for them here to show the pages refuse them anyway.
"""

import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import fastapi.routing
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from clearance.auth.models import Role
from clearance.web import session as tokens
from clearance.web.deps import verify_csrf, verify_sign_in_csrf, verify_upload_csrf
from tests.test_roles import Endpoint, Served, required_role_sets
from tests.web.helpers import redirected_to_sign_in

# One app and one set of keys for the module; each test runs in a savepoint (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("shared_app")

REVIEWERS = frozenset({Role.officer, Role.supervisor})
SUPERVISOR = frozenset({Role.supervisor})
# Reached before signing in (the form, the sign-in itself) or only with a session of any kind.
OPEN = frozenset[Role]()

PAGE_ROLES: dict[Endpoint, frozenset[Role]] = {
    ("GET", "/officer/"): OPEN,
    ("POST", "/officer/sign-in"): OPEN,
    ("POST", "/officer/sign-out"): OPEN,
    ("GET", "/officer/queue"): REVIEWERS,
    ("GET", "/officer/queue/table"): REVIEWERS,
    ("POST", "/officer/claim-next"): REVIEWERS,
    ("GET", "/officer/declarations/{declaration_id}"): REVIEWERS,
    ("GET", "/officer/declarations/{declaration_id}/documents/{document_id}"): REVIEWERS,
    ("GET", "/officer/findings/row"): REVIEWERS,
    ("POST", "/officer/declarations/{declaration_id}/decision"): REVIEWERS,
    ("POST", "/officer/declarations/{declaration_id}/document-check"): REVIEWERS,
    ("POST", "/officer/declarations/{declaration_id}/inspection"): REVIEWERS,
    ("POST", "/officer/declarations/{declaration_id}/claim"): REVIEWERS,
    ("POST", "/officer/declarations/{declaration_id}/photos"): REVIEWERS,
    ("POST", "/officer/declarations/{declaration_id}/lease/renew"): REVIEWERS,
    ("POST", "/officer/declarations/{declaration_id}/lease/release"): REVIEWERS,
    ("POST", "/officer/declarations/{declaration_id}/reassign"): SUPERVISOR,
    ("GET", "/officer/supervisor"): SUPERVISOR,
}
GUARDED = [
    pytest.param(method, path, id=f"{method} {path}")
    for (method, path), roles in PAGE_ROLES.items()
    if roles
]
MATRIX = [
    pytest.param(method, path, role, id=f"{method} {path} as {role.value}")
    for (method, path), roles in PAGE_ROLES.items()
    if roles
    for role in Role
]


def page_routes(app: FastAPI) -> dict[Endpoint, Served]:
    iter_route_contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    routes: Iterable[Any] = iter_route_contexts(app.routes) if iter_route_contexts else app.routes
    found: dict[Endpoint, Served] = {}
    for route in routes:
        if not isinstance(getattr(route, "original_route", route), APIRoute):
            continue
        if route.path.startswith("/officer"):
            for method in set(route.methods) - {"HEAD", "OPTIONS"}:
                found[(method, route.path)] = Served(method, route.path, route.dependant)
    return found


def _calls(served: Served) -> set[Callable[..., Any]]:
    calls: set[Callable[..., Any]] = set()
    pending = list(served.dependant.dependencies)
    while pending:
        sub = pending.pop()
        if sub.call is not None:
            calls.add(sub.call)
        pending.extend(sub.dependencies)
    return calls


@pytest.fixture(scope="module")
def routes(module_app: FastAPI) -> dict[Endpoint, Served]:
    return page_routes(module_app)


def test_every_page_route_is_in_the_table(routes: dict[Endpoint, Served]) -> None:
    assert set(routes) == set(PAGE_ROLES)


def test_every_page_is_outside_the_openapi_schema(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    assert not [path for path in paths if path.startswith("/officer")]


@pytest.mark.parametrize(("method", "path"), GUARDED)
def test_page_requires_exactly_the_roles_in_the_table(
    routes: dict[Endpoint, Served], method: str, path: str
) -> None:
    role_sets = required_role_sets(routes[(method, path)].dependant)
    assert role_sets, f"{method} {path} has no require_page(...) guard"
    assert frozenset.intersection(*role_sets) == PAGE_ROLES[(method, path)]


def test_every_post_verifies_a_csrf_token(routes: dict[Endpoint, Served]) -> None:
    posts = {path for (method, path) in routes if method == "POST"}
    assert "/officer/sign-in" in posts
    unchecked = [
        path
        for path in posts
        if not {verify_csrf, verify_sign_in_csrf, verify_upload_csrf}
        & _calls(routes[("POST", path)])
    ]
    assert unchecked == []


def _send(client: TestClient, method: str, path: str, csrf: str | None) -> Any:
    concrete = re.sub(r"{[^}]+}", lambda _m: str(uuid.uuid4()), path)
    if method == "GET":
        return client.get(concrete, follow_redirects=False)
    data = {"csrf_token": csrf} if csrf else {}
    return client.post(concrete, data=data, follow_redirects=False)


@pytest.mark.parametrize(("method", "path", "role"), MATRIX)
def test_role_is_let_in_or_refused_as_the_table_says(
    client: TestClient,
    keys: dict[str, str],
    mint_session: Callable[[str], tuple[str, str]],
    method: str,
    path: str,
    role: Role,
) -> None:
    token, csrf = mint_session(keys[role.value])
    client.cookies.set(tokens.SESSION_COOKIE, token, path="/officer")

    response = _send(client, method, path, csrf)

    assert response.status_code < 500, response.text
    assert not redirected_to_sign_in(response)
    if role in PAGE_ROLES[(method, path)]:
        assert response.status_code not in (401, 403), response.text
    else:
        assert response.status_code == 403, response.text
        assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(("method", "path"), GUARDED)
def test_page_without_a_session_sends_the_browser_to_sign_in(
    client: TestClient, method: str, path: str
) -> None:
    assert redirected_to_sign_in(_send(client, method, path, csrf="0" * 64))
