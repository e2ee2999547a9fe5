"""Notifications as the service runs: two API processes, two workers, a real receiver."""

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.factories import declaration
from tests.notifications.conftest import TIMEOUT_SECONDS, Receiver
from tests.notifications.receiver import verify
from tests.test_processes import _pay, _until, _upload_documents, running_service

pytestmark = pytest.mark.slow


@pytest.fixture
def service(
    cloned_db: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """The service with the receiver on 127.0.0.1 allowlisted; each process trusts its set of
    subscribed traders for a second, as in production."""
    settings = {
        "CLEARANCE_NOTIFICATION_ALLOWLIST": '["127.0.0.1"]',
        "CLEARANCE_NOTIFICATION_TIMEOUT_SECONDS": str(TIMEOUT_SECONDS),
        "CLEARANCE_NOTIFICATION_CACHE_SECONDS": "1",
    }
    metrics = tmp_path_factory.mktemp("metrics")
    with running_service(cloned_db, redis_url, metrics, **settings) as running:
        yield running


def _lodge(http: httpx.Client, headers: dict[str, str]) -> str:
    body = declaration()
    response = http.post("/v1/declarations", json=body, headers=headers)
    assert response.status_code == 202, response.text
    _upload_documents(http, headers, response.headers["Location"], body)
    return str(response.json()["id"])


def _decided(http: httpx.Client, headers: dict[str, str], ids: list[str]) -> bool:
    return all(
        http.get(f"/v1/declarations/{i}", headers=headers).json()["state"] == "decided" for i in ids
    )


def _by_declaration(receiver: Receiver) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for request in list(receiver.received):
        found[request.event["declaration"]["id"]].append(request.event)
    return found


def _last_states(receiver: Receiver) -> dict[str, str]:
    return {
        d: events[-1]["declaration"]["to_state"] for d, events in _by_declaration(receiver).items()
    }


def test_every_event_after_the_registration_reaches_the_callback_from_any_process(
    service: dict[str, Any], receiver: Receiver
) -> None:
    trader = {"Authorization": f"Bearer {service['trader']}"}
    gate = {"Authorization": f"Bearer {service['gate']}"}
    with httpx.Client(base_url=service["url"], timeout=10) as http:
        # Lodged and screened before anyone subscribed: every process caches "nobody".
        before = [_lodge(http, trader) for _ in range(3)]
        _until(lambda: _decided(http, trader, before), "screening before the registration")
        created = http.post("/v1/subscriptions", json={"url": receiver.url}, headers=trader)
        assert created.status_code == 201, created.text
        assert created.elapsed.total_seconds() >= 1  # answered once every cache had expired
        after = [_lodge(http, trader) for _ in range(3)]
        finals = {**dict.fromkeys(before, "released"), **dict.fromkeys(after, "decided")}
        for declaration_id in before:
            _pay(http, service["bank"], declaration_id)
            arrived = http.post(
                f"/v1/declarations/{declaration_id}/arrival",
                json={"weighbridge_kg": "20400"},
                headers=gate,
            )
            assert arrived.json()["state"] == "released"
        _until(lambda: _decided(http, trader, after), "screening after the registration")
        _until(lambda: _last_states(receiver) == finals, "deliveries")

    by_declaration = _by_declaration(receiver)
    for request in receiver.received:
        headers = request.headers
        assert verify(created.json()["secret"], request.body, dict(headers)) == request.event
    for declaration_id in before:
        events = by_declaration[declaration_id]
        assert [(e["type"], e["sequence"]) for e in events] == [
            ("declaration.arrived", 1),
            ("declaration.state_changed", 2),
        ]
    for declaration_id in after:
        events = by_declaration[declaration_id]
        # In order and none lost (screened before all papers were in, one is held a while).
        assert [e["sequence"] for e in events] == list(range(1, len(events) + 1))
        assert [e["declaration"]["to_state"] for e in events][:3] == [
            "lodged",
            "screening",
            "assessed",
        ]
