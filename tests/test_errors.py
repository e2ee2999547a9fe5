"""A database that cannot be reached is a 503 with Retry-After wherever the request meets it."""

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from clearance.main import create_app
from tests.conftest import auth

# Nothing listens on port 1: every connection is refused at once, as while PostgreSQL restarts.
UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/clearance"


@pytest.fixture
def unreachable(configure: Callable[..., None]) -> Iterator[TestClient]:
    configure(database_url=UNREACHABLE)
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/declarations"),  # refused while authenticating the key
        ("POST", "/v1/declarations"),
        ("GET", "/readyz"),  # no request session at all
    ],
)
def test_an_unreachable_database_is_a_503_problem_with_retry_after(
    unreachable: TestClient, method: str, path: str
) -> None:
    response = unreachable.request(method, path, json={}, headers=auth("some-key"))
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["Retry-After"] == "5"
    assert response.json()["code"] == "unavailable"
    assert response.json()["detail"] == "the database is unavailable"
