"""A day at the gate with a controlled clock, reported the TRS way: the chart in docs/operations.md.

    python -m loadtests.trs_example [--out deploy/release-time-example.png]

Runs the real service in this process (SQLite, a private redis-server, a real RQ worker) and
drives 60 declarations through the three channels with realistic waits.
"""

import argparse
import json
import os
import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from rq import SimpleWorker

from clearance import db
from clearance.auth.models import Role
from clearance.clock import FrozenClock, set_clock
from clearance.embedded import create_keys, start_redis
from clearance.migrations import migrate
from clearance.queues import get_redis, screening_queue
from clearance.reports import chart, service
from clearance.settings import get_settings
from clearance.synthetic.declarations import make_declaration
from clearance.synthetic.mandates import grant_demo_mandates
from clearance.synthetic.parties import DEMO_TRADERS
from clearance.synthetic.uploads import document_uploads

START = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)  # 07:30 at the gate


def pay(client: TestClient, clock: FrozenClock, bank: dict[str, str], declaration_id: str) -> None:
    """The bank pays what the declaration owes a minute after it is assessed."""
    clock.advance(timedelta(minutes=1))
    owed = client.get(f"/v1/declarations/{declaration_id}/duties", headers=bank).json()
    if owed.get("outstanding_vnd"):
        notice = {
            "bank_reference": f"TRS-{declaration_id[:18]}",
            "declaration_id": declaration_id,
            "amount_vnd": owed["outstanding_vnd"],
            "paid_at": clock.now().isoformat(),
        }
        client.post("/v1/payments/notifications", json=notice, headers=bank)


def drive(client: TestClient, clock: FrozenClock, rng: random.Random, count: int) -> None:
    traders = {tax_code: name for tax_code, name in DEMO_TRADERS}
    keys = create_keys({Role.gate: None, Role.officer: None, Role.bank: None}, "trs example")
    trader_keys = {t: create_keys({Role.trader: t}, "trs example")[Role.trader] for t in traders}
    with db.unit_of_work() as session:
        grant_demo_mandates(session=session, clock=clock, brokers=traders)
    auth = {role: {"Authorization": f"Bearer {key}"} for role, key in keys.items()}
    for _ in range(count):
        tax_code = rng.choice(list(traders))
        body = make_declaration(rng, declarant=(tax_code, traders[tax_code]), now=clock.now())
        response = client.post(
            "/v1/declarations",
            json=body,
            headers={"Authorization": f"Bearer {trader_keys[tax_code]}"},
        )
        if response.status_code != 202:
            continue
        declaration_id = response.json()["id"]
        for fields, data in document_uploads(body, rng):
            client.post(
                f"/v1/declarations/{declaration_id}/documents",
                files={"file": ("scan.pdf", data, "application/pdf")},
                data={"fields": json.dumps(fields)},
                headers={"Authorization": f"Bearer {trader_keys[tax_code]}"},
            )
        clock.advance(timedelta(seconds=rng.uniform(5, 40)))
        SimpleWorker([screening_queue()], connection=get_redis()).work(burst=True)
        pay(client, clock, auth[Role.bank], declaration_id)
        clock.advance(timedelta(minutes=rng.uniform(20, 180)))  # the truck drives to the gate
        weight = sum(float(line["gross_kg"]) for line in body["lines"])
        arrived = client.post(
            f"/v1/declarations/{declaration_id}/arrival",
            json={"weighbridge_kg": str(weight)},
            headers=auth[Role.gate],
        ).json()
        if arrived.get("state") in {"assessed", "inspection"}:
            clock.advance(timedelta(minutes=rng.uniform(10, 90)))  # waiting for an officer
            review(client, auth[Role.officer], declaration_id, clock, rng)
        clock.advance(timedelta(minutes=rng.uniform(2, 12)))


def review(
    client: TestClient,
    officer: dict[str, str],
    declaration_id: str,
    clock: FrozenClock,
    rng: random.Random,
) -> None:
    """An officer checks the documents, inspects red goods, and releases."""
    claimed = client.post("/v1/review/claim-next", json={}, headers=officer)
    if claimed.status_code != 200 or claimed.json()["item"]["declaration_id"] != declaration_id:
        return
    item, url = claimed.json()["item"], f"/v1/review/items/{declaration_id}"
    documents = client.get(f"/v1/declarations/{declaration_id}/documents", headers=officer)
    verdicts = [
        {"document_id": d["id"], "verdict": "accepted"} for d in documents.json()["documents"]
    ]
    client.post(
        f"{url}/document-check",
        json={"version": item["version"], "documents": verdicts},
        headers=officer,
    )
    if item["channel"] == "red":
        client.post(
            f"{url}/decision",
            json={"decision": "inspect", "version": item["version"]},
            headers=officer,
        )
        client.post("/v1/review/claim-next", json={"lane": "inspection"}, headers=officer)
        clock.advance(timedelta(minutes=rng.uniform(60, 240)))
        client.post(
            f"{url}/inspection",
            json={"version": item["version"], "seals_intact": True},
            headers=officer,
        )
    clock.advance(timedelta(minutes=rng.uniform(15, 60)))
    client.post(
        f"{url}/decision", json={"decision": "release", "version": item["version"]}, headers=officer
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="deploy/release-time-example.png")
    parser.add_argument("--count", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        redis_process, redis_url = start_redis(Path(tmp))
        try:
            os.environ.update(
                CLEARANCE_REDIS_URL=redis_url,
                CLEARANCE_DATABASE_URL=f"sqlite:///{tmp}/trs.db",
                CLEARANCE_DOCUMENTS_DIR=f"{tmp}/documents",
                CLEARANCE_LEASE_SECONDS="86400",
            )
            get_settings.cache_clear()
            migrate(get_settings().database_url)
            clock = FrozenClock(START)
            set_clock(clock)
            from clearance.main import create_app

            with TestClient(create_app()) as client:
                drive(client, clock, random.Random(3), args.count)
            with db.new_session() as session:
                report = service.release_time(
                    session=session,
                    period_from=START,
                    period_to=clock.now(),
                    generated_at=clock.now(),
                    target=service.release_target(),
                )
            Path(args.out).write_bytes(chart.render_png(report))
            print(f"{args.out}: {report.model_dump_json(include={'channels'})[:300]}...")
        finally:
            redis_process.terminate()
            redis_process.wait()


if __name__ == "__main__":
    main()
