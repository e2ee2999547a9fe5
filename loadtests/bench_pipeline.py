"""Lodge -> channel and lodge -> release times through a running service, from its own events.

    python -m loadtests.bench_pipeline --count 200 --host http://127.0.0.1:8765

Keys as for the locust scenario (loadtests/README.md), and a bank key. Each declaration is
lodged, its duty paid and its arrival recorded at once, so a green release waits on screening,
not on this script.
"""

import argparse
import asyncio
import itertools
import json
import math
import random
import secrets
import sys
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from clearance.synthetic.declarations import DISHONEST_SHARE, make_declaration
from clearance.synthetic.uploads import document_uploads
from loadtests.api_keys import KeySetupError, TraderKey, bank_key, gate_key, trader_keys

# Waiting for an officer: screening is over, and nothing more happens on its own.
REVIEW_STATES = frozenset({"assessed", "document_check", "inspection", "held", "decided"})
FINAL_STATES = frozenset({"released", "exited", "seized", "cancelled"})
POLL_INTERVAL_SECONDS = 0.5
REQUEST_TIMEOUT_SECONDS = 30.0


@dataclass
class Tracked:
    """One declaration of the run: what was sent, and the last state read back."""

    body: dict[str, Any]
    trader: TraderKey
    declaration_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def settled(self) -> bool:
        """Whether screening is over and a green declaration, once arrived, is released."""
        state, channel = self.detail.get("state"), self.detail.get("channel")
        if state in FINAL_STATES:
            return True
        if channel == "green" and state == "decided" and self.detail.get("arrived_at") is None:
            return True  # its arrival was refused: no release to wait for
        return channel is not None and channel != "green" and state in REVIEW_STATES


@dataclass
class Intake:
    """What the intake phase did, and how fast."""

    lodged: int
    failures: Counter[str]
    requests: int
    seconds: float


def build(count: int, traders: Sequence[TraderKey], seed: int | None) -> list[Tracked]:
    """Every body up front, so generating them does not count against the service."""
    rng, tag = random.Random(seed), secrets.token_hex(3).upper()
    tracked = []
    for trader in itertools.islice(itertools.cycle(traders), count):
        body = make_declaration(
            rng,
            declarant=trader.declarant,
            now=datetime.now(UTC),
            honest=rng.random() >= DISHONEST_SHARE,
        )
        body["ucr"] = f"{body['ucr']}-{tag}"  # unique across runs against the same database
        tracked.append(Tracked(body=body, trader=trader))
    return tracked


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def _pay(client: httpx.AsyncClient, item: Tracked, bank: str, failures: Counter[str]) -> int:
    """The bank pays what the declaration owes, as VNACCS e-payment; the requests made."""
    response = await client.get(
        f"/v1/declarations/{item.declaration_id}/duties", headers=_bearer(bank)
    )
    outstanding = response.json().get("outstanding_vnd") if response.status_code == 200 else None
    if not outstanding:
        return 1  # nothing owed, or no rate to pay at
    notice = {
        "bank_reference": f"BENCH-{uuid.uuid4().hex[:20]}",
        "declaration_id": item.declaration_id,
        "amount_vnd": outstanding,
        "paid_at": datetime.now(UTC).isoformat(),
    }
    response = await client.post("/v1/payments/notifications", json=notice, headers=_bearer(bank))
    if response.status_code != 201:
        failures[f"payment {response.status_code}: {response.text[:120]}"] += 1
    return 2


async def _lodge_and_arrive(
    client: httpx.AsyncClient, item: Tracked, keys: tuple[str, str], failures: Counter[str]
) -> int:
    """Lodge one declaration, pay it, record its truck's arrival; the number of requests made."""
    gate, bank = keys
    headers = {**_bearer(item.trader.key), "Idempotency-Key": str(uuid.uuid4())}
    response = await client.post("/v1/declarations", json=item.body, headers=headers)
    if response.status_code != 202:
        failures[f"lodge {response.status_code}: {response.text[:120]}"] += 1
        return 1
    item.declaration_id = str(response.json()["id"])
    # The papers, as a trader uploads them right after lodging: release waits for them.
    for fields, data in document_uploads(item.body, random.Random(item.body["ucr"])):
        response = await client.post(
            f"/v1/declarations/{item.declaration_id}/documents",
            files={"file": ("scan.pdf", data, "application/pdf")},
            data={"fields": json.dumps(fields)},
            headers=_bearer(item.trader.key),
        )
        if response.status_code != 201:
            failures[f"upload {response.status_code}: {response.text[:120]}"] += 1
    paying = await _pay(client, item, bank, failures)
    gross = sum((Decimal(line["gross_kg"]) for line in item.body["lines"]), Decimal(0))
    response = await client.post(
        f"/v1/declarations/{item.declaration_id}/arrival",
        json={"weighbridge_kg": max(1, round(gross))},
        headers=_bearer(gate),
    )
    if response.status_code != 200:
        failures[f"arrival {response.status_code}: {response.text[:120]}"] += 1
    return 2 + paying + len(item.body.get("documents", []))


async def intake(
    client: httpx.AsyncClient, tracked: list[Tracked], keys: tuple[str, str], concurrency: int
) -> Intake:
    """Lodge everything with `concurrency` requests in flight."""
    failures: Counter[str] = Counter()
    limit = asyncio.Semaphore(concurrency)

    async def one(item: Tracked) -> int:
        async with limit:
            return await _lodge_and_arrive(client, item, keys, failures)

    started = time.perf_counter()
    requests = await asyncio.gather(*(one(item) for item in tracked))
    seconds = time.perf_counter() - started
    lodged = sum(1 for item in tracked if item.declaration_id)
    return Intake(lodged=lodged, failures=failures, requests=sum(requests), seconds=seconds)


async def poll(
    client: httpx.AsyncClient, tracked: list[Tracked], concurrency: int, wait_seconds: float
) -> list[Tracked]:
    """Read each declaration until it is settled or time runs out; those still unsettled."""
    limit = asyncio.Semaphore(concurrency)

    async def read(item: Tracked) -> None:
        async with limit:
            response = await client.get(
                f"/v1/declarations/{item.declaration_id}", headers=_bearer(item.trader.key)
            )
        if response.status_code == 200:
            item.detail = response.json()

    pending = [item for item in tracked if item.declaration_id]
    deadline = time.monotonic() + wait_seconds
    while pending and time.monotonic() < deadline:
        await asyncio.gather(*(read(item) for item in pending))
        pending = [item for item in pending if not item.settled]
        if pending:
            await asyncio.sleep(POLL_INTERVAL_SECONDS)
    return pending


# The event that ends each measure.
CHANNEL_EVENT = ("assess", None)
RELEASE_EVENT = ("release", "released")


def _event_at(detail: dict[str, Any], action: str, to_state: str | None = None) -> datetime | None:
    """When the first event of this action (into `to_state`, if given) happened."""
    for event in detail.get("events", []):
        if event.get("action") == action and to_state in {None, event.get("to_state")}:
            return datetime.fromisoformat(event["at"])
    return None


def durations_ms(
    tracked: list[Tracked], until: tuple[str, str | None], *, green_only: bool
) -> list[float]:
    """Milliseconds from the lodge event to the `until` event, where both exist."""
    found = []
    for item in tracked:
        if green_only and item.detail.get("channel") != "green":
            continue
        lodged, reached = _event_at(item.detail, "lodge"), _event_at(item.detail, *until)
        if lodged is not None and reached is not None:
            found.append((reached - lodged).total_seconds() * 1000)
    return found


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile: a value that was measured, never an interpolation."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def describe(label: str, values: Sequence[float]) -> str:
    if not values:
        return f"{label}: no samples"
    figures = ", ".join(
        f"{name} {percentile(values, share):.0f}"
        for name, share in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))
    )
    mean = sum(values) / len(values)
    return f"{label}: n={len(values)}, mean {mean:.0f}, {figures}, max {max(values):.0f} ms"


def report(tracked: list[Tracked], result: Intake, unsettled: list[Tracked]) -> None:
    print(
        f"intake: {result.lodged}/{len(tracked)} lodged with arrivals, {result.requests} "
        f"requests in {result.seconds:.2f} s: {result.lodged / result.seconds:.1f} "
        f"lodgements/s, {result.requests / result.seconds:.1f} req/s"
    )
    for failure, times in result.failures.most_common(5):
        print(f"  failed x{times}: {failure}")
    channels = Counter(str(item.detail.get("channel")) for item in tracked if item.detail)
    states = Counter(str(item.detail.get("state")) for item in tracked if item.detail)
    print(f"channels: {dict(channels)}; states: {dict(states)}; unsettled: {len(unsettled)}")
    stuck = [i for i in unsettled if i.detail.get("state") == "decided" and i.detail["arrived_at"]]
    if stuck:
        print(f"  {len(stuck)} green declarations decided and arrived, but never released")
    print(describe("lodge -> channel", durations_ms(tracked, CHANNEL_EVENT, green_only=False)))
    print(
        describe("lodge -> release (green)", durations_ms(tracked, RELEASE_EVENT, green_only=True))
    )
    assessed = [at for item in tracked if (at := _event_at(item.detail, "assess"))]
    lodged = [at for item in tracked if (at := _event_at(item.detail, "lodge"))]
    if assessed and lodged:
        span = (max(assessed) - min(lodged)).total_seconds()
        print(f"screening: {len(assessed)} assessed within {span:.2f} s of the first lodgement")


async def bench(args: argparse.Namespace, traders: list[TraderKey], keys: tuple[str, str]) -> int:
    """Lodge, pay and arrive everything, then wait for it to settle; the exit status."""
    tracked = build(args.count, traders, args.seed)
    async with httpx.AsyncClient(
        base_url=args.host,
        timeout=REQUEST_TIMEOUT_SECONDS,
        limits=httpx.Limits(max_connections=args.concurrency),
    ) as client:
        result = await intake(client, tracked, keys, args.concurrency)
        unsettled = await poll(client, tracked, args.concurrency, args.timeout)
    report(tracked, result, unsettled)
    return 1 if unsettled or result.failures else 0


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m loadtests.bench_pipeline", description=__doc__)
    parser.add_argument("--count", type=int, default=200, help="declarations to lodge")
    parser.add_argument("--host", default="http://127.0.0.1:8000")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for all")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    try:
        traders, keys = trader_keys(), (gate_key(), bank_key())
    except KeySetupError as exc:
        sys.exit(f"bench_pipeline: {exc}")
    sys.exit(asyncio.run(bench(args, traders, keys)))


if __name__ == "__main__":
    main()
