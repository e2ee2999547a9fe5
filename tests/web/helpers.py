"""Signing in and posting forms as a browser does, for the in-process page tests."""

import re
from typing import Any

import httpx2
from fastapi.testclient import TestClient

from clearance.web import session as tokens
from tests.factories import declaration

CSRF_INPUT = re.compile(r'name="csrf_token" value="([A-Za-z0-9_-]{43})"')
DOCUMENT_ROW = re.compile(
    r'<tr class="verdict" data-kind="([a-z_]+)">.*?name="verdict\.([0-9a-f-]{36})"', re.S
)


def csrf_from(html: str) -> str:
    found = CSRF_INPUT.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, key: str) -> str:
    """Sign in with the key as the sign-in form does; returns the session's CSRF token."""
    form = client.get("/officer/")
    assert form.status_code == 200, form.text
    signed_in = client.post(
        "/officer/sign-in",
        data={"api_key": key, "csrf_token": csrf_from(form.text)},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303, signed_in.text
    assert signed_in.headers["location"] == "/officer/queue"
    assert client.cookies.get(tokens.SESSION_COOKIE)
    queue = client.get("/officer/queue")
    assert queue.status_code == 200, queue.text
    return csrf_from(queue.text)


def redirected_to_sign_in(response: httpx2.Response) -> bool:
    return response.status_code == 303 and response.headers.get("location") == "/officer/"


# A counterparty on the watchlist makes a declaration red (a hard rule); the factories' usual
# counterparty stays off it, so a new trader's other declarations are yellow.
WATCHLISTED = {
    "name": "河口顺达物流有限公司",
    "country": "CN",
    "reason": "smuggling case 2026/31",
    "source": "GDVC blacklist",
}


def red_declaration() -> dict[str, Any]:
    body = declaration()
    body["counterparty"] = {"name": WATCHLISTED["name"], "country": "CN"}
    return body


def claim(client: TestClient, csrf: str, lane: str = "") -> str:
    """Claim next from the queue page; returns the declaration page it opens."""
    claimed = client.post(
        "/officer/claim-next", data={"csrf_token": csrf, "lane": lane}, follow_redirects=False
    )
    assert claimed.status_code == 303, claimed.text
    location = claimed.headers["location"]
    assert location.endswith("?notice=claimed"), location
    return location.split("?")[0]


def verdicts(page_html: str, **queried: str) -> dict[str, str]:
    """The document check form's fields: every document accepted, or queried by kind=note."""
    fields: dict[str, str] = {}
    for kind, document_id in DOCUMENT_ROW.findall(page_html):
        fields[f"verdict.{document_id}"] = "queried" if kind in queried else "accepted"
        fields[f"note.{document_id}"] = queried.get(kind, "")
    assert fields, "the page has no document check form"
    return fields


def post_form(client: TestClient, url: str, csrf: str, **fields: Any) -> httpx2.Response:
    """Post a page's form as the browser does, following the redirect to the result."""
    return client.post(url, data={"csrf_token": csrf, "version": "1", **fields})
