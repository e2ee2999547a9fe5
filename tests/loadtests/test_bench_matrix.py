"""The benchmark over worker counts and database sizes, and its table against the bar."""

import json
from pathlib import Path
from typing import Any

import pytest

from loadtests import bench_matrix
from loadtests.bench_matrix import Bar, bar_table, figures, meets

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "loadtests" / "results"


def _recorded(name: str) -> dict[str, Any]:
    return dict(json.loads((RESULTS / name).read_text()))


def test_the_bar_figures_are_read_from_a_recorded_run() -> None:
    result = _recorded("2026-12-07-sets-2api-2workers-1m.json")

    found = figures(result)

    service = result["service"]
    assert found["screened_per_second"] == service["end_to_end"]["worker_declarations_per_second"]
    cpu = service["cpu"]["ms_per_unit"]
    assert found["cpu_ms_per_declaration"] == pytest.approx(
        cpu["api"] + cpu["database"] + cpu["redis"] + cpu["workers"], abs=0.01
    )
    assert found["intake_p99_ms"] == service["paced"]["latency_ms"]["p99"]
    paced_e2e = service["paced"]["end_to_end"]
    assert found["lodged_to_channel_p99_ms"] == paced_e2e["lodged_to_channel_ms"]["p99"]
    assert found["bare_api_cpu_ms"] == result["bare_api"]["cpu"]["ms_per_unit"]["api"]
    assert found["worker_rss_growth_mb"] == pytest.approx(10.9)  # 284.1 -> 295.0


def test_a_run_is_held_to_each_bar_and_an_unmeasured_figure_does_not_pass() -> None:
    found = figures(_recorded("2026-12-07-sets-2api-2workers-empty.json"))

    assert meets(found) == dict.fromkeys(meets(found), False)  # 114/s, 17.6 ms: short of all
    generous = Bar(
        screened_per_second=100,
        cpu_ms_per_declaration=20,
        intake_p99_ms=200,
        lodged_to_channel_p99_ms=60_000,
    )
    assert all(meets(found, generous).values())
    assert not any(meets(figures({"problems": ["broke off"]}), generous).values())


def test_the_table_has_a_row_per_run_with_its_problems() -> None:
    recorded = _recorded("2026-12-07-sets-2api-2workers-empty.json")
    broken: dict[str, Any] = {"problems": ["the run broke off"]}
    runs = [
        {"workers": 2, "prefill": 0, "result": recorded, "figures": figures(recorded)},
        {"workers": 4, "prefill": 1_000_000, "result": broken, "figures": figures(broken)},
    ]

    text = bar_table(runs)

    rows = text.splitlines()
    assert rows[0].startswith("Targets: >= 500 screened/s")
    assert " NO" in rows[2] and rows[2].split()[:2] == ["2", "0"]
    assert rows[3].split()[:2] == ["4", "1,000,000"] and "-" in rows[3]
    assert rows[4].strip() == "problem: the run broke off"


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        (["--workers", "0,2"], "at least 1"),
        (["--workers", "two"], "whole numbers"),
        (["--prefill", "-1"], "none below 0"),
        (["--", "--workers", "3"], "--workers is the matrix's own"),
        (["--", "--json=x.json"], "--json is the matrix's own"),
    ],
)
def test_bad_arguments_are_refused_naming_the_option(
    argv: list[str], problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        bench_matrix.parse_args(argv)

    assert exit_.value.code == 2
    assert problem in capsys.readouterr().err


def test_arguments_after_the_separator_go_to_every_run() -> None:
    args, passed = bench_matrix.parse_args(["--workers", "1,4", "--", "--count", "30"])

    assert args.workers == [1, 4] and args.prefill == [0, 1_000_000]
    assert passed == ["--count", "30"]
