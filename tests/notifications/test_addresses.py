"""Callbacks cannot reach inside: loopback, private and link-local addresses are refused (SSRF)."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlmodel import Session

from clearance.notifications import addresses
from clearance.notifications.errors import UnsafeCallback
from clearance.settings import get_settings
from tests.conftest import auth
from tests.helpers import lodge
from tests.notifications.conftest import Receiver, outbox, subscribe

INSIDE = {
    "loopback": "https://127.0.0.1/hook",
    "loopback, another": "https://127.8.9.10:8443/hook",
    "private 10/8": "https://10.0.0.5/hook",
    "private 192.168/16": "https://192.168.1.20/hook",
    "cloud metadata (link-local)": "https://169.254.169.254/latest/meta-data/",
    "IPv6 loopback": "https://[::1]:6379/",
    "IPv6 unique local": "https://[fd00::1]/",
    "IPv6 link-local": "https://[fe80::1]/",
    "IPv4-mapped IPv6 loopback": "https://[::ffff:127.0.0.1]/",
    "6to4 around a private address": "https://[2002:a00:1::]/",
    "NAT64 around the metadata address": "https://[64:ff9b::a9fe:a9fe]/",
    "unspecified": "https://0.0.0.0:5432/",
    "multicast": "https://224.0.0.1/",
    "carrier-grade NAT": "https://100.64.0.1/",
    "a name that resolves to loopback": "https://localhost:6379/",
    "a name that does not resolve": "https://nothing-here.invalid/hook",
}
MALFORMED = {
    "no scheme": "hooks.example.com/clearance",
    "another scheme": "ftp://8.8.8.8/hook",
    "gopher, the old SSRF favourite": "gopher://8.8.8.8:6379/_INFO",
    "credentials in the URL": "https://user:pass@8.8.8.8/hook",
    "port out of range": "https://8.8.8.8:70000/hook",
    "no host": "https:///hook",
}


@pytest.mark.parametrize("url", list(INSIDE.values()), ids=list(INSIDE))
def test_a_callback_inside_the_network_is_refused(url: str) -> None:
    with pytest.raises(UnsafeCallback) as refused:
        addresses.check(url, allowlist=[])
    assert [e.field for e in refused.value.errors] == ["url"]


@pytest.mark.parametrize("url", list(MALFORMED.values()), ids=list(MALFORMED))
def test_a_callback_that_is_no_https_url_is_refused(url: str) -> None:
    with pytest.raises(UnsafeCallback):
        addresses.check(url, allowlist=[])


def test_plain_http_is_refused_even_to_a_public_address() -> None:
    with pytest.raises(UnsafeCallback, match="https"):
        addresses.check("http://8.8.8.8/hook", allowlist=[])
    assert addresses.check("https://8.8.8.8/hook", allowlist=[]).addresses[0].exploded == "8.8.8.8"


@pytest.mark.parametrize(
    ("url", "allowlist"),
    [
        ("http://127.0.0.1:8000/hook", ["127.0.0.1"]),
        ("http://127.0.0.1:8000/hook", ["127.0.0.0/8"]),
        ("https://10.20.30.40/hook", ["10.20.0.0/16"]),
        ("http://localhost:8000/hook", ["localhost"]),
        ("http://[::1]:8000/hook", ["::1/128"]),
    ],
)
def test_the_allowlist_lets_named_hosts_and_networks_through(
    url: str, allowlist: list[str]
) -> None:
    assert addresses.check(url, allowlist=allowlist).addresses


def test_an_allowlisted_network_covers_only_itself() -> None:
    with pytest.raises(UnsafeCallback):
        addresses.check("https://10.21.0.1/hook", allowlist=["10.20.0.0/16"])
    with pytest.raises(UnsafeCallback):
        addresses.check("https://[::1]/hook", allowlist=["127.0.0.0/8"])


def test_registering_an_inside_address_is_a_problem_naming_the_url(
    client: TestClient, keys: dict[str, str], configure: Callable[..., None]
) -> None:
    configure(notification_allowlist="[]")
    for url in ("https://169.254.169.254/", "https://localhost:6379/", "http://8.8.8.8/"):
        response = client.post("/v1/subscriptions", json={"url": url}, headers=auth(keys["trader"]))

        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "unsafe_callback"
        assert [e["field"] for e in response.json()["errors"]] == ["url"]
        # Nothing about where the name resolved to: no map of the inside for the asker.
        assert "127.0.0.1" not in response.text
    assert client.get("/v1/subscriptions", headers=auth(keys["trader"])).json()["items"] == []


def test_an_address_no_longer_allowed_is_refused_at_delivery_too(
    client: TestClient,
    keys: dict[str, str],
    receiver: Receiver,
    session: Session,
    configure: Callable[..., None],
    deliver: Callable[[], int],
) -> None:
    subscribe(client, keys["trader"], receiver.url)
    configure(notification_allowlist="[]")  # the operator took the receiver off the list
    lodge(client, keys["trader"], documents=False)
    deliver()

    assert receiver.received == []
    (row,) = outbox(session)
    assert row.last_error is not None and row.last_error.startswith("refused:")
    assert row.attempts == 1


def test_an_allowlist_entry_that_is_no_host_or_network_is_refused_at_start(
    configure: Callable[..., None],
) -> None:
    configure(notification_allowlist='["hooks.gate.internal", "10.0.0.0/8", "not a host!"]')
    with pytest.raises(ValidationError, match="not a host"):
        get_settings()
