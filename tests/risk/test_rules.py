"""The first rule set and the channel it leads to."""

import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from clearance.declarations.models import Channel
from clearance.declarations.schemas import DeclarationIn
from clearance.reference import service as reference_service
from clearance.risk.channels import Thresholds, assign_channel
from clearance.risk.rules import Context, default_configs, evaluate
from clearance.risk.service import combined_score, random_draw
from tests.factories import TEA_LINE, UREA_LINE, USED_CLOTHING_LINE, declaration, tea_export
from tests.helpers import lodge, read


@pytest.fixture
def context(session: Session) -> Context:
    reference = reference_service.load(session=session, today=date(2026, 11, 30))
    return Context(reference=reference, trader_prior_declarations=10)


CONFIGS = default_configs()


def _hits(body: dict[str, object], context: Context) -> dict[str, str]:
    hits = evaluate(DeclarationIn.model_validate(body), context, CONFIGS)
    return {hit.rule_id: hit.reason.text for hit in hits}


def test_a_clean_import_hits_nothing(context: Context) -> None:
    assert _hits(declaration(), context) == {}


def test_undervaluation_reason_gives_the_numbers_behind_it(context: Context) -> None:
    cheap = {**TEA_LINE, "customs_value": "3200.00"}  # 0.40 USD/kg against a 1.90 median
    reason = _hits(tea_export(lines=[cheap]), context)["R-UNDERVALUATION"]
    assert reason == (
        "declared 0.40 USD/kg is 79% below the HS 09022010 x VN median of 1.90 USD/kg "
        "(10th percentile 1.20, n=220)"
    )


def test_undervaluation_converts_the_currency(context: Context) -> None:
    # 7,200 USD of urea is the median; the same number in CNY is a seventh of it.
    in_cny = {**UREA_LINE, "currency": "CNY"}
    assert "R-UNDERVALUATION" in _hits(declaration(lines=[in_cny]), context)
    assert _hits(declaration(lines=[UREA_LINE]), context) == {}


def test_a_six_digit_code_does_not_dodge_the_price_band(context: Context) -> None:
    cheap = {**UREA_LINE, "hs_code": "310210", "customs_value": "1000.00"}
    assert "R-UNDERVALUATION" in _hits(declaration(lines=[cheap]), context)


def test_prohibited_goods_are_a_hard_hit(context: Context) -> None:
    hits = evaluate(
        DeclarationIn.model_validate(declaration(lines=[USED_CLOTHING_LINE])), context, CONFIGS
    )
    [prohibited] = [hit for hit in hits if hit.rule_id == "R-PROHIBITED"]
    assert prohibited.hard
    assert prohibited.line == 1
    assert "6309" in prohibited.reason.text


def test_restricted_goods_need_their_certificate(context: Context) -> None:
    assert "R-RESTRICTED-NO-LICENCE" in _hits(tea_export(phytosanitary=False), context)
    assert "R-RESTRICTED-NO-LICENCE" not in _hits(tea_export(phytosanitary=True), context)


def test_a_new_trader_is_a_signal(context: Context) -> None:
    new = Context(reference=context.reference, trader_prior_declarations=1)
    assert "has 1 earlier declarations" in _hits(declaration(), new)["R-NEW-TRADER"]


def test_scores_combine_without_passing_one(context: Context) -> None:
    body = tea_export(phytosanitary=False, lines=[{**TEA_LINE, "customs_value": "100.00"}])
    hits = evaluate(DeclarationIn.model_validate(body), context, CONFIGS)
    score = combined_score([hit.score for hit in hits])
    assert max(hit.score for hit in hits) < score < 1
    assert combined_score([]) == 0


THRESHOLDS = Thresholds(
    yellow=0.35, red=0.7, random_share=0.0, aeo_relief=0.3, policy_version=0, fitted_on=0
)


@pytest.mark.parametrize(
    ("score", "hard", "randomly", "floor", "expected"),
    [
        (0.0, False, False, None, Channel.green),
        (0.35, False, False, None, Channel.yellow),
        (0.7, False, False, None, Channel.red),
        (0.0, True, False, None, Channel.red),
        (0.0, False, True, None, Channel.red),
        (0.0, False, False, Channel.yellow, Channel.yellow),
        (0.8, False, False, Channel.yellow, Channel.red),
    ],
    ids=[
        "clean",
        "yellow-threshold",
        "red-threshold",
        "hard-hit",
        "random",
        "floor",
        "above-floor",
    ],
)
def test_assign_channel(
    score: float, hard: bool, randomly: bool, floor: Channel | None, expected: Channel
) -> None:
    channel = assign_channel(
        score=score, hard_hit=hard, randomly_selected=randomly, floor=floor, thresholds=THRESHOLDS
    )
    assert channel is expected


def test_random_draw_is_fixed_by_the_declaration_and_uniform() -> None:
    declaration_id = uuid.uuid4()
    assert random_draw(declaration_id) == random_draw(declaration_id)
    draws = [random_draw(uuid.UUID(int=i)) for i in range(4000)]
    share = sum(d < 0.05 for d in draws) / len(draws)
    assert 0.035 < share < 0.065


def test_random_selection_sends_a_clean_declaration_to_red_with_a_reason(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    configure: Callable[..., None],
) -> None:
    configure(random_red_share=1, new_trader_declarations=0)
    declaration_id = lodge(client, keys["trader"])
    work()
    detail = read(client, keys["officer"], declaration_id)
    assert detail["channel"] == "red"
    assert detail["risk"]["random_selected"] is True
    assert [r["rule_id"] for r in detail["risk"]["reasons"]] == ["RANDOM"]


def test_thresholds_come_from_settings(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    configure: Callable[..., None],
) -> None:
    configure(yellow_threshold=0.5, red_threshold=0.9)
    declaration_id = lodge(client, keys["trader"])  # new trader: score 0.4
    work()
    detail = read(client, keys["officer"], declaration_id)
    assert detail["risk"]["score"] == pytest.approx(0.4)
    assert detail["channel"] == "green"


def test_unit_value_band_is_read_per_origin(context: Context) -> None:
    band = context.reference.price_band("09022010", "CN")
    assert band is not None
    assert band.median == Decimal("5.0000")
