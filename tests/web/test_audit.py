"""What officers do on the pages is in the audit trail, as what they do through the API is."""

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from clearance.audit.models import AuditRecord
from tests.web.conftest import key_id
from tests.web.helpers import claim, csrf_from, post_form, sign_in, verdicts


def _trail(session: Session) -> list[AuditRecord]:
    return list(session.exec(select(AuditRecord).order_by(col(AuditRecord.id))).all())


def test_signing_in_and_the_officers_work_on_the_pages_are_audited(
    client: TestClient, keys: dict[str, str], yellow: str, session: Session
) -> None:
    officer = f"officer:{key_id(session, keys['officer'])}"
    csrf = sign_in(client, keys["officer"])
    location = claim(client, csrf)
    post_form(client, f"{location}/document-check", csrf, **verdicts(client.get(location).text))

    done = [(r.actor, r.action, r.target_id) for r in _trail(session) if r.outcome == "ok"]

    assert (officer, "POST /officer/sign-in", None) in done
    assert (officer, "GET /officer/declarations/{declaration_id}", yellow) in done
    assert (
        officer,
        "POST /officer/declarations/{declaration_id}/document-check",
        yellow,
    ) in done


def test_refused_page_requests_are_audited_with_who_tried(
    client: TestClient, keys: dict[str, str], session: Session
) -> None:
    trader = f"trader:{key_id(session, keys['trader'])}"
    form = client.get("/officer/").text
    client.post(
        "/officer/sign-in",
        data={"api_key": keys["trader"], "csrf_token": csrf_from(form)},
        follow_redirects=False,
    )
    client.post("/officer/claim-next", data={}, headers={"Origin": "https://evil.example"})

    refused = [(r.actor, r.action, r.outcome) for r in _trail(session) if r.outcome != "ok"]

    assert (trader, "POST /officer/sign-in", "403") in refused
    assert ("anonymous", "POST /officer/claim-next", "403") in refused  # cross-site
