"""What every user of the locust scenario shares: its keys, its pauses, reading answers."""

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from locust import between
from locust.contrib.fasthttp import FastResponse

from loadtests.api_keys import TraderKey, gate_key, officer_keys, operator_key, trader_keys
from loadtests.thresholds import env_float

WAIT_MIN_ENV = "CLEARANCE_LOADTEST_WAIT_MIN_S"
WAIT_MAX_ENV = "CLEARANCE_LOADTEST_WAIT_MAX_S"
OFFICERS_ENV = "CLEARANCE_LOADTEST_OFFICERS"
OPERATORS_ENV = "CLEARANCE_LOADTEST_OPERATORS"


def env_count(name: str, default: int) -> int:
    value = env_float(name, default)
    if value < 0 or value != int(value):
        raise SystemExit(f"{name}={value:g} is not a number of users")
    return int(value)


# Read when locust imports the locustfile: fixed counts are class attributes.
OFFICERS = env_count(OFFICERS_ENV, 2)
OPERATORS = env_count(OPERATORS_ENV, 1)
# A person's pause between two tasks: traders' and officers'.
PERSON_WAIT = between(env_float(WAIT_MIN_ENV, 0.2), env_float(WAIT_MAX_ENV, 1.0))


@dataclass
class Keys:
    """The keys of this locust process, each handed to the next user of its kind."""

    traders: Iterator[TraderKey]
    gate: str
    officers: Iterator[str]
    operator: str
    trader_count: int


_keys: Keys | None = None


def load_keys() -> Keys:
    """Read the keys from the environment, or make them with the CLI; raises KeySetupError."""
    global _keys
    traders = trader_keys()
    _keys = Keys(
        traders=itertools.cycle(traders),
        gate=gate_key(),
        officers=itertools.cycle(officer_keys(OFFICERS)),
        operator=operator_key() if OPERATORS else "",
        trader_count=len(traders),
    )
    return _keys


def keys() -> Keys:
    if _keys is None:
        raise RuntimeError("keys are loaded by the init event before any user starts")
    return _keys


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def refusal(response: FastResponse) -> str:
    """What a failed request is recorded as: its status and the start of its answer."""
    return f"{response.status_code} {(response.text or '')[:200]}"


def json_object(response: FastResponse) -> dict[str, Any]:
    """The answer's JSON object, or {} when it is not one."""
    try:
        parsed = response.json()
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
