"""Control characters in a URL are a 422 naming where they are, on every route, before auth."""

import re

import pytest
from fastapi.testclient import TestClient

from clearance.main import create_app
from tests.conftest import auth

ROUTES = [
    (method.upper(), path)
    for path, operations in create_app().openapi()["paths"].items()
    for method in operations
]
BAD = ["%00", "%1B", "%7F", "%C2%85", "%E2%80%AE", "%EF%BB%BF"]  # NUL ESC DEL NEL RLO BOM


def _with(path: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, path)


def test_a_nul_in_a_path_on_postgresql_is_a_422_not_a_500(
    client: TestClient, keys: dict[str, str]
) -> None:
    answer = client.post("/v1/risk/models/%00/activate", headers=auth(keys["supervisor"]))
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["errors"] == [
        {
            "field": "path",
            "message": "must not contain control or invisible characters",
            "code": "field.control_characters",
            "params": {},
        }
    ]


@pytest.mark.parametrize("value", BAD)
def test_every_route_with_a_path_parameter_refuses_control_characters(
    client: TestClient, keys: dict[str, str], value: str
) -> None:
    parameterised = [(m, p) for m, p in ROUTES if "{" in p]
    assert len(parameterised) > 10
    for method, path in parameterised:
        answer = client.request(method, _with(path, f"x{value}y"), headers=auth(keys["supervisor"]))
        assert answer.status_code == 422, (method, path, answer.text)


@pytest.mark.parametrize("value", BAD)
def test_a_query_parameter_with_control_characters_is_refused_by_name(
    client: TestClient, keys: dict[str, str], value: str
) -> None:
    for url in ("/v1/declarations", "/v1/tariff", "/v1/audit"):
        answer = client.get(f"{url}?cursor=a{value}b", headers=auth(keys["supervisor"]))
        assert answer.status_code == 422, (url, answer.text)
        assert answer.json()["errors"][0]["field"] == "cursor"


def test_ordinary_unicode_in_a_query_passes(client: TestClient, keys: dict[str, str]) -> None:
    answer = client.get("/v1/tariff?q=phân bón urê", headers=auth(keys["trader"]))
    assert answer.status_code != 422, answer.text
