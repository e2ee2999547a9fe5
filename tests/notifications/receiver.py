"""A trader's server receiving a delivery; docs/traders.md shows this same code."""

import hashlib
import hmac
import time


def verify(
    secret: str, timestamp: str, signature: str, body: bytes, now: float | None = None
) -> bool:
    """Whether a delivery really comes from the clearance service, and is fresh."""
    if not timestamp.isdigit() or abs((time.time() if now is None else now) - int(timestamp)) > 300:
        return False  # older than 5 minutes (or from the future): a replay
    signed = timestamp.encode() + b"." + body
    expected = "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)
