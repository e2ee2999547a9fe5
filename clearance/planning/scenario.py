"""The period with the operator's changes: channels at another rate, more or less traffic.

A different red rate moves only the declarations at the margin, the way moving the channel
threshold would: a lower rate sends the lowest-scored reds to yellow, a higher one the
highest-scored others to red. Hard hits and random selections stay red whatever the rate.
A yellow rate does the same between yellow and green. More traffic repeats declarations of
the period (each copy a little earlier or later, with the same trader's timings); less drops
some. Every draw is seeded. Replayed with their own stage times, the declarations that keep
their channel take the times they took (a copy, another declaration, draws its own).
"""

import math
import random
from collections.abc import Sequence
from dataclasses import replace

from clearance.planning.calibration import Trace
from clearance.planning.schemas import Changes
from clearance.planning.simulation import Job

RED, YELLOW, GREEN = "red", "yellow", "green"
COPY_JITTER_SECONDS = 1800.0  # a repeated declaration is lodged up to half an hour apart
COPY_INDEX = 1_000_000  # copies' draw keys sit above every declaration's own


def rechannel(traces: Sequence[Trace], changes: Changes) -> dict[int, str]:
    """Each declaration's channel under the changed rates (unchanged rates move nobody)."""
    channels = {t.index: t.channel.value for t in traces}
    by_index = {t.index: t for t in traces}
    if changes.red_rate is not None:
        _move(channels, by_index, upper=RED, lower=YELLOW, target=changes.red_rate)
    if changes.yellow_rate is not None:
        _move(channels, by_index, upper=YELLOW, lower=GREEN, target=changes.yellow_rate)
    return channels


def _move(
    channels: dict[int, str], traces: dict[int, Trace], *, upper: str, lower: str, target: float
) -> None:
    """Demote the lowest-scored of `upper`, or promote the highest-scored below it, to target."""
    wanted = round(target * len(channels))
    inside = sorted((i for i, c in channels.items() if c == upper), key=lambda i: traces[i].score)
    movable = [i for i in inside if not traces[i].pinned_red]
    for index in movable[: max(len(inside) - wanted, 0)]:
        channels[index] = lower
    below = {GREEN} if upper == YELLOW else {YELLOW, GREEN}
    outside = sorted(
        (i for i, c in channels.items() if c in below),
        key=lambda i: (-traces[i].score, channels[i] != YELLOW),
    )
    for index in outside[: max(wanted - len(inside), 0)]:
        channels[index] = upper


def jobs(
    traces: Sequence[Trace],
    channels: dict[int, str],
    *,
    escalation_share: float,
    traffic: float,
    seed: int,
    own_times: bool = False,
) -> list[Job]:
    """What the simulation runs: each declaration in its channel, repeated for the traffic."""
    made: list[Job] = []
    for trace in traces:
        job = _job(trace, channels[trace.index], escalation_share, seed, own_times)
        draws = random.Random(f"{seed}:traffic:{trace.index}")
        copies = math.floor(traffic) + (1 if draws.random() < traffic % 1 else 0)
        for copy in range(copies):
            made.append(job if copy == 0 else _copy(job, copy, draws))
    return made


def _job(trace: Trace, channel: str, escalation_share: float, seed: int, own_times: bool) -> Job:
    """The declaration's path in its channel: its own where unchanged, else the channel's."""
    own = trace.stage_seconds if own_times and channel == trace.channel.value else {}
    if channel == trace.channel.value:
        inspected, seized = trace.inspected, trace.seized
    else:
        escalated = random.Random(f"{seed}:escalate:{trace.index}").random() < escalation_share
        inspected = channel == RED or (channel == YELLOW and escalated)
        seized = trace.seized and channel != GREEN  # found at the check or the inspection
    return Job(
        index=trace.index,
        channel=channel,
        score=trace.score,
        in_period=trace.in_period,
        lodged=trace.lodged,
        unheld=trace.unheld,
        arrived=trace.arrived,
        trader_ready=trace.trader_ready,
        inspected=inspected,
        seized=seized,
        own_seconds=own,
    )


def _copy(job: Job, copy: int, draws: random.Random) -> Job:
    shift = draws.uniform(-COPY_JITTER_SECONDS, COPY_JITTER_SECONDS)

    def moved(moment: float | None) -> float | None:
        return None if moment is None or math.isinf(moment) else moment + shift

    return replace(
        job,
        index=job.index + copy * COPY_INDEX,
        lodged=max(job.lodged + shift, 0.0),
        unheld=moved(job.unheld),
        arrived=moved(job.arrived),
        trader_ready=job.trader_ready if job.trader_ready == math.inf else moved(job.trader_ready),
        own_seconds={},
    )
