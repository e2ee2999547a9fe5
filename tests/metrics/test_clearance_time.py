"""Clearance time as Prometheus sees it: three channels driven with a controlled clock."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from clearance.clock import FrozenClock
from tests.conftest import auth
from tests.deploy.test_manifests import LIVE_GAUGES
from tests.factories import USED_CLOTHING_LINE, declaration
from tests.helpers import arrive, check_documents, claim, decide, lodge, pay

MINUTE = 60.0


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class Delta:
    """What a test added to each series, whatever earlier tests left in the registry."""

    def __init__(self, *series: tuple[str, dict[str, str]]) -> None:
        self.series = series
        self.before = [_sample(name, **labels) for name, labels in series]

    def __call__(self) -> list[float]:
        return [
            round(_sample(name, **labels) - before, 3)
            for (name, labels), before in zip(self.series, self.before, strict=True)
        ]


@pytest.fixture
def established(configure: Callable[..., None]) -> None:
    configure(new_trader_declarations=0, lease_seconds=3600)


def test_three_channels_through_the_histograms(
    client: TestClient,
    keys: dict[str, str],
    work: Callable[[], int],
    clock: FrozenClock,
    established: None,
) -> None:
    green, yellow, red = {"channel": "green"}, {"channel": "yellow"}, {"channel": "red"}
    delta = Delta(
        ("clearance_lodgement_to_channel_seconds_sum", green),
        ("clearance_lodgement_to_channel_seconds_count", green),
        ("clearance_lodgement_to_release_seconds_sum", green),
        ("clearance_arrival_to_release_seconds_sum", green),
        ("clearance_arrival_to_release_seconds_sum", yellow),
        ("clearance_arrival_to_release_seconds_count", yellow),
        ("clearance_stage_seconds_sum", {"stage": "assessed", "channel": "yellow"}),
        ("clearance_stage_seconds_sum", {"stage": "document_check", "channel": "yellow"}),
        ("clearance_stage_seconds_sum", {"stage": "inspection", "channel": "red"}),
        ("clearance_lodgement_to_channel_seconds_count", red),
        ("clearance_decisions_total", {"decision": "seize", "actor_kind": "officer"}),
        ("clearance_arrival_to_release_seconds_bucket", {"channel": "green", "le": "600.0"}),
    )
    # Green: screened 30 s after lodgement, the truck arrives 10 min later and is released.
    first = lodge(client, keys["trader"])
    clock.advance(timedelta(seconds=30))
    work()
    pay(client, keys["bank"], first)  # paid at once, as VNACCS e-payment lets a trader
    clock.advance(timedelta(minutes=10))
    assert arrive(client, keys["gate"], first)["state"] == "released"

    # Yellow: the truck waits 20 min for the document check, which takes 15 min.
    second = lodge(client, keys["trader"])
    client.put(
        "/v1/risk/rules/R-NEW-TRADER",
        json={"severity": "info", "params": {"below": 99}},
        headers=auth(keys["supervisor"]),
    )
    third = lodge(client, keys["trader"], declaration(lines=[USED_CLOTHING_LINE]))
    work()
    pay(client, keys["bank"], second)
    arrive(client, keys["gate"], second)
    clock.advance(timedelta(minutes=20))
    claimed = claim(client, keys["officer"])
    assert claimed["item"]["declaration_id"] == third  # red (prohibited goods) comes first
    decide(client, keys["officer"], third, decision="inspect")
    assert claim(client, keys["officer"])["item"]["declaration_id"] == second
    clock.advance(timedelta(minutes=15))
    check_documents(client, keys["officer"], second)
    released = decide(client, keys["officer"], second, decision="release")
    assert released.status_code == 200, released.text
    assert released.json()["state"] == "released"

    # Red: sent to inspection while the yellow was checked; inspected for 45 min and seized.
    claim(client, keys["supervisor"], lane="inspection")
    clock.advance(timedelta(minutes=45))
    finding = {"code": "prohibited", "line": 1}
    decide(
        client,
        keys["supervisor"],
        third,
        decision="seize",
        reason="used clothing",
        inspected=True,
        fraud_found=True,
        findings=[finding],
    )

    assert delta() == [
        30.0,
        1.0,  # green: lodgement -> channel
        630.0,  # green: lodgement -> release
        0.0,  # green: released the moment it arrived
        35 * MINUTE,
        1.0,  # yellow: arrival -> release
        20 * MINUTE,  # yellow: waiting in `assessed` until claimed
        15 * MINUTE,  # yellow: the document check
        60 * MINUTE,  # red: in `inspection`, 15 min waiting and 45 min inspected
        1.0,  # red: one screened
        1.0,  # one seizure
        1.0,  # the green release fell in the 10-minute bucket
    ]


def test_overdue_items_and_the_longest_wait_per_lane_are_scraped(
    client: TestClient, keys: dict[str, str], work: Callable[[], int], clock: FrozenClock
) -> None:
    lodge(client, keys["trader"])  # a new trader: yellow, due for its document check in 2 h
    work()
    clock.advance(timedelta(hours=3))
    scraped = client.get("/metrics").text
    assert 'clearance_review_overdue_items{lane="document_check"} 1.0' in scraped
    assert 'clearance_review_oldest_waiting_seconds{lane="document_check"} 10800.0' in scraped
    assert 'clearance_review_overdue_items{lane="inspection"} 0.0' in scraped
    # The names the deploy tests take as exported are really scraped.
    assert all(f"\n{name}{{" in scraped for name in LIVE_GAUGES)
