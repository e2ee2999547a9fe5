"""Signing a delivery: HMAC-SHA256 over the timestamp and the exact body bytes."""

import hashlib
import hmac
import secrets

EVENT_ID_HEADER = "X-Clearance-Event-Id"
TIMESTAMP_HEADER = "X-Clearance-Timestamp"
SIGNATURE_HEADER = "X-Clearance-Signature"
SIGNATURE_VERSION = "v1"
SECRET_MIN_LENGTH = 32


def new_secret() -> str:
    """A secret for a trader who did not bring one: 43 URL-safe characters, 256 bits."""
    return secrets.token_urlsafe(32)


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value: `v1=` and the hex HMAC of `{timestamp}.{body}`."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def headers(*, secret: str, event_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Every header a delivery carries; the receiver checks the signature before the body."""
    return {
        "Content-Type": "application/json",
        "User-Agent": "clearance-notifications/1",
        EVENT_ID_HEADER: event_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret=secret, timestamp=timestamp, body=body),
    }
