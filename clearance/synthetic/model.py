"""Train and bench the risk model on a simulated year: `python -m clearance.synthetic.model`."""

import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from clearance.risk import model
from clearance.synthetic.history import simulate

SIMULATED_COUNT = 20_000
SIMULATED_START = datetime(2025, 1, 1, tzinfo=UTC)
SIMULATED_DAYS = 365


def main(argv: Sequence[str] | None = None) -> int:
    """`clearance.risk.model`'s command on simulated history (same options, no --history)."""
    args = list(sys.argv[1:] if argv is None else argv)
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 0
    records = simulate(seed=seed, count=SIMULATED_COUNT, start=SIMULATED_START, days=SIMULATED_DAYS)
    return model.main(args, history=records)


if __name__ == "__main__":
    sys.exit(main())
