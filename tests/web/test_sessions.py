"""Signing in, the session cookie, CSRF and cross-site requests on the officer pages."""

import json
from collections.abc import Callable
from datetime import timedelta

import httpx2
import pytest
from fastapi.testclient import TestClient
from itsdangerous.encoding import base64_decode, base64_encode
from sqlmodel import Session, select

from clearance.auth.models import ApiKey, Role
from clearance.clock import FrozenClock
from clearance.main import create_app
from clearance.web import session as tokens
from tests.web.helpers import csrf_from, redirected_to_sign_in, sign_in


def _session_cookie_header(response: httpx2.Response) -> str:
    found = [
        c for c in response.headers.get_list("set-cookie") if c.startswith(tokens.SESSION_COOKIE)
    ]
    assert len(found) == 1, found
    return found[0]


def _sign_in_response(client: TestClient, key: str) -> httpx2.Response:
    form = client.get("/officer/")
    return client.post(
        "/officer/sign-in",
        data={"api_key": key, "csrf_token": csrf_from(form.text)},
        follow_redirects=False,
    )


def test_sign_in_sets_an_http_only_strict_cookie_on_the_pages_path(
    client: TestClient, keys: dict[str, str]
) -> None:
    cookie = _sign_in_response(client, keys["officer"])
    header = _session_cookie_header(cookie)

    flags = {part.strip().lower() for part in header.split(";")}
    assert "httponly" in flags
    assert "samesite=strict" in flags
    assert "path=/officer" in flags
    assert f"max-age={int(tokens.SESSION_LIFETIME.total_seconds())}" in flags
    assert "secure" not in flags  # plain HTTP in this test; see the HTTPS test
    assert keys["officer"] not in header  # the key itself never goes to the browser


def test_sign_in_over_https_sets_a_secure_cookie(
    session: Session, clock: FrozenClock, keys: dict[str, str]
) -> None:
    with TestClient(create_app(), base_url="https://testserver") as https:
        header = _session_cookie_header(_sign_in_response(https, keys["supervisor"]))
    assert "secure" in {part.strip().lower() for part in header.split(";")}


@pytest.mark.parametrize("role", [Role.trader, Role.gate, Role.bank, Role.operator])
def test_keys_of_other_roles_cannot_sign_in(
    client: TestClient, keys: dict[str, str], role: Role
) -> None:
    response = _sign_in_response(client, keys[role.value])

    assert response.status_code == 403
    assert "dành cho cán bộ và lãnh đạo hải quan" in response.text
    assert tokens.SESSION_COOKIE not in client.cookies


def test_an_unknown_key_gets_the_form_again_with_an_error(client: TestClient) -> None:
    response = _sign_in_response(client, "clr_not-a-key")

    assert response.status_code == 401
    assert "Khóa API không đúng hoặc đã bị thu hồi." in response.text
    assert tokens.SESSION_COOKIE not in client.cookies


def test_sign_in_needs_the_forms_csrf_token(client: TestClient, keys: dict[str, str]) -> None:
    client.get("/officer/")
    data = {"api_key": keys["officer"]}

    missing = client.post("/officer/sign-in", data=data, follow_redirects=False)
    wrong = client.post(
        "/officer/sign-in", data={**data, "csrf_token": "0" * 64}, follow_redirects=False
    )

    assert (missing.status_code, wrong.status_code) == (403, 403)
    assert tokens.SESSION_COOKIE not in client.cookies
    assert keys["officer"] not in missing.text + wrong.text  # the key is never shown back


def test_a_signed_in_officer_is_taken_from_the_form_to_the_queue(
    client: TestClient, keys: dict[str, str]
) -> None:
    sign_in(client, keys["officer"])

    response = client.get("/officer/", follow_redirects=False)

    assert (response.status_code, response.headers["location"]) == (303, "/officer/queue")


def _claims_changed(token: str, **changes: int) -> str:
    """The token's claims changed, its signature kept: what a forger can do without the key."""
    payload, signature = token.rsplit(".", 1)
    claims = json.loads(base64_decode(payload))
    return f"{base64_encode(json.dumps({**claims, **changes}).encode()).decode()}.{signature}"


FORGERIES: dict[str, Callable[[str], str]] = {
    "random": lambda _token: "eyJrZXkiOjF9." + "A" * 43,
    "other key id": lambda token: _claims_changed(token, key=999_999),
    "longer expiry": lambda token: _claims_changed(token, exp=9_999_999_999),
    "signature cut": lambda token: token[:-2],
    "not a token": lambda _token: "clr_" + "x" * 40,
}


@pytest.mark.parametrize("forgery", list(FORGERIES))
def test_a_forged_or_tampered_cookie_is_no_session(
    client: TestClient, keys: dict[str, str], forgery: str
) -> None:
    sign_in(client, keys["officer"])
    token = client.cookies[tokens.SESSION_COOKIE]
    client.cookies.clear()
    client.cookies.set(tokens.SESSION_COOKIE, FORGERIES[forgery](token), path="/officer")

    assert redirected_to_sign_in(client.get("/officer/queue", follow_redirects=False))


def test_a_cookie_signed_with_another_secret_is_no_session(
    client: TestClient, keys: dict[str, str], configure: Callable[..., None]
) -> None:
    sign_in(client, keys["officer"])
    configure(secret_key="another-secret-of-another-deployment")

    assert redirected_to_sign_in(client.get("/officer/queue", follow_redirects=False))


def test_a_session_expires_after_its_lifetime(
    client: TestClient, keys: dict[str, str], clock: FrozenClock
) -> None:
    sign_in(client, keys["officer"])
    clock.advance(tokens.SESSION_LIFETIME - timedelta(seconds=1))
    assert client.get("/officer/queue").status_code == 200

    clock.advance(timedelta(seconds=1))
    expired = client.get("/officer/queue", follow_redirects=False)

    assert redirected_to_sign_in(expired)
    assert tokens.SESSION_COOKIE not in client.cookies  # the stale cookie is cleared


def test_revoking_the_key_ends_its_sessions(
    client: TestClient, keys: dict[str, str], session: Session, clock: FrozenClock
) -> None:
    sign_in(client, keys["officer"])
    key = session.exec(select(ApiKey).where(ApiKey.prefix == keys["officer"][:10])).one()
    key.revoked_at = clock.now()
    session.add(key)
    session.commit()

    assert redirected_to_sign_in(client.get("/officer/queue", follow_redirects=False))
    assert client.get("/officer/", follow_redirects=False).status_code == 200  # no loop


def test_a_rotated_keys_session_ends_with_its_grace_period(
    client: TestClient, keys: dict[str, str], session: Session, clock: FrozenClock
) -> None:
    sign_in(client, keys["officer"])
    key = session.exec(select(ApiKey).where(ApiKey.prefix == keys["officer"][:10])).one()
    key.expires_at = clock.now() + timedelta(minutes=5)
    session.add(key)
    session.commit()
    assert client.get("/officer/queue").status_code == 200

    clock.advance(timedelta(minutes=5))

    assert redirected_to_sign_in(client.get("/officer/queue", follow_redirects=False))


def test_pages_count_against_the_keys_rate_limit(
    client: TestClient, keys: dict[str, str], configure: Callable[..., None]
) -> None:
    sign_in(client, keys["officer"])
    configure(rate_limit_per_second=1)

    statuses = {client.get("/officer/queue").status_code for _ in range(3)}

    assert 429 in statuses


def test_sign_out_clears_the_cookie(client: TestClient, keys: dict[str, str]) -> None:
    csrf = sign_in(client, keys["officer"])

    out = client.post("/officer/sign-out", data={"csrf_token": csrf}, follow_redirects=False)

    assert redirected_to_sign_in(out)
    assert "max-age=0" in _session_cookie_header(out).lower()
    assert redirected_to_sign_in(client.get("/officer/queue", follow_redirects=False))


def test_a_post_without_the_csrf_token_is_refused(client: TestClient, keys: dict[str, str]) -> None:
    sign_in(client, keys["officer"])

    response = client.post("/officer/claim-next", data={}, follow_redirects=False)

    assert response.status_code == 403
    assert "Mã bảo mật của biểu mẫu bị thiếu hoặc sai" in response.text


def test_a_post_with_a_wrong_csrf_token_is_refused(
    client: TestClient, keys: dict[str, str], mint_session: Callable[[str], tuple[str, str]]
) -> None:
    sign_in(client, keys["officer"])
    _other_token, other_csrf = mint_session(keys["officer"])  # another session's token

    response = client.post(
        "/officer/claim-next", data={"csrf_token": other_csrf}, follow_redirects=False
    )

    assert response.status_code == 403


def test_htmx_sends_the_csrf_token_as_a_header(client: TestClient, keys: dict[str, str]) -> None:
    csrf = sign_in(client, keys["officer"])

    response = client.post(
        "/officer/claim-next", headers={tokens.CSRF_HEADER: csrf}, follow_redirects=False
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/officer/queue?notice=empty"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://testserver.evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ],
    ids=["other origin", "opaque origin", "lookalike origin", "cross-site", "same-site"],
)
def test_a_cross_site_post_is_refused_even_with_the_token(
    client: TestClient, keys: dict[str, str], headers: dict[str, str]
) -> None:
    csrf = sign_in(client, keys["officer"])

    response = client.post(
        "/officer/claim-next", data={"csrf_token": csrf}, headers=headers, follow_redirects=False
    )

    assert response.status_code == 403
    assert "Yêu cầu gửi từ một trang web khác đã bị từ chối." in response.text


def test_a_same_origin_post_passes(client: TestClient, keys: dict[str, str]) -> None:
    csrf = sign_in(client, keys["officer"])

    response = client.post(
        "/officer/claim-next",
        data={"csrf_token": csrf},
        headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
        follow_redirects=False,
    )

    assert response.status_code == 303


def test_a_cross_site_sign_in_is_refused(client: TestClient, keys: dict[str, str]) -> None:
    form = client.get("/officer/")
    response = client.post(
        "/officer/sign-in",
        data={"api_key": keys["officer"], "csrf_token": csrf_from(form.text)},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert tokens.SESSION_COOKIE not in client.cookies


def test_pages_carry_security_headers(client: TestClient, keys: dict[str, str]) -> None:
    sign_in(client, keys["officer"])

    response = client.get("/officer/queue")

    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
