"""The benchmark for several worker counts and database sizes, and its figures against targets.

    python -m loadtests.bench_matrix --workers 1,2,4 --prefill 0,1000000 --json bench.json \
        -- --count 30000 --api-processes 2

Runs `loadtests.bench` once per (database size, worker count), one after the other, each with
its own database, Redis and processes (the arguments after `--` go to every run), prints each
run's table as it finishes, then one table of the figures the service is held to, each run a
row, and writes every run's figures to `--json`.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loadtests.bench_services import REPO_ROOT


@dataclass(frozen=True)
class Bar:
    """The figures the service must reach on this machine."""

    screened_per_second: float = 500.0
    cpu_ms_per_declaration: float = 4.0
    intake_p99_ms: float = 50.0
    lodged_to_channel_p99_ms: float = 1000.0


BAR = Bar()
COMPONENTS = ("api", "database", "redis", "workers")


def _counts(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: whole numbers separated by commas") from None
    if not values or any(v < 0 for v in values):
        raise argparse.ArgumentTypeError(f"{text!r}: one number or more, none below 0")
    return values


def parse_args(argv: Sequence[str] | None) -> tuple[argparse.Namespace, list[str]]:
    argv = list(sys.argv[1:] if argv is None else argv)
    passed: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, passed = argv[:cut], argv[cut + 1 :]
    parser = argparse.ArgumentParser(
        prog="python -m loadtests.bench_matrix",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--workers", type=_counts, default=[1, 2, 4], help="(1,2,4)")
    parser.add_argument("--prefill", type=_counts, default=[0, 1_000_000], help="(0,1000000)")
    parser.add_argument("--json", type=Path, default=None, help="every run's figures")
    args = parser.parse_args(argv)
    if 0 in args.workers:
        parser.error("--workers: every count must be at least 1")
    for own in ("--workers", "--prefill", "--json"):
        if any(item == own or item.startswith(own + "=") for item in passed):
            parser.error(f"{own} is the matrix's own: give it before `--`")
    return args, passed


def run_one(workers: int, prefill: int, passed: list[str], out: Path) -> dict[str, Any]:
    """One benchmark run; its figures, or what broke it."""
    command = [sys.executable, "-m", "loadtests.bench", *passed]
    command += ["--workers", str(workers), "--prefill", str(prefill), "--json", str(out)]
    print(f"== {workers} worker(s), {prefill:,} declarations before the run", flush=True)
    done = subprocess.run(command, cwd=REPO_ROOT, check=False)  # noqa: S603 - our own module
    if not out.exists():
        return {"problems": [f"the run exited {done.returncode} without figures"]}
    return dict(json.loads(out.read_text()))


def _at(result: dict[str, Any], *path: str) -> Any:
    """The value at `path`, or None where a run did not get that far."""
    value: Any = result
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def figures(result: dict[str, Any]) -> dict[str, float | None]:
    """The targeted figures of one run; None where the run did not measure them."""
    cpu = _at(result, "service", "cpu", "ms_per_unit")
    rss = _at(result, "service", "worker_rss_mb")
    return {
        "screened_per_second": _at(
            result, "service", "end_to_end", "worker_declarations_per_second"
        ),
        "cpu_ms_per_declaration": round(sum(cpu[c] for c in COMPONENTS), 2) if cpu else None,
        "intake_p99_ms": _at(result, "service", "paced", "latency_ms", "p99"),
        "lodged_to_channel_p99_ms": _at(
            result, "service", "paced", "end_to_end", "lodged_to_channel_ms", "p99"
        ),
        "worker_rss_growth_mb": round(max(w["end"] - w["start"] for w in rss), 1) if rss else None,
        "bare_api_cpu_ms": _at(result, "bare_api", "cpu", "ms_per_unit", "api"),
        "bare_rq_cpu_ms": _at(result, "bare_rq", "cpu", "ms_per_unit", "workers"),
    }


def meets(found: dict[str, float | None], bar: Bar = BAR) -> dict[str, bool]:
    """Each bar, met or not (a figure not measured is not met)."""

    def at_most(value: float | None, limit: float) -> bool:
        return value is not None and value <= limit

    screened = found["screened_per_second"]
    return {
        "screened_per_second": screened is not None and screened >= bar.screened_per_second,
        "cpu_ms_per_declaration": at_most(
            found["cpu_ms_per_declaration"], bar.cpu_ms_per_declaration
        ),
        "intake_p99_ms": at_most(found["intake_p99_ms"], bar.intake_p99_ms),
        "lodged_to_channel_p99_ms": at_most(
            found["lodged_to_channel_p99_ms"], bar.lodged_to_channel_p99_ms
        ),
    }


def _cell(value: float | None, met: bool | None = None) -> str:
    text = "-" if value is None else f"{value:,.1f}"
    return text + ("" if met is None else " ok" if met else " NO")


def bar_table(runs: list[dict[str, Any]], bar: Bar = BAR) -> str:
    """One row per run: the targeted figures, each marked ok or NO."""
    head = (
        f"{'workers':>7} {'database':>10} {'screened/s':>12} {'CPU ms/decl':>12} "
        f"{'intake p99':>12} {'to channel p99':>15} {'RSS +MB':>8} {'bare API':>9} "
        f"{'bare RQ':>8}"
    )
    lines = [
        f"Targets: >= {bar.screened_per_second:g} screened/s, <= "
        f"{bar.cpu_ms_per_declaration:g} ms CPU per declaration, intake p99 < "
        f"{bar.intake_p99_ms:g} ms and lodged -> channel p99 < "
        f"{bar.lodged_to_channel_p99_ms:g} ms at the paced rate (latencies in ms; bare: CPU ms "
        "per request and per job)",
        head,
    ]
    for run in runs:
        found, met = run["figures"], meets(run["figures"], bar)
        lines.append(
            f"{run['workers']:>7} {run['prefill']:>10,} "
            f"{_cell(found['screened_per_second'], met['screened_per_second']):>12} "
            f"{_cell(found['cpu_ms_per_declaration'], met['cpu_ms_per_declaration']):>12} "
            f"{_cell(found['intake_p99_ms'], met['intake_p99_ms']):>12} "
            f"{_cell(found['lodged_to_channel_p99_ms'], met['lodged_to_channel_p99_ms']):>15} "
            f"{_cell(found['worker_rss_growth_mb']):>8} {_cell(found['bare_api_cpu_ms']):>9} "
            f"{_cell(found['bare_rq_cpu_ms']):>8}"
        )
        lines += [f"        problem: {p}" for p in run["result"].get("problems", [])]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    args, passed = parse_args(argv)
    runs = []
    with tempfile.TemporaryDirectory(prefix="clearance-bench-matrix-") as workdir:
        for prefill in args.prefill:
            for workers in args.workers:
                out = Path(workdir) / f"{workers}-{prefill}.json"
                result = run_one(workers, prefill, passed, out)
                runs.append(
                    {
                        "workers": workers,
                        "prefill": prefill,
                        "figures": figures(result),
                        "result": result,
                    }
                )
    print(bar_table(runs))
    if args.json:
        args.json.write_text(json.dumps({"runs": runs}, indent=2) + "\n")
    failed = [run for run in runs if run["result"].get("problems")]
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
