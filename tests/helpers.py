"""Small steps every pipeline test takes, spoken as the API's users would."""

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import auth
from tests.factories import declaration


def lodge(client: TestClient, key: str, body: dict[str, Any] | None = None, **headers: str) -> str:
    response = client.post(
        "/v1/declarations", json=body or declaration(), headers={**auth(key), **headers}
    )
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def read(client: TestClient, key: str, declaration_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/declarations/{declaration_id}", headers=auth(key))
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def arrive(client: TestClient, key: str, declaration_id: str, kg: str = "20400") -> dict[str, Any]:
    response = client.post(
        f"/v1/declarations/{declaration_id}/arrival", json={"weighbridge_kg": kg}, headers=auth(key)
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def claim(client: TestClient, key: str, **body: Any) -> dict[str, Any]:
    response = client.post("/v1/review/claim-next", json=body, headers=auth(key))
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def decide(client: TestClient, key: str, declaration_id: str, **body: Any) -> Any:
    body.setdefault("version", 1)
    return client.post(f"/v1/review/items/{declaration_id}/decision", json=body, headers=auth(key))


def actions(detail: dict[str, Any]) -> list[str]:
    return [event["action"] for event in detail["events"]]
