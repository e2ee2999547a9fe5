"""`GET /v1/audit`: supervisors filter and page the trail; nothing can change it."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any, get_args

import pytest
from fastapi.testclient import TestClient

from clearance.audit.models import SYSTEM_ROLE
from clearance.audit.schemas import AuditRole
from clearance.auth.models import Role
from clearance.clock import FrozenClock
from clearance.errors import PROBLEM_MEDIA_TYPE
from clearance.main import create_app
from tests.conftest import START, auth
from tests.helpers import lodge, read
from tests.test_roles import api_routes

AUDIT = "/v1/audit"


@pytest.fixture
def history(
    client: TestClient, keys: dict[str, str], clock: FrozenClock, work: Callable[[], int]
) -> list[str]:
    """An hour apart: two lodgements (and their screening), an officer's read, a refusal."""
    first = lodge(client, keys["trader"], documents=False)
    work()
    clock.advance(timedelta(hours=1))
    second = lodge(client, keys["trader"], documents=False)
    clock.advance(timedelta(hours=1))
    read(client, keys["officer"], first)
    clock.advance(timedelta(hours=1))
    client.post(
        f"/v1/declarations/{second}/cancel", json={"reason": "not mine"}, headers=auth(keys["gate"])
    )
    return [first, second]


def _list(client: TestClient, key: str, **params: Any) -> dict[str, Any]:
    response = client.get(AUDIT, params=params, headers=auth(key))
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def _actions(page: dict[str, Any]) -> list[str]:
    return [item["action"] for item in page["items"]]


def test_supervisor_reads_the_whole_trail_newest_first(
    client: TestClient, keys: dict[str, str], actors: dict[str, str], history: list[str]
) -> None:
    page = _list(client, keys["supervisor"])

    assert _actions(page) == [
        "POST /v1/declarations/{declaration_id}/cancel",
        "GET /v1/declarations/{declaration_id}",
        "POST /v1/declarations",
        "transition:assessed->held",  # lodged without its documents
        "transition:screening->assessed",
        "transition:lodged->screening",
        "POST /v1/declarations",
    ]
    newest = page["items"][0]
    assert newest["actor"] == actors["gate"]
    assert (newest["outcome"], newest["target_id"]) == ("403", history[1])
    assert newest["at"] == (START + timedelta(hours=3)).isoformat().replace("+00:00", "Z")
    assert page["next_after"] is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"role": "system"}, 3, id="role"),
        pytest.param({"action": "transition:"}, 3, id="action prefix"),
        pytest.param({"action": "POST /v1/declarations"}, 3, id="route prefix"),
        pytest.param({"action": "POST /v1/declarations%"}, 0, id="wildcards are literal"),
        pytest.param({"outcome": "403"}, 1, id="outcome"),
        pytest.param({"outcome": "ok", "role": "trader"}, 2, id="combined"),
        pytest.param({"since": "2026-11-30T09:00:00Z"}, 3, id="since is inclusive"),
        pytest.param({"until": "2026-11-30T09:00:00Z"}, 4, id="until is exclusive"),
        pytest.param(
            {"since": "2026-11-30T16:00:00+07:00", "until": "2026-11-30T10:30:00Z"}, 2, id="zones"
        ),
    ],
)
def test_filters_narrow_the_trail(
    client: TestClient,
    keys: dict[str, str],
    history: list[str],
    params: dict[str, str],
    expected: int,
) -> None:
    assert len(_list(client, keys["supervisor"], **params)["items"]) == expected


def test_filter_by_actor_and_by_target(
    client: TestClient, keys: dict[str, str], actors: dict[str, str], history: list[str]
) -> None:
    by_officer = _list(client, keys["supervisor"], actor=actors["officer"])
    assert _actions(by_officer) == ["GET /v1/declarations/{declaration_id}"]
    on_first = _list(client, keys["supervisor"], target_id=history[0], order="oldest")
    assert _actions(on_first) == [
        "POST /v1/declarations",
        "transition:lodged->screening",
        "transition:screening->assessed",
        "transition:assessed->held",
        "GET /v1/declarations/{declaration_id}",
    ]


@pytest.mark.parametrize("order", ["newest", "oldest"])
def test_pages_follow_on_without_gaps_or_repeats(
    client: TestClient, keys: dict[str, str], history: list[str], order: str
) -> None:
    everything = [item["id"] for item in _list(client, keys["supervisor"], order=order)["items"]]
    seen: list[int] = []
    after: int | None = None
    while True:
        params: dict[str, Any] = {"limit": 3, "order": order}
        if after is not None:
            params["after"] = after
        page = _list(client, keys["supervisor"], **params)
        seen += [item["id"] for item in page["items"]]
        after = page["next_after"]
        if after is None:
            break

    assert seen == everything
    assert len(seen) == len(set(seen)) == 7
    assert seen == sorted(seen, reverse=order == "newest")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"limit": 501}, "limit", id="limit over 500"),
        pytest.param({"limit": 0}, "limit", id="limit zero"),
        pytest.param({"after": -1}, "after", id="negative after"),
        pytest.param({"role": "smuggler"}, "role", id="unknown role"),
        pytest.param({"outcome": "fine"}, "outcome", id="unknown outcome"),
        pytest.param({"order": "random"}, "order", id="unknown order"),
        pytest.param({"since": "2026-11-30T09:00:00"}, "since", id="naive time"),
        pytest.param({"since": "1900-01-01T00:00:00Z"}, "since", id="implausible time"),
        pytest.param({"actor": "x" * 41}, "actor", id="long actor"),
        pytest.param({"action": "GET\x00"}, "action", id="control character"),
        pytest.param({"colour": "red"}, "colour", id="unknown filter"),
    ],
)
def test_bad_query_is_a_problem_naming_the_field(
    client: TestClient, keys: dict[str, str], params: dict[str, Any], field: str
) -> None:
    response = client.get(AUDIT, params=params, headers=auth(keys["supervisor"]))

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    assert field in [error["field"] for error in response.json()["errors"]]


def test_a_period_ending_before_it_starts_is_refused(
    client: TestClient, keys: dict[str, str]
) -> None:
    response = client.get(
        AUDIT,
        params={"since": "2026-11-30T09:00:00Z", "until": "2026-11-30T08:00:00Z"},
        headers=auth(keys["supervisor"]),
    )

    assert response.status_code == 422, response.text
    assert "until must be after since" in response.json()["detail"]


def test_the_role_filter_knows_every_role() -> None:
    assert set(get_args(AuditRole)) == {*Role, SYSTEM_ROLE}


def test_the_audit_api_serves_reads_only() -> None:
    served = {(method, path) for (method, path) in api_routes(create_app()) if "audit" in path}
    assert served == {("GET", AUDIT)}


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", [AUDIT, f"{AUDIT}/1"])
def test_no_method_changes_a_record(
    client: TestClient, keys: dict[str, str], history: list[str], method: str, path: str
) -> None:
    before = _list(client, keys["supervisor"])["items"]

    response = client.request(method, path, json={}, headers=auth(keys["supervisor"]))

    assert response.status_code in (404, 405), response.text
    assert _list(client, keys["supervisor"])["items"] == before
