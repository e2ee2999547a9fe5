"""The arithmetic of one line, without a database: rates, rounding, the preference."""

from datetime import date
from decimal import Decimal
from typing import Any

from clearance.declarations.schemas import Line
from clearance.duties import compute
from clearance.duties.models import TariffRate
from tests.factories import UREA_LINE

DAY = date(2026, 11, 30)
UREA = TariffRate(
    hs_code="31021000", mfn_rate=Decimal(6), acfta_rate=Decimal(0), vat_rate=Decimal(5),
    effective_from=date(2026, 1, 1),
)  # fmt: skip
RATES = {"31021000": UREA}


def _line(**overrides: Any) -> Line:
    return Line.model_validate({**UREA_LINE, **overrides})


def test_urea_at_the_mfn_rate_in_usd() -> None:
    duty = compute.line_duty(line_no=1, line=_line(), day=DAY, rates=RATES, rate_vnd=Decimal(26300))

    # 7,200.00 USD x 26,300 = 189,360,000 VND; 6% duty; 5% VAT on value plus duty.
    assert (duty.value_vnd, duty.duty_vnd, duty.vat_vnd) == (189_360_000, 11_361_600, 10_036_080)
    assert duty.total_vnd == 21_397_680
    assert (duty.duty_rate, duty.preference_granted, duty.note) == (Decimal(6), False, "")


def test_form_e_without_a_refusal_gets_the_acfta_rate() -> None:
    line = _line(preference="ACFTA_FORM_E")

    duty = compute.line_duty(line_no=1, line=line, day=DAY, rates=RATES, rate_vnd=Decimal(26300))

    assert (duty.duty_rate, duty.preference_granted) == (Decimal(0), True)
    assert (duty.duty_vnd, duty.vat_vnd, duty.total_vnd) == (0, 9_468_000, 9_468_000)


def test_a_refused_form_e_pays_the_mfn_rate_and_says_why() -> None:
    line = _line(preference="ACFTA_FORM_E")

    duty = compute.line_duty(
        line_no=1, line=line, day=DAY, rates=RATES, rate_vnd=Decimal(26300),
        form_e_refusal="the C/O Form E has expired",
    )  # fmt: skip

    assert (duty.duty_rate, duty.preference_granted, duty.total_vnd) == (
        Decimal(6),
        False,
        21_397_680,
    )
    assert duty.note == "Form E preference refused: the C/O Form E has expired; MFN rate"


def test_form_e_on_goods_of_a_non_party_origin_is_refused() -> None:
    line = _line(preference="ACFTA_FORM_E", origin="JP")

    duty = compute.line_duty(line_no=1, line=line, day=DAY, rates=RATES, rate_vnd=Decimal(26300))

    assert not duty.preference_granted
    assert "origin JP is not an ACFTA party" in duty.note


def test_amounts_round_half_up_to_the_dong() -> None:
    # 75 VND at 6% is 4.5 VND of duty: half up makes it 5 (half to even would make it 4).
    line = _line(customs_value="75.00", currency="VND")

    duty = compute.line_duty(line_no=1, line=line, day=DAY, rates=RATES, rate_vnd=Decimal(1))

    assert (duty.value_vnd, duty.duty_vnd, duty.vat_vnd, duty.total_vnd) == (75, 5, 4, 9)


def test_the_customs_value_rounds_to_the_dong_before_duty_is_taken() -> None:
    # 10.01 CNY x 3,690 = 36,936.9 -> 36,937; duty 2,216.22 -> 2,216; VAT 1,957.65 -> 1,958.
    line = _line(customs_value="10.01", currency="CNY")

    duty = compute.line_duty(line_no=1, line=line, day=DAY, rates=RATES, rate_vnd=Decimal(3690))

    assert (duty.value_vnd, duty.duty_vnd, duty.vat_vnd) == (36_937, 2_216, 1_958)


def test_no_tariff_line_or_no_exchange_rate_leaves_the_amounts_unknown() -> None:
    unrated = compute.line_duty(
        line_no=2, line=_line(hs_code="63090000"), day=DAY, rates=RATES, rate_vnd=Decimal(26300)
    )
    no_rate = compute.line_duty(
        line_no=1, line=_line(currency="GBP"), day=DAY, rates=RATES, rate_vnd=None
    )

    assert not unrated.rate_known and unrated.total_vnd is None
    assert unrated.note == "rate unknown: no tariff rate for HS 63090000 on 2026-11-30"
    assert no_rate.note == "rate unknown: no exchange rate for GBP on 2026-11-30"


def test_a_six_digit_code_is_rated_only_when_it_means_one_tariff_line() -> None:
    assert compute.tariff_line("310210", RATES) is UREA
    assert compute.tariff_line("3102100000", RATES) is UREA
    two = {**RATES, "31021090": UREA}
    assert compute.tariff_line("310210", two) is None
