"""Body limits hold before anything parses a body: driven at the ASGI level, where a test can
count what was read and see whether the application was ever called."""

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from fastapi.testclient import TestClient
from sqlmodel import Session, select
from starlette.types import Message, Receive, Scope, Send

from clearance.documents import upload
from clearance.documents.models import Document
from clearance.documents.router import UPLOAD_PATH_PATTERN
from clearance.errors import PROBLEM_MEDIA_TYPE
from clearance.middleware import BodyLimitMiddleware
from tests.conftest import auth
from tests.helpers import lodge

LIMIT = 1024
CHUNK = 100
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass
class Client:
    """One request at the ASGI level: the body it offers, and what the server took and said."""

    chunks: list[bytes]
    endless: bool = False  # keep offering chunks, as a client streaming forever would
    bytes_read: int = 0
    reads: int = 0
    sent: list[Message] = field(default_factory=list)

    async def receive(self) -> Message:
        self.reads += 1
        if self.endless or self.reads <= len(self.chunks):
            chunk = self.chunks[(self.reads - 1) % len(self.chunks)]
            self.bytes_read += len(chunk)
            more = self.endless or self.reads < len(self.chunks)
            return {"type": "http.request", "body": chunk, "more_body": more}
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int:
        return int(self.sent[0]["status"])

    @property
    def headers(self) -> dict[str, str]:
        return {k.decode(): v.decode() for k, v in self.sent[0]["headers"]}

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.sent[1:])


def scope(path: str, headers: dict[str, str]) -> Scope:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 80),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }


@dataclass
class Handler:
    """The application behind the limit: records what reached it."""

    bodies: list[bytes] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        self.bodies.append(message["body"])
        assert not message.get("more_body")  # the limit hands the body over whole
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def limited(handler: Handler) -> BodyLimitMiddleware:
    return BodyLimitMiddleware(handler, max_bytes=LIMIT, exempt=UPLOAD_PATH_PATTERN)


def run(app: ASGIApp, path: str, headers: dict[str, str], client: Client) -> Client:
    async def request() -> None:
        await app(scope(path, headers), client.receive, client.send)

    asyncio.run(request())
    return client


def assert_413(client: Client, *, closes: bool = True) -> None:
    """A 413 problem; the middleware also closes the connection, whose body it left unread."""
    assert client.status == 413
    assert client.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert ("connection" in client.headers) is closes
    assert json.loads(client.body)["code"] == "payload_too_large"


def test_a_declared_oversized_body_is_refused_before_a_byte_of_it_is_read() -> None:
    handler = Handler()
    client = run(
        limited(handler),
        "/v1/declarations",
        {"Content-Length": str(LIMIT + 1)},
        Client([b"x" * CHUNK]),
    )
    assert_413(client)
    assert (client.reads, handler.bodies) == (0, [])


def test_a_content_length_that_is_not_a_number_is_refused_unread() -> None:
    handler = Handler()
    for declared in ["-1", "1e3", "0x10", " 10"]:
        client = run(
            limited(handler), "/v1/declarations", {"Content-Length": declared}, Client([b"{}"])
        )
        assert_413(client)
        assert client.reads == 0
    assert handler.bodies == []


def test_an_endless_chunked_body_is_cut_off_at_the_limit_and_never_reaches_the_app() -> None:
    handler = Handler()
    client = run(
        limited(handler),
        "/v1/declarations",
        {"Transfer-Encoding": "chunked"},
        Client([b"x" * CHUNK], endless=True),
    )
    assert_413(client)
    assert LIMIT < client.bytes_read <= LIMIT + CHUNK  # it stopped at the chunk past the limit
    assert handler.bodies == []


def test_a_lying_content_length_does_not_carry_a_longer_body_past_the_limit() -> None:
    handler = Handler()
    client = run(
        limited(handler),
        "/v1/declarations",
        {"Content-Length": "10"},
        Client([b"x" * CHUNK], endless=True),
    )
    assert_413(client)
    assert handler.bodies == []


def test_a_body_at_the_limit_reaches_the_app_whole_however_it_was_chunked() -> None:
    handler = Handler()
    chunks = [b"a" * 1000, b"b" * 23, b"", b"c"]
    client = run(limited(handler), "/v1/declarations", {}, Client(chunks))
    assert client.status == 204
    assert handler.bodies == [b"".join(chunks)]


def test_uploads_are_left_to_their_own_streaming_limit() -> None:
    handler = Handler()
    path = "/v1/declarations/0b5c3bd2-8f7e-4a55-9bd2-0a4d1f0f2d10/documents"
    assert re.fullmatch(UPLOAD_PATH_PATTERN, path)
    client = run(
        limited(handler), path, {"Content-Length": str(LIMIT + 1)}, Client([b"x" * (LIMIT + 1)])
    )
    assert client.status == 204
    assert handler.bodies == [b"x" * (LIMIT + 1)]


def test_an_upload_declared_over_its_limit_is_a_413_before_its_body_is_read(
    client: TestClient, keys: dict[str, str], session: Session
) -> None:
    declaration_id = lodge(client, keys["trader"], documents=False)
    declared = upload.MAX_FILE_BYTES + upload.ENVELOPE_BYTES + 1
    headers = {
        **auth(keys["trader"]),
        "Content-Length": str(declared),
        "Content-Type": "multipart/form-data; boundary=B",
    }
    sender = run(
        client.app,
        f"/v1/declarations/{declaration_id}/documents",
        headers,
        Client([b"--B\r\n" + b"0" * CHUNK], endless=True),
    )
    assert_413(sender, closes=False)
    assert sender.bytes_read == 0
    assert session.exec(select(Document)).all() == []


def test_an_endless_chunked_upload_is_cut_off_at_the_file_limit(
    client: TestClient, keys: dict[str, str], session: Session
) -> None:
    declaration_id = lodge(client, keys["trader"], documents=False)
    head = (
        b'--B\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
    )
    headers = {**auth(keys["trader"]), "Content-Type": "multipart/form-data; boundary=B"}
    chunk = b"0" * 64 * 1024
    sender = Client([head, *[chunk] * (upload.MAX_FILE_BYTES // len(chunk) + 2)])
    run(client.app, f"/v1/declarations/{declaration_id}/documents", headers, sender)
    assert_413(sender, closes=False)
    assert sender.bytes_read <= len(head) + upload.MAX_FILE_BYTES + len(chunk)
    assert session.exec(select(Document)).all() == []
