"""A real HTTP receiver on a free local port, and the steps notification tests take."""

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from rq import SimpleWorker
from sqlmodel import Session, col, select

from clearance import queues
from clearance.notifications.models import Notification
from tests.conftest import auth
from workers import jobs

TIMEOUT_SECONDS = 0.5
# An answer the receiver gives too late: the service has given up on it by then.
TOO_SLOW = -1


@dataclass(frozen=True)
class Received:
    """One request as the receiver read it."""

    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


@dataclass
class Receiver:
    """A trader's server: answers each request with the next scripted status, then 200."""

    port: int
    script: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/clearance"

    def answer(self, *statuses: int) -> None:
        with self.lock:
            self.script = list(statuses)

    def next_status(self, request: Received) -> int:
        with self.lock:
            self.received.append(request)
            return self.script.pop(0) if self.script else 200

    @property
    def event_ids(self) -> list[str]:
        return [r.headers["webhook-id"] for r in self.received]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = receiver.next_status(Received(self.path, dict(self.headers.items()), body))
            if status == TOO_SLOW:
                time.sleep(TIMEOUT_SECONDS * 2)
                status = 200
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet test output

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the late answer to a request the service gave up on meets a closed socket


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = _Server(("127.0.0.1", 0), BaseHTTPRequestHandler)
    made = Receiver(port=server.server_address[1])
    server.RequestHandlerClass = _handler(made)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield made
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(autouse=True)
def notification_settings(configure: Callable[..., None]) -> None:
    """The receiver on 127.0.0.1 is allowlisted; answers later than half a second time out."""
    configure(
        notification_allowlist='["127.0.0.1"]',
        notification_timeout_seconds=TIMEOUT_SECONDS,
        notification_cache_seconds=0.05,
        new_trader_declarations=0,  # green at once: the whole life in a few steps
    )


def subscribe(client: TestClient, key: str, url: str, secret: str | None = None) -> dict[str, Any]:
    body = {"url": url} if secret is None else {"url": url, "secret": secret}
    response = client.post("/v1/subscriptions", json=body, headers=auth(key))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


@pytest.fixture
def deliver(redis: Redis) -> Callable[[], int]:
    """Drain the notifications queue with a real RQ worker in this process; returns jobs run."""

    def drain() -> int:
        queue = queues.notifications_queue(redis)
        before = queue.count
        SimpleWorker([queue], connection=redis).work(burst=True, logging_level="WARNING")
        return before

    return drain


def push(subscription_id: str, declaration_id: str) -> str:
    """Run the delivery job itself, as RQ's scheduler would when a retry falls due."""
    return jobs.deliver_notifications(subscription_id, declaration_id)


def outbox(session: Session, declaration_id: str | None = None) -> list[Notification]:
    """Outbox rows as stored, in the order they were written."""
    statement = select(Notification).order_by(col(Notification.id))
    if declaration_id is not None:
        statement = statement.where(Notification.declaration_id == uuid.UUID(declaration_id))
    session.expire_all()
    return list(session.exec(statement).all())
