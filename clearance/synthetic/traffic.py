"""The demo's traffic driver: traders lodge and upload over HTTP, the gate weighs and lets
trucks out, and the bank pays the duty, as the service's real clients would."""

import json
import random
import time
import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from clearance.synthetic.catalogue import goods_label
from clearance.synthetic.declarations import DISHONEST_SHARE, make_declaration
from clearance.synthetic.http import Narration, bearer, post
from clearance.synthetic.officers import work_queue
from clearance.synthetic.parties import DEMO_TRADERS
from clearance.synthetic.uploads import document_uploads

LATE_DOCUMENT_SHARE = 0.10  # declarations that upload one required paper with the arrival
ARRIVAL_LAG = 3  # lodgements between a truck's lodgement and its arrival at the weighbridge
STATUS_CHECKS_PER_ROUND = 5
MAX_STATUS_CHECKS = 60
MAX_ARRIVAL_ATTEMPTS = 3


@dataclass
class Lodged:
    """A truck the demo lodged and still follows."""

    id: str
    ucr: str
    key: str
    gross_kg: Decimal
    attempts: int = 0
    late: list[tuple[dict[str, Any], bytes]] = field(default_factory=list)  # with the arrival


def _lodge(client: httpx.Client, body: dict[str, Any], key: str, log: Narration) -> Lodged | None:
    """Lodge one declaration; the truck to follow if it was accepted."""
    label = goods_label(body["lines"][0]["hs_code"])
    what = f"lodged {body['ucr']} ({body['kind']}, {label})"
    response = post(
        client,
        "/v1/declarations",
        key,
        body,
        log,
        what,
        idempotency_key=str(uuid.uuid4()),
        headline=True,
    )
    if response is None:
        return None
    try:
        declaration_id = str(response.json()["id"])
    except (ValueError, KeyError, TypeError):
        log.failure(f"  no id in the answer to {body['ucr']}")
        return None
    gross = sum((Decimal(line["gross_kg"]) for line in body["lines"]), Decimal(0))
    return Lodged(declaration_id, body["ucr"], key, gross)


def _upload(
    client: httpx.Client,
    truck: Lodged,
    fields: dict[str, Any],
    data: bytes,
    log: Narration,
    note: str = "",
) -> bool:
    """Upload one paper of the truck's declaration as its trader; whether it was stored."""
    what = f"uploaded {fields['kind']} {fields['number']} for {truck.ucr}{note}"
    try:
        response = client.post(
            f"/v1/declarations/{truck.id}/documents",
            files={"file": ("scan.pdf", data, "application/pdf")},
            data={"fields": json.dumps(fields, ensure_ascii=False)},
            headers=bearer(truck.key),
        )
    except httpx.HTTPError as exc:
        log.failure(f"{what} failed: {type(exc).__name__}: {exc}")
        return False
    if not response.is_success:
        log.failure(f"{what} -> {response.status_code} {' '.join(response.text.split())[:160]}")
        return False
    log.step(f"{what} -> {response.status_code}")
    return True


def _upload_papers(
    client: httpx.Client,
    truck: Lodged,
    body: dict[str, Any],
    rng: random.Random,
    log: Narration,
) -> None:
    """Upload the declaration's papers now, keeping one back for the arrival now and then."""
    uploads = document_uploads(body, rng)
    if uploads and rng.random() < LATE_DOCUMENT_SHARE:
        truck.late.append(uploads.pop(rng.randrange(len(uploads))))
    for fields, data in uploads:
        _upload(client, truck, fields, data, log)


def _arrive(
    client: httpx.Client,
    truck: Lodged,
    gate_key: str,
    rng: random.Random,
    log: Narration,
) -> bool:
    """Put the truck on the weighbridge; whether the gate took it."""
    weighed = round(float(truck.gross_kg) * rng.uniform(0.98, 1.02))
    body = {"weighbridge_kg": max(weighed, 1)}
    what = f"arrived {truck.ucr} at {weighed} kg"
    path = f"/v1/declarations/{truck.id}/arrival"
    return post(client, path, gate_key, body, log, what) is not None


def pay_duties(client: httpx.Client, truck: Lodged, bank_key: str, log: Narration) -> bool:
    """The trader's bank pays what the declaration owes and notifies customs, as VNACCS 24/7
    e-payment does; whether a payment was notified."""
    try:
        owed = client.get(f"/v1/declarations/{truck.id}/duties", headers=bearer(bank_key))
    except httpx.HTTPError as exc:
        log.failure(f"duties of {truck.ucr} failed: {type(exc).__name__}: {exc}")
        return False
    if not owed.is_success:
        log.failure(f"duties of {truck.ucr} -> {owed.status_code}")
        return False
    outstanding = owed.json().get("outstanding_vnd")
    if not outstanding:
        return False  # nothing owed (an export, or paid), or no rate to pay at
    notice = {
        "bank_reference": f"VCB-{uuid.uuid4().hex[:20].upper()}",
        "declaration_id": truck.id,
        "amount_vnd": outstanding,
        "paid_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    what = f"paid {outstanding:,} VND for {truck.ucr}"
    return post(client, "/v1/payments/notifications", bank_key, notice, log, what) is not None


def _state(client: httpx.Client, truck: Lodged, log: Narration) -> str | None:
    """The declaration's state as its trader sees it, or None if it cannot be read now."""
    try:
        response = client.get(f"/v1/declarations/{truck.id}", headers=bearer(truck.key))
    except httpx.HTTPError as exc:
        log.failure(f"status {truck.ucr} failed: {type(exc).__name__}: {exc}")
        return None
    if not response.is_success:
        log.failure(f"status {truck.ucr} -> {response.status_code}")
        return None
    try:
        return str(response.json()["state"])
    except (ValueError, KeyError, TypeError):
        log.failure(f"status {truck.ucr}: no state in the answer")
        return None


def _exit_released(
    client: httpx.Client, arrived: deque[Lodged], gate_key: str, log: Narration
) -> None:
    """Let released trucks leave; forget those that will never be released."""
    for _ in range(min(STATUS_CHECKS_PER_ROUND, len(arrived))):
        truck = arrived.popleft()
        truck.attempts += 1
        state = _state(client, truck, log)
        if state == "released":
            path = f"/v1/declarations/{truck.id}/exit"
            if post(client, path, gate_key, {}, log, f"exited {truck.ucr}", headline=True) is None:
                arrived.append(truck)
        elif state in {"exited", "seized", "cancelled"}:
            log.step(f"dropped {truck.ucr} ({state})")
        elif truck.attempts >= MAX_STATUS_CHECKS:
            log.step(f"gave up on {truck.ucr} (still {state})")
        else:
            arrived.append(truck)


@dataclass
class Road:
    """The trucks the demo follows: lodged ones waiting to arrive, arrived ones waiting to leave."""

    lodged: deque[Lodged] = field(default_factory=deque)
    arrived: deque[Lodged] = field(default_factory=deque)


def _arrive_next(
    client: httpx.Client,
    road: Road,
    keys: tuple[str, str | None],
    rng: random.Random,
    log: Narration,
) -> None:
    """The oldest lodged truck reaches the weighbridge with any late paper; the bank pays."""
    gate_key, bank_key = keys
    waiting = road.lodged.popleft()
    arrived_now = _arrive(client, waiting, gate_key, rng, log)
    for fields, data in waiting.late:
        _upload(client, waiting, fields, data, log, " (late)")
    waiting.late.clear()
    if arrived_now and bank_key:
        pay_duties(client, waiting, bank_key, log)
    if arrived_now:
        waiting.attempts = 0
        road.arrived.append(waiting)
        return
    waiting.attempts += 1
    if waiting.attempts < MAX_ARRIVAL_ATTEMPTS:
        road.lodged.append(waiting)


def _lodge_one(
    client: httpx.Client,
    road: Road,
    trader_keys: dict[str, str],
    rng: random.Random,
    log: Narration,
) -> None:
    """One trader lodges one declaration and uploads its papers."""
    names = dict(DEMO_TRADERS)
    tax_code, key = rng.choice(sorted(trader_keys.items()))
    declarant = (tax_code, names.get(tax_code, f"Doanh nghiệp {tax_code}"))
    honest = rng.random() >= DISHONEST_SHARE
    body = make_declaration(rng, declarant=declarant, now=datetime.now(UTC), honest=honest)
    truck = _lodge(client, body, key, log)
    if truck is not None:
        _upload_papers(client, truck, body, rng, log)
        road.lodged.append(truck)


def run_demo(
    *,
    base_url: str,
    trader_keys: dict[str, str],
    gate_key: str,
    count: int,
    interval: float,
    rng: random.Random,
    log: Narration = Narration(),
    bank_key: str | None = None,
    officer_keys: Sequence[str] = (),
) -> None:
    """Lodge `count` declarations (0: until interrupted) and drive their trucks through the gate;
    with a bank key, the bank pays each one's duty once its papers are all in; with officer
    keys, officers work the review queue."""

    if not trader_keys:
        log.failure("no trader keys: nothing to lodge")
        return
    road = Road()
    try:
        with httpx.Client(base_url=base_url, timeout=10.0) as client:
            done = 0
            while count == 0 or done < count:
                if done:
                    time.sleep(interval)
                done += 1
                _lodge_one(client, road, trader_keys, rng, log)
                if len(road.lodged) > ARRIVAL_LAG:
                    _arrive_next(client, road, (gate_key, bank_key), rng, log)
                work_queue(client, officer_keys, log)
                _exit_released(client, road.arrived, gate_key, log)
    except KeyboardInterrupt:
        log.event("demo stopped")
