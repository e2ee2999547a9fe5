"""The signature scheme, checked as a receiver does it: with the Standard Webhooks library."""

import base64
import inspect
from datetime import UTC, datetime
from pathlib import Path

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from clearance.messages import Message
from clearance.notifications import signing
from tests.notifications import receiver

DOCS = Path(__file__).parents[2]
BODY = b'{"event_id": "e-1", "type": "declaration.state_changed"}'


def _docs() -> str:
    return "".join(
        p.read_text(encoding="utf-8") for p in (DOCS / "README.md", *DOCS.glob("docs/*.md"))
    )


def test_the_docs_show_the_verification_code_these_tests_run() -> None:
    assert inspect.getsource(receiver.verify) in _docs()


@pytest.mark.parametrize(
    "secret",
    [signing.new_secret(), "a trader's own secret of 40 chars!!"],
    ids=["generated whsec_ key", "a trader's own secret"],  # stable names: xdist compares them
)
def test_a_delivery_verifies_only_for_its_secret_id_timestamp_and_body(secret: str) -> None:
    now = int(datetime.now(UTC).timestamp())
    headers = signing.headers(secret=secret, event_id="e-1", timestamp=now, body=BODY)

    assert headers["webhook-signature"].startswith("v1,")
    assert receiver.verify(secret, BODY, headers) == {
        "event_id": "e-1",
        "type": "declaration.state_changed",
    }
    assert receiver.verify(signing.new_secret(), BODY, headers) is None
    assert receiver.verify(secret, BODY.replace(b"e-1", b"e-2"), headers) is None
    assert receiver.verify(secret, BODY, {**headers, "webhook-id": "e-2"}) is None  # replayed
    assert receiver.verify(secret, BODY, {**headers, "webhook-timestamp": str(now + 1)}) is None


def test_an_old_delivery_is_refused_as_a_replay() -> None:
    secret, old = signing.new_secret(), int(datetime.now(UTC).timestamp()) - 301
    headers = signing.headers(secret=secret, event_id="e-1", timestamp=old, body=BODY)

    assert receiver.verify(secret, BODY, headers) is None
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(BODY, headers)


def test_generated_secrets_are_standard_keys_that_never_repeat() -> None:
    made = {signing.new_secret() for _ in range(100)}

    assert len(made) == 100
    assert all(s.startswith("whsec_") and signing.key_problem(s) is None for s in made)
    assert {len(base64.b64decode(s.removeprefix("whsec_"))) for s in made} == {32}


def test_a_whsec_secret_must_be_a_base64_key_of_24_bytes_or_more() -> None:
    short = "whsec_" + base64.b64encode(b"k" * 23).decode()
    assert signing.key_problem(short) == Message(
        "field.secret_short", {"prefix": "whsec_", "min_bytes": 24}
    )
    not_base64 = signing.key_problem("whsec_" + "!" * 40)
    assert (
        not_base64 is not None and not_base64.text == "a whsec_ secret is base64 after the prefix"
    )
    assert signing.key_problem("x" * 40) is None  # a secret of the trader's own
