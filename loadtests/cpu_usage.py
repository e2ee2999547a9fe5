"""CPU time and memory of the processes a benchmark run is made of, read with psutil.

/proc/<pid>/stat is world-readable, so this works for PostgreSQL's processes too, which belong
to another user. The machine is shared: besides each component, the machine's busy time is
kept, so what other processes took is visible next to the figures.
"""

import os
import resource
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import psutil

SAMPLE_SECONDS = 0.5
TREE_REFRESH_SECONDS = 2.0
# PostgreSQL's own processes, shared by every database of the cluster.
POSTGRES_BACKGROUND = (
    "checkpointer",
    "background writer",
    "walwriter",
    "autovacuum launcher",
    "logical replication launcher",
    "stats collector",
    "archiver",
)
_GONE = (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied)

Finder = Callable[[], Iterable[psutil.Process]]


def cpu_seconds(process: psutil.Process) -> float:
    """User + system seconds of one process (its threads included, its children not)."""
    times = process.cpu_times()
    return float(times.user + times.system)


def process_tree(pid: int) -> list[psutil.Process]:
    """A process and its descendants (uvicorn's worker processes, RQ's scheduler), if alive."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except _GONE:
        return []


def postgres_role(cmdline: str, database: str) -> str | None:
    """'postmaster', 'background', 'ours' (a backend of `database`), 'other', or None."""
    if not cmdline.startswith("postgres:"):
        program = os.path.basename(cmdline.split(" ", 1)[0])
        return "postmaster" if program == "postgres" else None
    if database in cmdline.split():
        return "ours"  # client backends, and autovacuum workers of this database
    if any(cmdline.rstrip().endswith(name) for name in POSTGRES_BACKGROUND):
        return "background"
    return "other"


def postgres_processes() -> list[tuple[psutil.Process, str]]:
    """Every PostgreSQL process of the machine, with its command line."""
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if process.info["name"] == "postgres" or cmdline.startswith("postgres:"):
            found.append((process, cmdline))
    return found


class Trees:
    """Finds these processes and their descendants; again every TREE_REFRESH_SECONDS only,
    as finding descendants reads every process of the machine."""

    def __init__(self, *pids: int) -> None:
        self._pids = pids
        self._found: list[psutil.Process] = []
        self._at = -TREE_REFRESH_SECONDS

    def __call__(self) -> list[psutil.Process]:
        if time.monotonic() - self._at >= TREE_REFRESH_SECONDS:
            self._found = [p for pid in self._pids for p in process_tree(pid)]
            self._at = time.monotonic()
        return self._found


class PostgresOf:
    """Finds the backends of `database` and the background processes that write for everyone.

    Each process is told apart once, by its command line; the machine's other processes cost
    a directory listing per reading, not a file each.
    """

    WANTED = frozenset({"ours", "background"})

    def __init__(self, database: str) -> None:
        self._database = database
        self._known: dict[int, tuple[psutil.Process, str | None]] = {}

    def __call__(self) -> list[psutil.Process]:
        pids = psutil.pids()
        for gone in self._known.keys() - set(pids):
            del self._known[gone]
        found = []
        for pid in pids:
            if pid not in self._known and (role := self._role(pid)) is not None:
                self._known[pid] = role
            process, kind = self._known.get(pid, (None, None))
            if process is not None and kind in self.WANTED:
                found.append(process)
        return found

    def _role(self, pid: int) -> tuple[psutil.Process, str | None] | None:
        """The process and its role; None to look again later (it has no title of its own yet)."""
        try:
            process = psutil.Process(pid)
            if process.name() != "postgres":
                return process, None
            role = postgres_role(" ".join(process.cmdline()), self._database)
            # A backend just forked still shows the postmaster's command line.
            parent = process.parent()
            if role == "postmaster" and parent is not None and parent.name() == "postgres":
                return None
            return process, role
        except _GONE:
            return None


def postgres_cluster_seconds() -> float:
    """CPU of the whole cluster, exactly: live processes plus the ended ones the postmaster
    waited for (short-lived connections that a sampler misses are in there)."""
    total = 0.0
    for process, cmdline in postgres_processes():
        try:
            times = process.cpu_times()
        except _GONE:
            continue
        total += float(times.user + times.system)
        if not cmdline.startswith("postgres:"):  # the postmaster: add its reaped children
            total += float(times.children_user + times.children_system)
    return total


def machine_busy_seconds() -> float:
    """CPU seconds every core of the machine spent on anything but idling."""
    t = psutil.cpu_times()
    return float(t.user + t.nice + t.system + t.irq + t.softirq)


def own_seconds() -> float:
    """This process."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime


def reaped_seconds() -> float:
    """The children this process has waited for (wrk once it has ended, burst workers)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime


def rss_bytes(pid: int) -> int:
    """Resident memory of one process; 0 once it has ended."""
    try:
        return int(psutil.Process(pid).memory_info().rss)
    except _GONE:
        return 0


@dataclass
class _Seen:
    base: float
    last: float


class CpuMeter:
    """CPU seconds of each component's processes since start(), read every SAMPLE_SECONDS.

    A process that ends keeps its last reading, so only what it did after that is lost; one
    that starts during the run counts from zero.
    """

    def __init__(self, components: Mapping[str, Finder], interval: float = SAMPLE_SECONDS):
        self._components = dict(components)
        self._interval = interval
        self._seen: dict[str, dict[tuple[int, float], _Seen]] = {c: {} for c in components}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started_at = 0.0

    def start(self) -> None:
        self._started_at = time.time()
        self._sample(first=True)
        self._thread = threading.Thread(target=self._run, name="cpu-meter", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._sample(first=False)

    def _sample(self, *, first: bool) -> None:
        with self._lock:
            for name, find in self._components.items():
                seen = self._seen[name]
                for process in find():
                    try:
                        key = (process.pid, process.create_time())
                        used = cpu_seconds(process)
                    except _GONE:
                        continue
                    if key in seen:
                        seen[key].last = used
                    else:
                        known = first or key[1] < self._started_at
                        seen[key] = _Seen(base=used if known else 0.0, last=used)

    def seconds(self) -> dict[str, float]:
        """Seconds per component so far (reads every process once more first)."""
        self._sample(first=False)
        with self._lock:
            return {
                name: sum(s.last - s.base for s in seen.values())
                for name, seen in self._seen.items()
            }

    def stop(self) -> dict[str, float]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        return self.seconds()


@dataclass(frozen=True)
class Snapshot:
    """Counters that only grow, read at one instant."""

    at: float
    machine: float
    postgres_cluster: float
    own: float
    reaped: float

    @classmethod
    def now(cls) -> "Snapshot":
        return cls(
            at=time.monotonic(),
            machine=machine_busy_seconds(),
            postgres_cluster=postgres_cluster_seconds(),
            own=own_seconds(),
            reaped=reaped_seconds(),
        )


def cpu_count() -> int:
    return os.cpu_count() or 1
