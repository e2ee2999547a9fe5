"""The officer's work by form: document check, inspection, decision, leases; as the API does it."""

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from clearance.clock import FrozenClock
from clearance.declarations.models import Decision
from tests.conftest import auth
from tests.documents.helpers import image, uploaded
from tests.factories import declaration
from tests.helpers import arrive, lodge, pay, read, required_documents
from tests.web.helpers import DOCUMENT_ROW, claim, post_form, sign_in, verdicts

DISCREPANCY = {"code": "quantity", "line": 1, "detail": "412 bags counted, 400 declared"}


def _latest_decision(session: Session) -> Decision:
    decision = session.exec(select(Decision).order_by(col(Decision.id).desc())).first()
    assert decision is not None
    return decision


def test_a_yellow_one_is_checked_and_released_and_waits_for_the_truck(
    client: TestClient, keys: dict[str, str], yellow: str
) -> None:
    csrf = sign_in(client, keys["officer"])
    location = claim(client, csrf)

    checked = post_form(
        client, f"{location}/document-check", csrf, **verdicts(client.get(location).text)
    )
    released = post_form(
        client, f"{location}/decision", csrf, decision="release", reason="in order"
    )

    assert "Đã ghi nhận kết quả kiểm tra hồ sơ." in checked.text
    assert 'id="review-records"' in checked.text and checked.text.count("Chấp nhận") >= 3
    assert 'id="document-check-form"' not in checked.text  # accepted: no second check asked
    assert 'data-state="decided"' in released.text
    assert "xe đến cửa khẩu được ghi nhận" in released.text  # release gates still closed
    pay(client, keys["bank"], yellow)
    assert arrive(client, keys["gate"], yellow)["state"] == "released"


def test_a_queried_document_holds_the_declaration_for_the_trader(
    client: TestClient, keys: dict[str, str], yellow: str
) -> None:
    csrf = sign_in(client, keys["officer"])
    location = claim(client, csrf)
    fields = verdicts(client.get(location).text, invoice="the total does not match the contract")

    held = post_form(client, f"{location}/document-check", csrf, **fields)

    assert 'data-state="held"' in held.text and "Yêu cầu giải trình" in held.text
    queries = read(client, keys["trader"], yellow)["queries"]
    assert "the total does not match the contract" in queries[0]["text"]


def test_a_red_one_is_inspected_and_seized_with_the_discrepancy_and_a_case(
    client: TestClient, keys: dict[str, str], red: str, session: Session
) -> None:
    arrive(client, keys["gate"], red, kg="21050")
    csrf = sign_in(client, keys["officer"])
    location = claim(client, csrf)
    post_form(client, f"{location}/document-check", csrf, **verdicts(client.get(location).text))
    post_form(client, f"{location}/decision", csrf, decision="inspect")
    assert claim(client, csrf, lane="inspection") == location

    inspected = post_form(
        client,
        f"{location}/inspection",
        csrf,
        seal_numbers="CN-88121, CN-88122",
        packages_counted="412",
        weight_kg="21050",
        sample_taken="on",
        sample_reference="S-1",
        discrepancy_code=[DISCREPANCY["code"], ""],
        discrepancy_line=["1", ""],
        discrepancy_detail=[DISCREPANCY["detail"], ""],
    )
    prefilled = client.get(location).text.split('id="decision-form"')[1]
    seized = post_form(
        client,
        f"{location}/decision",
        csrf,
        decision="seize",
        fraud_found="on",
        reason="watchlisted consignor; undeclared bags",
        finding_code="weight",
        finding_detail="650 kg over the declared gross weight",
    )

    assert "Đã ghi nhận kết quả kiểm tra thực tế." in inspected.text
    assert "CN-88121, CN-88122" in inspected.text and "412 bags counted" in inspected.text
    assert f'value="{DISCREPANCY["detail"]}"' in prefilled  # the decision starts from them
    assert 'data-state="seized"' in seized.text and "SC-2026-" in seized.text  # the case
    assert read(client, keys["trader"], red)["state"] == "seized"
    decision = _latest_decision(session)
    assert decision.findings == [
        {"code": "weight", "line": None, "detail": "650 kg over the declared gross weight"},
        DISCREPANCY,  # the inspection's, added by the service
    ]
    assert decision.inspected and decision.fraud_found


@pytest.mark.parametrize(
    ("form", "status", "says"),
    [
        ({"decision": "seize"}, 422, "tạm giữ cần nêu lý do"),
        ({"decision": "hold"}, 422, "tạm dừng cần một yêu cầu gửi doanh nghiệp"),
        ({"decision": "release"}, 409, "ghi nhận kết quả kiểm tra thực tế trước khi thông quan"),
        ({"decision": "escalate"}, 409, "Chỉ chuyển kiểm tra thực tế tờ khai luồng vàng"),
        ({"decision": "seize", "reason": "x" * 3, "version": "2"}, 409, "phiên bản 2"),
        ({"decision": "seize", "reason": "found", "finding_code": "smuggling"}, 422, "findings"),
    ],
    ids=["seize without reason", "hold without query", "red release", "red escalation", "stale",
         "bad code"],
)  # fmt: skip
def test_a_refused_decision_is_an_error_page_and_changes_nothing(
    client: TestClient,
    keys: dict[str, str],
    red: str,
    form: dict[str, str],
    status: int,
    says: str,
) -> None:
    csrf = sign_in(client, keys["officer"])
    location = claim(client, csrf)

    refused = post_form(client, f"{location}/decision", csrf, **form)

    assert refused.status_code == status
    assert refused.headers["content-type"].startswith("text/html")
    assert says in refused.text
    assert read(client, keys["trader"], red)["state"] == "document_check"


def test_a_yellow_one_is_not_released_before_its_documents_are_checked(
    client: TestClient, keys: dict[str, str], yellow: str
) -> None:
    csrf = sign_in(client, keys["officer"])
    location = claim(client, csrf)

    refused = post_form(client, f"{location}/decision", csrf, decision="release")

    assert refused.status_code == 409 and "kiểm tra hồ sơ chấp nhận mọi chứng từ" in refused.text


def test_an_incomplete_check_names_the_document_left_out(
    client: TestClient, keys: dict[str, str], yellow: str
) -> None:
    csrf = sign_in(client, keys["officer"])
    location = claim(client, csrf)
    fields = verdicts(client.get(location).text)
    first = next(name for name in fields if name.startswith("verdict."))
    del fields[first]

    refused = post_form(client, f"{location}/document-check", csrf, **fields)

    assert refused.status_code == 422 and "chưa có kết luận cho" in refused.text


def test_the_officer_renews_and_gives_back_the_lease(
    client: TestClient, keys: dict[str, str], yellow: str, clock: FrozenClock
) -> None:
    csrf = sign_in(client, keys["officer"])
    location = claim(client, csrf)
    clock.advance(timedelta(minutes=10))

    renewed = post_form(client, f"{location}/lease/renew", csrf)
    released = post_form(client, f"{location}/lease/release", csrf)

    assert "Đã gia hạn giữ hồ sơ." in renewed.text
    assert "30/11/2026 15:25" in renewed.text  # 15 minutes from 15:10
    assert "Đã trả hồ sơ về hàng đợi." in released.text
    assert "Chưa ai nhận" in released.text  # free in the queue again


def test_a_supervisor_reassigns_an_item_and_can_take_a_lease_back(
    client: TestClient, keys: dict[str, str], yellow: str
) -> None:
    officer_csrf = sign_in(client, keys["officer"])
    location = claim(client, officer_csrf)
    signed_in = client.get("/officer/queue").text.split('<strong data-actor="')[1]
    officer, shown = signed_in.split("</strong>")[0].split('">')
    client.cookies.clear()
    csrf = sign_in(client, keys["supervisor"])

    taken = post_form(client, f"{location}/lease/release", csrf)
    bad = post_form(client, f"{location}/reassign", csrf, officer="somebody")
    given = post_form(client, f"{location}/reassign", csrf, officer=officer)

    assert "Đã trả hồ sơ về hàng đợi." in taken.text
    assert bad.status_code == 422
    assert "Đã giao hồ sơ cho cán bộ." in given.text
    assert f"{shown} đang giữ hồ sơ này" in given.text  # shown by name, not by key


def test_the_supervisor_sees_the_decisions_of_the_day_per_officer(
    client: TestClient, keys: dict[str, str], yellow: str, make_key: Callable[..., str]
) -> None:
    csrf = sign_in(client, keys["supervisor"])
    location = claim(client, csrf)
    post_form(client, f"{location}/document-check", csrf, **verdicts(client.get(location).text))
    post_form(client, f"{location}/decision", csrf, decision="release")

    workload = client.get("/officer/supervisor").text.split('id="workload"')[1]

    assert '<td class="num">0</td><td class="num">0</td><td class="num">1</td>' in workload


def test_each_paper_opens_beside_what_the_trader_declared_and_the_checks_findings(
    client: TestClient, keys: dict[str, str], yellow: str
) -> None:
    sign_in(client, keys["officer"])
    page = client.get(f"/officer/declarations/{yellow}").text
    documents = client.get(
        f"/v1/declarations/{yellow}/documents", headers=auth(keys["officer"])
    ).json()["documents"]

    for document in documents:
        url = f"/officer/declarations/{yellow}/documents/{document['id']}"
        paper = page[page.index(f'id="paper-{document["id"]}"') :]
        paper = paper[: paper.index("</details>")]
        assert f'<iframe src="{url}"' in paper  # the PDF shown on the page
        assert document["number"] in paper and "Không có phát hiện." in paper
        shown = client.get(url)
        assert shown.status_code == 200
        assert shown.headers["content-type"] == "application/pdf"
        assert shown.headers["content-disposition"].startswith("inline;")
        assert shown.content.startswith(b"%PDF-")
    invoice = next(d for d in documents if d["kind"] == "invoice")
    assert "Người bán" in page and invoice["fields"]["seller"] in page


def test_a_clean_dossier_is_accepted_in_one_click(
    client: TestClient, keys: dict[str, str], yellow: str
) -> None:
    csrf = sign_in(client, keys["officer"])
    location = claim(client, csrf)
    page = client.get(location).text
    assert 'id="accept-all"' in page
    listed = [document_id for _kind, document_id in DOCUMENT_ROW.findall(page)]

    checked = client.post(
        f"{location}/document-check",
        data={"csrf_token": csrf, "version": "1", "accept_all": "1", "document": listed},
    )

    assert "Đã ghi nhận kết quả kiểm tra hồ sơ." in checked.text
    [check] = client.get(f"/v1/review/items/{yellow}", headers=auth(keys["officer"])).json()[
        "document_checks"
    ]
    assert check["all_accepted"] is True
    assert sorted(v["document_id"] for v in check["verdicts"]) == sorted(listed)


def test_a_dossier_with_a_finding_has_no_accept_all(
    client: TestClient, keys: dict[str, str], work: Callable[[], int]
) -> None:
    body = declaration()
    declaration_id = lodge(client, keys["trader"], body, documents=False)
    for fields in required_documents(body):
        if fields["kind"] == "invoice":
            fields["total"] = str(Decimal(fields["total"]) * 2)  # not what was declared
        uploaded(client, keys["trader"], declaration_id, fields)
    work()
    csrf = sign_in(client, keys["officer"])

    claimed = client.post(
        f"/officer/declarations/{declaration_id}/claim", data={"csrf_token": csrf}
    )

    assert 'id="document-check-form"' in claimed.text
    assert 'id="accept-all"' not in claimed.text


def test_a_refused_form_gives_back_what_the_officer_typed(
    client: TestClient, keys: dict[str, str], yellow: str
) -> None:
    csrf = sign_in(client, keys["officer"])
    location = claim(client, csrf)
    reason = "Hóa đơn ghi 400 bao, phiếu đóng gói ghi 412 bao; cần giải trình"

    refused = post_form(client, f"{location}/decision", csrf, decision="hold", reason=reason)

    assert refused.status_code == 422
    typed = refused.text[refused.text.index('id="typed"') :]
    assert f'<textarea readonly rows="2">{reason}</textarea>' in typed
    assert csrf not in typed  # the form's token is no text of the officer's
    assert f'<a href="{location}">Về tờ khai</a>' in refused.text


def _to_inspection(client: TestClient, keys: dict[str, str], red: str) -> tuple[str, str]:
    """The red one's truck at the gate, its papers accepted, sent to inspection and claimed."""
    arrive(client, keys["gate"], red)
    csrf = sign_in(client, keys["officer"])
    location = claim(client, csrf)
    post_form(client, f"{location}/document-check", csrf, **verdicts(client.get(location).text))
    post_form(client, f"{location}/decision", csrf, decision="inspect")
    assert claim(client, csrf, lane="inspection") == location
    return location, csrf


def test_an_inspection_photo_is_uploaded_from_the_page_and_offered_to_the_inspection(
    client: TestClient, keys: dict[str, str], red: str
) -> None:
    location, csrf = _to_inspection(client, keys, red)
    assert 'id="photo-form"' in client.get(location).text

    uploaded_photo = client.post(
        f"{location}/photos",
        data={"csrf_token": csrf, "number": "P-7"},
        files={"file": ("bags.png", image("PNG"), "image/png")},
    )

    assert "Đã tải ảnh lên." in uploaded_photo.text
    form = uploaded_photo.text.split('id="inspection-form"')[1]
    [photo] = [
        d
        for d in client.get(
            f"/v1/declarations/{red}/documents", headers=auth(keys["officer"])
        ).json()["documents"]
        if d["kind"] == "inspection_photo"
    ]
    assert photo["number"] == "P-7" and photo["media_type"] == "image/png"
    assert f'name="photo" value="{photo["id"]}" checked' in form


def test_a_photo_with_a_wrong_token_or_not_an_image_is_refused_and_nothing_stored(
    client: TestClient, keys: dict[str, str], red: str
) -> None:
    location, csrf = _to_inspection(client, keys, red)
    forged = client.post(
        f"{location}/photos",
        data={"csrf_token": "0" * 64, "number": "P-1"},
        files={"file": ("bags.png", image("PNG"), "image/png")},
    )
    not_an_image = client.post(
        f"{location}/photos",
        data={"csrf_token": csrf, "number": "P-2"},
        files={"file": ("bags.png", b"MZ\x90\x00 not a picture at all" * 20, "image/png")},
    )

    assert forged.status_code == 403
    assert not_an_image.status_code == 415
    listed = client.get(f"/v1/declarations/{red}/documents", headers=auth(keys["officer"]))
    assert [d for d in listed.json()["documents"] if d["kind"] == "inspection_photo"] == []
