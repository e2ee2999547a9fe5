"""Lodge at a fixed offered rate (open loop) and time each answer from when it was due.

    python -m loadtests.paced_intake --url http://127.0.0.1:8000/v1/declarations \
        --bodies bodies.txt --rate 300

wrk is closed-loop: a connection sends its next request only once the last one is answered,
so a slow service is offered less and its queueing never shows. Here request i is due at
`start + i / rate` whatever happened before it (as wrk2 does): it goes out on an idle
keep-alive connection, or a new one up to `--connections`, or waits for one; its latency runs
from when it was due, so a request held back by a slow service counts the wait. The bodies
file is `wrk_intake.py`'s (`key<TAB>idempotency key<TAB>JSON`), each body sent exactly once.
Prints one `BENCH_PACED_JSON {...}` line. The client is plain asyncio streams (tens of
microseconds a request), so it keeps to the schedule on a busy machine; `late_ms` says by how
much it did not.
"""

import argparse
import asyncio
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

RESULT_PREFIX = "BENCH_PACED_JSON "
PERCENTILES = (50.0, 90.0, 95.0, 99.0, 99.9)
SAMPLE_REFUSALS = 3
Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]


def request_bytes(host: str, path: str, line: str) -> bytes:
    """One HTTP/1.1 POST of a bodies-file line, keep-alive."""
    key, idempotency, body = line.rstrip("\n").split("\t", 2)
    payload = body.encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nIdempotency-Key: {idempotency}\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


def percentile(sorted_values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile of values already sorted."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(share / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    late_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    refusals: list[str] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    connections: int = 0
    reconnects: int = 0


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for header in lines[1:]:
        name, _, value = header.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    return status, await reader.readexactly(length) if length else b""


class Connections:
    """Idle keep-alive connections, opened on demand up to a limit."""

    def __init__(self, host: str, port: int, limit: int, tally: Tally) -> None:
        self.host, self.port, self.tally = host, port, tally
        self.idle: list[Stream] = []
        self.free = asyncio.Semaphore(limit)

    async def take(self) -> Stream:
        await self.free.acquire()
        if self.idle:
            return self.idle.pop()
        return await self.reopen()

    async def reopen(self) -> Stream:
        """A new connection in place of the one taken."""
        self.tally.connections += 1
        return await asyncio.open_connection(self.host, self.port)

    def give_back(self, stream: Stream | None) -> None:
        if stream is not None:
            self.idle.append(stream)
        self.free.release()

    def close(self) -> None:
        for _reader, writer in self.idle:
            writer.close()


async def _exchange(stream: Stream, payload: bytes) -> tuple[int, bytes]:
    reader, writer = stream
    writer.write(payload)
    return await _answer(reader)


async def _send(payload: bytes, due: float, pool: Connections, tally: Tally) -> None:
    stream = None
    try:
        stream = await pool.take()
        tally.late_ms.append((time.monotonic() - due) * 1000)
        try:
            status, body = await _exchange(stream, payload)
        except asyncio.IncompleteReadError as exc:
            if exc.partial:
                raise
            # The server closed this keep-alive connection while it sat idle (uvicorn's
            # keep-alive timeout) before it read the request: send it again on a new one.
            # Safe to repeat: every body carries its Idempotency-Key.
            stream[1].close()
            stream = await pool.reopen()
            tally.reconnects += 1
            status, body = await _exchange(stream, payload)
        tally.latencies_ms.append((time.monotonic() - due) * 1000)
        tally.statuses[status] = tally.statuses.get(status, 0) + 1
        if not 200 <= status < 300 and len(tally.refusals) < SAMPLE_REFUSALS:
            tally.refusals.append(f"{status} {body[:200].decode(errors='replace')}")
    except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
        tally.errors += 1
        if len(tally.error_samples) < SAMPLE_REFUSALS:
            tally.error_samples.append(repr(exc)[:200])
        if stream is not None:
            stream[1].close()
        stream = None
    finally:
        pool.give_back(stream)


async def run(url: str, payloads: list[bytes], rate: float, connections: int) -> dict[str, Any]:
    """Send every payload at its due time; the figures."""
    parts = urlsplit(url)
    tally = Tally()
    pool = Connections(parts.hostname or "127.0.0.1", parts.port or 80, connections, tally)
    tasks = []
    start = time.monotonic() + 0.05
    for i, payload in enumerate(payloads):
        due = start + i / rate
        if (wait := due - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.create_task(_send(payload, due, pool, tally)))
    await asyncio.gather(*tasks)
    seconds = time.monotonic() - start
    pool.close()
    return figures(tally, rate=rate, count=len(payloads), seconds=seconds)


def figures(tally: Tally, *, rate: float, count: int, seconds: float) -> dict[str, Any]:
    latencies, late = sorted(tally.latencies_ms), sorted(tally.late_ms)
    accepted = sum(n for status, n in tally.statuses.items() if 200 <= status < 300)
    return {
        "offered_per_second": rate,
        "bodies": count,
        "answered": len(latencies),
        "accepted": accepted,
        "refused": len(latencies) - accepted,
        "errors": tally.errors,
        "error_samples": tally.error_samples,
        "reconnects": tally.reconnects,
        "statuses": {str(status): n for status, n in sorted(tally.statuses.items())},
        "refusals": tally.refusals,
        "seconds": round(seconds, 3),
        "answered_per_second": round(len(latencies) / seconds, 1) if seconds else 0.0,
        "latency_ms": {
            **{f"p{p:g}": round(percentile(latencies, p), 2) for p in PERCENTILES},
            "max": round(latencies[-1], 2) if latencies else 0.0,
        },
        # How long a request waited for a connection past its due time (the service was slow
        # to free one) or for this client (it fell behind): included in the latency.
        "late_ms": {"p50": round(percentile(late, 50), 2), "p99": round(percentile(late, 99), 2)},
        "connections_opened": tally.connections,
    }


def paced(url: str, bodies: Path, rate: float, connections: int) -> dict[str, Any]:
    parts = urlsplit(url)
    host = parts.netloc
    with bodies.open(encoding="utf-8") as lines:
        payloads = [request_bytes(host, parts.path, line) for line in lines if line.strip()]
    return asyncio.run(run(url, payloads, rate, connections))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m loadtests.paced_intake", description=__doc__)
    parser.add_argument("--url", required=True, help="http://host:port/v1/declarations")
    parser.add_argument("--bodies", type=Path, required=True, help="wrk_intake's bodies file")
    parser.add_argument("--rate", type=float, default=300.0, help="requests offered a second")
    parser.add_argument("--connections", type=int, default=256, help="at most this many open")
    args = parser.parse_args(argv)
    result = paced(args.url, args.bodies, args.rate, args.connections)
    print(RESULT_PREFIX + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
