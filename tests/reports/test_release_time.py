"""The TRS report over declarations driven through the API and a real worker, to the second."""

import argparse
import csv
import io
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from clearance.clock import FrozenClock
from clearance.errors import InvalidInput
from clearance.reports.cli import add_report_commands, report_command
from clearance.reports.schemas import ReleaseTimeReport, Stage
from tests.conftest import START, auth
from tests.factories import USED_CLOTHING_LINE, declaration
from tests.helpers import arrive, check_documents, claim, decide, inspect_goods, lodge, pay

MINUTE = 60.0
PERIOD = {"from": START.isoformat(), "to": (START + timedelta(hours=3)).isoformat()}


# Used clothing has no rate in the shipped tariff (its import is banned): without one no duty
# can be assessed, so a supervisor adds it for the day before the red one is released.
USED_CLOTHING_RATE = {
    "hs_code": "63090000",
    "rates": {"mfn": "100"},
    "effective_from": START.date().isoformat(),
}


def _at(clock: FrozenClock, minutes: int) -> None:
    """Move the clock to START + minutes."""
    clock.advance(START + timedelta(minutes=minutes) - clock.now())


@pytest.fixture
def traffic(
    reports_client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    clock: FrozenClock,
    configure: Callable[..., None],
) -> dict[str, str]:
    """Two greens, a yellow, a red, a cancelled one in the period, and one lodged after it.

    minute  0: G1 lodged, truck at the gate; 10: G1 screened green and released.
    minute 10: G2 lodged, truck at the gate; 40: G2 screened green and released.
    minute 40: Y lodged by a new trader; 45 yellow; 50 truck arrives; 60 claimed;
               70 released by the officer; 110 exits.
    minute 80: R lodged (used clothing); 82 red; 90 claimed; 95 sent to inspection;
               150 truck arrives and R is claimed for inspection; 155 inspected and its
               documents checked; 160 released. (An officer's lease lasts 15 minutes.)
    minute 170: C lodged and cancelled. Minute 200: X lodged, outside the period.
    Every duty is paid as soon as the declaration is lodged: payment never holds a truck here.
    """
    client, gate = reports_client, keys["gate"]
    configure(new_trader_declarations=0)
    g1 = lodge(client, keys["trader"])
    pay(client, keys["bank"], g1)
    arrive(client, gate, g1)
    _at(clock, 10)
    work()
    g2 = lodge(client, keys["trader"])
    pay(client, keys["bank"], g2)
    arrive(client, gate, g2)
    _at(clock, 40)
    work()
    configure(new_trader_declarations=5)
    y = lodge(client, keys["other_trader"], declaration("0100000002"))
    pay(client, keys["bank"], y)
    _at(clock, 45)
    work()
    _at(clock, 50)
    arrive(client, gate, y)
    _at(clock, 60)
    assert claim(client, keys["officer"])["item"]["declaration_id"] == y
    _at(clock, 70)
    check_documents(client, keys["officer"], y)
    assert decide(client, keys["officer"], y, decision="release").json()["state"] == "released"
    _at(clock, 80)
    r = lodge(client, keys["trader"], declaration(lines=[USED_CLOTHING_LINE]))
    rated = client.post("/v1/tariff", json=USED_CLOTHING_RATE, headers=auth(keys["supervisor"]))
    assert rated.status_code == 201, rated.text
    pay(client, keys["bank"], r)
    _at(clock, 82)
    work()
    _at(clock, 90)
    assert claim(client, keys["officer"])["item"]["declaration_id"] == r
    _at(clock, 95)
    assert decide(client, keys["officer"], r, decision="inspect").status_code == 200
    _at(clock, 110)
    exit_y = client.post(f"/v1/declarations/{y}/exit", json={}, headers=auth(gate))
    assert exit_y.status_code == 200, exit_y.text
    _at(clock, 150)
    arrive(client, gate, r)
    claim(client, keys["supervisor"], lane="inspection")
    _at(clock, 155)
    assert inspect_goods(client, keys["supervisor"], r).status_code == 201
    assert check_documents(client, keys["supervisor"], r).status_code == 201
    _at(clock, 160)
    assert (
        decide(client, keys["supervisor"], r, decision="release", inspected=True).json()["state"]
        == "released"
    )
    _at(clock, 170)
    c = lodge(client, keys["trader"])
    cancelled = client.post(
        f"/v1/declarations/{c}/cancel",
        json={"reason": "order cancelled"},
        headers=auth(keys["trader"]),
    )
    assert cancelled.status_code == 200, cancelled.text
    _at(clock, 200)
    lodge(client, keys["trader"])
    return {"g1": g1, "g2": g2, "y": y, "r": r, "c": c}


def _report(client: TestClient, key: str, **params: Any) -> Any:
    response = client.get(
        "/v1/reports/release-time", params={**PERIOD, **params}, headers=auth(key)
    )
    assert response.status_code == 200, response.text
    return response


def _stages(report: dict[str, Any], channel: str) -> dict[str, dict[str, Any]]:
    [found] = [c for c in report["channels"] if c["channel"] == channel]
    return {s["stage"]: s for s in found["stages"]}


def _figures(stats: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(
        stats[k] for k in ("count", "mean_seconds", "median_seconds", "p90_seconds", "max_seconds")
    )


def test_green_stages_come_from_the_events_to_the_second(
    reports_client: TestClient, keys: dict[str, str], traffic: dict[str, str]
) -> None:
    green = _stages(_report(reports_client, keys["operator"]).json(), "green")
    # Trucks waited 10 and 30 minutes at the gate: median 20, p90 10 + 0.9 x 20 = 28.
    assert _figures(green["arrival_to_release"]) == (2, 1200.0, 1200.0, 1680.0, 1800.0)
    assert _figures(green["lodgement_to_screening"]) == (2, 1200.0, 1200.0, 1680.0, 1800.0)
    assert _figures(green["decision_to_release"]) == (2, 0.0, 0.0, 0.0, 0.0)
    assert _figures(green["lodgement_to_release"]) == (2, 1200.0, 1200.0, 1680.0, 1800.0)
    assert green["document_check"]["count"] == 0
    assert green["document_check"]["median_seconds"] is None


def test_yellow_and_red_stages_follow_the_officers_work(
    reports_client: TestClient, keys: dict[str, str], traffic: dict[str, str]
) -> None:
    report = _report(reports_client, keys["supervisor"]).json()
    yellow, red = _stages(report, "yellow"), _stages(report, "red")
    expected_yellow = {
        "lodgement_to_screening": 5,
        "screening_to_document_check": 15,
        "document_check": 10,
        "decision_to_release": 0,
        "release_to_exit": 40,
        "arrival_to_release": 20,
        "lodgement_to_release": 30,
    }
    assert {s: v["median_seconds"] for s, v in yellow.items() if v["count"]} == {
        s: m * MINUTE for s, m in expected_yellow.items()
    }
    expected_red = {
        "lodgement_to_screening": 2,
        "screening_to_document_check": 8,
        "document_check": 5,
        "inspection": 65,
        "decision_to_release": 0,
        "arrival_to_release": 10,
        "lodgement_to_release": 80,
    }
    assert {s: v["median_seconds"] for s, v in red.items() if v["count"]} == {
        s: m * MINUTE for s, m in expected_red.items()
    }


def test_all_channels_count_every_declaration_lodged_in_the_period(
    reports_client: TestClient, keys: dict[str, str], traffic: dict[str, str]
) -> None:
    report = _report(reports_client, keys["operator"]).json()
    [every] = [c for c in report["channels"] if c["channel"] == "all"]
    assert (every["lodged"], every["released"], every["cancelled"], every["waiting"]) == (
        5,
        4,
        1,
        0,
    )
    # Arrival -> release over 10, 10, 20 and 30 minutes.
    assert _figures(_stages(report, "all")["arrival_to_release"]) == (
        4,
        1050.0,
        900.0,
        1620.0,
        1800.0,
    )


def test_share_within_target_uses_each_channels_target(
    reports_client: TestClient, keys: dict[str, str], traffic: dict[str, str]
) -> None:
    channels = {
        c["channel"]: c for c in _report(reports_client, keys["operator"]).json()["channels"]
    }
    green = channels["green"]
    assert (green["target_seconds"], green["within_target"], green["within_target_share"]) == (
        900.0,
        1,
        0.5,
    )
    assert channels["yellow"]["target_seconds"] == 1800.0
    assert channels["yellow"]["within_target_share"] == 1.0
    every = channels["all"]
    assert (every["within_target"], every["within_target_share"]) == (4, 1.0)  # G2 is on it


def test_outliers_are_the_slowest_at_the_gate_with_their_ids(
    reports_client: TestClient, keys: dict[str, str], traffic: dict[str, str]
) -> None:
    outliers = _report(reports_client, keys["operator"], outliers=2).json()["outliers"]
    # G2 waited 30 minutes at the gate, Y 20, G1 10 and R none.
    assert [o["declaration_id"] for o in outliers] == [traffic["g2"], traffic["y"]]
    assert [o["longest_stage"] for o in outliers] == [
        "lodgement_to_screening",
        "screening_to_document_check",
    ]
    assert [o["arrival_to_release_seconds"] for o in outliers] == [30 * MINUTE, 20 * MINUTE]


def test_csv_has_a_row_per_channel_and_stage(
    reports_client: TestClient, keys: dict[str, str], traffic: dict[str, str]
) -> None:
    response = _report(reports_client, keys["operator"], format="csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 4 * 8
    [green_gate] = [
        r for r in rows if (r["channel"], r["stage"]) == ("green", "arrival_to_release")
    ]
    assert green_gate["median_seconds"] == "1200.0"
    assert (green_gate["target_seconds"], green_gate["within_target_share"]) == ("900.0", "0.5")


def test_png_is_a_chart(
    reports_client: TestClient, keys: dict[str, str], traffic: dict[str, str]
) -> None:
    response = _report(reports_client, keys["operator"], format="png")
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = (int.from_bytes(response.content[i : i + 4], "big") for i in (16, 20))
    assert (width, height) == (1000, 480)


def test_an_empty_period_reports_zero_counts(
    reports_client: TestClient, keys: dict[str, str]
) -> None:
    report = _report(reports_client, keys["operator"]).json()
    assert {c["channel"]: c["lodged"] for c in report["channels"]} == {
        "all": 0,
        "green": 0,
        "yellow": 0,
        "red": 0,
    }
    assert report["outliers"] == []
    png = _report(reports_client, keys["operator"], format="png")
    assert png.content.startswith(b"\x89PNG")


@pytest.mark.parametrize("role", ["trader", "officer", "gate", "bank"])
def test_only_operators_and_supervisors_read_the_report(
    reports_client: TestClient, keys: dict[str, str], role: str
) -> None:
    response = reports_client.get(
        "/v1/reports/release-time", params=PERIOD, headers=auth(keys[role])
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": PERIOD["to"], "to": PERIOD["from"]}, "to"),
        ({"from": PERIOD["from"], "to": PERIOD["from"]}, "to"),
        ({"from": "2026-11-30T08:00:00", "to": PERIOD["to"]}, "from"),
        ({"from": PERIOD["from"], "to": "next week"}, "to"),
        ({"from": "2026-13-01", "to": PERIOD["to"]}, "from"),
        ({"from": "1999-12-31", "to": PERIOD["to"]}, "from"),
        ({"to": PERIOD["to"]}, "from"),
        ({**PERIOD, "format": "xlsx"}, "format"),
    ],
)
def test_period_must_be_zoned_and_ordered(
    reports_client: TestClient, keys: dict[str, str], params: dict[str, str], field: str
) -> None:
    response = reports_client.get(
        "/v1/reports/release-time", params=params, headers=auth(keys["operator"])
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in {error["field"].split(".")[-1] for error in response.json()["errors"]}


def test_a_date_is_the_gates_day_from_local_midnight(
    reports_client: TestClient, keys: dict[str, str], traffic: dict[str, str]
) -> None:
    """30 November at the gate runs from 17:00 UTC the day before: all six lodged that day."""
    report = _report(reports_client, keys["operator"], **{"from": "2026-11-30", "to": "2026-12-01"})
    body = report.json()
    assert (body["period_from"], body["period_to"]) == (
        "2026-11-29T17:00:00Z",
        "2026-11-30T17:00:00Z",
    )
    [every] = [c for c in body["channels"] if c["channel"] == "all"]
    assert every["lodged"] == 6


def test_a_local_time_with_its_offset_bounds_the_period(
    reports_client: TestClient, keys: dict[str, str], traffic: dict[str, str]
) -> None:
    """15:00+07:00 is START; the same three hours as PERIOD give the same five declarations."""
    local = {"from": "2026-11-30T15:00+07:00", "to": "2026-11-30T18:00+07:00"}
    body = _report(reports_client, keys["operator"], **local).json()
    assert body["period_from"] == "2026-11-30T08:00:00Z"
    [every] = [c for c in body["channels"] if c["channel"] == "all"]
    assert every["lodged"] == 5


def test_both_wrong_bounds_are_named_in_one_answer(
    reports_client: TestClient, keys: dict[str, str]
) -> None:
    response = reports_client.get(
        "/v1/reports/release-time",
        params={"from": "1 Dec", "to": "2026-12-02T08:00"},
        headers=auth(keys["operator"]),
    )
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["from", "to"]
    assert "2026-12-01T08:00+07:00" in response.json()["detail"]


def test_cli_writes_the_same_figures_as_json_csv_and_png(
    traffic: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser()
    add_report_commands(parser.add_subparsers(dest="command"))
    for fmt in ("json", "csv", "png"):
        out = tmp_path / f"report.{fmt}"
        period = ["--from", PERIOD["from"], "--to", PERIOD["to"]]
        args = parser.parse_args(
            ["report", "release-time", *period, "--format", fmt, "--out", str(out)]
        )
        args.handler(args)
    report = ReleaseTimeReport.model_validate_json((tmp_path / "report.json").read_text())
    gate = report.channel("green").stages[list(Stage).index(Stage.arrival_to_release)]
    assert (gate.count, gate.median_seconds) == (2, 1200.0)
    assert "green,arrival_to_release,2,1200.0," in (tmp_path / "report.csv").read_text()
    assert (tmp_path / "report.png").read_bytes().startswith(b"\x89PNG")
    assert "written to" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("period_from", "period_to", "message"),
    [
        ("2026-11-30T08:00", "2026-12-01T08:00Z", "from: '2026-11-30T08:00' has no offset"),
        ("2026-12-01T08:00Z", "2026-11-30T08:00Z", "to: must be after from"),
        ("2026-12-01", "2026-12-01", "to: must be after from"),
        ("yesterday", "2026-11-30T08:00Z", "from: 'yesterday' is not a date"),
    ],
)
def test_cli_refuses_a_period_without_zone_or_order(
    session: Session, period_from: str, period_to: str, message: str
) -> None:
    args = argparse.Namespace(
        period_from=period_from, period_to=period_to, format="json", out=None, outliers=10
    )
    with pytest.raises(InvalidInput, match=message):
        report_command(args)


def test_trucks_still_waiting_count_by_their_wait_so_far(
    reports_client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    clock: FrozenClock,
    configure: Callable[..., None],
) -> None:
    """A yellow one nobody claims: on target for its first 30 minutes at the gate, then not,
    though it was never released; the report says it waits and since when."""
    configure(new_trader_declarations=5)
    y = lodge(reports_client, keys["trader"])
    work()
    _at(clock, 5)
    arrive(reports_client, keys["gate"], y)

    def yellow_at(minutes: int) -> dict[str, Any]:
        _at(clock, minutes)
        report = _report(reports_client, keys["operator"]).json()
        found: dict[str, Any] = next(c for c in report["channels"] if c["channel"] == "yellow")
        return found

    early, late = yellow_at(20), yellow_at(45)

    assert (early["waiting"], early["waiting_at_gate"], early["released"]) == (1, 1, 0)
    assert (early["within_target"], early["within_target_share"]) == (1, 1.0)
    assert (early["oldest_waiting_seconds"], early["oldest_at_gate_seconds"]) == (1200.0, 900.0)
    assert (late["within_target"], late["within_target_share"]) == (0, 0.0)  # 40 min > 30
    assert (late["oldest_waiting_seconds"], late["oldest_at_gate_seconds"]) == (2700.0, 2400.0)
    assert _stages({"channels": [late]}, "yellow")["arrival_to_release"]["count"] == 0
