"""The fraud simulator: deterministic, valid, each planted pattern shows where its rule looks."""

import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from clearance.declarations.schemas import DeclarationIn
from clearance.reference.calendar import VIETNAM
from clearance.reference.seed import reference_from_files
from clearance.reference.service import PriceBand, ReferenceData
from clearance.risk.history import HistoryLine, HistoryRecord, read_jsonl, write_jsonl
from clearance.risk.rules import HOME_COUNTRY, default_configs
from clearance.synthetic.catalogue import all_goods
from clearance.synthetic.fraud import FINDING_CODES, Pattern
from clearance.synthetic.history import SimulatedDeclaration, main, simulate, simulate_with_truth

START = datetime(2025, 1, 1, tzinfo=UTC)
DAYS = 365
COUNT = 6_000
DRIFT_AT = 0.6
DRIFT = START + timedelta(days=DAYS) * DRIFT_AT
REVENUE_PATTERNS = {
    Pattern.undervaluation,
    Pattern.misclassification,
    Pattern.origin,
    Pattern.weight,
}


@pytest.fixture(scope="module")
def run() -> list[SimulatedDeclaration]:
    return simulate_with_truth(seed=7, count=COUNT, start=START, days=DAYS, drift_at=DRIFT_AT)


@pytest.fixture(scope="module")
def undrifted() -> list[SimulatedDeclaration]:
    return simulate_with_truth(seed=7, count=COUNT, start=START, days=DAYS, drift_at=None)


# --- what each pattern's rule reads -----------------------------------------------------------
# The rules' own inputs: their default parameters and the reference data they are given, never
# the simulator's constants, so a simulator that plants by numbers of its own fails here.

PARAMS = {rule_id: config.params for rule_id, config in default_configs().items()}
SPLIT = PARAMS["R-SPLIT-SHIPMENT"]
SPLIT_THRESHOLD = Decimal(str(SPLIT["threshold_usd"]))
SPLIT_FLOOR = SPLIT_THRESHOLD * Decimal(str(SPLIT["near_share"]))
SPLIT_WINDOW = timedelta(days=float(SPLIT["window_days"]))


@cache
def rules_reference() -> ReferenceData:
    """The shipped reference data, as the backtests hand it to the rules."""
    return reference_from_files()


def _usd(line: HistoryLine) -> Decimal:
    usd = rules_reference().to_usd(line.customs_value, line.currency)
    assert usd is not None, line.currency
    return usd


def _unit_value(line: HistoryLine) -> Decimal:
    return _usd(line) / (line.net_kg if line.unit == "kg" else line.quantity)


def _total_usd(record: HistoryRecord) -> Decimal:
    return sum((_usd(line) for line in record.lines), Decimal(0))


def _in_split_zone(record: HistoryRecord) -> bool:
    return SPLIT_FLOOR <= _total_usd(record) < SPLIT_THRESHOLD


def _restricted(code: str, kind: str, *, prohibited: bool) -> bool:
    return any(
        r.kind == "prohibited" if prohibited else r.licence == "phytosanitary"
        for r in rules_reference().restrictions_for(code, kind)
    )


def _band(line: HistoryLine) -> PriceBand | None:
    """The band the undervaluation rule compares the line with, if it has enough prices."""
    band = rules_reference().price_band(line.hs_code, line.origin)
    return band if band is not None and band.n >= int(PARAMS["R-UNDERVALUATION"]["min_n"]) else None


def _words_of(heading: str, text: str) -> bool:
    """Whether the text carries one of the words the description rule reads for the heading."""
    return any(word in text for word in rules_reference().hs_keywords.get(heading, ()))


class Traffic:
    """The run as the rules see it: each declaration against the ones around it."""

    def __init__(self, run: list[SimulatedDeclaration]) -> None:
        self.run = run
        self.reused: set[str] = set()
        seen: set[str] = set()
        self.zone: defaultdict[tuple[str, str], list[HistoryRecord]] = defaultdict(list)
        for simulated in run:
            record = simulated.record
            for doc in record.documents:
                if doc.kind in {"co_form_e", "phytosanitary"}:
                    if doc.number in seen:
                        self.reused.add(record.ucr)
                    seen.add(doc.number)
            if _in_split_zone(record):
                self.zone[(record.trader.tax_code, record.lines[0].hs_code[:4])].append(record)

    def shows(self, pattern: Pattern, simulated: SimulatedDeclaration) -> bool:
        return CHECKS[pattern](self, simulated)


def _undervalued(traffic: Traffic, simulated: SimulatedDeclaration) -> bool:
    bands = [(line, _band(line)) for line in simulated.record.lines]
    return any(band and _unit_value(line) < band.p10 for line, band in bands)


def _misclassified(traffic: Traffic, simulated: SimulatedDeclaration) -> bool:
    """A line whose description has none of its heading's words and some of another's."""
    for line in simulated.record.lines:
        text = unicodedata.normalize("NFC", line.description).casefold()
        heading = line.hs_code[:4]
        if rules_reference().hs_keywords.get(heading) and not _words_of(heading, text):
            others = (h for h in rules_reference().hs_keywords if h != heading)
            if any(_words_of(other, text) for other in others):
                return True
    return False


def _false_origin(traffic: Traffic, simulated: SimulatedDeclaration) -> bool:
    record = simulated.record
    departure = record.counterparty.country
    return record.kind == "import" and any(
        line.preference is not None
        and (
            rules_reference().schedule_for(line.preference, line.origin) is None
            or line.origin not in {departure, HOME_COUNTRY}
        )
        for line in record.lines
    )


def _split(traffic: Traffic, simulated: SimulatedDeclaration) -> bool:
    record = simulated.record
    if not _in_split_zone(record):
        return False
    group = traffic.zone[(record.trader.tax_code, record.lines[0].hs_code[:4])]
    near = [r for r in group if abs(r.lodged_at - record.lodged_at) <= SPLIT_WINDOW]
    return len(near) >= 2 and sum(_total_usd(r) for r in near) >= SPLIT_THRESHOLD


def _reused_certificate(traffic: Traffic, simulated: SimulatedDeclaration) -> bool:
    return simulated.record.ucr in traffic.reused


def _hidden_weight(traffic: Traffic, simulated: SimulatedDeclaration) -> bool:
    gross = sum(line.gross_kg or Decimal(0) for line in simulated.record.lines)
    tolerance = Decimal(str(PARAMS["R-WEIGHT"]["tolerance"]))
    return abs(gross - simulated.weighbridge_kg) > simulated.weighbridge_kg * tolerance


def _prohibited(traffic: Traffic, simulated: SimulatedDeclaration) -> bool:
    record = simulated.record
    return any(_restricted(line.hs_code, record.kind, prohibited=True) for line in record.lines)


def _no_phytosanitary(traffic: Traffic, simulated: SimulatedDeclaration) -> bool:
    record = simulated.record
    needs = any(_restricted(line.hs_code, record.kind, prohibited=False) for line in record.lines)
    return needs and not any(doc.kind == "phytosanitary" for doc in record.documents)


CHECKS: dict[Pattern, Callable[[Traffic, SimulatedDeclaration], bool]] = {
    Pattern.undervaluation: _undervalued,
    Pattern.misclassification: _misclassified,
    Pattern.origin: _false_origin,
    Pattern.split_shipment: _split,
    Pattern.certificate_reuse: _reused_certificate,
    Pattern.weight: _hidden_weight,
    Pattern.prohibited: _prohibited,
    Pattern.restricted_no_certificate: _no_phytosanitary,
}


@pytest.fixture(scope="module")
def traffic(run: list[SimulatedDeclaration]) -> Traffic:
    return Traffic(run)


# --- tests --------------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_records() -> None:
    def once(seed: int) -> list[dict[str, object]]:
        records = simulate(seed=seed, count=400, start=START, days=60)
        return [r.model_dump() for r in records]

    assert once(3) == once(3)
    assert once(3) != once(4)


def test_records_validate_as_lodged_bodies_and_round_trip(
    run: list[SimulatedDeclaration], tmp_path: Path
) -> None:
    records = [simulated.record for simulated in run]
    path = tmp_path / "sim.jsonl"
    assert write_jsonl(records, path) == COUNT
    assert list(read_jsonl(path)) == records
    for record in records[:1_000]:
        DeclarationIn.model_validate(record.model_dump(exclude={"lodged_at", "arrival", "outcome"}))
    assert len({record.ucr for record in records}) == COUNT
    assert all(len(record.trader.tax_code) == 10 for record in records)
    assert all(record.trader.tax_code.isdigit() for record in records)


def test_records_come_in_lodgement_order_while_the_gate_is_open(
    run: list[SimulatedDeclaration],
) -> None:
    stamps = [simulated.record.lodged_at for simulated in run]
    assert stamps == sorted(stamps)
    assert stamps[0] >= START and stamps[-1] < START + timedelta(days=DAYS)
    assert all(6 <= stamp.astimezone(VIETNAM).hour < 19 for stamp in stamps)


def test_every_record_carries_its_outcome(run: list[SimulatedDeclaration]) -> None:
    for simulated in run:
        outcome = simulated.record.outcome
        assert outcome is not None and outcome.inspected
        assert outcome.fraud_found is (simulated.pattern is not None)
        assert outcome.revenue_currency == "USD"
        if simulated.pattern is None:
            assert outcome.findings == [] and outcome.revenue_recovered == 0
            continue
        assert {f.code for f in outcome.findings} == {FINDING_CODES[simulated.pattern]}
        if simulated.pattern in REVENUE_PATTERNS:
            assert outcome.revenue_recovered and outcome.revenue_recovered > 0


def test_every_pattern_is_planted_and_fraud_is_a_tenth_of_traffic(
    run: list[SimulatedDeclaration], traffic: Traffic
) -> None:
    counts = Counter(simulated.pattern for simulated in run)
    assert set(counts) == {None, *Pattern}
    assert 0.08 <= 1 - counts[None] / COUNT <= 0.15
    # Planted where the rules read, not merely labelled: a plant its rule cannot see is noise.
    seen = Counter(s.pattern for s in run if s.pattern and traffic.shows(s.pattern, s))
    assert set(seen) == set(Pattern)
    assert 0.08 <= seen.total() / COUNT <= 0.15


@pytest.mark.parametrize("pattern", list(Pattern))
def test_each_planted_pattern_shows_where_its_rule_looks(
    pattern: Pattern, run: list[SimulatedDeclaration], traffic: Traffic
) -> None:
    planted = [simulated for simulated in run if simulated.pattern is pattern]
    assert planted
    assert not [s.record.ucr for s in planted if not traffic.shows(pattern, s)]
    # ... and only there, so a rule's hits on simulated traffic are its own pattern.
    others = [p for p in Pattern if p is not pattern]
    assert not [s.record.ucr for s in planted if any(traffic.shows(p, s) for p in others)]


def test_honest_traffic_looks_clean_to_every_check(
    run: list[SimulatedDeclaration], traffic: Traffic
) -> None:
    honest = [simulated for simulated in run if simulated.pattern is None]
    for pattern in Pattern:
        assert not [s.record.ucr for s in honest if traffic.shows(pattern, s)], pattern


def test_honest_values_sit_in_their_bands_and_weights_agree(
    run: list[SimulatedDeclaration],
) -> None:
    banded = 0
    for simulated in run:
        if simulated.pattern is not None:
            continue
        record = simulated.record
        for line in record.lines:
            band = _band(line)
            if band is not None:
                banded += 1
                assert band.p10 <= _unit_value(line) <= band.p90, (record.ucr, line.hs_code)
        gross = sum(line.gross_kg or Decimal(0) for line in record.lines)
        assert abs(simulated.weighbridge_kg / gross - 1) <= Decimal("0.02"), record.ucr
    assert banded > COUNT


def test_drift_replaces_traders_after_drift_at(
    run: list[SimulatedDeclaration], undrifted: list[SimulatedDeclaration]
) -> None:
    def newcomers_after_drift(records: list[SimulatedDeclaration]) -> float:
        before = {s.record.trader.tax_code for s in records if s.record.lodged_at < DRIFT}
        after = [s.record.trader.tax_code for s in records if s.record.lodged_at >= DRIFT]
        return sum(code not in before for code in after) / len(after)

    def repeat_offenders_after_drift(records: list[SimulatedDeclaration]) -> float:
        frauds = Counter(
            s.record.trader.tax_code for s in records if s.pattern and s.record.lodged_at < DRIFT
        )
        offenders = {code for code, count in frauds.items() if count >= 2}
        after = [s.record.trader.tax_code for s in records if s.record.lodged_at >= DRIFT]
        return sum(code in offenders for code in after) / len(after)

    assert newcomers_after_drift(run) > 0.2 > 0.1 > newcomers_after_drift(undrifted)
    assert repeat_offenders_after_drift(run) < 0.6 * repeat_offenders_after_drift(undrifted)


def test_drift_brings_new_goods_and_a_new_fraud_mix(run: list[SimulatedDeclaration]) -> None:
    new_prefixes = tuple(code for goods in all_goods() if goods.later for code in goods.codes)

    def new_goods(simulated: SimulatedDeclaration) -> bool:
        return any(line.hs_code.startswith(new_prefixes) for line in simulated.record.lines)

    # Decoys may borrow a new heading before the drift; the goods themselves never cross.
    early = [s for s in run if s.record.lodged_at < DRIFT and s.pattern is None]
    late = [s for s in run if s.record.lodged_at >= DRIFT]
    assert not any(new_goods(s) for s in early)
    assert sum(new_goods(s) for s in late) > 0.03 * len(late)

    def share(pattern: Pattern, part: list[SimulatedDeclaration]) -> float:
        frauds = [s.pattern for s in part if s.pattern is not None]
        return frauds.count(pattern) / len(frauds)

    early = [s for s in run if s.record.lodged_at < DRIFT]
    assert share(Pattern.origin, late) > 2 * share(Pattern.origin, early)
    assert share(Pattern.undervaluation, late) < share(Pattern.undervaluation, early) / 2


def test_the_command_line_writes_json_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sim.jsonl"
    main(["--seed", "2", "--count", "50", "--days", "30", "--drift-at", "none", "--out", str(out)])
    assert len(list(read_jsonl(out))) == 50
    assert "wrote 50 declarations" in capsys.readouterr().out
