"""Signing a delivery as Standard Webhooks (standardwebhooks.com) has it: HMAC-SHA256 over the
event id, the timestamp and the exact body bytes, sent as `webhook-id`, `webhook-timestamp` and
`webhook-signature`, so that any Standard Webhooks library verifies it and a captured delivery
cannot be replayed under another id."""

import base64
import binascii
import secrets
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

from clearance.messages import Message

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
SECRET_PREFIX = "whsec_"  # noqa: S105  # the standard's marker of a base64 key, not a key
SECRET_MIN_LENGTH = 32
SECRET_MIN_KEY_BYTES = 24  # the standard's lower bound for a `whsec_` key


def new_secret() -> str:
    """A secret for a trader who did not bring one: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def key_problem(secret: str) -> Message | None:
    """Why a `whsec_` secret cannot be a key (not base64, too short); None when it can. Any
    other secret is a key as its UTF-8 bytes."""
    if not secret.startswith(SECRET_PREFIX):
        return None
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error:
        return Message("field.secret_base64", {"prefix": SECRET_PREFIX})
    if len(key) < SECRET_MIN_KEY_BYTES:
        return Message(
            "field.secret_short", {"prefix": SECRET_PREFIX, "min_bytes": SECRET_MIN_KEY_BYTES}
        )
    return None


def _webhook(secret: str) -> Webhook:
    # A `whsec_` secret is base64 of the key; a trader's own secret is the key as it reads.
    return Webhook(secret if secret.startswith(SECRET_PREFIX) else secret.encode())


def headers(*, secret: str, event_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Every header a delivery carries; the receiver checks the signature before the body."""
    signed_at = datetime.fromtimestamp(timestamp, UTC)
    return {
        "Content-Type": "application/json",
        "User-Agent": "clearance-notifications/1",
        ID_HEADER: event_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: _webhook(secret).sign(event_id, signed_at, body),
    }
