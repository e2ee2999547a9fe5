"""`/metrics` can be kept off the public app, on an internal port of its own."""

from collections.abc import Callable

import httpx
from fastapi.testclient import TestClient
from redis import Redis
from sqlmodel import Session

from clearance.embedded import free_port
from clearance.main import create_app


def test_with_a_metrics_port_the_public_app_has_no_metrics(
    session: Session, redis: Redis, configure: Callable[..., None]
) -> None:
    port = free_port()
    configure(metrics_port=port)
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        assert client.get("/metrics").status_code == 404
        scraped = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
        assert scraped.status_code == 200
        assert "clearance_review_items" in scraped.text
    # Stopped with the app.
    try:
        httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=1)
        raise AssertionError("the metrics port still answers after the app stopped")
    except httpx.ConnectError:
        pass


def test_without_one_the_app_serves_metrics_itself(client: TestClient) -> None:
    assert client.get("/metrics").status_code == 200
