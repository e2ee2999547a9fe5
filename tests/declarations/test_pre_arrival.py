"""Pre-arrival clearance (WTO TFA art. 7.1, 7.2): all but the weighbridge before the truck."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from clearance.clock import FrozenClock
from tests.factories import declaration
from tests.helpers import arrive, lodge, pay, read, upload_documents


@pytest.fixture
def ready(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    clock: FrozenClock,
    configure: Callable[..., None],
) -> str:
    """A known trader's declaration lodged the evening before the truck comes."""
    configure(new_trader_declarations=0, random_red_share=0)
    expected = (clock.now() + timedelta(hours=14)).isoformat()
    body = declaration(
        truck={"plate": "25C-012.34", "driver": "Lò Văn Minh", "expected_arrival_at": expected}
    )
    declaration_id = lodge(client, keys["trader"], body, documents=False)
    work()
    waiting = read(client, keys["trader"], declaration_id)
    assert waiting["state"] == "held"
    assert waiting["readiness"].startswith("waiting: ")
    assert "commercial invoice" in waiting["readiness"]
    upload_documents(client, keys["trader"], declaration_id, body)
    work()
    unpaid = read(client, keys["trader"], declaration_id)["readiness"]
    assert unpaid == "waiting: arrival recorded at the gate; duty of 21,397,680 VND unpaid"
    pay(client, keys["bank"], declaration_id)  # 24/7 e-payment, before the truck leaves
    return declaration_id


def test_a_declaration_cleared_before_arrival_is_released_when_the_truck_weighs_right(
    client: TestClient, keys: dict[str, str], ready: str
) -> None:
    before = read(client, keys["trader"], ready)
    assert (before["state"], before["channel"]) == ("decided", "green")
    assert before["missing"] == ["arrival recorded at the gate"]
    assert before["readiness"] == "ready: release on arrival"

    arrived = arrive(client, keys["gate"], ready, kg="20500")  # declared gross 20,400 kg
    assert arrived["state"] == "released"
    assert read(client, keys["trader"], ready)["readiness"] == "released"


def test_a_weighbridge_mismatch_stops_a_pre_cleared_truck_for_inspection(
    client: TestClient, keys: dict[str, str], ready: str
) -> None:
    arrived = arrive(client, keys["gate"], ready, kg="26000")  # 27% over the declared weight
    assert arrived["state"] == "inspection"
    view = read(client, keys["trader"], ready)
    assert view["readiness"] == "waiting: customs decision to release"
    assert view["risk"] is None  # the trader never learns why
