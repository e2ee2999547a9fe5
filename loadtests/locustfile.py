"""Ma Lù Thàng under load: traders, the gate's weighbridge, officers and operators.

Run from the repository root (loadtests/README.md has the keys, settings and thresholds):
    locust -f loadtests/locustfile.py --headless -u 12 -r 6 -t 30s --host http://127.0.0.1:8765
"""

from typing import Any

from locust import events
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from clearance.synthetic.catalogue import reference
from loadtests.api_keys import KeySetupError
from loadtests.officers import OfficerUser, OperatorUser
from loadtests.thresholds import missed_thresholds, summary
from loadtests.traders import RUN_TAG, GateUser, TraderUser
from loadtests.users import OFFICERS, OPERATORS, load_keys

# The user classes locust runs: the gate, officers and operators in fixed numbers, first;
# traders are the other users.
__all__ = ["GateUser", "OfficerUser", "OperatorUser", "TraderUser"]


@events.init.add_listener  # type: ignore[untyped-decorator]  # locust leaves it untyped
def _load_keys(environment: Environment, **_kwargs: Any) -> None:
    """Read or create the API keys once per process that runs users."""
    if isinstance(environment.runner, MasterRunner):
        return
    try:
        loaded = load_keys()
    except KeySetupError as exc:
        raise SystemExit(f"clearance load test: {exc}") from exc
    # Read the reference data now rather than inside the first user's first request.
    reference()
    print(
        f"clearance load test: {loaded.trader_count} trader keys, {OFFICERS} officers, "
        f"{OPERATORS} operators, run tag {RUN_TAG}",
        flush=True,
    )


@events.quitting.add_listener  # type: ignore[untyped-decorator]
def _check_thresholds(environment: Environment, **_kwargs: Any) -> None:
    """Print a line per step; the exit code is 1 when a threshold was missed, else 0."""
    if isinstance(environment.runner, WorkerRunner):
        return
    print("\n".join(summary(environment.stats)))
    missed = missed_thresholds(environment.stats)
    for sentence in missed:
        print(f"threshold missed: {sentence}")
    if not missed:
        print("all thresholds met")
    # Our thresholds decide, not locust's default of failing on any single error.
    environment.process_exit_code = 1 if missed else 0
