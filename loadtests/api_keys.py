"""API keys for load tests: read from the environment, or made with `clearance keys create`."""

import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from clearance.synthetic.parties import DEMO_TRADERS

TRADER_KEYS_ENV = "CLEARANCE_LOADTEST_TRADER_KEYS"
GATE_KEY_ENV = "CLEARANCE_LOADTEST_GATE_KEY"
BANK_KEY_ENV = "CLEARANCE_LOADTEST_BANK_KEY"
# One key per officer user (comma-separated): two users on one key would be one officer, whose
# claims may take the same item twice.
OFFICER_KEY_ENV = "CLEARANCE_LOADTEST_OFFICER_KEY"
OPERATOR_KEY_ENV = "CLEARANCE_LOADTEST_OPERATOR_KEY"
TAX_CODES_ENV = "CLEARANCE_LOADTEST_TAX_CODES"
KEY_NAME = "loadtest"
CLI_TIMEOUT_SECONDS = 60
# The same pattern the API applies to `declarant.tax_code`: catch a typo before the first request.
TAX_CODE = re.compile(r"^[0-9]{10}(-[0-9]{3})?$")


class KeySetupError(RuntimeError):
    """The load test cannot get the API keys it needs."""


@dataclass(frozen=True)
class TraderKey:
    """A trader key and the company it was issued to, which must be the declarant."""

    tax_code: str
    key: str

    @property
    def declarant(self) -> tuple[str, str]:
        """(tax code, name) as `make_declaration` takes it; the name is the demo's, if known."""
        return self.tax_code, dict(DEMO_TRADERS).get(self.tax_code, f"Doanh nghiệp {self.tax_code}")


def parse_trader_keys(value: str) -> list[TraderKey]:
    """`tax_code:key,tax_code:key` -> keys; a malformed pair is an error, not skipped."""
    keys: list[TraderKey] = []
    for pair in filter(None, (item.strip() for item in value.split(","))):
        tax_code, _, key = pair.partition(":")
        if not TAX_CODE.match(tax_code) or not key:
            raise KeySetupError(f"{TRADER_KEYS_ENV}: {pair[:16]!r}... is not tax_code:key")
        keys.append(TraderKey(tax_code=tax_code, key=key))
    return keys


def create_key_with_cli(
    *, role: str, tax_code: str | None = None, env: Mapping[str, str] | None = None
) -> str:
    """A new key from `clearance keys create` against CLEARANCE_DATABASE_URL (of `env`, else of
    this process); its last line."""
    arguments = ["keys", "create", "--role", role, "--name", KEY_NAME]
    if tax_code is not None:
        arguments += ["--tax-code", tax_code]
    return _run_cli(arguments, env)


def grant_demo_mandates_with_cli(
    tax_codes: Sequence[str], env: Mapping[str, str] | None = None
) -> None:
    """`clearance mandates demo`: the mandates these brokers lodge the demo's traffic under."""
    _run_cli(["mandates", "demo", *(f"--tax-code={code}" for code in tax_codes)], env)


def _run_cli(arguments: list[str], env: Mapping[str, str] | None = None) -> str:
    """Run `clearance <arguments>`; returns the last line it printed."""
    command = [sys.executable, "-m", "clearance", *arguments]
    try:
        result = subprocess.run(  # noqa: S603 - our own CLI, arguments from our own code
            command,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT_SECONDS,
            check=False,
            env=None if env is None else dict(env),
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise KeySetupError(f"`clearance {arguments[0]}` did not run: {exc}") from exc
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        detail = " ".join(result.stderr.split())[-300:]
        raise KeySetupError(f"`clearance {' '.join(arguments[:3])}` failed: {detail}")
    return lines[-1].strip()


def trader_keys(environ: Mapping[str, str] = os.environ) -> list[TraderKey]:
    """Keys from CLEARANCE_LOADTEST_TRADER_KEYS, else one new key per tax code to test with."""
    if value := environ.get(TRADER_KEYS_ENV, "").strip():
        keys = parse_trader_keys(value)
        if keys:
            return keys
    codes = environ.get(TAX_CODES_ENV, "").split(",")
    tax_codes = [c.strip() for c in codes if c.strip()] or [code for code, _ in DEMO_TRADERS]
    for tax_code in tax_codes:
        if not TAX_CODE.match(tax_code):
            raise KeySetupError(f"{TAX_CODES_ENV}: {tax_code!r} is not a tax code")
    keys = [
        TraderKey(tax_code=code, key=create_key_with_cli(role="trader", tax_code=code))
        for code in tax_codes
    ]
    grant_demo_mandates_with_cli(tax_codes)
    return keys


def gate_key(environ: Mapping[str, str] = os.environ) -> str:
    """The key from CLEARANCE_LOADTEST_GATE_KEY, else a new gate key."""
    return environ.get(GATE_KEY_ENV, "").strip() or create_key_with_cli(role="gate")


def bank_key(environ: Mapping[str, str] = os.environ) -> str:
    """The key from CLEARANCE_LOADTEST_BANK_KEY, else a new bank key."""
    return environ.get(BANK_KEY_ENV, "").strip() or create_key_with_cli(role="bank")


def officer_keys(count: int, environ: Mapping[str, str] = os.environ) -> list[str]:
    """`count` keys from CLEARANCE_LOADTEST_OFFICER_KEY (comma-separated), else new ones."""
    given = [key.strip() for key in environ.get(OFFICER_KEY_ENV, "").split(",") if key.strip()]
    if not given:
        return [create_key_with_cli(role="officer") for _ in range(count)]
    if len(given) < count:
        raise KeySetupError(f"{OFFICER_KEY_ENV}: {len(given)} keys for {count} officers")
    return given[:count]


def operator_key(environ: Mapping[str, str] = os.environ) -> str:
    """The key from CLEARANCE_LOADTEST_OPERATOR_KEY, else a new operator key."""
    return environ.get(OPERATOR_KEY_ENV, "").strip() or create_key_with_cli(role="operator")
