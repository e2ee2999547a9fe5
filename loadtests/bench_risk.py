"""Per-declaration cost of the rule engine's pure parts: the rules and the watchlist match.

    python -m loadtests.bench_risk [--count 2000]

It also times the fraud simulator that makes the demo's history and the backtests' data.

Model scoring has its own: `python -m clearance.synthetic.model --bench`. Needs no server: the
reference data is read from the CSV files the service ships.
"""

import argparse
import random
import statistics
import time
from datetime import UTC, date, datetime

from clearance.declarations.schemas import DeclarationIn
from clearance.names import Watchlist
from clearance.reference.seed import reference_from_files
from clearance.risk.rules import Context, default_configs, evaluate
from clearance.synthetic.declarations import make_declaration
from clearance.synthetic.history import simulate_with_truth
from clearance.synthetic.parties import DEMO_TRADERS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args()
    rng = random.Random(7)
    now = datetime(2026, 11, 30, 8, tzinfo=UTC)
    bodies = [
        DeclarationIn.model_validate(
            make_declaration(
                rng, declarant=rng.choice(DEMO_TRADERS), now=now, honest=rng.random() > 0.15
            )
        )
        for _ in range(args.count)
    ]
    names = [f"Công ty TNHH Thương mại Xuất nhập khẩu Số {n} Lai Châu" for n in range(1000)]
    watchlist = Watchlist(names)
    context = Context(reference=reference_from_files(), watchlist_match=watchlist.match)
    configs = default_configs()
    timings = []
    for body in bodies:
        started = time.perf_counter()
        evaluate(body, context, configs)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    print(f"rules on {len(bodies)} demo declarations ({date.today()}), 1,000-name watchlist:")
    p90, p99 = timings[int(0.9 * len(timings))], timings[int(0.99 * len(timings))]
    median = statistics.median(timings)
    print(f"  median {median:.3f} ms, p90 {p90:.3f} ms, p99 {p99:.3f} ms per declaration")
    started = time.perf_counter()
    simulate_with_truth(seed=7, count=20_000, start=now, days=365, drift_at=0.6)
    print(f"simulator: 20,000 declarations in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
