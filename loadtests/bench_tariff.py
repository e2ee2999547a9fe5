"""What the nomenclature costs a process: the time and memory to read every line of the
tariff from the database into memory, and a lookup's time (`python -m loadtests.bench_tariff`)."""

import argparse
import gc
import time
import tracemalloc
from datetime import date

from sqlmodel import Session

from clearance import db
from clearance.migrations import migrate
from clearance.reference import nomenclature

DAY = date(2026, 11, 30)


def measure(url: str, lookups: int) -> dict[str, float]:
    engine = db.make_engine(url)
    with Session(engine) as session:
        nomenclature.read_newer(session=session, into=nomenclature.Nomenclature())  # warm-up
        started = time.perf_counter()
        loaded = nomenclature.read_newer(session=session, into=nomenclature.Nomenclature())
        seconds = time.perf_counter() - started
        del loaded
        gc.collect()
        tracemalloc.start()  # measured apart: tracing slows the load it measures
        loaded = nomenclature.read_newer(session=session, into=nomenclature.Nomenclature())
        _current, peak = tracemalloc.get_traced_memory()
        kept = tracemalloc.take_snapshot().statistics("filename")
        tracemalloc.stop()
    engine.dispose()
    codes = loaded.codes
    started = time.perf_counter()
    for n in range(lookups):
        loaded.line(codes[(n * 7919) % len(codes)], DAY)
    per_lookup = (time.perf_counter() - started) / lookups
    return {
        "lines": float(len(codes)),
        "load_seconds": seconds,
        "kept_mb": sum(stat.size for stat in kept) / 2**20,
        "peak_mb": peak / 2**20,
        "lookup_us": per_lookup * 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True, help="a database to migrate and read")
    parser.add_argument("--lookups", type=int, default=100_000)
    args = parser.parse_args()
    migrate(args.database_url)
    figures = measure(args.database_url, args.lookups)
    for name, value in figures.items():
        print(f"{name:14} {value:,.2f}")


if __name__ == "__main__":
    main()
