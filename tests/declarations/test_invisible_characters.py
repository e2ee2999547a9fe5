"""Names with invisible controls (bidi overrides, zero-width characters, a BOM) are refused."""

import pytest
from fastapi.testclient import TestClient

from tests.conftest import auth
from tests.factories import declaration

INVISIBLE = {
    "right-to-left override": "\u202e",
    "zero-width space": "\u200b",
    "zero-width joiner": "\u200d",
    "byte order mark": "\ufeff",
    "left-to-right isolate": "\u2066",
    "next line (C1)": "\x85",
}


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
@pytest.mark.parametrize("party", ["trader", "counterparty"])
def test_a_name_with_an_invisible_control_is_422_naming_the_field(
    client: TestClient, keys: dict[str, str], party: str, char: str
) -> None:
    body = declaration()
    body[party]["name"] = f"Wat{char}ch Co"
    answer = client.post("/v1/declarations", json=body, headers=auth(keys["trader"]))
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == f"{party}.name"
    assert client.get("/v1/declarations", headers=auth(keys["trader"])).json()["items"] == []
