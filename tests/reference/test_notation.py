"""Every form of the decrees' notation, read as the tariff file writes it."""

from decimal import Decimal

import pytest

from clearance.reference.notation import CellKind, MalformedCell, parse


@pytest.mark.parametrize(
    ("cell", "origin", "rate", "why"),
    [
        ("5", "CN", Decimal(5), ""),
        ("16,4", "CN", Decimal("16.4"), ""),
        ("7.5", "CN", Decimal("7.5"), ""),
        ("0 (-CN)", "TH", Decimal(0), ""),
        ("0 (-CN)", "CN", None, "goods from CN are excluded on this line"),
        ("0(-KH, MY, PH, )", "PH", None, "goods from PH are excluded on this line"),
        ("0(-ID, MY )", "LA", Decimal(0), ""),
        ("0(-MM)(GIC)", "KR", Decimal(0), ""),
        ("*", "CN", None, "no preference on this line (*)"),
        ("59; M: 67,5", "JP", Decimal(59), ""),
        ("59; M: 67,5", "MX", Decimal("67.5"), ""),
        ("0/0/10/10", "CL", Decimal(10), "several rates in the schedule (0/0/10/10): the highest"),
        ("*/0", "IL", None, "no preference on this line (*)"),
        ("0 (-MM, TH)/0", "TH", None, "goods from TH are excluded on this line"),
        ("Q", "RU", None, "a preference only within the agreement's quota (Q)"),
        ("", "CN", None, "no rate on this line"),
    ],
)
def test_a_cell_gives_each_origin_its_rate_or_the_reason_it_has_none(
    cell: str, origin: str, rate: Decimal | None, why: str
) -> None:
    given, note = parse(cell).rate_for(origin)
    assert (given, note.text if note else "") == (rate, why)


def test_in_quota_cells_carry_the_out_of_quota_rate() -> None:
    cell = parse("60 (NHN: 120)")

    assert cell.rate_for("CN") == (Decimal(60), None)
    assert cell.out_of_quota == Decimal(120)


def test_the_standard_rate_may_be_a_share_of_mfn_and_mfn_a_chapter_98_rule() -> None:
    share = parse("150% thuế MFN")
    rule = parse("Theo hướng dẫn tại khoản 1.1 Chương 98")

    assert (share.kind, share.share_of_mfn) == (CellKind.share_of_mfn, Decimal("1.5"))
    assert rule.kind is CellKind.chapter_98
    assert rule.rate_for("CN")[0] is None


@pytest.mark.parametrize("cell", ["abc", "5%", "0 (-China)", "1/", "5; 6", "0 (-CN"])
def test_anything_else_is_malformed_and_named(cell: str) -> None:
    with pytest.raises(MalformedCell, match="is not a rate"):
        parse(cell)
