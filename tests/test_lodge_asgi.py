"""POST /v1/declarations served as plain ASGI answers as the declared FastAPI route does.

Each case is sent to the app as built (`clearance.lodge_asgi` answers lodgements) and to the
same app without that layer (FastAPI's route answers), with its own UCR and idempotency key so
that neither sees the other's writes: status, headers in order and body must be the same, the
ids aside. Both then leave the same audit records.
"""

import json
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from redis import Redis
from sqlalchemy import text
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response as StarletteResponse

from clearance import lodge_asgi
from clearance.clock import FrozenClock
from clearance.lodge_asgi import LodgeAsgiMiddleware
from clearance.main import create_app
from tests.conftest import auth
from tests.factories import declaration

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_UCR = re.compile(r"MLT-TEST-[0-9]{6}")
Send = Callable[[TestClient, dict[str, str]], Response]


@pytest.fixture
def declared(session: Session, redis: Redis, clock: FrozenClock) -> Iterator[TestClient]:
    """The app with FastAPI's route answering lodgements: the reference."""
    app: FastAPI = create_app()
    app.user_middleware = [
        m
        for m in app.user_middleware
        if m.cls is not LodgeAsgiMiddleware  # type: ignore[comparison-overlap]
    ]
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def answered_here(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each request that reached `lodge_asgi`'s checks: whether it answered it itself."""
    answered: list[bool] = []
    checked = lodge_asgi._lodge

    async def counted(request: Request, parsed: Any) -> StarletteResponse | None:
        try:
            response = await checked(request, parsed)
        except Exception:
            answered.append(True)
            raise
        answered.append(response is not None)
        return response

    monkeypatch.setattr(lodge_asgi, "_lodge", counted)
    return answered


def _seen(response: Response) -> tuple[int, list[tuple[str, str]], str]:
    headers = [(k, _UUID.sub("<id>", v)) for k, v in response.headers.multi_items()]
    body = _UCR.sub("<ucr>", _UUID.sub("<id>", response.text))
    return response.status_code, [(k, v) for k, v in headers if k != "x-request-id"], body


def _same(fast: TestClient, declared: TestClient, send: Send) -> Response:
    """The case sent to both apps, each with fresh idempotency keys; the fast app's answer."""
    answers = [
        send(client, {"Idempotency-Key": f"case-{uuid.uuid4()}"}) for client in (fast, declared)
    ]
    assert _seen(answers[0]) == _seen(answers[1])
    return answers[0]


def _line_with(**values: Any) -> dict[str, Any]:
    body = declaration()
    body["lines"] = [{**body["lines"][0], **values}]
    return body


def _post(body: Any, key: str, **headers: str) -> Send:
    def send(client: TestClient, fresh: dict[str, str]) -> Response:
        content = body() if callable(body) else body
        raw = content if isinstance(content, bytes) else json.dumps(content).encode()
        sent = {"Content-Type": "application/json", **auth(key), **fresh, **headers}
        return client.post("/v1/declarations", content=raw, headers=sent)

    return send


def test_a_lodgement_is_answered_alike(
    client: TestClient, declared: TestClient, keys: dict[str, str], answered_here: list[bool]
) -> None:
    answer = _same(client, declared, _post(declaration, keys["trader"]))
    assert answered_here == [True]
    assert answer.status_code == 202
    assert answer.headers["Location"] == f"/v1/declarations/{answer.json()['id']}"


def test_a_replay_and_a_reused_key_are_answered_alike(
    client: TestClient, declared: TestClient, keys: dict[str, str]
) -> None:
    def twice(second_body: bool) -> Send:
        def send(test_client: TestClient, fresh: dict[str, str]) -> Response:
            body = declaration()
            _post(body, keys["trader"])(test_client, fresh)
            return _post(declaration() if second_body else body, keys["trader"])(test_client, fresh)

        return send

    assert _same(client, declared, twice(False)).headers["Idempotent-Replayed"] == "true"
    assert _same(client, declared, twice(True)).status_code == 409


def test_a_reused_ucr_is_answered_alike(
    client: TestClient, declared: TestClient, keys: dict[str, str]
) -> None:
    def send(test_client: TestClient, fresh: dict[str, str]) -> Response:
        body = declaration()
        _post(body, keys["trader"])(test_client, {"Idempotency-Key": f"first-{uuid.uuid4()}"})
        return _post(body, keys["trader"])(test_client, fresh)

    assert _same(client, declared, send).status_code == 409


# Whether `lodge_asgi` answers the case itself (True), passes it on to the declared route after
# checking the caller (False: the header or the body is not valid), or before (None).
@pytest.mark.parametrize(
    ("case", "status", "here"),
    [
        ("no key", 401, True),
        ("unknown key", 401, True),
        ("gate key", 403, True),
        ("x-api-key", 202, True),
        ("basic scheme", 401, True),
        ("short idempotency key", 422, False),
        ("idempotency key with a space", 422, False),
        ("missing field", 422, False),
        ("unknown field", 422, False),
        ("unknown gate", 422, True),
        ("not JSON", 422, None),
        ("empty body", 422, None),
        ("a list", 422, False),
        ("null", 422, None),
        ("NaN weight", 422, False),
        ("text/plain", 422, None),
        ("no content type", 422, None),
        ("json with charset", 202, True),
        ("json+ld", 422, None),
        ("vietnamese problem", 422, True),
        ("another trader's declaration", 403, True),
        ("bad JSON and no key", 422, None),
        ("bad body and gate key", 403, True),
        ("nested too deep", 422, None),
    ],
)
def test_each_refusal_is_answered_alike(
    case: str,
    status: int,
    here: bool | None,
    client: TestClient,
    declared: TestClient,
    keys: dict[str, str],
    answered_here: list[bool],
) -> None:
    trader = keys["trader"]
    send = {
        "no key": _post(declaration, trader, Authorization=""),
        "unknown key": _post(declaration, "clr_not-a-key-at-all"),
        "gate key": _post(declaration, keys["gate"]),
        "x-api-key": _post(declaration, "", **{"X-API-Key": trader}),
        "basic scheme": _post(declaration, trader, Authorization=f"Basic {trader}"),
        "short idempotency key": _post(declaration, trader, **{"Idempotency-Key": "short"}),
        "idempotency key with a space": _post(
            declaration, trader, **{"Idempotency-Key": "with a space"}
        ),
        "missing field": _post(lambda: {**declaration(), "lines": None}, trader),
        "unknown field": _post(lambda: {**declaration(), "colour": "red"}, trader),
        "unknown gate": _post(lambda: {**declaration(), "gate": "XXX"}, trader),
        "not JSON": _post(b'{"ucr": ', trader),
        "empty body": _post(b"", trader),
        "a list": _post(b"[]", trader),
        "null": _post(b"null", trader),
        "NaN weight": _post(lambda: _line_with(gross_kg=float("nan")), trader),
        "text/plain": _post(declaration, trader, **{"Content-Type": "text/plain"}),
        "no content type": _post(declaration, trader, **{"Content-Type": ""}),
        "json with charset": _post(
            declaration, trader, **{"Content-Type": "application/json; charset=utf-8"}
        ),
        "json+ld": _post(lambda: {"x": 1}, trader, **{"Content-Type": "application/ld+json"}),
        "vietnamese problem": _post(
            lambda: {**declaration(), "gate": "XXX"}, trader, **{"Accept-Language": "vi"}
        ),
        "another trader's declaration": _post(lambda: declaration("0100000002"), trader),
        "bad JSON and no key": _post(b"{", "clr_not-a-key-at-all"),
        "bad body and gate key": _post(b"{}", keys["gate"]),
        "nested too deep": _post(b"[" * 100_000 + b"]" * 100_000, trader),
    }[case]
    assert _same(client, declared, send).status_code == status
    assert answered_here == ([] if here is None else [here])


def test_both_leave_the_same_audit_records(
    client: TestClient, declared: TestClient, keys: dict[str, str], session: Session
) -> None:
    def trail() -> list[tuple[Any, ...]]:
        query = text(
            "SELECT actor, role, tax_code, action, target_kind, version, client_address, outcome"
            " FROM audit_record ORDER BY id"
        )
        return [tuple(row) for row in session.connection().execute(query)]

    sends = [
        _post(declaration, keys["trader"]),
        _post(declaration, "clr_not-a-key-at-all"),
        _post(declaration, keys["gate"]),
    ]
    records = []
    for test_client in (client, declared):
        before = len(trail())
        for send in sends:
            send(test_client, {"Idempotency-Key": f"audit-{uuid.uuid4()}"})
        records.append(trail()[before:])
    assert records[0] == records[1]
    assert [row[-1] for row in records[0]] == ["ok", "401", "403"]
