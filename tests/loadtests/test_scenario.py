"""The scenario's rules that need no service: thresholds, keys, and the states it relies on."""

from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest

from clearance.declarations import states
from loadtests.api_keys import KeySetupError, officer_keys
from loadtests.lifecycle import AMENDABLE_STATES, SETTLED_STATES
from loadtests.thresholds import STEPS, missed_thresholds, p99_limit, summary


@dataclass
class Entry:
    """A locust stats entry as the thresholds read it: counts and a fixed p99."""

    num_requests: int
    num_failures: int = 0
    p99_ms: float = 10.0

    @property
    def fail_ratio(self) -> float:
        return self.num_failures / self.num_requests if self.num_requests else 0.0

    @property
    def total_rps(self) -> float:
        return self.num_requests / 30

    def get_response_time_percentile(self, percent: float) -> float:
        return self.p99_ms if percent >= 0.99 else self.p99_ms / 2


@dataclass
class Stats:
    entries: dict[tuple[str, str], Entry] = field(default_factory=dict)

    @property
    def total(self) -> Entry:
        values = self.entries.values()
        return Entry(sum(e.num_requests for e in values), sum(e.num_failures for e in values))


def _stats(**p99_by_step: float) -> Stats:
    methods = {step.name: step.method for step in STEPS}
    return Stats({(name, methods[name]): Entry(100, 0, p99) for name, p99 in p99_by_step.items()})


def test_a_step_limit_overrides_the_limit_of_every_step() -> None:
    environ = {"CLEARANCE_LOADTEST_P99_MS": "200", "CLEARANCE_LOADTEST_P99_MS_REPORT": "900"}
    limits = {step.name: p99_limit(step, environ) for step in STEPS}
    assert limits["report"] == 900
    assert limits["lodge"] == limits["claim"] == 200
    assert p99_limit(STEPS[0], {}) == 50  # the default


def test_only_the_steps_over_their_limit_are_missed() -> None:
    stats = _stats(lodge=120, status=30, report=700)
    environ: Mapping[str, str] = {"CLEARANCE_LOADTEST_P99_MS_REPORT": "1000"}
    assert missed_thresholds(stats, environ) == ["lodge: p99 120 ms > 50 ms"]


def test_steps_that_made_no_request_are_not_judged_but_a_run_without_lodgements_is() -> None:
    stats = _stats(metrics=5)
    assert missed_thresholds(stats, {}) == ["no declaration was lodged"]
    assert [line.split()[0] for line in summary(stats, {})] == ["step", "metrics", "all"]


def test_the_fail_ratio_counts_every_step() -> None:
    stats = _stats(lodge=10, claim=10)
    stats.entries[("claim", "POST")].num_failures = 4  # 4 of 200 requests
    assert missed_thresholds(stats, {}) == ["fail ratio 2.00% > 1.00%"]
    assert missed_thresholds(stats, {"CLEARANCE_LOADTEST_MAX_FAIL_RATIO": "0.05"}) == []


def test_each_officer_gets_a_key_of_its_own() -> None:
    environ = {"CLEARANCE_LOADTEST_OFFICER_KEY": "clr_a, clr_b,clr_c"}
    assert officer_keys(2, environ) == ["clr_a", "clr_b"]
    with pytest.raises(KeySetupError, match="2 keys for 3 officers"):
        officer_keys(3, {"CLEARANCE_LOADTEST_OFFICER_KEY": "clr_a,clr_b"})


def test_the_scenario_knows_the_states_as_the_state_machine_has_them() -> None:
    assert {s.value for s in states.BEFORE_DECISION} == AMENDABLE_STATES
    assert {s.value for s in states.FINAL} < SETTLED_STATES
