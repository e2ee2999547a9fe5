"""The officer pages at work, in process: the queue and its SLA clocks, a declaration, partials."""

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from clearance.clock import FrozenClock
from tests.factories import tea_export
from tests.helpers import arrive, lodge
from tests.web.helpers import claim, post_form, sign_in, verdicts


def test_queue_shows_each_lane_with_its_working_hours_clock(
    client: TestClient, keys: dict[str, str], yellow: str, clock: FrozenClock
) -> None:
    sign_in(client, keys["officer"])

    page = client.get("/officer/queue").text
    lane = page[page.index('id="lane-document_check"') : page.index('id="lane-inspection"')]
    assert f"/officer/declarations/{yellow}" in lane
    assert "30/11/2026 17:00" in lane  # lodged 15:00 Vietnam time, two working hours to check
    assert "2:00" in lane and "overdue" not in lane

    clock.advance(timedelta(hours=2, minutes=1))
    late = client.get("/officer/queue/table").text

    assert 'class="overdue"' in late
    assert "Quá hạn 0:01" in late
    assert "<html" not in late  # the fragment htmx swaps in every 15 s


def test_the_clock_stops_outside_the_gates_working_hours(
    client: TestClient, keys: dict[str, str], yellow: str, clock: FrozenClock
) -> None:
    sign_in(client, keys["officer"])
    clock.advance(timedelta(hours=5))  # 20:00 in Lai Châu: the gate closed at 19:00

    late = client.get("/officer/queue/table").text

    assert "Quá hạn 2:00" in late  # 17:00 to 19:00 counts, the evening does not


def test_claim_next_opens_the_item_with_its_reasons_documents_and_forms(
    client: TestClient, keys: dict[str, str], yellow: str
) -> None:
    location = claim(client, sign_in(client, keys["officer"]))
    page = client.get(location).text

    assert location == f"/officer/declarations/{yellow}"
    assert "Bạn đang giữ hồ sơ này" in page and 'id="renew-lease"' in page
    assert "R-NEW-TRADER" in page  # the rule id beside its reason
    assert "Hóa đơn thương mại" in page and "Hồ sơ đủ và còn hiệu lực" in page
    assert 'id="document-check-form"' in page and len(verdicts(page)) == 6  # three documents
    assert '<input type="hidden" name="version" value="1">' in page
    assert 'value="escalate"' in page and 'value="inspect"' not in page  # yellow escalates
    assert 'id="history"' in page and 'data-action="claim"' in page


def test_an_officer_claims_the_item_they_choose_from_the_queue_or_its_page(
    client: TestClient, keys: dict[str, str], work: Callable[[], int], clock: FrozenClock
) -> None:
    first = lodge(client, keys["trader"])
    clock.advance(timedelta(minutes=5))
    second = lodge(client, keys["trader"])
    work()
    csrf = sign_in(client, keys["officer"])
    queue = client.get("/officer/queue").text
    assert f'action="/officer/declarations/{second}/claim"' in queue  # a button on each free row
    page = client.get(f"/officer/declarations/{second}").text
    assert 'id="claim"' in page and 'id="document-check-form"' not in page

    claimed = client.post(
        f"/officer/declarations/{second}/claim", data={"csrf_token": csrf}, follow_redirects=False
    )

    assert claimed.headers["location"] == f"/officer/declarations/{second}?notice=claimed"
    mine = client.get(f"/officer/declarations/{second}").text
    assert 'id="document-check-form"' in mine and 'id="claim"' not in mine
    assert f'action="/officer/declarations/{first}/claim"' in client.get("/officer/queue").text


def test_the_page_lists_each_required_paper_with_its_legal_basis_and_whether_it_is_in(
    client: TestClient, keys: dict[str, str], work: Callable[[], int]
) -> None:
    declaration_id = lodge(client, keys["trader"], tea_export(phytosanitary=False), documents=False)
    work()
    sign_in(client, keys["officer"])

    page = client.get(f"/officer/declarations/{declaration_id}").text
    papers = page[
        page.index('id="required-papers"') : page.index(
            "</table>", page.index('id="required-papers"')
        )
    ]
    rows = papers.split("<tr>")[2:]
    plant = next(row for row in rows if "Giấy kiểm dịch thực vật" in row)
    assert "Kiểm dịch thực vật (01/2024/TT-BNNPTNT M9)" in plant  # the procedure and its basis
    assert "Còn thiếu" in plant
    assert all("Còn thiếu" in row for row in rows)  # nothing uploaded yet

    upload = lodge(client, keys["trader"], tea_export())
    work()
    uploaded = client.get(f"/officer/declarations/{upload}").text
    assert "Còn thiếu" not in uploaded and uploaded.count("Đã nộp") >= 3


def test_lines_on_the_border_resident_trade_list_are_marked(
    client: TestClient, keys: dict[str, str], yellow: str
) -> None:
    sign_in(client, keys["officer"])
    urea = client.get(
        f"/officer/declarations/{yellow}"
    ).text  # urea is on the list (34/2025/TT-BCT)
    assert "Hàng hóa mua bán, trao đổi của cư dân biên giới" in urea

    tea = lodge(client, keys["trader"], tea_export())  # an export: the list is of imports
    assert "cư dân biên giới" not in client.get(f"/officer/declarations/{tea}").text


def test_nothing_to_claim_says_so_on_the_queue(client: TestClient, keys: dict[str, str]) -> None:
    csrf = sign_in(client, keys["officer"])

    claimed = client.post("/officer/claim-next", data={"csrf_token": csrf})

    assert "Không còn hồ sơ nào để nhận." in claimed.text


def test_another_officers_item_shows_who_holds_it_and_no_forms(
    client: TestClient, keys: dict[str, str], yellow: str, make_key: Callable[..., str]
) -> None:
    location = claim(client, sign_in(client, keys["officer"]))
    client.cookies.clear()
    csrf = sign_in(client, keys["supervisor"])

    page = client.get(location).text
    refused = post_form(client, f"{location}/decision", csrf, decision="escalate")

    assert "đang giữ hồ sơ này đến" in page
    assert 'id="decision-form"' not in page and 'id="document-check-form"' not in page
    assert refused.status_code == 409


def test_the_inspection_form_waits_for_the_truck(
    client: TestClient, keys: dict[str, str], red: str
) -> None:
    csrf = sign_in(client, keys["officer"])
    location = claim(client, csrf)
    post_form(client, f"{location}/decision", csrf, decision="inspect")
    claim(client, csrf, lane="inspection")

    waiting = client.get(location).text
    arrive(client, keys["gate"], red)
    presented = client.get(location).text

    assert "Xe chưa đến cửa khẩu" in waiting and 'id="inspection-form"' not in waiting
    assert 'id="inspection-form"' in presented
    assert 'id="document-check-form"' in presented  # never checked: release needs one still
    assert 'value="escalate"' not in presented and 'value="release"' in presented


def test_the_findings_tables_grow_a_row_at_a_time(client: TestClient, keys: dict[str, str]) -> None:
    sign_in(client, keys["officer"])

    finding = client.get("/officer/findings/row").text
    discrepancy = client.get("/officer/findings/row?prefix=discrepancy").text
    other = client.get("/officer/findings/row?prefix=evil")

    assert finding.strip().startswith('<tr class="finding">')
    assert 'name="finding_code"' in finding and 'value="undervaluation"' in finding
    assert 'name="discrepancy_detail"' in discrepancy
    assert other.status_code == 422


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
    claim(client, sign_in(client, keys["officer"]))
    queue = client.get("/officer/queue?lang=en").text  # the name as the English page says it
    officer = queue.split('<strong data-actor="')[1].split(">")[1].split("</strong")[0]
    client.cookies.clear()
    sign_in(client, keys["supervisor"])
    clock.advance(timedelta(hours=3))

    page = client.get("/officer/supervisor?lang=en").text

    overdue = page[page.index('id="overdue"') : page.index('id="policy"')]
    workload = page[page.index('id="workload"') : page.index('id="overdue"')]
    assert f"/officer/declarations/{yellow}" in overdue
    assert f'<td>{officer}</td><td class="num">1</td>' in workload
    assert '<tr class="overdue">' in workload  # the item it holds is overdue
    assert "Red target share" in page and "5.0 %" in page
    assert "R-WATCHLIST" in page and "fixed (not enough scores yet)" in page
