"""The officer pages at work, in process: queue and SLA clocks, claim, decide, supervise."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from clearance.clock import FrozenClock
from clearance.declarations.models import Decision
from tests.conftest import auth
from tests.helpers import lodge, read
from tests.web.helpers import WATCHLISTED, red_declaration, sign_in


@pytest.fixture
def yellow(client: TestClient, keys: dict[str, str], work: Callable[[], int]) -> str:
    """A new trader's declaration, screened yellow, waiting for a document check."""
    declaration_id = lodge(client, keys["trader"])
    work()
    assert read(client, keys["officer"], declaration_id)["channel"] == "yellow"
    return declaration_id


@pytest.fixture
def red(client: TestClient, keys: dict[str, str], work: Callable[[], int]) -> str:
    """A declaration with a watchlisted counterparty: red by a hard rule."""
    listed = client.post("/v1/risk/watchlist", json=WATCHLISTED, headers=auth(keys["supervisor"]))
    assert listed.status_code == 201, listed.text
    declaration_id = lodge(client, keys["trader"], red_declaration())
    work()
    assert read(client, keys["officer"], declaration_id)["channel"] == "red"
    return declaration_id


def _claim(client: TestClient, csrf: str) -> str:
    claimed = client.post("/officer/claim-next", data={"csrf_token": csrf}, follow_redirects=False)
    assert claimed.status_code == 303, claimed.text
    location = claimed.headers["location"]
    assert location.endswith("?notice=claimed")
    return location.split("?")[0]


def test_queue_shows_each_lane_with_its_sla_clock(
    client: TestClient, keys: dict[str, str], yellow: str, clock: FrozenClock
) -> None:
    sign_in(client, keys["officer"])

    page = client.get("/officer/queue").text
    lane = page[page.index('id="lane-document_check"') : page.index('id="lane-inspection"')]
    assert f"/officer/declarations/{yellow}" in lane
    assert "30/11/2026 17:00" in lane  # lodged 15:00 Vietnam time, two hours to check
    assert "2:00" in lane and "overdue" not in lane

    clock.advance(timedelta(hours=2, minutes=1))
    late = client.get("/officer/queue/table").text

    assert 'class="overdue"' in late
    assert "Quá hạn 0:01" in late
    assert "<html" not in late  # the fragment htmx swaps in every 15 s


def test_claim_next_opens_the_item_with_its_reasons_documents_and_form(
    client: TestClient, keys: dict[str, str], yellow: str
) -> None:
    csrf = sign_in(client, keys["officer"])

    location = _claim(client, csrf)
    page = client.get(location).text

    assert location == f"/officer/declarations/{yellow}"
    assert "Bạn đang giữ hồ sơ này" in page
    assert "R-NEW-TRADER" in page  # the rule id beside its reason
    assert "Hóa đơn thương mại" in page and "Hồ sơ đủ và còn hiệu lực" in page
    assert '<input type="hidden" name="version" value="1">' in page
    assert 'id="history"' in page and "<code>claim</code>" in page


def test_nothing_to_claim_says_so_on_the_queue(client: TestClient, keys: dict[str, str]) -> None:
    csrf = sign_in(client, keys["officer"])

    claimed = client.post("/officer/claim-next", data={"csrf_token": csrf})

    assert "Không còn hồ sơ nào để nhận." in claimed.text


def test_seizing_on_the_page_records_the_findings_as_the_api_would(
    client: TestClient, keys: dict[str, str], red: str, session: Session
) -> None:
    csrf = sign_in(client, keys["officer"])
    location = _claim(client, csrf)

    decided = client.post(
        f"{location}/decision",
        data={
            "csrf_token": csrf,
            "version": "1",
            "decision": "seize",
            "reason": "counterparty on the watchlist; 40 bags more than declared",
            "fraud_found": "on",
            "finding_code": ["quantity", ""],
            "finding_line": ["1", ""],
            "finding_detail": ["2,000 kg undeclared", ""],  # the blank row is no finding
        },
    )

    assert decided.status_code == 200
    assert 'data-state="seized"' in decided.text and "Đã ghi nhận quyết định." in decided.text
    assert read(client, keys["trader"], red)["state"] == "seized"
    decision = session.exec(select(Decision).order_by(col(Decision.id).desc())).first()
    assert decision is not None
    assert decision.findings == [{"code": "quantity", "line": 1, "detail": "2,000 kg undeclared"}]
    assert decision.fraud_found is True


@pytest.mark.parametrize(
    ("form", "status", "says"),
    [
        ({"decision": "seize"}, 422, "a seizure needs a reason"),
        ({"decision": "hold"}, 422, "a hold needs a query to the trader"),
        ({"decision": "release"}, 409, "needs a physical inspection first"),
        ({"decision": "seize", "reason": "x" * 3, "version": "2"}, 409, "version"),
        ({"decision": "release", "finding_code": "smuggling"}, 422, "findings.0.code"),
    ],
    ids=["seize without reason", "hold without query", "red release", "stale", "bad code"],
)
def test_a_refused_decision_is_an_error_page_and_changes_nothing(
    client: TestClient,
    keys: dict[str, str],
    red: str,
    form: dict[str, str],
    status: int,
    says: str,
) -> None:
    csrf = sign_in(client, keys["officer"])
    location = _claim(client, csrf)

    refused = client.post(f"{location}/decision", data={"csrf_token": csrf, "version": "1", **form})

    assert refused.status_code == status
    assert refused.headers["content-type"].startswith("text/html")
    assert says in refused.text
    assert read(client, keys["trader"], red)["state"] == "document_check"


def test_another_officers_item_shows_who_holds_it_and_cannot_be_decided(
    client: TestClient, keys: dict[str, str], yellow: str, make_key: Callable[..., str]
) -> None:
    location = _claim(client, sign_in(client, keys["officer"]))
    client.cookies.clear()
    csrf = sign_in(client, keys["supervisor"])

    page = client.get(location).text
    refused = client.post(
        f"{location}/decision", data={"csrf_token": csrf, "version": "1", "decision": "release"}
    )

    assert "đang giữ hồ sơ này đến" in page and 'id="decision-form"' not in page
    assert refused.status_code == 409
    assert read(client, keys["trader"], yellow)["state"] == "document_check"


def test_releasing_a_yellow_one_on_the_page_waits_for_the_truck(
    client: TestClient, keys: dict[str, str], yellow: str
) -> None:
    csrf = sign_in(client, keys["officer"])
    location = _claim(client, csrf)

    decided = client.post(
        f"{location}/decision",
        data={"csrf_token": csrf, "version": "1", "decision": "release", "reason": "in order"},
    )

    assert 'data-state="decided"' in decided.text
    assert "arrival recorded at the gate" in decided.text  # the release gate still closed


def test_the_findings_table_grows_a_row_at_a_time(client: TestClient, keys: dict[str, str]) -> None:
    sign_in(client, keys["officer"])

    row = client.get("/officer/findings/row").text

    assert row.strip().startswith('<tr class="finding">')
    assert 'name="finding_code"' in row and 'value="undervaluation"' in row


def test_an_unknown_declaration_is_a_not_found_page(
    client: TestClient, keys: dict[str, str]
) -> None:
    sign_in(client, keys["officer"])

    missing = client.get("/officer/declarations/00000000-0000-4000-8000-000000000000")
    malformed = client.get("/officer/declarations/not-a-uuid")
    unknown = client.get("/officer/nowhere")

    assert (missing.status_code, malformed.status_code, unknown.status_code) == (404, 422, 404)
    assert all(r.headers["content-type"].startswith("text/html") for r in (missing, unknown))


def test_a_lapsed_session_sends_htmx_to_the_sign_in_page(client: TestClient) -> None:
    response = client.get("/officer/queue/table", headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.headers["hx-redirect"] == "/officer/"


def test_supervisor_page_shows_lanes_overdue_items_workload_targets_and_rules(
    client: TestClient,
    keys: dict[str, str],
    yellow: str,
    clock: FrozenClock,
    configure: Callable[..., None],
) -> None:
    configure(lease_seconds=4 * 3600)  # still held when the item is overdue
    _claim(client, sign_in(client, keys["officer"]))
    officer = client.get("/officer/queue").text.split("<strong>")[1].split("</strong>")[0]
    client.cookies.clear()
    sign_in(client, keys["supervisor"])
    clock.advance(timedelta(hours=3))

    page = client.get("/officer/supervisor?lang=en").text

    overdue = page[page.index('id="overdue"') : page.index('id="policy"')]
    workload = page[page.index('id="workload"') : page.index('id="overdue"')]
    assert f"/officer/declarations/{yellow}" in overdue
    assert f'<td>{officer}</td><td class="num">1</td>' in workload
    assert "Red target share" in page and "5.0 %" in page
    assert "R-WATCHLIST" in page and "fixed (not enough scores yet)" in page
