"""Customs' side of the scenario: officers work the review queue, operators watch the service."""

import itertools
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from locust import FastHttpUser, constant, task

from loadtests.users import (
    OFFICERS,
    OPERATORS,
    PERSON_WAIT,
    bearer,
    json_object,
    keys,
    refusal,
)

OPERATOR_TICK_SECONDS = 1.0
REPORT_EVERY_TICKS = 3  # the other ticks scrape /metrics
REPORT_PERIOD = timedelta(days=1)
UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# What an officer asks for when a declaration under review has no papers to check.
NO_DOCUMENTS_QUERY = "Upload the invoice, packing list and contract of these goods"
# An officer keeps the lease of goods whose truck is not at the gate yet, tries again this
# often, and gives the lease back after the longer wait (a truck that never comes).
TRUCK_RETRY_SECONDS = 10.0
TRUCK_WAIT_SECONDS = 30.0

_officer_numbers = itertools.count()


@dataclass(frozen=True)
class Claimed:
    """An item an officer holds the lease on, as the claim described it."""

    declaration_id: str
    version: int
    state: str
    channel: str | None

    @property
    def path(self) -> str:
        return f"/v1/review/items/{self.declaration_id}"


@dataclass
class AwaitedTruck:
    """Goods an officer holds the lease of until their truck reaches the gate."""

    item: Claimed
    since: float  # time.monotonic() of the first refused inspection
    tried: float  # and of the last


def _absent_at(detail: dict[str, Any], moment: datetime) -> bool:
    """Whether the declaration's truck was not at the gate yet at `moment`.

    The truck may arrive between a refused inspection and the second look; this compares the
    service's clock with locust's, so run locust on a machine with a synchronised clock.
    """
    arrived_at = detail.get("arrived_at")
    return arrived_at is None or datetime.fromisoformat(arrived_at) >= moment


class OfficerUser(FastHttpUser):
    """A customs officer: claims an item, checks the papers, inspects the goods, decides.

    Every other officer works at the goods: claims from the inspection lane first, and only
    when it is empty the most urgent item of any lane, as the others always do. Goods whose
    truck is not at the gate yet stay leased to the officer, so that claims move on to other
    items, and are inspected once the truck is there.
    """

    fixed_count = OFFICERS
    abstract = OFFICERS == 0  # locust runs no abstract user class
    wait_time = PERSON_WAIT

    def on_start(self) -> None:
        self.headers = bearer(next(keys().officers))
        at_goods = next(_officer_numbers) % 2 == 1
        self.lanes: list[str | None] = ["inspection", None] if at_goods else [None]
        self.awaited: dict[str, AwaitedTruck] = {}

    def on_stop(self) -> None:
        """No lease outlives the run: give back the goods still waiting for their truck."""
        for awaited in list(self.awaited.values()):
            self.give_back(awaited.item)

    @task
    def review(self) -> None:
        """Red goods are referred to inspection after the papers, and released after it."""
        item = self.truck_to_try() or self.claim()
        if item is None:
            return
        at_goods = item.state == "inspection"
        if at_goods and self.post_on(item, "inspection", {"seals_intact": True}, "inspect") is None:
            return
        self.awaited.pop(item.declaration_id, None)
        # At inspection too: a green one the weighbridge stopped never had its papers checked.
        documents = self.documents(item)
        if documents is None:
            return
        if not documents:
            self.post_on(item, "decision", {"decision": "hold", "query": NO_DOCUMENTS_QUERY})
            return
        verdicts = [{"document_id": d, "verdict": "accepted"} for d in documents]
        if self.post_on(item, "document-check", {"documents": verdicts}, "check") is None:
            return
        refer = item.channel == "red" and not at_goods
        self.post_on(item, "decision", {"decision": "inspect" if refer else "release"})

    def truck_to_try(self) -> Claimed | None:
        """Goods the officer holds whose truck may have come since the last try."""
        now = time.monotonic()
        due = (a for a in self.awaited.values() if now - a.tried >= TRUCK_RETRY_SECONDS)
        return next((a.item for a in due), None)

    def await_truck(self, item: Claimed) -> None:
        """Keep the lease until the truck comes, or give it back after TRUCK_WAIT_SECONDS."""
        now = time.monotonic()
        awaited = self.awaited.setdefault(item.declaration_id, AwaitedTruck(item, now, now))
        awaited.tried = now
        if now - awaited.since > TRUCK_WAIT_SECONDS:
            self.give_back(item)

    def claim(self) -> Claimed | None:
        """Lease the most urgent free item of the officer's lanes, in turn; None if none."""
        for lane in self.lanes:
            with self.client.post(
                "/v1/review/claim-next",
                json={"lane": lane} if lane else {},
                headers=self.headers,
                name="claim",
                catch_response=True,
            ) as response:
                if response.status_code == 204:
                    continue  # nothing waiting there
                item = json_object(response).get("item")
                if response.status_code != 200 or not isinstance(item, dict):
                    response.failure(refusal(response))
                    return None
            return Claimed(
                declaration_id=str(item["declaration_id"]),
                version=int(item["version"]),
                state=str(item["state"]),
                channel=item.get("channel"),
            )
        return None

    def documents(self, item: Claimed) -> list[str] | None:
        """The ids of the papers to judge (photos are evidence, not papers); None on failure."""
        with self.client.get(
            f"/v1/declarations/{item.declaration_id}/documents",
            headers=self.headers,
            name="documents",
            catch_response=True,
        ) as response:
            listed = json_object(response).get("documents")
            if response.status_code != 200 or not isinstance(listed, list):
                response.failure(refusal(response))
                listed = None
        if listed is None:
            self.give_back(item)
            return None
        return [str(d["id"]) for d in listed if d.get("kind") != "inspection_photo"]

    def post_on(
        self, item: Claimed, action: str, body: dict[str, Any], step: str = "decide"
    ) -> dict[str, Any] | None:
        """POST to the claimed item; its answer, or None once the lease is taken care of.

        A 409 is a race, not a fault, when the declaration changed under the officer: amended
        by its trader, made red by the weighbridge, or its truck not at the gate yet.
        """
        expected = 200 if action == "decision" else 201
        sent_at = datetime.now(UTC)
        with self.client.post(
            f"{item.path}/{action}",
            json={"version": item.version, **body},
            headers=self.headers,
            name=step,
            catch_response=True,
        ) as response:
            if response.status_code == expected:
                return json_object(response)
            now = self.recheck(item) if response.status_code == 409 else None
            if now is not None and now.get("version") != item.version:
                response.success()  # the lease went with the version the trader replaced
                self.awaited.pop(item.declaration_id, None)
                return None
            if now is not None and step == "inspect" and _absent_at(now, sent_at):
                response.success()
                self.await_truck(item)
                return None
            if now is not None and now.get("channel") != item.channel:
                response.success()
            else:
                response.failure(refusal(response))
        self.give_back(item)
        return None

    def recheck(self, item: Claimed) -> dict[str, Any] | None:
        """The declaration as it is now, to tell a race from a fault after a refusal."""
        with self.client.get(
            f"/v1/declarations/{item.declaration_id}",
            headers=self.headers,
            name="recheck",
            catch_response=True,
        ) as response:
            detail = json_object(response)
            if response.status_code != 200 or "version" not in detail:
                response.failure(refusal(response))
                return None
            return detail

    def give_back(self, item: Claimed) -> None:
        """Release the lease: after a failure no item waits for its lease to lapse."""
        self.awaited.pop(item.declaration_id, None)
        with self.client.delete(
            f"{item.path}/lease", headers=self.headers, name="release", catch_response=True
        ) as response:
            if response.status_code != 204:
                response.failure(refusal(response))


class OperatorUser(FastHttpUser):
    """Operations: Prometheus scrapes, and the Time Release Study report of the last day."""

    fixed_count = OPERATORS
    abstract = OPERATORS == 0
    wait_time = constant(OPERATOR_TICK_SECONDS)

    def on_start(self) -> None:
        self.headers = bearer(keys().operator)
        self.ticks = itertools.count()

    @task
    def watch(self) -> None:
        """The report on the first tick and every third after it, a scrape on the others."""
        if next(self.ticks) % REPORT_EVERY_TICKS == 0:
            self.report()
        else:
            self.metrics()

    def metrics(self) -> None:
        with self.client.get("/metrics", name="metrics", catch_response=True) as response:
            if response.status_code != 200 or "clearance_" not in (response.text or ""):
                response.failure(refusal(response))

    def report(self) -> None:
        now = datetime.now(UTC)
        period = {"from": f"{now - REPORT_PERIOD:{UTC_FORMAT}}", "to": f"{now:{UTC_FORMAT}}"}
        with self.client.get(
            "/v1/reports/release-time",
            params=period,
            headers=self.headers,
            name="report",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or "channels" not in json_object(response):
                response.failure(refusal(response))
