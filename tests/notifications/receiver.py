"""What a trader's server does with a delivery, with the Standard Webhooks library as any
receiver would (`pip install standardwebhooks`); the docs show this same code."""

from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def verify(secret: str, body: bytes, headers: dict[str, str]) -> dict[str, Any] | None:
    """The event, if the delivery really comes from the clearance service and is fresh
    (signed within 5 minutes, for this id and these bytes); None otherwise."""
    key = secret if secret.startswith("whsec_") else secret.encode()
    try:
        event: dict[str, Any] = Webhook(key).verify(body, headers)
    except WebhookVerificationError:
        return None
    return event
