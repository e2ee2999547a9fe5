"""Downloads: the owner and officers get the file; another trader 404, other roles 403."""

import pytest
from fastapi.testclient import TestClient

from tests.conftest import auth
from tests.documents.helpers import invoice, pdf, uploaded
from tests.helpers import lodge


@pytest.fixture
def stored(client: TestClient, keys: dict[str, str]) -> tuple[str, str, bytes]:
    declaration_id = lodge(client, keys["trader"], documents=False)
    content = pdf("download me")
    document = uploaded(client, keys["trader"], declaration_id, invoice(), content=content)
    return (
        f"/v1/declarations/{declaration_id}/documents/{document['id']}/file",
        document["id"],
        content,
    )


@pytest.mark.parametrize("role", ["trader", "officer", "supervisor"])
def test_owner_and_officers_download_the_file_as_stored(
    client: TestClient, keys: dict[str, str], stored: tuple[str, str, bytes], role: str
) -> None:
    url, document_id, content = stored
    response = client.get(url, headers=auth(keys[role]))
    assert response.status_code == 200
    assert response.content == content
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert f'filename="{document_id}.pdf"' in response.headers["content-disposition"]


def test_another_trader_gets_404(
    client: TestClient, keys: dict[str, str], stored: tuple[str, str, bytes]
) -> None:
    response = client.get(stored[0], headers=auth(keys["other_trader"]))
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["gate", "operator", "bank"])
def test_other_roles_are_forbidden(
    client: TestClient, keys: dict[str, str], stored: tuple[str, str, bytes], role: str
) -> None:
    assert client.get(stored[0], headers=auth(keys[role])).status_code == 403


def test_unknown_document_is_404(
    client: TestClient, keys: dict[str, str], stored: tuple[str, str, bytes]
) -> None:
    url = stored[0].replace(stored[1], "00000000-0000-0000-0000-000000000000")
    assert client.get(url, headers=auth(keys["officer"])).status_code == 404
