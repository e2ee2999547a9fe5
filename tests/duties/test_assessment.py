"""Each declaration's duties through the API: worked examples, amendments, late C/Os, tariff."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from clearance.clock import FrozenClock
from tests.conftest import auth
from tests.documents.helpers import co_form_e, uploaded
from tests.factories import UREA_LINE, declaration, tea_export
from tests.helpers import duties, lodge, pay, read, required_documents

FORM_E_LINE = {**UREA_LINE, "preference": "ACFTA_FORM_E"}


def _one_line(detail: dict[str, Any]) -> dict[str, Any]:
    [line] = detail["lines"]
    result: dict[str, Any] = line
    return result


def test_a_screened_import_owes_duty_and_vat_at_the_days_rate(
    client: TestClient, keys: dict[str, str], work: Callable[[], int]
) -> None:
    declaration_id = lodge(client, keys["trader"])
    work()

    owed = duties(client, keys["trader"], declaration_id)

    line = _one_line(owed)
    assert (line["rate_vnd"], line["value_vnd"]) == ("26300.000000", 189_360_000)
    assert (line["duty_rate"], line["vat_rate"]) == ("6.00", "5.00")
    assert (line["duty_vnd"], line["vat_vnd"], line["total_vnd"]) == (
        11_361_600,
        10_036_080,
        21_397_680,
    )
    assert (owed["owed_vnd"], owed["paid_vnd"], owed["outstanding_vnd"]) == (
        21_397_680,
        0,
        21_397_680,
    )
    assert owed["computed_at"] is not None and owed["assessed_on"] == "2026-11-30"
    assert (
        "duty of 21,397,680 VND unpaid" in read(client, keys["trader"], declaration_id)["missing"]
    )


def test_a_line_in_yuan_is_valued_at_the_yuan_rate(
    client: TestClient, keys: dict[str, str], work: Callable[[], int]
) -> None:
    line = {**UREA_LINE, "customs_value": "52000.00", "currency": "CNY"}
    declaration_id = lodge(client, keys["trader"], declaration(lines=[line]))
    work()

    owed = _one_line(duties(client, keys["trader"], declaration_id))

    # 52,000.00 CNY x 3,690 = 191,880,000 VND; duty 6%; VAT 5% of 203,392,800.
    assert (owed["rate_vnd"], owed["value_vnd"]) == ("3690.000000", 191_880_000)
    assert (owed["duty_vnd"], owed["vat_vnd"], owed["total_vnd"]) == (
        11_512_800,
        10_169_640,
        21_682_440,
    )


def test_form_e_with_a_clean_certificate_pays_the_acfta_rate(
    client: TestClient, keys: dict[str, str], work: Callable[[], int]
) -> None:
    declaration_id = lodge(client, keys["trader"], declaration(lines=[FORM_E_LINE]))
    work()

    line = _one_line(duties(client, keys["trader"], declaration_id))

    # 31021000 under ACFTA: "5" (tariff.csv); 5% of 189,360,000; VAT 5% of 198,828,000.
    assert (line["duty_rate"], line["preference_granted"]) == ("5.00", True)
    assert (line["duty_vnd"], line["vat_vnd"], line["total_vnd"]) == (
        9_468_000,
        9_941_400,
        19_409_400,
    )


def test_a_certificate_of_another_origin_gets_the_mfn_rate_with_the_reason(
    client: TestClient, keys: dict[str, str], work: Callable[[], int]
) -> None:
    body = declaration(lines=[FORM_E_LINE])
    declaration_id = lodge(client, keys["trader"], body, documents=False)
    for fields in required_documents(body):
        if fields["kind"] == "co_form_e":
            fields["origin_country"] = "TH"
        uploaded(client, keys["trader"], declaration_id, fields)
    work()

    line = _one_line(duties(client, keys["trader"], declaration_id))

    assert (line["duty_rate"], line["preference_granted"], line["total_vnd"]) == (
        "6.00",
        False,
        21_397_680,
    )
    assert line["note"] == (
        "ASEAN-China (ACFTA) preference refused: the C/O Form E certifies another origin than "
        "the line declares; MFN rate"
    )
    in_vietnamese = client.get(
        f"/v1/declarations/{declaration_id}/duties",
        headers={**auth(keys["officer"]), "Accept-Language": "vi"},
    ).json()
    assert _one_line(in_vietnamese)["note"] == (
        "không áp dụng ưu đãi ASEAN-China (ACFTA): C/O mẫu E chứng nhận xuất xứ khác với dòng hàng"
        " đã khai; thuế suất ưu đãi (MFN)"
    )
    assert _one_line(in_vietnamese)["note_code"] == "duty.refused"
    assert _one_line(in_vietnamese)["note_params"]["why"] == {
        "code": "duty.co_origin",
        "params": {"co": {"code": "paper.co_form_e", "params": {}}},
    }


def test_a_certificate_uploaded_after_screening_grants_the_preference(
    client: TestClient, keys: dict[str, str], work: Callable[[], int]
) -> None:
    body = declaration(lines=[FORM_E_LINE])
    declaration_id = lodge(client, keys["trader"], body, documents=False)
    papers = [f for f in required_documents(body) if f["kind"] != "co_form_e"]
    for fields in papers:
        uploaded(client, keys["trader"], declaration_id, fields)
    work()
    refused = _one_line(duties(client, keys["trader"], declaration_id))
    assert refused["note"] == (
        "ASEAN-China (ACFTA) preference refused: no C/O Form E uploaded; MFN rate"
    )

    uploaded(client, keys["trader"], declaration_id, co_form_e())
    work()  # a worker assesses again once the paper is in

    granted = duties(client, keys["trader"], declaration_id)
    assert _one_line(granted)["preference_granted"] is True
    assert granted["owed_vnd"] == 19_409_400


def test_an_amendment_is_assessed_again_and_keeps_what_was_paid(
    client: TestClient, keys: dict[str, str], work: Callable[[], int]
) -> None:
    body = declaration()
    declaration_id = lodge(client, keys["trader"], body)
    work()
    pay(client, keys["bank"], declaration_id)
    amended = {**body, "lines": [{**UREA_LINE, "customs_value": "8000.00"}]}
    response = client.post(
        f"/v1/declarations/{declaration_id}/amendments",
        json={"declaration": amended, "reason": "the invoice was corrected upwards"},
        headers=auth(keys["trader"]),
    )
    assert response.status_code == 202, response.text
    work()

    owed = duties(client, keys["trader"], declaration_id)

    # 8,000 USD: 210,400,000 VND, duty 12,624,000, VAT 11,151,200.
    assert (owed["version"], owed["owed_vnd"], owed["paid_vnd"]) == (2, 23_775_200, 21_397_680)
    assert owed["outstanding_vnd"] == 2_377_520


def test_an_export_owes_nothing_and_is_not_held_for_payment(
    client: TestClient, keys: dict[str, str], work: Callable[[], int], established: None
) -> None:
    declaration_id = lodge(client, keys["trader"], tea_export())
    work()

    owed = duties(client, keys["trader"], declaration_id)
    arrived = client.post(
        f"/v1/declarations/{declaration_id}/arrival",
        json={"weighbridge_kg": "8400"},
        headers=auth(keys["gate"]),
    ).json()

    assert (owed["lines"], owed["owed_vnd"], owed["outstanding_vnd"]) == ([], 0, 0)
    assert owed["note"].startswith("exports owe no import duty")
    assert arrived["state"] == "released"


def test_goods_without_a_tariff_rate_are_held_with_the_reason_not_an_error(
    client: TestClient, keys: dict[str, str], work: Callable[[], int]
) -> None:
    line = {**UREA_LINE, "customs_value": "7200.00", "currency": "GBP"}
    declaration_id = lodge(client, keys["trader"], declaration(lines=[line]))
    work()

    owed = duties(client, keys["trader"], declaration_id)

    assert (owed["owed_vnd"], owed["outstanding_vnd"]) == (None, None)
    assert _one_line(owed)["note"] == "rate unknown: no exchange rate for GBP on 2026-11-30"
    assert (
        "duty not assessed: line 1 rate unknown: no exchange rate for GBP on 2026-11-30"
        in read(client, keys["trader"], declaration_id)["missing"]
    )


def test_a_new_tariff_version_applies_only_from_its_date(
    client: TestClient, keys: dict[str, str], work: Callable[[], int], clock: FrozenClock
) -> None:
    supervisor = auth(keys["supervisor"])
    new_rate = {"hs_code": "31021000", "rates": {"mfn": "3"}, "effective_from": "2026-12-01"}
    added = client.post("/v1/tariff", json=new_rate, headers=supervisor)
    assert added.status_code == 201, added.text
    assert client.post("/v1/tariff", json=new_rate, headers=supervisor).status_code == 409
    past = {**new_rate, "effective_from": "2026-11-29"}
    assert client.post("/v1/tariff", json=past, headers=supervisor).status_code == 422

    today = lodge(client, keys["trader"])
    clock.advance(timedelta(days=1))
    tomorrow = lodge(client, keys["trader"])
    work()

    assert _one_line(duties(client, keys["trader"], today))["duty_rate"] == "6.00"
    assert _one_line(duties(client, keys["trader"], tomorrow))["duty_rate"] == "3.00"
    listed = client.get("/v1/tariff?hs=3102&on=2026-12-01", headers=auth(keys["gate"])).json()
    assert {r["hs_code"]: r["rates"]["mfn"] for r in listed["lines"]}["31021000"] == "3"


def test_a_trader_never_sees_another_traders_duties(
    client: TestClient, keys: dict[str, str], work: Callable[[], int]
) -> None:
    declaration_id = lodge(client, keys["trader"])
    work()

    response = client.get(
        f"/v1/declarations/{declaration_id}/duties", headers=auth(keys["other_trader"])
    )

    assert response.status_code == 404
    assert response.json()["code"] == "declaration_not_found"
