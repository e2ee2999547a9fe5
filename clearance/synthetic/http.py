"""How the demo's clients speak HTTP and what they say about it."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

Log = Callable[[str], None]


@dataclass(frozen=True)
class Narration:
    """What the demo says: every step, or (quiet) a line per lodgement and per truck that
    leaves, and whatever failed."""

    say: Log = print
    quiet: bool = False

    def step(self, text: str) -> None:
        if not self.quiet:
            self.say(text)

    def event(self, text: str) -> None:
        self.say(text)

    failure = event


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def post(
    client: httpx.Client,
    path: str,
    key: str,
    body: dict[str, Any],
    log: Narration,
    what: str,
    *,
    idempotency_key: str | None = None,
    headline: bool = False,
) -> httpx.Response | None:
    """POST, saying what went wrong; None unless the answer is 2xx."""
    headers = bearer(key)
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    try:
        response = client.post(path, json=body, headers=headers)
    except httpx.HTTPError as exc:
        log.failure(f"{what} failed: {type(exc).__name__}: {exc}")
        return None
    if not response.is_success:
        log.failure(f"{what} -> {response.status_code} {' '.join(response.text.split())[:160]}")
        return None
    (log.event if headline else log.step)(f"{what} -> {response.status_code}")
    return response
