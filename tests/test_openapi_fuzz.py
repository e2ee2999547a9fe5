"""The API keeps its own OpenAPI contract under generated input (a bounded schemathesis run).

Every documented operation is called with generated parameters and bodies, as a trader, an
officer, the gate and the bank, against a database holding screened declarations, one of them
held with a query. No response may be a 5xx, or carry a status, media type or body the schema
does not document.

The schema is loaded at import from an app of its own: schemathesis' fixture loader
(`schemathesis.pytest.from_fixture`) reads `request.node._nodeid`, which pytest 9 removed.
Requests go to the app of the `client` fixture instead, with the test's database savepoint,
Redis and clock in place. The fuzz cases (`pytest -m fuzz`, `make fuzz`) are CI's own step.
"""

import base64
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta, timezone
from typing import Any
from urllib.parse import urlencode

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from redis import Redis
from rq import SimpleWorker
from schemathesis import Case
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Connection

from clearance import db, queues
from clearance.clock import FrozenClock, SystemClock, set_clock
from clearance.main import create_app
from clearance.settings import get_settings
from tests import factories
from tests.conftest import START, auth, sessions_on
from tests.helpers import lodge

# One app and one set of keys for the module; each test runs in a savepoint (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("shared_app")

FUZZ_ROLES = ["trader", "officer", "supervisor", "operator", "gate", "bank"]
MAX_EXAMPLES = 12  # per operation and role: about 70 cases per operation in all
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
LODGE = "POST /v1/declarations"
AMEND = "POST /v1/declarations/{declaration_id}/amendments"
PAYMENT = "POST /v1/payments/notifications"
IDEMPOTENCY_KEYS = st.from_regex(r"[\x21-\x7e]{8,40}", fullmatch=True)

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())


@dataclass(frozen=True)
class Seeded:
    """What exists before fuzzing starts: declaration ids with their UCRs, and query ids."""

    ucrs: dict[str, str]
    held_id: str
    query_ids: list[int]

    @property
    def assessed_id(self) -> str:
        return next(i for i in self.ucrs if i != self.held_id)


# One app, one set of keys (`shared_app`) and one seeded database for the module.
@pytest.fixture(scope="module")
def seeded(
    module_app: FastAPI, module_keys: dict[str, str], module_connection: Connection, redis_url: str
) -> Iterator[Seeded]:
    """Two screened declarations in review; an officer holds one of them with a query."""
    redis = Redis.from_url(redis_url)
    redis.flushdb()
    db.set_session_factory(sessions_on(module_connection))
    set_clock(FrozenClock(START))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CLEARANCE_YELLOW_THRESHOLD", "0")  # whatever the rules score, none is green
        get_settings.cache_clear()
        try:
            with TestClient(module_app, raise_server_exceptions=False) as client:
                made = _seed(client, module_keys, redis)
        finally:
            get_settings.cache_clear()
            set_clock(SystemClock())
            db.set_session_factory(None)
            redis.flushdb()
    yield made


def _seed(client: TestClient, keys: dict[str, str], redis: Redis) -> Seeded:
    ucrs: dict[str, str] = {}
    for body in [factories.declaration(), factories.tea_export(phytosanitary=False)]:
        ucrs[lodge(client, keys["trader"], body)] = body["ucr"]
    queue = queues.screening_queue(redis)
    SimpleWorker([queue], connection=redis).work(burst=True, logging_level="WARNING")
    claimed = client.post("/v1/review/claim-next", json={}, headers=auth(keys["officer"]))
    assert claimed.status_code == 200, claimed.text
    held_id = claimed.json()["item"]["declaration_id"]
    held = client.post(
        f"/v1/review/items/{held_id}/decision",
        json={"decision": "hold", "version": 1, "query": "Send the sales contract."},
        headers=auth(keys["officer"]),
    )
    assert held.status_code == 200, held.text
    detail = client.get(f"/v1/declarations/{held_id}", headers=auth(keys["trader"])).json()
    return Seeded(
        ucrs=ucrs, held_id=held_id, query_ids=[query["id"] for query in detail["queries"]]
    )


def _utc_offsets() -> st.SearchStrategy[timezone]:
    """Whole-minute offsets, as ISO 8601 writes them, up to a day either way."""
    return st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
        lambda minutes: timezone(timedelta(minutes=minutes))
    )


@st.composite
def declaration_bodies(draw: st.DrawFn, ucr: str | None = None) -> dict[str, Any]:
    """A body that passes validation, with generated free text and expected arrival."""
    body = factories.declaration()
    if ucr is not None:
        body["ucr"] = ucr
    body["counterparty"]["name"] = draw(st.text(min_size=1, max_size=60), label="counterparty")
    body["truck"]["driver"] = draw(st.text(min_size=1, max_size=60), label="driver")
    body["lines"][0]["description"] = draw(st.text(min_size=3, max_size=80), label="description")
    body["documents"][0]["number"] = draw(st.text(min_size=1, max_size=30), label="document")
    arrival = draw(st.none() | st.datetimes(timezones=_utc_offsets()), label="expected arrival")
    body["truck"]["expected_arrival_at"] = arrival.isoformat() if arrival else None
    return body


def steer(case: Case[Any], data: st.DataObject, seeded: Seeded) -> None:
    """Point about half the cases at data that exists and at bodies that pass validation.

    Random ids only ever reach a 404, random cursors a 422, and generated declarations fail
    the reference checks: without this the service code behind them would go unfuzzed.
    """
    path = case.path_parameters if case.path_parameters is not None else {}
    if "declaration_id" in path and data.draw(st.booleans(), label="existing declaration"):
        path["declaration_id"] = data.draw(st.sampled_from(sorted(seeded.ucrs)))
    if "query_id" in path and data.draw(st.booleans(), label="existing query"):
        path["declaration_id"] = seeded.held_id
        path["query_id"] = data.draw(st.sampled_from(seeded.query_ids))
    if case.query and "cursor" in case.query and data.draw(st.booleans(), label="no cursor"):
        del case.query["cursor"]
    label = case.operation.label
    if label == LODGE and data.draw(st.booleans(), label="valid body"):
        case.body = data.draw(declaration_bodies())
        headers = case.headers if case.headers is not None else {}
        headers.pop("Idempotency-Key", None)
        if data.draw(st.booleans(), label="idempotency key"):
            headers["Idempotency-Key"] = data.draw(IDEMPOTENCY_KEYS)
        case.headers = headers
    elif label == PAYMENT and isinstance(case.body, dict) and data.draw(st.booleans()):
        case.body["declaration_id"] = data.draw(st.sampled_from(sorted(seeded.ucrs)))
        case.body.pop("ucr", None)
        case.body.pop("declarant_tax_code", None)
    elif label == AMEND and data.draw(st.booleans(), label="valid body"):
        ucr = seeded.ucrs.get(str(path.get("declaration_id")))
        reason = data.draw(st.text(min_size=3, max_size=80), label="reason")
        case.body = {"declaration": data.draw(declaration_bodies(ucr)), "reason": reason}


@pytest.mark.fuzz
@pytest.mark.parametrize("role", FUZZ_ROLES)
@schema.parametrize()
@schema.given(data=st.data())
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    # Fixtures are set up once per operation on purpose: examples share the seeded database.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
def test_api_conforms_to_its_openapi_schema(
    case: Case[Any],
    data: st.DataObject,
    role: str,
    client: TestClient,
    keys: dict[str, str],
    seeded: Seeded,
) -> None:
    steer(case, data, seeded)
    # The schema declares the API-key schemes, so the fuzzer makes up keys of its own: this
    # run is about the role's real key.
    if case.headers:
        for header in ("Authorization", "X-API-Key"):
            case.headers.pop(header, None)

    response = case.call_and_validate(app=client.app, headers=auth(keys[role]), checks=CHECKS)

    assert response.status_code != 401, "the fuzzer's API key was not sent or not accepted"


def test_fuzzed_schema_is_the_schema_the_app_serves(client: TestClient) -> None:
    served = client.get("/openapi.json")

    assert served.status_code == 200
    assert served.json() == schema.raw_schema


@dataclass(frozen=True)
class Edge:
    """One request that once broke the service; `{held}`, `{assessed}`, `{query}` are seeded."""

    role: str
    method: str
    path: str
    body: Callable[[Seeded], Any] = lambda _seeded: None


def _amendment_of_assessed(reason: str) -> Callable[[Seeded], dict[str, Any]]:
    def body(seeded: Seeded) -> dict[str, Any]:
        declaration = factories.declaration(ucr=seeded.ucrs[seeded.assessed_id])
        return {"declaration": declaration, "reason": reason}

    return body


def _declaration_expected(at: str) -> Callable[[Seeded], dict[str, Any]]:
    def body(_seeded: Seeded) -> dict[str, Any]:
        declaration = factories.declaration()
        declaration["truck"]["expected_arrival_at"] = at
        return declaration

    return body


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode()


YEAR_1_PLUS_ONE_HOUR = "0001-01-01T00:00:00+01:00"
# Inputs found by hand or by the fuzzer that broke the service (a 500 each).
EDGE_CASES: dict[str, Edge] = {
    "query id beyond the 32-bit column": Edge(
        "trader",
        "POST",
        "/v1/declarations/{held}/queries/2147483648/answer",
        lambda _seeded: {"answer": "attached"},
    ),
    "list bounds one naive, one aware": Edge(
        "trader", "GET", "/v1/declarations?from=2026-01-01T00:00:00&to=2026-01-02T00:00:00Z"
    ),
    "list bound without a time zone": Edge(
        "officer", "GET", "/v1/declarations?from=2026-01-01T00:00:00"
    ),
    "list bound before year 1 in UTC": Edge(
        "officer", "GET", "/v1/declarations?" + urlencode({"from": YEAR_1_PLUS_ONE_HOUR})
    ),
    "cursor before year 1 in UTC": Edge(
        "officer",
        "GET",
        "/v1/declarations?cursor=" + _cursor(f"{YEAR_1_PLUS_ONE_HOUR}|{uuid.UUID(int=0)}"),
    ),
    "cursor without a time zone": Edge(
        "officer",
        "GET",
        "/v1/declarations?cursor=" + _cursor(f"2026-11-30T08:00:00|{uuid.UUID(int=0)}"),
    ),
    "arrival before year 1 in UTC": Edge(
        "gate",
        "POST",
        "/v1/declarations/{assessed}/arrival",
        lambda _seeded: {"weighbridge_kg": "20400", "arrived_at": YEAR_1_PLUS_ONE_HOUR},
    ),
    "expected arrival before year 1 in UTC": Edge(
        "trader", "POST", "/v1/declarations", _declaration_expected(YEAR_1_PLUS_ONE_HOUR)
    ),
    "NUL byte in a cancellation reason": Edge(
        "trader",
        "POST",
        "/v1/declarations/{assessed}/cancel",
        lambda _seeded: {"reason": "duplicate\x00"},
    ),
    "NUL byte in a query answer": Edge(
        "trader",
        "POST",
        "/v1/declarations/{held}/queries/{query}/answer",
        lambda _seeded: {"answer": "contract attached\x00"},
    ),
    "NUL byte in an amendment reason": Edge(
        "trader",
        "POST",
        "/v1/declarations/{assessed}/amendments",
        _amendment_of_assessed("net weight\x00 corrected"),
    ),
}


@pytest.mark.parametrize("name", list(EDGE_CASES))
def test_edge_input_is_not_a_server_error(
    client: TestClient, keys: dict[str, str], seeded: Seeded, name: str
) -> None:
    edge = EDGE_CASES[name]
    path = edge.path.format(
        held=seeded.held_id, assessed=seeded.assessed_id, query=seeded.query_ids[0]
    )

    response = client.request(
        edge.method, path, json=edge.body(seeded), headers=auth(keys[edge.role])
    )

    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
