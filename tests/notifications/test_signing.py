"""The signature scheme, checked with the receiver code docs/traders.md gives traders."""

import inspect
from pathlib import Path

from clearance.notifications import signing
from tests.notifications import receiver

TRADERS_DOC = Path(__file__).parents[2] / "docs" / "traders.md"


def test_the_traders_doc_shows_the_verification_code_these_tests_run() -> None:
    readme = TRADERS_DOC.read_text(encoding="utf-8")

    assert inspect.getsource(receiver.verify) in readme
    assert "import hashlib\nimport hmac\nimport time\n" in readme


def test_a_signature_verifies_only_for_its_secret_timestamp_and_body() -> None:
    secret, body, at = signing.new_secret(), b'{"event_id": "e-1"}', 1_796_000_000
    headers = signing.headers(secret=secret, event_id="e-1", timestamp=at, body=body)
    timestamp, signature = headers["X-Clearance-Timestamp"], headers["X-Clearance-Signature"]

    assert signature.startswith("v1=") and len(signature) == 3 + 64
    assert receiver.verify(secret, timestamp, signature, body, now=at + 10)
    assert not receiver.verify(secret + "x", timestamp, signature, body, now=at)
    assert not receiver.verify(secret, timestamp, signature, body.replace(b"1", b"2"), now=at)
    assert not receiver.verify(secret, str(at + 1), signature, body, now=at)
    assert not receiver.verify(secret, "not-a-time", signature, body, now=at)
    assert not receiver.verify(secret, timestamp, signature, body, now=at + 301)


def test_generated_secrets_are_long_and_never_repeat() -> None:
    secrets = {signing.new_secret() for _ in range(100)}

    assert len(secrets) == 100
    assert min(len(s) for s in secrets) >= signing.SECRET_MIN_LENGTH
