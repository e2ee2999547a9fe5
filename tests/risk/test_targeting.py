"""What targeting reads: the goods' tariff and harm, traces of lodgement, the weighbridge, the
rules' prior, and which declarations a budget inspects."""

import math
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from clearance.risk.exploration import Candidates, Exploration, select
from clearance.risk.facts import FEATURE_NAMES
from clearance.risk.features import FeatureState
from clearance.risk.goods import shipped_goods
from clearance.risk.history import HistoryLine, HistoryRecord
from clearance.risk.prior import rules_probability, rules_signals
from clearance.risk.reasons import REASON_OF
from clearance.risk.traces import SPLIT_THRESHOLD_USD
from tests.risk.test_model import RATES

AT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
TV = {
    "hs_code": "85287292",
    "description": "Tivi LED 55 inch",
    "origin": "CN",
    "unit": "u",
    "quantity": "400",
    "gross_kg": "7400",
    "net_kg": "6000",
    "customs_value": "80000",
    "currency": "USD",
}
FRUIT = {
    "hs_code": "08109092",
    "description": "Thanh long ruột đỏ tươi",
    "origin": "VN",
    "quantity": "18000",
    "gross_kg": "20000",
    "net_kg": "18000",
    "customs_value": "14000",
    "currency": "USD",
}


def record(*, kind: str = "import", line: dict[str, Any], **more: Any) -> HistoryRecord:
    return HistoryRecord.model_validate(
        {
            "ucr": more.pop("ucr", "MLT-T-1"),
            "kind": kind,
            "declarant": {"tax_code": "0100000001"},
            "trader": {"tax_code": more.pop("trader", "0100000001")},
            "counterparty": {"country": "CN"},
            "lines": [line],
            "lodged_at": more.pop("at", AT),
            **more,
        }
    )


def test_duty_and_vat_come_from_the_tariff_and_exports_owe_none() -> None:
    goods = shipped_goods()
    tv = goods.terms(HistoryLine.model_validate(TV), "import")
    assert tv.duty == pytest.approx(0.35)  # MFN for goods of China
    assert tv.vat == pytest.approx(0.08)
    assert tv.tax == pytest.approx(0.35 + 0.08 * 1.35)
    form_e = HistoryLine.model_validate({**TV, "preference": "ACFTA_FORM_E"})
    claimed = goods.terms(form_e, "import")
    assert claimed.duty == pytest.approx(0.35) and claimed.claimed <= claimed.duty
    fruit = goods.terms(HistoryLine.model_validate(FRUIT), "export")
    assert (fruit.duty, fruit.vat, fruit.tax) == (0.0, 0.0, 0.0)


def test_plant_quarantine_goods_carry_a_harm_weight_and_tvs_none() -> None:
    goods = shipped_goods()
    fruit = goods.terms(HistoryLine.model_validate(FRUIT), "export")
    # Restricted (it needs its certificate) and under plant quarantine: the heavier weight.
    assert [r.kind for r in fruit.restrictions] == ["restricted"]
    assert fruit.harm == max(goods.harm["restricted"], goods.harm["phytosanitary"])
    assert goods.terms(HistoryLine.model_validate(TV), "import").harm == 0.0


def test_the_goods_facts_read_the_words_the_licences_and_the_stake() -> None:
    state = FeatureState(rates=RATES)
    tv = state.facts(record(line=TV)).goods
    assert (tv.mismatched_lines, tv.unlicensed) == (0, 0)
    assert tv.tax_usd == pytest.approx(tv.assessed_usd * (0.35 + 0.08 * 1.35))
    cable = state.facts(record(line={**TV, "hs_code": "85444949"})).goods
    assert cable.mismatched_lines == 1  # a television declared under the cables' heading
    fruit = state.facts(record(kind="export", line=FRUIT)).goods
    assert fruit.unlicensed == 1  # dragon fruit with no phytosanitary certificate
    assert fruit.harm_usd > 0


def test_a_certificate_counts_as_reused_only_after_an_earlier_lodgement() -> None:
    paper = [{"kind": "co_form_e", "number": "E26-53-0001", "issued_on": "2026-03-01"}]
    first = record(line=TV, documents=paper)
    again = record(line=TV, documents=paper, ucr="MLT-T-2", at=AT + timedelta(hours=3))
    state = FeatureState(rates=RATES)
    [before, after] = state.replay([first, again])
    assert (before.certificate_reuses, after.certificate_reuses) == (0, 1)
    assert rules_signals(after)["certificate_reuses"] > 0


def test_declarations_just_under_the_threshold_add_up_in_the_split_view() -> None:
    value = str(round(SPLIT_THRESHOLD_USD * 0.9))
    parts = [
        record(line={**TV, "customs_value": value}, ucr=f"MLT-S-{i}", at=AT + timedelta(days=i))
        for i in range(3)
    ]
    views = [facts.split for facts in FeatureState(rates=RATES).replay(parts)]
    assert [view.others for view in views] == [0, 1, 2]
    assert views[2].own_share == pytest.approx(0.9, abs=0.01)
    assert views[2].total_share == pytest.approx(2.7, abs=0.03)


def test_the_weighbridge_is_read_at_lodgement_only_when_the_truck_came_first() -> None:
    weighed = {"arrived_at": AT + timedelta(hours=2), "weighbridge_kg": "9250"}
    later = record(line=TV, arrival=weighed)
    state = FeatureState(rates=RATES)
    lodged = state.facts(later)
    assert lodged.weighed is None
    at_gate = lodged.at_arrival(later).weighed
    assert at_gate is not None and at_gate.weight_ratio == pytest.approx(math.log(9250 / 7400))
    assert at_gate.hours == pytest.approx(2.0)
    first = record(line=TV, arrival={**weighed, "arrived_at": AT - timedelta(minutes=30)})
    assert state.facts(first).weighed is not None
    assert rules_probability(lodged.at_arrival(later)) > rules_probability(lodged)


def test_every_feature_has_a_reason_an_officer_can_read() -> None:
    assert set(REASON_OF) == set(FEATURE_NAMES)


def _candidates(probability: list[float], stake: list[float], groups: list[str]) -> Candidates:
    return Candidates(np.array(probability), np.array(stake), groups)


def test_exploitation_takes_the_highest_expected_value() -> None:
    candidates = _candidates([0.9, 0.1, 0.5, 0.99], [100, 10_000, 100, 10], list("abcd"))
    chosen = select(candidates, budget=2, exploration=Exploration(), rng=random.Random(1))
    assert chosen == [1, 0]  # 1,000 and 90 USD expected, before 50 and 9.9


def test_exploration_spends_part_of_the_budget_on_doubt_spread_over_goods() -> None:
    count = 200
    probability = [0.5 if i < 20 else 0.99 for i in range(count)]
    stake = [1_000.0] * count
    groups = ["same" if i < 10 else f"g{i}" for i in range(count)]
    candidates = _candidates(probability, stake, groups)
    chosen = select(candidates, budget=10, exploration=Exploration(0.0, 0.02), rng=random.Random(1))
    assert len(chosen) == len(set(chosen)) == 10
    doubtful = [i for i in chosen if probability[i] == 0.5]
    assert len(doubtful) == 4  # 2% of 200, one from the group of ten alike
    assert len({groups[i] for i in doubtful}) == 4


def test_random_picks_come_first_and_the_budget_holds() -> None:
    candidates = _candidates([0.1] * 100, [1.0] * 100, [str(i) for i in range(100)])
    for share in (0.0, 0.03, 0.5):
        chosen = select(
            candidates, budget=5, exploration=Exploration(share, 0.0), rng=random.Random(2)
        )
        assert len(chosen) == len(set(chosen)) == 5


def test_the_harm_weights_are_data() -> None:
    weights = shipped_goods().harm
    assert {"prohibited", "restricted", "phytosanitary", "quarantine", "cites_permit"} <= set(
        weights
    )
    assert all(value >= 0 for value in weights.values())
    assert Decimal(str(weights["prohibited"])) > Decimal(str(weights["phytosanitary"]))
