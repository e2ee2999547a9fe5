"""One line's duty from the real tariff, without a database. Every rate below was read by hand
from the line's row of `reference/data/vn-tariff/tariff.csv` (cited beside each test)."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from clearance.declarations.schemas import Line
from clearance.duties import compute
from clearance.duties.compute import LineDuty
from clearance.messages import Message, rendered
from clearance.reference.seed import reference_from_files
from clearance.reference.service import ReferenceData
from tests.factories import UREA_LINE

DAY = date(2026, 11, 30)
USD = Decimal(26300)


@pytest.fixture(scope="module")
def reference() -> ReferenceData:
    return reference_from_files(DAY)


def _note(duty: LineDuty) -> str:
    """The note as the API gives it in English."""
    return rendered(duty.note, "en")


def _line(**overrides: Any) -> Line:
    return Line.model_validate({**UREA_LINE, **overrides})


def _duty(reference: ReferenceData, **overrides: Any) -> Any:
    refusal = overrides.pop("refusal", None)
    return compute.line_duty(
        line_no=1,
        line=_line(**overrides),
        day=DAY,
        reference=reference,
        rate_vnd=USD,
        refusal=refusal,
    )


def test_chinese_urea_pays_mfn_and_the_fertiliser_vat(reference: ReferenceData) -> None:
    # 31021000: standard 9, mfn 6, acfta 5; VAT 5% (fertiliser, Law 48/2024/QH15 art. 9.2).
    duty = _duty(reference)

    # 7,200.00 USD x 26,300 = 189,360,000 VND; 6% duty; 5% VAT on value plus duty.
    assert (duty.value_vnd, duty.duty_vnd, duty.vat_vnd) == (189_360_000, 11_361_600, 10_036_080)
    assert (duty.duty_rate, duty.vat_rate, duty.preference_granted) == (6, 5, False)
    assert _note(duty) == "MFN rate"


def test_urea_under_form_e_pays_the_acfta_rate_of_five_percent(reference: ReferenceData) -> None:
    duty = _duty(reference, preference="ACFTA_FORM_E")

    # 5% of 189,360,000 = 9,468,000; VAT 5% of 198,828,000 = 9,941,400.
    assert (duty.duty_rate, duty.preference_granted) == (5, True)
    assert (duty.duty_vnd, duty.vat_vnd, duty.total_vnd) == (9_468_000, 9_941_400, 19_409_400)


def test_chinese_rubber_is_excluded_from_acfta_and_pays_mfn(reference: ReferenceData) -> None:
    # 40012290: mfn 3, acfta "0 (-CN)": goods from China pay MFN, goods from Thailand 0.
    rubber = {"hs_code": "40012290", "description": "Natural rubber, technically specified"}

    chinese = _duty(reference, preference="ACFTA_FORM_E", **rubber)
    thai = _duty(reference, preference="ACFTA_FORM_E", origin="TH", **rubber)

    assert (chinese.duty_rate, chinese.preference_granted) == (3, False)
    assert _note(chinese) == (
        "ASEAN-China (ACFTA) preference refused: goods from CN are excluded on this line; MFN rate"
    )
    assert (thai.duty_rate, thai.preference_granted) == (0, True)


def test_black_tea_from_thailand_is_excluded_but_from_china_is_not(
    reference: ReferenceData,
) -> None:
    # 09023090: mfn 40, acfta "0 (-TH)".
    tea = {"hs_code": "09023090", "description": "Black tea, fermented, in sacks"}

    assert _duty(reference, preference="ACFTA_FORM_E", origin="TH", **tea).duty_rate == 40
    assert _duty(reference, preference="ACFTA_FORM_E", origin="CN", **tea).duty_rate == 0


def test_goods_of_a_country_without_mfn_treatment_pay_the_standard_rate(
    reference: ReferenceData,
) -> None:
    # 31021000: standard 9; North Korea is not a WTO member.
    duty = _duty(reference, origin="KP")

    assert duty.duty_rate == 9
    assert _note(duty) == "standard rate: KP has no MFN treatment"


def test_a_star_means_no_preference_under_that_agreement(reference: ReferenceData) -> None:
    # 24022090 (cigarettes): mfn 135, atiga "*".
    cigarettes = {"hs_code": "24022090", "description": "Cigarettes containing tobacco"}

    duty = _duty(reference, preference="ATIGA_FORM_D", origin="TH", **cigarettes)

    assert (duty.duty_rate, duty.preference_granted) == (135, False)
    assert "no preference on this line (*)" in _note(duty)


def test_a_certificate_refusal_or_a_non_party_origin_falls_back_to_mfn(
    reference: ReferenceData,
) -> None:
    refused = _duty(
        reference,
        refusal=Message("duty.co_expired", {"co": Message("paper.co_form_e")}),
        preference="ACFTA_FORM_E",
    )
    japanese = _duty(reference, preference="ACFTA_FORM_E", origin="JP")

    assert (refused.duty_rate, refused.preference_granted) == (6, False)
    assert _note(refused) == (
        "ASEAN-China (ACFTA) preference refused: the C/O Form E has expired; MFN rate"
    )
    assert japanese.duty_rate == 6
    assert "origin JP is not a party of the agreement" in _note(japanese)


def test_a_preference_higher_than_mfn_is_not_applied(reference: ReferenceData) -> None:
    # 69072193 (glazed tiles): mfn 35, acfta 50.
    tiles = {"hs_code": "69072193", "description": "Glazed ceramic wall tiles"}

    duty = _duty(reference, preference="ACFTA_FORM_E", **tiles)

    assert (duty.duty_rate, duty.preference_granted) == (35, False)


def test_split_schedules_take_the_highest_rate_and_say_so(reference: ReferenceData) -> None:
    # 12116000: acfta "0 (-MM, TH)/0/0": three rates, all 0 for China.
    bark = {"hs_code": "12116000", "description": "Bark of African cherry, dried"}

    duty = _duty(reference, preference="ACFTA_FORM_E", **bark)

    assert (duty.duty_rate, duty.preference_granted) == (0, True)
    assert "several rates in the schedule" in _note(duty)


def test_tariff_quota_goods_pay_the_out_of_quota_rate(reference: ReferenceData) -> None:
    # 04072100 (hens' eggs): mfn "40 (NHN: 80)": no quota is allocated through the service.
    eggs = {"hs_code": "04072100", "description": "Fresh hens' eggs in shell"}

    assert _duty(reference, **eggs).duty_rate == 80


def test_chapter_98_rates_are_left_to_an_officer(reference: ReferenceData) -> None:
    # 87021010: mfn "Theo hướng dẫn tại khoản 1.1 Chương 98", standard "150% thuế MFN".
    car = {
        "hs_code": "87021010",
        "description": "Used motor car",
        "unit": "u",
        "quantity": "1",
        "net_kg": "1500",
        "gross_kg": "1500",
    }

    mfn = _duty(reference, **car)
    standard = _duty(reference, origin="KP", **car)

    assert not mfn.rate_known and mfn.total_vnd is None
    assert "computed by the rules of Chapter 98" in _note(mfn)
    assert not standard.rate_known


def test_amounts_round_half_up_to_the_dong(reference: ReferenceData) -> None:
    # 75 VND at 6% is 4.5 VND of duty: half up makes it 5 (half to even would make it 4).
    duty = compute.line_duty(
        line_no=1,
        line=_line(customs_value="75.00", currency="VND"),
        day=DAY,
        reference=reference,
        rate_vnd=Decimal(1),
    )

    assert (duty.value_vnd, duty.duty_vnd, duty.vat_vnd, duty.total_vnd) == (75, 5, 4, 9)


def test_no_tariff_line_or_no_exchange_rate_leaves_the_amounts_unknown(
    reference: ReferenceData,
) -> None:
    unlined = _duty(reference, hs_code="31021099")
    no_rate = compute.line_duty(
        line_no=1, line=_line(currency="GBP"), day=DAY, reference=reference, rate_vnd=None
    )

    assert not unlined.rate_known and unlined.total_vnd is None
    assert _note(unlined) == "rate unknown: HS 31021099 is not a line on 2026-11-30"
    assert _note(no_rate) == "rate unknown: no exchange rate for GBP on 2026-11-30"
