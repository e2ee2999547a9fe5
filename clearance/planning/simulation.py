"""The gate as a discrete-event simulation (simpy): declarations are lodged and screened,
yellow and red ones wait for an officer to check their papers, red ones (and escalated
yellows) wait for their truck and an officer to inspect it, and each is released the moment
its decision, its truck and the trader's own gates are all there.

Officers come on duty with their shift and take one item at a time from one queue; an
officer going off duty finishes the item in hand while the next shift starts. The queue is
the service's: the earliest legal deadline first (overdue items first, then the least working
time left), then the highest risk score, with the deadlines counted on the gate's working
calendar. Each declaration's draws (screening, check and inspection times) come from a
generator seeded by (seed, run, declaration), so a replay and a what-if of the same run share
them and differ only by the change asked about. A declaration replayed with its own stage
times takes those instead of a draw.
"""

import itertools
import math
import random
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import simpy

from clearance.declarations import sla
from clearance.planning.fits import DOCUMENT_CHECK, INSPECTION, SCREENING, Fits
from clearance.planning.shifts import Segment
from clearance.reference.calendar import VIETNAM

DOCUMENT_CHECK_SECONDS = sla.DOCUMENT_CHECK.total_seconds()
INSPECTION_SECONDS = sla.INSPECTION.total_seconds()
SCORE_STEPS = 1000
SAMPLE_SECONDS = 600.0  # how often the queues are read for the hourly figures


@dataclass(frozen=True)
class Job:
    """One declaration to simulate; times in seconds from the origin."""

    index: int  # keys its random draws: the same in the replay and in the what-if
    channel: str
    score: float  # the risk score: among equal deadlines, the riskier is worked first
    in_period: bool
    lodged: float
    unheld: float | None  # held for the trader's papers until then
    arrived: float | None
    trader_ready: float | None
    inspected: bool
    seized: bool
    own_seconds: Mapping[str, float] = field(default_factory=dict)  # stage -> what it took


@dataclass(frozen=True)
class Model:
    fits: Fits
    segments: list[Segment]
    due: Callable[[float, float], int]  # (ready, allowed working seconds) -> deadline
    horizon: float


@dataclass(frozen=True)
class Release:
    index: int
    channel: str
    lodged: float
    arrived: float | None
    released: float


@dataclass
class RunResult:
    releases: list[Release] = field(default_factory=list)  # in-period declarations only
    waiting_for_officer: list[tuple[float, float]] = field(default_factory=list)
    at_gate: list[tuple[float, float]] = field(default_factory=list)
    reviews: dict[str, list[bool]] = field(default_factory=dict)  # channel -> overdue per review


@dataclass
class _Item:
    """A review waiting for an officer: the officer says when they begin and when done."""

    seconds: float  # how long the officer works it
    begun: simpy.Event
    done: simpy.Event


class _Run:
    def __init__(self, jobs: Sequence[Job], model: Model, seed: int, run: int) -> None:
        self.env = simpy.Environment()
        self.model = model
        self.queue = simpy.PriorityStore(self.env)
        self.tickets = itertools.count()  # orders equal urgencies first come, first served
        self.result = RunResult()
        self.released: dict[int, float] = {}
        self.env.process(self._duty_roster())
        for job in jobs:
            draws = random.Random(f"{seed}:{run}:{job.index}")
            self.env.process(self._declaration(job, [draws.random() for _ in range(3)]))

    def play(self, jobs: Sequence[Job]) -> RunResult:
        self.env.run(until=self.model.horizon)
        for job in jobs:
            if job.arrived is not None and job.in_period and not job.seized:
                end = self.released.get(job.index, self.model.horizon)
                self.result.at_gate.append((job.arrived, max(end, job.arrived)))
        return self.result

    def _duty_roster(self) -> Generator[simpy.Event, Any, None]:
        """Each shift's officers come on duty at its start."""
        for start, end, on_duty in self.model.segments:
            if start > self.env.now:
                yield self.env.timeout(start - self.env.now)
            for _ in range(on_duty):
                self.env.process(self._officer(end))

    def _officer(self, off_duty: float) -> Generator[simpy.Event, Any, None]:
        """Take the most urgent item until the shift ends; finish the one in hand."""
        while self.env.now < off_duty:
            taking = self.queue.get()
            shift_over = self.env.timeout(off_duty - self.env.now)
            got = yield taking | shift_over
            if taking not in got:
                taking.cancel()
                return
            item: _Item = got[taking].item
            item.begun.succeed()
            yield self.env.timeout(item.seconds)
            item.done.succeed()

    def _declaration(self, job: Job, u: list[float]) -> Generator[simpy.Event, Any, None]:
        env = self.env
        yield env.timeout(max(job.lodged - env.now, 0.0))
        yield env.timeout(self._seconds(job, SCREENING, u[0]))
        if job.unheld is not None:
            yield env.timeout(max(job.unheld - env.now, 0.0))
        if job.channel != "green":
            yield from self._review(job, DOCUMENT_CHECK, DOCUMENT_CHECK_SECONDS, u[1])
            if job.inspected or job.channel == "red":
                if job.arrived is None:
                    return  # an inspection waits for a truck that never came
                yield env.timeout(max(job.arrived - env.now, 0.0))
                yield from self._review(job, INSPECTION, INSPECTION_SECONDS, u[2])
        if job.seized or job.arrived is None or job.trader_ready == math.inf:
            return
        released = max(env.now, job.arrived, job.trader_ready or 0.0)
        self.released[job.index] = released
        if job.in_period and released <= self.model.horizon:
            self.result.releases.append(
                Release(job.index, job.channel, job.lodged, job.arrived, released)
            )

    def _seconds(self, job: Job, stage: str, u: float) -> float:
        """The stage's time: the declaration's own where it is replayed with it, else a draw."""
        own = job.own_seconds.get(stage)
        return self.model.fits.seconds(stage, job.channel, u) if own is None else own

    def _review(
        self, job: Job, stage: str, allowed: float, u: float
    ) -> Generator[simpy.Event, Any, None]:
        """Wait for an officer, earliest deadline first, and keep them for the stage's time."""
        ready = self.env.now
        due = self.model.due(ready, allowed)
        item = _Item(self._seconds(job, stage, u), self.env.event(), self.env.event())
        urgency = (_urgency(due, job.score), next(self.tickets))
        yield self.queue.put(simpy.PriorityItem(urgency, item))
        yield item.begun
        if job.in_period:
            self.result.waiting_for_officer.append((ready, self.env.now))
            self.result.reviews.setdefault(job.channel, []).append(self.env.now > due)
        yield item.done


def _urgency(due: int, score: float) -> int:
    """The service's queue order: the earliest deadline, then the highest risk score.

    Deadlines tie often: everything lodged while the gate is closed is due two working hours
    after it opens.
    """
    return due * SCORE_STEPS + round((1 - min(max(score, 0.0), 1.0)) * (SCORE_STEPS - 1))


def simulate(jobs: Sequence[Job], model: Model, *, seed: int, run: int) -> RunResult:
    """One run of the period; deterministic for a seed and run."""
    return _Run(jobs, model, seed, run).play(jobs)


def calendar_deadline(
    origin: datetime, add: Callable[[datetime, timedelta], datetime]
) -> Callable[[float, float], int]:
    """A legal clock in whole seconds of the simulation, from the gate's working calendar."""
    memo: dict[tuple[int, float], int] = {}

    def due(ready: float, allowed: float) -> int:
        key = (int(ready // 60), allowed)  # a minute's precision is plenty for a deadline
        if key not in memo:
            start = origin + timedelta(seconds=key[0] * 60)
            memo[key] = int((add(start, timedelta(seconds=allowed)) - origin).total_seconds())
        return memo[key]

    return due


def load_by_hour(
    intervals: Iterable[tuple[float, float]], origin: datetime, start: float, end: float
) -> list[float]:
    """How many intervals cover each sampling moment of [start, end), mean by local hour."""
    spans = [(a, b) for a, b in intervals if b > a]
    edges = sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans])
    totals, counts = [0.0] * 24, [0] * 24
    level, index, moment = 0, 0, start
    while moment < end:
        while index < len(edges) and edges[index][0] <= moment:
            level += edges[index][1]
            index += 1
        hour = (origin + timedelta(seconds=moment)).astimezone(VIETNAM).hour
        totals[hour] += level
        counts[hour] += 1
        moment += SAMPLE_SECONDS
    return [total / count if count else 0.0 for total, count in zip(totals, counts, strict=True)]
