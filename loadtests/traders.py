"""The trucks' side of the scenario: traders lodge, upload, follow and amend; the gate weighs."""

import copy
import itertools
import json
import os
import random
import secrets
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from locust import FastHttpUser, constant, task

from clearance.synthetic.declarations import DISHONEST_SHARE, make_declaration
from clearance.synthetic.uploads import document_uploads
from loadtests.lifecycle import AMENDABLE_STATES, SETTLED_STATES
from loadtests.thresholds import env_float
from loadtests.users import PERSON_WAIT, bearer, json_object, keys, refusal

ARRIVAL_LAG_ENV = "CLEARANCE_LOADTEST_ARRIVAL_LAG_S"
SEED_ENV = "CLEARANCE_LOADTEST_SEED"

MAX_FOLLOWED = 20
MAX_STATUS_CHECKS = 30
GATE_TICK_SECONDS = 0.2
# A suffix per locust process keeps UCRs unique across runs against the same database:
# the demo's 6 random digits per day would otherwise collide after a few thousand lodgements.
RUN_TAG = secrets.token_hex(3).upper()


@dataclass
class Followed:
    """A declaration its trader keeps polling, with the body it last sent for it."""

    declaration_id: str
    body: dict[str, Any]
    state: str = "lodged"
    checks: int = 0
    amended: bool = False


@dataclass(frozen=True)
class Truck:
    """A lodged declaration's truck, on its way to the gate's weighbridge."""

    declaration_id: str
    gross_kg: Decimal
    lodged_at: float  # time.monotonic()


_user_numbers = itertools.count()
# Traders hand their trucks to the gate through this process-local queue (see README).
_arriving: deque[Truck] = deque(maxlen=10_000)


class TraderUser(FastHttpUser):
    """A declarant: lodges for its own tax code, uploads the papers, follows and amends."""

    wait_time = PERSON_WAIT

    def on_start(self) -> None:
        self.trader = next(keys().traders)
        self.headers = bearer(self.trader.key)
        seed = os.environ.get(SEED_ENV)
        self.rng = random.Random(f"{seed}-{next(_user_numbers)}" if seed else None)
        self.followed: list[Followed] = []

    @task(2)
    def lodge(self) -> None:
        body = make_declaration(
            self.rng,
            declarant=self.trader.declarant,
            now=datetime.now(UTC),
            honest=self.rng.random() >= DISHONEST_SHARE,
        )
        body["ucr"] = f"{body['ucr']}-{RUN_TAG}"
        headers = {**self.headers, "Idempotency-Key": str(uuid.uuid4())}
        with self.client.post(
            "/v1/declarations", json=body, headers=headers, name="lodge", catch_response=True
        ) as response:
            declaration_id = str(json_object(response).get("id") or "")
            if response.status_code != 202 or not declaration_id:
                response.failure(refusal(response))
                return
        self.upload(declaration_id, body)
        gross_kg = sum((Decimal(line["gross_kg"]) for line in body["lines"]), Decimal(0))
        _arriving.append(Truck(declaration_id, gross_kg, time.monotonic()))
        self.followed.append(Followed(declaration_id, body))
        del self.followed[:-MAX_FOLLOWED]

    def upload(self, declaration_id: str, body: dict[str, Any]) -> None:
        """Every paper the declaration lists, right after lodging it: release waits for them."""
        for fields, data in document_uploads(body, self.rng):
            with self.client.post(
                f"/v1/declarations/{declaration_id}/documents",
                files={"file": ("scan.pdf", data, "application/pdf")},
                data={"fields": json.dumps(fields, ensure_ascii=False)},
                headers=self.headers,
                name="upload",
                catch_response=True,
            ) as response:
                if response.status_code != 201:
                    response.failure(refusal(response))

    @task(5)
    def status(self) -> None:
        if not self.followed:
            self.lodge()  # nothing to follow yet: a trader starts by lodging
            return
        followed = self.rng.choice(self.followed)
        if self.read_state(followed) is None:
            return
        followed.checks += 1
        if followed.state in SETTLED_STATES or followed.checks >= MAX_STATUS_CHECKS:
            self.followed.remove(followed)

    def read_state(self, followed: Followed) -> str | None:
        """The declaration's state now (a `status` step), or None if it could not be read."""
        with self.client.get(
            f"/v1/declarations/{followed.declaration_id}",
            headers=self.headers,
            name="status",
            catch_response=True,
        ) as response:
            state = json_object(response).get("state")
            if response.status_code != 200 or not isinstance(state, str):
                response.failure(refusal(response))
                return None
        followed.state = state
        return state

    @task(1)
    def amend(self) -> None:
        """The truck leaves later than declared: a new version with the new arrival time."""
        amendable = [f for f in self.followed if f.state in AMENDABLE_STATES and not f.amended]
        if not amendable:
            return
        followed = self.rng.choice(amendable)
        body = copy.deepcopy(followed.body)
        later = datetime.now(UTC) + timedelta(minutes=self.rng.randint(60, 240))
        body["truck"]["expected_arrival_at"] = later.isoformat(timespec="seconds")
        amendment = {"declaration": body, "reason": "the truck leaves later than declared"}
        with self.client.post(
            f"/v1/declarations/{followed.declaration_id}/amendments",
            json=amendment,
            headers=self.headers,
            name="amend",
            catch_response=True,
        ) as response:
            followed.amended = True  # one attempt per declaration, whatever the answer
            if response.status_code == 202:
                followed.body, followed.state = body, "lodged"
                return
            state = self.read_state(followed) if response.status_code == 409 else None
            if state is not None and state not in AMENDABLE_STATES:
                response.success()  # decided since we last looked: a real race, no fault
                return
            response.failure(refusal(response))


class GateUser(FastHttpUser):
    """The Ma Lù Thàng weighbridge: records the arrival of every truck the traders lodged."""

    fixed_count = 1
    wait_time = constant(GATE_TICK_SECONDS)

    def on_start(self) -> None:
        self.headers = bearer(keys().gate)
        self.rng = random.Random()
        self.lag = env_float(ARRIVAL_LAG_ENV, 2.0)

    @task
    def arrival(self) -> None:
        while _arriving and time.monotonic() - _arriving[0].lodged_at >= self.lag:
            truck = _arriving.popleft()
            # A weighbridge reads within a couple of percent of the declared gross weight.
            weighed = max(1, round(float(truck.gross_kg) * self.rng.uniform(0.98, 1.02)))
            with self.client.post(
                f"/v1/declarations/{truck.declaration_id}/arrival",
                json={"weighbridge_kg": weighed},
                headers=self.headers,
                name="arrival",
                catch_response=True,
            ) as response:
                if response.status_code != 200:
                    response.failure(refusal(response))
