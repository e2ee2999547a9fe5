"""Traders lodge declarations and follow them; the gate records each truck's arrival.

Run from the repository root (loadtests/README.md has the keys and thresholds):
    locust -f loadtests/locustfile.py --headless -u 10 -r 5 -t 30s --host http://127.0.0.1:8765
"""

import itertools
import os
import random
import secrets
import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from locust import FastHttpUser, between, constant, events, task
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from clearance.demo import DISHONEST_SHARE, make_declaration, reference
from loadtests.api_keys import KeySetupError, TraderKey, gate_key, trader_keys

P99_MS_ENV = "CLEARANCE_LOADTEST_P99_MS"  # every step; CLEARANCE_LOADTEST_P99_MS_<STEP> for one
MAX_FAIL_RATIO_ENV = "CLEARANCE_LOADTEST_MAX_FAIL_RATIO"
WAIT_MIN_ENV = "CLEARANCE_LOADTEST_WAIT_MIN_S"
WAIT_MAX_ENV = "CLEARANCE_LOADTEST_WAIT_MAX_S"
ARRIVAL_LAG_ENV = "CLEARANCE_LOADTEST_ARRIVAL_LAG_S"
SEED_ENV = "CLEARANCE_LOADTEST_SEED"

DEFAULT_P99_MS = 50.0
DEFAULT_MAX_FAIL_RATIO = 0.01
# (name, method) of every step: the stats entries the thresholds are checked on.
STEPS = (("lodge", "POST"), ("status", "GET"), ("arrival", "POST"))
# States after which a trader stops polling: nothing more will happen without an officer.
SETTLED_STATES = frozenset({"released", "exited", "seized", "cancelled"})
MAX_FOLLOWED = 20
MAX_STATUS_CHECKS = 30
GATE_TICK_SECONDS = 0.2
# A suffix per locust process keeps UCRs unique across runs against the same database:
# the demo's 6 random digits per day would otherwise collide after a few thousand lodgements.
RUN_TAG = secrets.token_hex(3).upper()


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return float(value)
    except ValueError:
        raise SystemExit(f"{name}={value!r} is not a number") from None


@dataclass
class Followed:
    """A declaration its trader keeps polling."""

    declaration_id: str
    checks: int = 0


@dataclass(frozen=True)
class Truck:
    """A lodged declaration's truck, on its way to the gate's weighbridge."""

    declaration_id: str
    gross_kg: Decimal
    lodged_at: float  # time.monotonic()


@dataclass
class Keys:
    """The keys of this locust process: trader keys handed out in turn, and the gate's."""

    traders: Iterator[TraderKey]
    gate: str


_keys: Keys | None = None
_user_numbers = itertools.count()
# Traders hand their trucks to the gate through this process-local queue (see README).
_arriving: deque[Truck] = deque(maxlen=10_000)


def _get_keys() -> Keys:
    if _keys is None:
        raise RuntimeError("keys are loaded by the init event before any user starts")
    return _keys


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@events.init.add_listener  # type: ignore[untyped-decorator]  # locust leaves it untyped
def _load_keys(environment: Environment, **_kwargs: Any) -> None:
    """Read or create the API keys once per process that runs users."""
    global _keys
    if isinstance(environment.runner, MasterRunner):
        return
    try:
        traders = trader_keys()
        _keys = Keys(traders=itertools.cycle(traders), gate=gate_key())
    except KeySetupError as exc:
        raise SystemExit(f"clearance load test: {exc}") from exc
    # Read the reference CSVs now rather than inside the first user's first request.
    reference()
    print(f"clearance load test: {len(traders)} trader keys, run tag {RUN_TAG}", flush=True)


class TraderUser(FastHttpUser):
    """A declarant: lodges declarations for its own tax code and polls their state."""

    wait_time = between(_env_float(WAIT_MIN_ENV, 0.2), _env_float(WAIT_MAX_ENV, 1.0))

    def on_start(self) -> None:
        self.trader = next(_get_keys().traders)
        self.headers = _bearer(self.trader.key)
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
            if response.status_code != 202:
                response.failure(f"{response.status_code} {(response.text or '')[:200]}")
                return
            try:
                declaration_id = str(response.json()["id"])
            except (ValueError, KeyError, TypeError):
                response.failure("202 without a declaration id")
                return
        gross_kg = sum((Decimal(line["gross_kg"]) for line in body["lines"]), Decimal(0))
        _arriving.append(Truck(declaration_id, gross_kg, time.monotonic()))
        self.followed.append(Followed(declaration_id))
        del self.followed[:-MAX_FOLLOWED]

    @task(5)
    def status(self) -> None:
        if not self.followed:
            return
        followed = self.rng.choice(self.followed)
        with self.client.get(
            f"/v1/declarations/{followed.declaration_id}",
            headers=self.headers,
            name="status",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {(response.text or '')[:200]}")
                return
            try:
                state = response.json()["state"]
            except (ValueError, KeyError, TypeError):
                response.failure("200 without a state")
                return
        followed.checks += 1
        if state in SETTLED_STATES or followed.checks >= MAX_STATUS_CHECKS:
            self.followed.remove(followed)


class GateUser(FastHttpUser):
    """The Ma Lù Thàng weighbridge: records the arrival of every truck the traders lodged."""

    fixed_count = 1
    wait_time = constant(GATE_TICK_SECONDS)

    def on_start(self) -> None:
        self.headers = _bearer(_get_keys().gate)
        self.rng = random.Random()
        self.lag = _env_float(ARRIVAL_LAG_ENV, 2.0)

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
                    response.failure(f"{response.status_code} {(response.text or '')[:200]}")


def _missed_thresholds(environment: Environment) -> list[str]:
    """Each threshold the run missed, as a sentence; empty when all were met."""
    stats = environment.stats
    default_p99 = _env_float(P99_MS_ENV, DEFAULT_P99_MS)
    missed: list[str] = []
    lodge = stats.entries.get(("lodge", "POST"))
    if lodge is None or lodge.num_requests - lodge.num_failures == 0:
        missed.append("no declaration was lodged")
    for name, method in STEPS:
        entry = stats.entries.get((name, method))
        if entry is None or entry.num_requests == 0:
            continue
        limit = _env_float(f"{P99_MS_ENV}_{name.upper()}", default_p99)
        p99 = entry.get_response_time_percentile(0.99)
        if p99 > limit:
            missed.append(f"{name}: p99 {p99:.0f} ms > {limit:.0f} ms")
    max_fail_ratio = _env_float(MAX_FAIL_RATIO_ENV, DEFAULT_MAX_FAIL_RATIO)
    if stats.total.fail_ratio > max_fail_ratio:
        missed.append(f"fail ratio {stats.total.fail_ratio:.2%} > {max_fail_ratio:.2%}")
    return missed


@events.quitting.add_listener  # type: ignore[untyped-decorator]
def _check_thresholds(environment: Environment, **_kwargs: Any) -> None:
    """Print the lodgement figures; the exit code is 1 when a threshold was missed, else 0."""
    if isinstance(environment.runner, WorkerRunner):
        return
    stats = environment.stats
    lodge = stats.entries.get(("lodge", "POST"))
    if lodge is not None and lodge.num_requests:
        print(
            f"lodge: {lodge.num_requests} requests, {lodge.total_rps:.1f} req/s, "
            f"p50 {lodge.get_response_time_percentile(0.5):.0f} ms, "
            f"p99 {lodge.get_response_time_percentile(0.99):.0f} ms"
        )
    print(
        f"all steps: {stats.total.num_requests} requests, {stats.total.total_rps:.1f} req/s, "
        f"fail ratio {stats.total.fail_ratio:.2%}"
    )
    missed = _missed_thresholds(environment)
    for sentence in missed:
        print(f"threshold missed: {sentence}")
    if not missed:
        print("all thresholds met")
    # Our thresholds decide, not locust's default of failing on any single error.
    environment.process_exit_code = 1 if missed else 0
