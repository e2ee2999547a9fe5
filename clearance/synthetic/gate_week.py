"""A week at the gate on a controlled clock: traders lodge by the hour of the day, the bank pays,
trucks reach the gate in its opening hours, and officers on morning and afternoon shifts work
the review queue one item at a time, each for a drawn duration.

Everything goes through the service's API, so the events it leaves are the ones real traffic
leaves; the officers take what the service's own queue puts first (overdue first, then the
least working time left). It feeds the what-if planner's validation: its test and
`python -m loadtests.whatif_example` replay such a week and compare.
"""

import heapq
import itertools
import json
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any, Protocol

from clearance.clock import FrozenClock
from clearance.reference.calendar import VIETNAM, local_date
from clearance.synthetic.declarations import DISHONEST_SHARE, make_declaration
from clearance.synthetic.documents import reference_to
from clearance.synthetic.http import bearer
from clearance.synthetic.uploads import document_uploads, pdf, upload_fields

ITEMS = "/v1/review/items"
# Lodgements by local hour: traders file from before dawn, most in the working morning.
HOURLY_LODGEMENTS = {5: 1, 6: 2, 7: 4, 8: 5, 9: 5, 10: 4, 11: 3, 12: 2, 13: 3, 14: 4, 15: 3, 16: 2}
AUTHORITY = "Chi cục Kiểm dịch thực vật vùng VII"  # who issues the papers asked for late
GATE_OPENS, GATE_CLOSES = time(7, 0), time(19, 0)  # Ma Lù Thàng (reference/data/gates.csv)


@dataclass(frozen=True)
class Shift:
    name: str
    starts: time
    ends: time


SHIFTS = (Shift("morning", time(7), time(13)), Shift("afternoon", time(13), time(19)))


@dataclass(frozen=True)
class WeekPlan:
    """What the week holds; durations are lognormal, given by their median in minutes."""

    start: datetime  # local midnight at the gate
    days: int = 7
    lodgements_per_day: int = 24
    # Officers per shift on each day of the week (Monday first).
    officers: dict[str, tuple[int, ...]] = field(
        default_factory=lambda: {"morning": (2, 2, 2, 2, 2, 1, 1), "afternoon": (1,) * 7}
    )
    document_check_minutes: dict[str, float] = field(
        default_factory=lambda: {"yellow": 20.0, "red": 35.0}
    )
    inspection_minutes: float = 80.0
    spread: float = 0.5  # sigma of the log durations
    travel_minutes: float = 30.0  # lodgement to the truck at the gate
    answer_minutes: float = 60.0  # a trader asked for a missing paper uploads it
    paid_at_gate_share: float = 0.2  # traders who pay only once the truck is there
    seed: int = 7


@dataclass(frozen=True)
class WeekKeys:
    traders: dict[str, str]  # tax code -> trader key
    trader_names: dict[str, str]
    bank: str
    gate: str
    officers: list[str]  # enough for the largest morning plus the largest afternoon


@dataclass
class Truck:
    id: str
    channel: str | None = None
    gross_kg: Decimal = Decimal(0)
    arrived: bool = False
    key: str = ""
    body: dict[str, Any] = field(default_factory=dict)


@dataclass
class WeekResult:
    lodged: int = 0
    refused: list[str] = field(default_factory=list)  # requests the service refused, briefly
    trucks: dict[str, Truck] = field(default_factory=dict)


Event = tuple[datetime, int, str, Any]


class Answer(Protocol):
    """What the driver reads of a response (httpx's, or a test client's)."""

    status_code: int

    @property
    def is_success(self) -> bool: ...

    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...


class Http(Protocol):
    """An HTTP client on the service: httpx.Client, or the test client of an app in process."""

    def get(self, url: str, *, params: Any = ..., headers: Any = ...) -> Answer: ...

    def post(
        self, url: str, *, json: Any = ..., data: Any = ..., files: Any = ..., headers: Any = ...
    ) -> Answer: ...


class GateWeek:
    """The event loop: one heap of what happens next, the clock moved to each in turn."""

    def __init__(
        self,
        client: Http,
        clock: FrozenClock,
        keys: WeekKeys,
        plan: WeekPlan,
        screen: Callable[[], object],
    ) -> None:
        self.client, self.clock, self.keys, self.plan, self.screen = (
            client,
            clock,
            keys,
            plan,
            screen,
        )
        self.rng = random.Random(plan.seed)
        self.heap: list[Event] = []
        self.order = itertools.count()
        self.result = WeekResult()
        self.on_shift: dict[str, list[str]] = {}
        self.busy: set[str] = set()
        self.dirty = False

    def at(self, moment: datetime, kind: str, payload: Any = None) -> None:
        heapq.heappush(self.heap, (moment, next(self.order), kind, payload))

    def run(self) -> WeekResult:
        """Plan the lodgements and shifts, then play every event in time order."""
        for moment in self._lodgement_times():
            self.at(moment, "lodge")
        for day in range(self.plan.days + 3):  # the last trucks are worked the days after
            for shift in SHIFTS:
                self.at(self._local(day, shift.starts), "shift", (day, shift))
        while self.heap:
            moment, _, kind, payload = heapq.heappop(self.heap)
            if moment > self.clock.now():
                self.clock.advance(moment - self.clock.now())
            getattr(self, f"_on_{kind}")(payload)
            if self.dirty and self._idle():
                self._dispatch()
        return self.result

    def _local(self, day: int, at: time) -> datetime:
        local = self.plan.start.astimezone(VIETNAM).date() + timedelta(days=day)
        return datetime.combine(local, at, VIETNAM)

    def _lodgement_times(self) -> Iterator[datetime]:
        hours, weights = list(HOURLY_LODGEMENTS), list(HOURLY_LODGEMENTS.values())
        for day in range(self.plan.days):
            for _ in range(self.plan.lodgements_per_day):
                hour = self.rng.choices(hours, weights)[0]
                yield self._local(day, time(hour)) + timedelta(minutes=self.rng.uniform(0, 60))

    def _minutes(self, median: float) -> timedelta:
        return timedelta(minutes=median * math.exp(self.rng.gauss(0, self.plan.spread)))

    def _refused(self, what: str, response: Answer) -> bool:
        if response.is_success:
            return False
        self.result.refused.append(f"{what}: {response.status_code} {response.text[:120]}")
        return True

    def _on_lodge(self, _payload: None) -> None:
        tax_code = self.rng.choice(sorted(self.keys.traders))
        key = self.keys.traders[tax_code]
        declarant = (tax_code, self.keys.trader_names[tax_code])
        honest = self.rng.random() >= DISHONEST_SHARE  # as the demo's traders
        body = make_declaration(self.rng, declarant=declarant, now=self.clock.now(), honest=honest)
        response = self.client.post("/v1/declarations", json=body, headers=bearer(key))
        if self._refused("lodge", response):
            return
        truck = Truck(response.json()["id"], key=key, body=body)
        truck.gross_kg = sum((Decimal(line["gross_kg"]) for line in body["lines"]), Decimal(0))
        for fields, data in document_uploads(body, self.rng):
            self._upload(truck, fields, data)
        self.screen()
        self.result.lodged += 1
        self.result.trucks[truck.id] = truck
        found = self._read(truck.id)
        truck.channel = found.get("channel")
        self.dirty = self.dirty or truck.channel in {"yellow", "red"}
        if found.get("state") == "held":
            self.at(self.clock.now() + self._minutes(self.plan.answer_minutes), "answer", truck)
        arrival = self._opening_hours(self.clock.now() + self._minutes(self.plan.travel_minutes))
        self.at(arrival, "arrive", truck)
        if self.rng.random() >= self.plan.paid_at_gate_share:
            self.at(self.clock.now() + self._minutes(20), "pay", truck)
        else:
            self.at(arrival + self._minutes(30), "pay", truck)

    def _on_answer(self, truck: Truck) -> None:
        """The trader uploads the papers the service found missing; it is screened again."""
        listed = self.client.get(
            f"/v1/declarations/{truck.id}/documents", headers=bearer(truck.key)
        )
        missing = listed.json().get("missing", []) if listed.is_success else []
        today = local_date(self.clock.now())
        for number, paper in enumerate(missing, start=1):
            number_text = f"{paper['kind'][:6].upper()}-{truck.id[:8]}-{number}"
            reference = reference_to(paper["kind"], number_text, AUTHORITY, today)
            self._upload(truck, upload_fields(truck.body, reference, self.rng))
        self.screen()
        truck.channel = self._read(truck.id).get("channel")
        self.dirty = True

    def _upload(self, truck: Truck, fields: dict[str, Any], data: bytes | None = None) -> None:
        title = f"{truck.body['ucr']} {fields['kind']} {fields['number']}"
        uploaded = self.client.post(
            f"/v1/declarations/{truck.id}/documents",
            files={"file": ("scan.pdf", data or pdf(title, self.rng), "application/pdf")},
            data={"fields": json.dumps(fields)},
            headers=bearer(truck.key),
        )
        self._refused("upload", uploaded)

    def _opening_hours(self, moment: datetime) -> datetime:
        """A truck that would reach a closed gate waits for it to open, and queues in."""
        local = moment.astimezone(VIETNAM)
        if GATE_OPENS <= local.time() < GATE_CLOSES:
            return moment
        day = local.date() + timedelta(days=1 if local.time() >= GATE_CLOSES else 0)
        opening = datetime.combine(day, GATE_OPENS, VIETNAM)
        return opening + timedelta(minutes=self.rng.uniform(0, 60))

    def _read(self, declaration_id: str) -> dict[str, Any]:
        found = self.client.get(
            f"/v1/declarations/{declaration_id}", headers=bearer(self.keys.gate)
        )
        return dict(found.json()) if found.is_success else {}

    def _on_pay(self, truck: Truck) -> None:
        owed = self.client.get(
            f"/v1/declarations/{truck.id}/duties", headers=bearer(self.keys.bank)
        )
        amount = owed.json().get("outstanding_vnd") if owed.is_success else None
        if not amount:
            return
        notice = {
            "bank_reference": f"WEEK-{truck.id[:24]}",
            "declaration_id": truck.id,
            "amount_vnd": amount,
            "paid_at": self.clock.now().isoformat(),
        }
        paid = self.client.post(
            "/v1/payments/notifications", json=notice, headers=bearer(self.keys.bank)
        )
        self._refused("pay", paid)

    def _on_arrive(self, truck: Truck) -> None:
        arrived = self.client.post(
            f"/v1/declarations/{truck.id}/arrival",
            json={"weighbridge_kg": str(truck.gross_kg)},
            headers=bearer(self.keys.gate),
        )
        truck.arrived = not self._refused("arrival", arrived)
        self.dirty = True  # screened again at the weighbridge, it may have turned red

    def _on_shift(self, payload: tuple[int, Shift]) -> None:
        day, shift = payload
        index = SHIFTS.index(shift)
        before = sum(max(self.plan.officers[s.name]) for s in SHIFTS[:index])
        count = self.plan.officers[shift.name][self._local(day, shift.starts).weekday()]
        self.on_shift[shift.name] = self.keys.officers[before : before + count]
        self.at(self._local(day, shift.ends), "shift_end", shift)
        self.dirty = True

    def _on_shift_end(self, shift: Shift) -> None:
        # Officers finish what they hold (their "done" is still to come), then go home.
        self.on_shift.pop(shift.name, None)

    def _idle(self) -> list[str]:
        working = (key for keys in self.on_shift.values() for key in keys)
        return [key for key in working if key not in self.busy]

    def _dispatch(self) -> None:
        """Each idle officer claims the first item of the service's queue they can work now."""
        self.dirty = False
        idle = self._idle()
        listed = self.client.get("/v1/review/queue", params={"limit": 100}, headers=bearer(idle[0]))
        if self._refused("queue", listed):
            return
        for item in listed.json():
            if not idle:
                return
            if item["leased_by"] is not None or item["lane"] not in {
                "document_check",
                "inspection",
            }:
                continue
            truck = self.result.trucks.get(item["declaration_id"])
            if item["lane"] == "inspection" and not (truck and truck.arrived):
                continue  # an inspection needs the truck at the gate
            officer = idle[0]
            path = f"{ITEMS}/{item['declaration_id']}/claim"
            if self._refused("claim", self.client.post(path, json={}, headers=bearer(officer))):
                continue
            idle.pop(0)
            self.busy.add(officer)
            self.at(self.clock.now() + self._duration(item), "done", (officer, item))

    def _duration(self, item: dict[str, Any]) -> timedelta:
        if item["lane"] == "inspection":
            return self._minutes(self.plan.inspection_minutes)
        return self._minutes(self.plan.document_check_minutes[item["channel"]])

    def _on_done(self, payload: tuple[str, dict[str, Any]]) -> None:
        officer, item = payload
        self.busy.discard(officer)
        self.dirty = True
        path, version = f"{ITEMS}/{item['declaration_id']}", item["version"]
        if item["lane"] == "inspection":
            inspection = {"version": version, "seals_intact": True}
            self._refused(
                "inspection",
                self.client.post(f"{path}/inspection", json=inspection, headers=bearer(officer)),
            )
            self._decide(
                officer, path, {"decision": "release", "version": version, "inspected": True}
            )
            return
        listed = self.client.get(
            f"/v1/declarations/{item['declaration_id']}/documents", headers=bearer(officer)
        )
        documents = listed.json().get("documents", []) if listed.is_success else []
        verdicts = [
            {"document_id": d["id"], "verdict": "accepted"}
            for d in documents
            if d["kind"] != "inspection_photo"
        ]
        checked = self.client.post(
            f"{path}/document-check",
            headers=bearer(officer),
            json={"version": version, "documents": verdicts},
        )
        self._refused("document check", checked)
        red = item["channel"] == "red"
        self._decide(
            officer, path, {"decision": "inspect" if red else "release", "version": version}
        )

    def _decide(self, officer: str, path: str, decision: dict[str, Any]) -> None:
        decided = self.client.post(f"{path}/decision", json=decision, headers=bearer(officer))
        if decided.is_success or decision["decision"] == "inspect":
            self._refused("decision", decided)
            return
        # The goods cannot go (banned goods, a paper that does not hold): the officer seizes.
        seize = {"decision": "seize", "version": decision["version"], "reason": decided.text[:200]}
        self._refused(
            "seize", self.client.post(f"{path}/decision", json=seize, headers=bearer(officer))
        )
