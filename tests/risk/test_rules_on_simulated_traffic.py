"""Each rule fires on the fraud pattern it is for and stays quiet on honest traffic."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from clearance.declarations.schemas import DeclarationIn
from clearance.reference.seed import reference_from_files
from clearance.reference.service import ReferenceData
from clearance.risk.rules import Context, SplitWindow, default_configs, evaluate
from clearance.synthetic.fraud import Pattern
from clearance.synthetic.history import SimulatedDeclaration, simulate_with_truth

RULE_FOR = {
    Pattern.undervaluation: "R-UNDERVALUATION",
    Pattern.misclassification: "R-HS-DESCRIPTION",
    Pattern.origin: "R-FORM-E-ORIGIN",
    Pattern.split_shipment: "R-SPLIT-SHIPMENT",
    Pattern.weight: "R-WEIGHT",
    Pattern.prohibited: "R-PROHIBITED",
    Pattern.restricted_no_certificate: "R-RESTRICTED-NO-LICENCE",
}
# A reused certificate number is the documents check's finding (it reads all declarations'
# certificates); no rule here can see it.
NOT_A_RULE_OF_THIS_MODULE = {Pattern.certificate_reuse}
CONFIGS = default_configs()
SPLIT = CONFIGS["R-SPLIT-SHIPMENT"].params


@pytest.fixture(scope="module")
def traffic() -> list[SimulatedDeclaration]:
    return simulate_with_truth(
        seed=11, count=6000, start=datetime(2025, 1, 1, tzinfo=UTC), days=180
    )


@pytest.fixture(scope="module")
def reference() -> ReferenceData:
    return reference_from_files()


def _body(simulated: SimulatedDeclaration) -> DeclarationIn:
    payload = simulated.record.model_dump(
        mode="json", exclude={"lodged_at", "arrival", "outcome"}, exclude_none=True
    )
    return DeclarationIn.model_validate(payload)


def _split_windows(
    traffic: list[SimulatedDeclaration], reference: ReferenceData
) -> list[dict[str, SplitWindow]]:
    """What the screening query finds for each declaration: the trader's earlier ones."""
    threshold, window = Decimal(SPLIT["threshold_usd"]), timedelta(days=SPLIT["window_days"])
    floor = threshold * Decimal(str(SPLIT["near_share"]))
    seen: dict[str, list[tuple[datetime, str, Decimal]]] = defaultdict(list)
    windows = []
    for simulated in traffic:
        record = simulated.record
        earlier = [e for e in seen[record.trader.tax_code] if e[0] >= record.lodged_at - window]
        found: dict[str, SplitWindow] = {}
        for heading in {line.hs_code[:4] for line in record.lines}:
            under = [v for _at, h, v in earlier if h == heading and floor <= v < threshold]
            if under:
                found[heading] = SplitWindow(len(under), sum(under, Decimal(0)))
        windows.append(found)
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for line in record.lines:
            totals[line.hs_code[:4]] += reference.to_usd(line.customs_value, line.currency) or 0
        seen[record.trader.tax_code] += [(record.lodged_at, h, v) for h, v in totals.items()]
    return windows


@pytest.fixture(scope="module")
def split_windows(
    traffic: list[SimulatedDeclaration], reference: ReferenceData
) -> list[dict[str, SplitWindow]]:
    return _split_windows(traffic, reference)


@pytest.fixture(scope="module")
def fired(
    traffic: list[SimulatedDeclaration],
    reference: ReferenceData,
    split_windows: list[dict[str, SplitWindow]],
) -> list[set[str]]:
    rules = []
    for simulated, windows in zip(traffic, split_windows, strict=True):
        context = Context(
            reference=reference,
            trader_prior_declarations=10,
            split_windows=windows,
            hs_keywords=reference.hs_keywords,
            weighbridge_kg=simulated.weighbridge_kg,
        )
        rules.append({hit.rule_id for hit in evaluate(_body(simulated), context, CONFIGS)})
    return rules


@pytest.mark.parametrize("pattern", list(RULE_FOR), ids=str)
def test_each_rule_fires_on_its_own_pattern(
    pattern: Pattern,
    traffic: list[SimulatedDeclaration],
    fired: list[set[str]],
    split_windows: list[dict[str, SplitWindow]],
) -> None:
    planted = [
        rules
        for simulated, rules, windows in zip(traffic, fired, split_windows, strict=True)
        # The first part of a split consignment looks like any declaration: from the second on.
        if simulated.pattern is pattern and (pattern is not Pattern.split_shipment or windows)
    ]
    assert planted, f"the simulator planted no {pattern}"
    caught = sum(RULE_FOR[pattern] in rules for rules in planted) / len(planted)
    assert caught >= 0.9, f"{RULE_FOR[pattern]} caught {caught:.0%} of {len(planted)} {pattern}"


def test_rules_stay_quiet_on_honest_traffic(
    traffic: list[SimulatedDeclaration], fired: list[set[str]]
) -> None:
    honest = [
        rules for simulated, rules in zip(traffic, fired, strict=True) if simulated.pattern is None
    ]
    false_alarms = sum(bool(rules) for rules in honest) / len(honest)
    assert len(honest) > 4000
    assert false_alarms < 0.01, f"{false_alarms:.1%} of honest declarations hit a rule"


def test_the_documents_check_owns_certificate_reuse(traffic: list[SimulatedDeclaration]) -> None:
    assert any(simulated.pattern in NOT_A_RULE_OF_THIS_MODULE for simulated in traffic)
