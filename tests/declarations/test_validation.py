"""Bad input is a 4xx RFC 9457 problem that names the field, never a 500, and stores nothing."""

import base64
import copy
import json
import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from clearance.declarations.models import Declaration
from clearance.errors import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE
from clearance.settings import get_settings
from tests import factories
from tests.conftest import OTHER_TAX_CODE, auth

URL = "/v1/declarations"
JSON_HEADERS = {"Content-Type": "application/json"}
DELETE = object()  # marks a key to remove from the body

Mutation = Callable[[dict[str, Any]], None]


class HttpResponse(Protocol):
    """What the assertions read of a TestClient response (httpx or httpx2 alike)."""

    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def text(self) -> str: ...
    def json(self) -> Any: ...


def put(path: str, value: Any) -> Mutation:
    """Set (or, with DELETE, remove) the value at a dotted path such as `lines.0.hs_code`."""

    def apply(body: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = body
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        key: Any = int(last) if isinstance(target, list) else last
        if value is DELETE:
            del target[key]
        else:
            target[key] = copy.deepcopy(value)  # a case's value is shared between runs

    return apply


def assert_problem(response: HttpResponse, *, status: int, code: str, fields: list[str]) -> None:
    """An RFC 9457 problem with this status and code whose errors name exactly these fields."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    problem = response.json()
    assert problem["status"] == status
    assert problem["code"] == code
    assert problem["type"] == PROBLEM_TYPE_BASE + code
    assert problem["title"]
    assert problem["detail"]
    assert sorted(error["field"] for error in problem["errors"]) == sorted(fields)
    assert all(error["message"] for error in problem["errors"])


def assert_nothing_stored(client: TestClient, session: Session, key: str) -> None:
    listed = client.get(URL, headers=auth(key))
    assert listed.status_code == 200, listed.text
    assert listed.json()["items"] == []
    assert session.exec(select(func.count()).select_from(Declaration)).one() == 0


def lodge(client: TestClient, key: str) -> str:
    accepted = client.post(URL, json=factories.declaration(), headers=auth(key))
    assert accepted.status_code == 202, accepted.text
    return str(accepted.json()["id"])


def snapshot(client: TestClient, key: str, declaration_id: str) -> dict[str, Any]:
    """What a bad request must leave untouched: version, state, arrival and the event history."""
    read = client.get(f"{URL}/{declaration_id}", headers=auth(key))
    assert read.status_code == 200, read.text
    detail = read.json()
    return {name: detail[name] for name in ("version", "state", "arrived_at", "events")}


SCHEMA_VIOLATIONS = [
    # extra="forbid", at the top level and in every nested model
    pytest.param(put("colour", "red"), "colour", id="unknown-top-level-field"),
    pytest.param(put("state", "released"), "state", id="client-supplied-state"),
    pytest.param(put("declarant.email", "a@b.vn"), "declarant.email", id="unknown-declarant-field"),
    pytest.param(
        put("counterparty.vat", "CN1"), "counterparty.vat", id="unknown-counterparty-field"
    ),
    pytest.param(put("truck.colour", "blue"), "truck.colour", id="unknown-truck-field"),
    pytest.param(put("lines.0.colour", "white"), "lines.0.colour", id="unknown-line-field"),
    pytest.param(put("documents.1.colour", "x"), "documents.1.colour", id="unknown-document-field"),
    # HS codes of the wrong shape
    pytest.param(put("lines.0.hs_code", "3102100A"), "lines.0.hs_code", id="hs-code-with-letter"),
    pytest.param(put("lines.0.hs_code", "31021"), "lines.0.hs_code", id="hs-code-5-digits"),
    pytest.param(put("lines.0.hs_code", "31021000001"), "lines.0.hs_code", id="hs-code-11-digits"),
    pytest.param(put("lines.0.hs_code", "3102.10.00"), "lines.0.hs_code", id="hs-code-with-dots"),
    pytest.param(put("lines.0.hs_code", 31021000), "lines.0.hs_code", id="hs-code-as-number"),
    # codes of the wrong shape
    pytest.param(put("lines.0.origin", "cn"), "lines.0.origin", id="origin-lowercase"),
    pytest.param(put("lines.0.origin", "CHN"), "lines.0.origin", id="origin-alpha-3"),
    pytest.param(
        put("counterparty.country", "C"), "counterparty.country", id="counterparty-1-letter"
    ),
    pytest.param(put("lines.0.currency", "usd"), "lines.0.currency", id="currency-lowercase"),
    pytest.param(put("lines.0.currency", "US"), "lines.0.currency", id="currency-2-letters"),
    pytest.param(put("gate", "mlt"), "gate", id="gate-lowercase"),
    pytest.param(put("gate", "M1T"), "gate", id="gate-with-digit"),
    # quantities, weights and values
    pytest.param(put("lines.0.quantity", "0"), "lines.0.quantity", id="zero-quantity"),
    pytest.param(put("lines.0.quantity", "-1"), "lines.0.quantity", id="negative-quantity"),
    pytest.param(put("lines.0.quantity", "lots"), "lines.0.quantity", id="quantity-not-a-number"),
    pytest.param(put("lines.0.quantity", "1.0001"), "lines.0.quantity", id="quantity-4-decimals"),
    pytest.param(put("lines.0.quantity", "10000001"), "lines.0.quantity", id="absurd-quantity"),
    pytest.param(put("lines.0.quantity", "NaN"), "lines.0.quantity", id="quantity-nan"),
    pytest.param(put("lines.0.quantity", "Infinity"), "lines.0.quantity", id="quantity-infinity"),
    pytest.param(put("lines.0.gross_kg", "0"), "lines.0.gross_kg", id="zero-gross-weight"),
    pytest.param(put("lines.0.gross_kg", "-20400"), "lines.0.gross_kg", id="negative-gross-weight"),
    pytest.param(put("lines.0.net_kg", "0"), "lines.0.net_kg", id="zero-net-weight"),
    pytest.param(put("lines.0.net_kg", "-1"), "lines.0.net_kg", id="negative-net-weight"),
    pytest.param(put("lines.0.gross_kg", "100000.001"), "lines.0.gross_kg", id="over-100-t"),
    pytest.param(put("lines.0.gross_kg", "250000"), "lines.0.gross_kg", id="absurd-250-t"),
    pytest.param(put("lines.0.net_kg", "30000"), "lines.0.net_kg", id="net-over-gross"),
    pytest.param(
        put("lines.0.quantity", "19999"), "lines.0.net_kg", id="kg-quantity-not-net-weight"
    ),
    pytest.param(put("lines", [factories.UREA_LINE] * 5), "lines", id="lines-together-over-100-t"),
    pytest.param(
        put("lines", [factories.UREA_LINE, {**factories.UREA_LINE, "currency": "CNY"}]),
        "lines",
        id="lines-in-two-currencies",
    ),
    pytest.param(put("lines.0.customs_value", "0"), "lines.0.customs_value", id="zero-value"),
    pytest.param(
        put("lines.0.customs_value", "-7200"), "lines.0.customs_value", id="negative-value"
    ),
    pytest.param(
        put("lines.0.customs_value", "1.005"), "lines.0.customs_value", id="value-3-decimals"
    ),
    pytest.param(
        put("lines.0.customs_value", "1000000000000.01"), "lines.0.customs_value", id="absurd-value"
    ),
    # documents
    pytest.param(
        put("documents.0.expires_on", "2026-11-19"),
        "documents.0.expires_on",
        id="document-expires-before-issued",
    ),
    pytest.param(
        put("documents.0.issued_on", "2026-13-01"), "documents.0.issued_on", id="document-bad-date"
    ),
    pytest.param(
        put("documents.0.kind", "passport"), "documents.0.kind", id="document-kind-unknown"
    ),
    pytest.param(
        put("documents.0.number", "   "), "documents.0.number", id="document-number-blank"
    ),
    pytest.param(
        put("documents.0.fields", {f"f{i}": i for i in range(51)}),
        "documents.0.fields",
        id="document-51-fields",
    ),
    pytest.param(
        put("documents", [{"kind": "invoice", "number": f"INV-{i}"} for i in range(51)]),
        "documents",
        id="51-documents",
    ),
    # lines
    pytest.param(put("lines", []), "lines", id="empty-lines"),
    pytest.param(put("lines", [factories.UREA_LINE] * 201), "lines", id="201-lines"),
    pytest.param(put("lines", None), "lines", id="lines-null"),
    pytest.param(put("lines", DELETE), "lines", id="lines-missing"),
    pytest.param(put("lines.0.hs_code", DELETE), "lines.0.hs_code", id="hs-code-missing"),
    pytest.param(put("lines.0.description", "ab"), "lines.0.description", id="description-short"),
    # tax codes
    pytest.param(
        put("declarant.tax_code", "01000000"), "declarant.tax_code", id="tax-code-8-digits"
    ),
    pytest.param(
        put("declarant.tax_code", "01000000AB"), "declarant.tax_code", id="tax-code-with-letters"
    ),
    pytest.param(
        put("declarant.tax_code", "0100000001-12"), "declarant.tax_code", id="tax-code-bad-branch"
    ),
    pytest.param(put("trader.tax_code", "abc"), "trader.tax_code", id="trader-tax-code-malformed"),
    # enums
    pytest.param(put("kind", "smuggling"), "kind", id="kind-unknown"),
    pytest.param(put("kind", "IMPORT"), "kind", id="kind-uppercase"),
    pytest.param(put("lines.0.unit", "tonnes"), "lines.0.unit", id="unit-unknown"),
    pytest.param(put("lines.0.incoterm", "FOB2020"), "lines.0.incoterm", id="incoterm-unknown"),
    pytest.param(
        put("lines.0.preference", "FORM_X"), "lines.0.preference", id="preference-unknown"
    ),
    # datetimes
    pytest.param(
        put("truck.expected_arrival_at", "2026-12-01T10:00:00"),
        "truck.expected_arrival_at",
        id="expected-arrival-naive",
    ),
    pytest.param(
        put("truck.expected_arrival_at", "tomorrow"),
        "truck.expected_arrival_at",
        id="expected-arrival-garbage",
    ),
    # other strings
    pytest.param(put("ucr", "AB"), "ucr", id="ucr-too-short"),
    pytest.param(put("ucr", DELETE), "ucr", id="ucr-missing"),
    pytest.param(put("declarant.name", "   "), "declarant.name", id="declarant-name-blank"),
    pytest.param(put("counterparty.name", "x" * 201), "counterparty.name", id="name-201-chars"),
    pytest.param(put("truck.plate", "25c-012.34"), "truck.plate", id="plate-lowercase"),
    pytest.param(put("truck", DELETE), "truck", id="truck-missing"),
]


@pytest.mark.parametrize(("mutate", "field"), SCHEMA_VIOLATIONS)
def test_schema_violation_is_a_422_naming_the_field_and_stores_nothing(
    client: TestClient, keys: dict[str, str], session: Session, mutate: Mutation, field: str
) -> None:
    body = factories.declaration()
    mutate(body)
    response = client.post(URL, json=body, headers=auth(keys["trader"]))
    assert_problem(response, status=422, code="invalid_input", fields=[field])
    assert_nothing_stored(client, session, keys["trader"])


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_a_document_field_that_is_no_finite_number_is_a_422_naming_it(
    client: TestClient, keys: dict[str, str], session: Session, number: float
) -> None:
    body = factories.declaration()
    body["documents"][0]["fields"] = {"total": number}
    content = json.dumps(body).encode()  # NaN, Infinity: Python's JSON, not the standard's
    response = client.post(URL, content=content, headers={**auth(keys["trader"]), **JSON_HEADERS})
    assert response.status_code == 422, response.text
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields and all(f.startswith("documents.0.fields.total") for f in fields)
    assert_nothing_stored(client, session, keys["trader"])


REFERENCE_MISSES = [
    pytest.param(put("lines.0.hs_code", "99999999"), "lines.0.hs_code", id="hs-8-not-in-table"),
    pytest.param(put("lines.0.hs_code", "9999999999"), "lines.0.hs_code", id="hs-10-not-in-table"),
    pytest.param(put("lines.0.hs_code", "999999"), "lines.0.hs_code", id="hs-6-not-in-table"),
    pytest.param(put("lines.0.origin", "XX"), "lines.0.origin", id="origin-not-iso"),
    pytest.param(
        put("counterparty.country", "XX"), "counterparty.country", id="counterparty-not-iso"
    ),
    pytest.param(put("lines.0.currency", "XYZ"), "lines.0.currency", id="currency-not-iso"),
    pytest.param(put("gate", "ZZZ"), "gate", id="gate-unknown"),
]


@pytest.mark.parametrize(("mutate", "field"), REFERENCE_MISSES)
def test_code_unknown_to_the_reference_tables_is_a_422_naming_the_field(
    client: TestClient, keys: dict[str, str], session: Session, mutate: Mutation, field: str
) -> None:
    body = factories.declaration()
    mutate(body)
    response = client.post(URL, json=body, headers=auth(keys["trader"]))
    assert_problem(response, status=422, code="invalid_input", fields=[field])
    assert_nothing_stored(client, session, keys["trader"])


def test_every_unknown_code_in_a_body_is_named_in_one_problem(
    client: TestClient, keys: dict[str, str], session: Session
) -> None:
    first = {**factories.UREA_LINE, "currency": "XYZ"}
    second = {**first, "hs_code": "99999999", "origin": "XX"}
    body = factories.declaration(lines=[first, second], gate="ZZZ")
    body["counterparty"]["country"] = "XX"
    response = client.post(URL, json=body, headers=auth(keys["trader"]))
    expected = ["gate", "counterparty.country", "lines.0.currency", "lines.1.hs_code"]
    assert_problem(
        response,
        status=422,
        code="invalid_input",
        fields=[*expected, "lines.1.origin", "lines.1.currency"],
    )
    assert_nothing_stored(client, session, keys["trader"])


def test_declarant_tax_code_of_another_company_is_a_403_naming_it(
    client: TestClient, keys: dict[str, str], session: Session
) -> None:
    body = factories.declaration(OTHER_TAX_CODE)
    response = client.post(URL, json=body, headers=auth(keys["trader"]))
    assert_problem(response, status=403, code="forbidden", fields=["declarant.tax_code"])
    assert_nothing_stored(client, session, keys["trader"])
    assert_nothing_stored(client, session, keys["other_trader"])


NOT_AN_OBJECT = [
    pytest.param(b"{not json", JSON_HEADERS, id="malformed-json"),
    pytest.param(b'{"ucr": "MLT-1",', JSON_HEADERS, id="truncated-json"),
    pytest.param(json.dumps([factories.declaration()]).encode(), JSON_HEADERS, id="json-array"),
    pytest.param(b"42", JSON_HEADERS, id="json-number"),
    pytest.param(b'"declaration"', JSON_HEADERS, id="json-string"),
    pytest.param(b"null", JSON_HEADERS, id="json-null"),
    pytest.param(b"", JSON_HEADERS, id="empty-body"),
    pytest.param(b"[" * 50_000, JSON_HEADERS, id="json-nested-too-deep"),
    pytest.param(b"ucr=MLT-1", {"Content-Type": "text/plain"}, id="text-plain"),
    pytest.param(
        json.dumps(factories.declaration()).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
        id="json-sent-as-form",
    ),
]


@pytest.mark.parametrize(("content", "headers"), NOT_AN_OBJECT)
def test_body_that_is_not_a_json_object_is_a_422_naming_body(
    client: TestClient,
    keys: dict[str, str],
    session: Session,
    content: bytes,
    headers: dict[str, str],
) -> None:
    response = client.post(URL, content=content, headers={**auth(keys["trader"]), **headers})
    assert_problem(response, status=422, code="invalid_input", fields=["body"])
    assert_nothing_stored(client, session, keys["trader"])


def test_default_body_limit_is_256_kib() -> None:
    assert get_settings().max_body_bytes == 256 * 1024


def _oversized() -> bytes:
    """Well-formed JSON one byte over the limit: the size alone is wrong with it."""
    shell = json.dumps({"ucr": ""}).encode()
    return json.dumps({"ucr": "x" * (get_settings().max_body_bytes + 1 - len(shell))}).encode()


def test_body_over_the_limit_by_content_length_is_a_413_problem(
    client: TestClient, keys: dict[str, str], session: Session
) -> None:
    content = _oversized()
    assert len(content) == get_settings().max_body_bytes + 1
    response = client.post(URL, content=content, headers={**auth(keys["trader"]), **JSON_HEADERS})
    assert response.request.headers["content-length"] == str(len(content))
    assert_problem(response, status=413, code="payload_too_large", fields=[])
    assert_nothing_stored(client, session, keys["trader"])


def test_streamed_body_over_the_limit_without_content_length_is_a_413_problem(
    client: TestClient, keys: dict[str, str], session: Session
) -> None:
    content = _oversized()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(content), 16 * 1024):
            yield content[start : start + 16 * 1024]

    response = client.post(URL, content=chunks(), headers={**auth(keys["trader"]), **JSON_HEADERS})
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert_problem(response, status=413, code="payload_too_large", fields=[])
    assert_nothing_stored(client, session, keys["trader"])


BAD_IDEMPOTENCY_KEYS = [
    pytest.param("", id="empty"),
    pytest.param("abc1234", id="7-characters"),
    pytest.param("retry key 0001", id="with-spaces"),
    pytest.param(" retry-key-0001", id="leading-space"),
    pytest.param("k" * 201, id="201-characters"),
]


@pytest.mark.parametrize("idempotency_key", BAD_IDEMPOTENCY_KEYS)
def test_malformed_idempotency_key_is_a_422_naming_the_header(
    client: TestClient, keys: dict[str, str], session: Session, idempotency_key: str
) -> None:
    headers = {**auth(keys["trader"]), "Idempotency-Key": idempotency_key}
    response = client.post(URL, json=factories.declaration(), headers=headers)
    assert_problem(response, status=422, code="invalid_input", fields=["Idempotency-Key"])
    assert_nothing_stored(client, session, keys["trader"])


NOT_A_UUID = ["not-a-uuid", "12345", "0b7f2a1e-0000-0000-0000-00000000000g"]
DECLARATION_ROUTES = [
    pytest.param("GET", "", "trader", None, id="read"),
    pytest.param(
        "POST",
        "/amendments",
        "trader",
        {"declaration": factories.declaration(), "reason": "corrected weight"},
        id="amend",
    ),
    pytest.param("POST", "/cancel", "trader", {"reason": "order withdrawn"}, id="cancel"),
    pytest.param("POST", "/queries/1/answer", "trader", {"answer": "see invoice"}, id="answer"),
    pytest.param("POST", "/arrival", "gate", {"weighbridge_kg": "20400"}, id="arrival"),
    pytest.param("POST", "/exit", "gate", {}, id="exit"),
]


@pytest.mark.parametrize("bad_id", NOT_A_UUID)
@pytest.mark.parametrize(("method", "suffix", "role", "body"), DECLARATION_ROUTES)
def test_malformed_uuid_in_the_path_is_a_422_naming_declaration_id(
    client: TestClient,
    keys: dict[str, str],
    method: str,
    suffix: str,
    role: str,
    body: dict[str, Any] | None,
    bad_id: str,
) -> None:
    response = client.request(
        method, f"{URL}/{bad_id}{suffix}", json=body, headers=auth(keys[role])
    )
    assert_problem(response, status=422, code="invalid_input", fields=["declaration_id"])


BAD_LIST_QUERIES = [
    pytest.param({"limit": "0"}, "limit", id="limit-0"),
    pytest.param({"limit": "1000"}, "limit", id="limit-1000"),
    pytest.param({"limit": "-1"}, "limit", id="limit-negative"),
    pytest.param({"limit": "ten"}, "limit", id="limit-not-a-number"),
    pytest.param({"cursor": "garbage"}, "cursor", id="cursor-garbage"),
    pytest.param({"cursor": "!!!!"}, "cursor", id="cursor-not-base64"),
    pytest.param({"cursor": "Zm9v"}, "cursor", id="cursor-base64-of-foo"),
    pytest.param({"cursor": "eHx5"}, "cursor", id="cursor-two-garbage-parts"),
    pytest.param({"cursor": "__79"}, "cursor", id="cursor-not-utf8"),
    pytest.param({"cursor": "c" * 201}, "cursor", id="cursor-too-long"),
    pytest.param({"state": "teleported"}, "state", id="state-unknown"),
    pytest.param({"from": "last tuesday"}, "from", id="from-garbage"),
    pytest.param({"to": "2026-02-30T00:00:00Z"}, "to", id="to-impossible-date"),
    pytest.param(
        {"from": "2026-12-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"}, "to", id="from-after-to"
    ),
    pytest.param(
        {"from": "2026-11-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"}, "to", id="from-equals-to"
    ),
    pytest.param(
        {"from": "2026-11-01T00:00:00", "to": "2026-12-01T00:00:00Z"},
        "from",
        id="naive-from-with-aware-to",
    ),
]


@pytest.mark.parametrize(("params", "field"), BAD_LIST_QUERIES)
def test_bad_list_query_is_a_422_naming_the_parameter(
    client: TestClient, keys: dict[str, str], params: dict[str, str], field: str
) -> None:
    response = client.get(URL, params=params, headers=auth(keys["trader"]))
    assert_problem(response, status=422, code="invalid_input", fields=[field])


def test_cursor_with_a_valid_shape_but_unknown_position_is_not_an_error(
    client: TestClient, keys: dict[str, str]
) -> None:
    """A cursor of the API's own shape pointing nowhere is an empty page, not a problem."""
    cursor = base64.urlsafe_b64encode(
        b"2026-11-30T08:00:00+00:00|00000000-0000-0000-0000-000000000000"
    ).decode()
    response = client.get(URL, params={"cursor": cursor}, headers=auth(keys["trader"]))
    assert response.status_code == 200, response.text
    assert response.json() == {"items": [], "next_cursor": None}


BAD_AMENDMENTS = [
    pytest.param(put("note", "x"), 422, "invalid_input", "note", id="unknown-top-level-field"),
    pytest.param(put("reason", DELETE), 422, "invalid_input", "reason", id="reason-missing"),
    pytest.param(put("reason", " a "), 422, "invalid_input", "reason", id="reason-too-short"),
    pytest.param(put("declaration", DELETE), 422, "invalid_input", "declaration", id="no-body"),
    pytest.param(
        put("declaration.lines.0.colour", "x"),
        422,
        "invalid_input",
        "declaration.lines.0.colour",
        id="unknown-nested-field",
    ),
    pytest.param(
        put("declaration.lines.0.hs_code", "31021"),
        422,
        "invalid_input",
        "declaration.lines.0.hs_code",
        id="hs-code-5-digits",
    ),
    pytest.param(
        put("declaration.lines.0.net_kg", "30000"),
        422,
        "invalid_input",
        "declaration.lines.0.net_kg",
        id="net-over-gross",
    ),
    pytest.param(
        put("declaration.ucr", "MLT-OTHER-0001"),
        422,
        "invalid_input",
        "declaration.ucr",
        id="ucr-changed",
    ),
    pytest.param(
        put("declaration.lines.0.hs_code", "99999999"),
        422,
        "invalid_input",
        "declaration.lines.0.hs_code",
        id="hs-code-not-in-table",
    ),
    pytest.param(
        put("declaration.lines.0.currency", "XYZ"),
        422,
        "invalid_input",
        "declaration.lines.0.currency",
        id="currency-not-iso",
    ),
    pytest.param(
        put("declaration.gate", "ZZZ"), 422, "invalid_input", "declaration.gate", id="gate-unknown"
    ),
    pytest.param(
        put("declaration.declarant.tax_code", OTHER_TAX_CODE),
        403,
        "forbidden",
        "declaration.declarant.tax_code",
        id="declarant-not-the-caller",
    ),
]


@pytest.mark.parametrize(("mutate", "status", "code", "field"), BAD_AMENDMENTS)
def test_bad_amendment_is_a_problem_naming_the_field_and_changes_nothing(
    client: TestClient,
    keys: dict[str, str],
    mutate: Mutation,
    status: int,
    code: str,
    field: str,
) -> None:
    lodged = factories.declaration()
    accepted = client.post(URL, json=lodged, headers=auth(keys["trader"]))
    assert accepted.status_code == 202, accepted.text
    declaration_id = accepted.json()["id"]
    before = snapshot(client, keys["trader"], declaration_id)
    body = {"declaration": copy.deepcopy(lodged), "reason": "corrected weight"}
    mutate(body)
    response = client.post(
        f"{URL}/{declaration_id}/amendments", json=body, headers=auth(keys["trader"])
    )
    assert_problem(response, status=status, code=code, fields=[field])
    assert snapshot(client, keys["trader"], declaration_id) == before


BAD_CANCELLATIONS = [
    pytest.param({}, "reason", id="reason-missing"),
    pytest.param({"reason": "  "}, "reason", id="reason-blank"),
    pytest.param({"reason": "no"}, "reason", id="reason-too-short"),
    pytest.param({"reason": "x" * 501}, "reason", id="reason-501-chars"),
    pytest.param({"reason": 42}, "reason", id="reason-not-a-string"),
    pytest.param({"reason": "order withdrawn", "force": True}, "force", id="unknown-field"),
]


@pytest.mark.parametrize(("body", "field"), BAD_CANCELLATIONS)
def test_bad_cancellation_is_a_422_naming_the_field_and_changes_nothing(
    client: TestClient, keys: dict[str, str], body: dict[str, Any], field: str
) -> None:
    declaration_id = lodge(client, keys["trader"])
    before = snapshot(client, keys["trader"], declaration_id)
    response = client.post(
        f"{URL}/{declaration_id}/cancel", json=body, headers=auth(keys["trader"])
    )
    assert_problem(response, status=422, code="invalid_input", fields=[field])
    assert snapshot(client, keys["trader"], declaration_id) == before


BAD_ARRIVALS = [
    pytest.param({}, "weighbridge_kg", id="weight-missing"),
    pytest.param({"weighbridge_kg": "0"}, "weighbridge_kg", id="zero-weight"),
    pytest.param({"weighbridge_kg": "-20400"}, "weighbridge_kg", id="negative-weight"),
    pytest.param({"weighbridge_kg": "100000.001"}, "weighbridge_kg", id="over-100-t"),
    pytest.param({"weighbridge_kg": "heavy"}, "weighbridge_kg", id="weight-not-a-number"),
    pytest.param(
        {"weighbridge_kg": "20400", "arrived_at": "2026-11-30T09:00:00"},
        "arrived_at",
        id="arrived-at-naive",
    ),
    pytest.param(
        {"weighbridge_kg": "20400", "arrived_at": "soon"}, "arrived_at", id="arrived-at-garbage"
    ),
    pytest.param({"weighbridge_kg": "20400", "lane": 3}, "lane", id="unknown-field"),
]


@pytest.mark.parametrize(("body", "field"), BAD_ARRIVALS)
def test_bad_arrival_is_a_422_naming_the_field_and_records_nothing(
    client: TestClient, keys: dict[str, str], body: dict[str, Any], field: str
) -> None:
    declaration_id = lodge(client, keys["trader"])
    before = snapshot(client, keys["trader"], declaration_id)
    response = client.post(f"{URL}/{declaration_id}/arrival", json=body, headers=auth(keys["gate"]))
    assert_problem(response, status=422, code="invalid_input", fields=[field])
    assert snapshot(client, keys["trader"], declaration_id) == before


def test_naive_exit_time_is_a_422_naming_exited_at(
    client: TestClient, keys: dict[str, str]
) -> None:
    declaration_id = lodge(client, keys["trader"])
    before = snapshot(client, keys["trader"], declaration_id)
    response = client.post(
        f"{URL}/{declaration_id}/exit",
        json={"exited_at": "2026-11-30T10:00:00"},
        headers=auth(keys["gate"]),
    )
    assert_problem(response, status=422, code="invalid_input", fields=["exited_at"])
    assert snapshot(client, keys["trader"], declaration_id) == before


BAD_ANSWERS = [
    pytest.param("0", {"answer": "see invoice"}, "query_id", id="query-id-0"),
    pytest.param("abc", {"answer": "see invoice"}, "query_id", id="query-id-not-a-number"),
    pytest.param(str(2**63), {"answer": "see invoice"}, "query_id", id="query-id-over-2-62"),
    pytest.param("1", {"answer": "   "}, "answer", id="answer-blank"),
    pytest.param("1", {"answer": "x" * 2001}, "answer", id="answer-2001-chars"),
    pytest.param("1", {"answer": "ok", "files": []}, "files", id="unknown-field"),
]


@pytest.mark.parametrize(("query_id", "body", "field"), BAD_ANSWERS)
def test_bad_query_answer_is_a_422_naming_the_field(
    client: TestClient, keys: dict[str, str], query_id: str, body: dict[str, Any], field: str
) -> None:
    declaration_id = lodge(client, keys["trader"])
    before = snapshot(client, keys["trader"], declaration_id)
    response = client.post(
        f"{URL}/{declaration_id}/queries/{query_id}/answer", json=body, headers=auth(keys["trader"])
    )
    assert_problem(response, status=422, code="invalid_input", fields=[field])
    assert snapshot(client, keys["trader"], declaration_id) == before
