"""Before the benchmark measures anything: schema, keys, a risk model, and every body."""

import asyncio
import itertools
import random
import subprocess
import sys
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import ValidationError

from clearance.declarations.schemas import DeclarationIn
from clearance.synthetic.declarations import DISHONEST_SHARE, make_declaration
from clearance.synthetic.parties import DEMO_TRADERS
from loadtests import prefill
from loadtests.api_keys import TraderKey, create_key_with_cli, grant_demo_mandates_with_cli
from loadtests.bench_services import REPO_ROOT, BenchError, run_cli

# The model `clearance run` trains (clearance/embedded.py): production screens with a model.
TRAIN_DEMO_MODEL = "from clearance.embedded import train_demo_model; print(train_demo_model())"
KEY_MAKERS = 4  # `clearance keys create` runs at once: each is mostly Python start-up
MAX_INVALID_SHARE = 0.5
REQUEST_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Keys:
    traders: list[TraderKey]
    gate: str
    bank: str


@dataclass(frozen=True)
class Bodies:
    """Declarations to lodge, each with the key of its declarant; and those refused locally."""

    items: list[tuple[TraderKey, dict[str, Any]]]
    invalid: int


def prefill_history(database_url: str, count: int) -> dict[str, float] | None:
    """`count` cleared declarations written by COPY before the run (`loadtests.prefill`)."""
    if not count:
        return None
    return prefill.prefill(
        prefill.parse_args(["--database-url", database_url, "--count", str(count)])
    )


def prepare_database(*, env: dict[str, str], model: bool) -> tuple[Keys, str | None]:
    """Migrate, then make the keys and mandates while the model trains; the model's version."""
    run_cli(["migrate"], env=env)
    training = None
    if model:
        training = subprocess.Popen(  # noqa: S603 - our own code
            [sys.executable, "-c", TRAIN_DEMO_MODEL],
            env=env,
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    try:
        keys = _make_keys(env)
    except BaseException:
        if training is not None:
            training.kill()
            training.communicate()
        raise
    if training is None:
        return keys, None
    stdout, stderr = training.communicate()
    if training.returncode != 0:
        raise BenchError(f"training the demo model failed: {stderr.strip()[-600:]}")
    return keys, stdout.strip().splitlines()[-1] if stdout.strip() else None


def _make_keys(env: dict[str, str]) -> Keys:
    tax_codes = [code for code, _name in DEMO_TRADERS]
    with ThreadPoolExecutor(KEY_MAKERS) as pool:
        traders = [
            pool.submit(create_key_with_cli, role="trader", tax_code=code, env=env)
            for code in tax_codes
        ]
        gate = pool.submit(create_key_with_cli, role="gate", env=env)
        bank = pool.submit(create_key_with_cli, role="bank", env=env)
        mandates = pool.submit(grant_demo_mandates_with_cli, tax_codes, env)
        mandates.result()
        return Keys(
            traders=[
                TraderKey(tax_code=code, key=made.result())
                for code, made in zip(tax_codes, traders, strict=True)
            ],
            gate=gate.result(),
            bank=bank.result(),
        )


def build_bodies(
    traders: Sequence[TraderKey], count: int, *, suffix: str, rng: random.Random
) -> Bodies:
    """`count` declarations the API accepts, UCRs ending in `-<suffix>`, traders in turn.

    A body the schema refuses is made again (and counted): the benchmark measures lodgement,
    not refusals. The demo's generator should make none.
    """
    items: list[tuple[TraderKey, dict[str, Any]]] = []
    invalid = 0
    for trader in itertools.islice(itertools.cycle(traders), count):
        while True:
            honest = rng.random() >= DISHONEST_SHARE
            now = datetime.now(UTC)
            body = make_declaration(rng, declarant=trader.declarant, now=now, honest=honest)
            body["ucr"] = f"{body['ucr']}-{suffix}"
            try:
                DeclarationIn.model_validate(body)
            except ValidationError:
                invalid += 1
                if invalid > max(10, count * MAX_INVALID_SHARE):
                    raise BenchError("most demo declarations fail validation") from None
                continue
            items.append((trader, body))
            break
    return Bodies(items=items, invalid=invalid)


async def _lodge_all(url: str, bodies: Bodies, concurrency: int) -> list[str]:
    limit = asyncio.Semaphore(concurrency)
    failures: list[str] = []

    async def lodge(client: httpx.AsyncClient, trader: TraderKey, body: dict[str, Any]) -> None:
        headers = {"Authorization": f"Bearer {trader.key}", "Idempotency-Key": str(uuid.uuid4())}
        async with limit:
            response = await client.post("/v1/declarations", json=body, headers=headers)
        if response.status_code != 202:
            failures.append(f"{response.status_code}: {response.text[:200]}")

    async with httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT_SECONDS) as client:
        await asyncio.gather(*(lodge(client, trader, body) for trader, body in bodies.items))
    return failures


def lodge_all(url: str, bodies: Bodies, concurrency: int) -> list[str]:
    """Lodge every body over HTTP; what went wrong (for the warm-up, outside the measures)."""
    return asyncio.run(_lodge_all(url, bodies, concurrency))
