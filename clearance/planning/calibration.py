"""What the simulation replays and how long each stage takes, read from the database's events
of a period: the same rows the Time Release Study report reads.

Each declaration lodged in the window becomes a `Trace`: when it was lodged, screened, when its
truck reached the gate, when the trader's own release gates (payment, papers) opened, its
channel, score and duty, and how long each of its stages took. Officers' work is read from
their events: a document check runs from the officer's claim to the decision that ends it. An
inspection's claim leaves no event, so it is taken to start at the latest of: the referral,
the truck's arrival, and the same officer's previous action that day (or the start of their
shift); the officer works one item at a time, so the inspection cannot have begun earlier.
Who worked a shift is every officer who began an item in it.
"""

import math
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass, field
from datetime import date, datetime

from clearance.declarations.models import Channel, DeclarationEvent, State
from clearance.planning.fits import DOCUMENT_CHECK, INSPECTION, SCREENING
from clearance.planning.records import Row
from clearance.planning.schemas import ShiftName
from clearance.planning.shifts import ShiftHours, shift_at, shift_start
from clearance.reference.calendar import local_date

# A release later than both decision and arrival by more than this waited for the trader.
TRADER_SLACK_SECONDS = 1.0
OFFICER_ROLES = ("officer:", "supervisor:")


@dataclass(frozen=True)
class Trace:
    """One screened declaration as the simulation replays it; seconds from the origin."""

    index: int
    id: uuid.UUID
    channel: Channel
    score: float
    pinned_red: bool  # a hard hit or a random selection: red whatever the rate
    in_period: bool  # lodged in the period asked about (else warm-up or drain load)
    lodged: float
    unheld: float | None  # a query held it until the trader answered (papers missing)
    arrived: float | None
    released: float | None
    trader_ready: float | None  # release waited for this (inf: still waiting); None: never bound
    inspected: bool
    seized: bool
    duty_vnd: int
    recovered_vnd: int
    stage_seconds: dict[str, float]  # how long each stage it went through took


@dataclass
class Observed:
    """The traces and the intervals and officers' work read from the events."""

    traces: list[Trace] = field(default_factory=list)
    samples: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    starts: list[tuple[str, datetime]] = field(default_factory=list)  # (officer, began an item)


def officer_action(event: DeclarationEvent) -> bool:
    return event.actor.startswith(OFFICER_ROLES) and (
        event.action in {"claim", "document_check", "inspection"}
        or event.action.startswith("decide_")
    )


class OfficerDays:
    """Each officer's actions in time order, to bound when an inspection can have begun."""

    def __init__(self, actions: Sequence[DeclarationEvent], shifts: list[ShiftHours]) -> None:
        self.shifts = shifts
        self.by_officer: dict[str, list[tuple[datetime, uuid.UUID]]] = defaultdict(list)
        for event in actions:
            self.by_officer[event.actor].append((event.at, event.declaration_id))

    def began(self, officer: str, ready: datetime, done: datetime, item: uuid.UUID) -> datetime:
        """The latest the officer can have begun this item, which they finished at `done`."""
        earlier = [
            at for at, other in self.by_officer.get(officer, []) if at < done and other != item
        ]
        previous = max(earlier, default=None)
        if previous is None or local_date(previous) != local_date(done):
            previous = shift_start(done, self.shifts)
        return max(ready, previous) if previous else ready


@dataclass(frozen=True)
class Milestones:
    """The events that bound a declaration's stages (the last screening and what followed)."""

    assessed: DeclarationEvent
    claimed: DeclarationEvent | None  # an officer began the document check
    checked: DeclarationEvent | None  # it left the document check
    referred: DeclarationEvent | None  # sent on to inspection
    inspected: DeclarationEvent | None  # it left the inspection
    decided: DeclarationEvent | None
    unheld: DeclarationEvent | None  # the trader's answer that ended a hold before the work
    paid: DeclarationEvent | None  # the bank's last payment or a guarantee registered


def milestones(events: list[DeclarationEvent]) -> Milestones | None:
    assessed = _last(events, lambda e: e.action == "assess")
    if assessed is None:
        return None
    after = events[events.index(assessed) + 1 :]
    claimed = _first(after, lambda e: e.action == "claim")
    decided = _last(
        events, lambda e: e.to_state is State.decided and e.from_state is not State.decided
    )
    work = claimed or decided
    unheld = _last(
        [e for e in events if work is None or e.at <= work.at],
        lambda e: e.from_state is State.held and e.to_state is not State.held,
    )
    return Milestones(
        assessed=assessed,
        claimed=claimed,
        checked=_moved(after, State.document_check, {State.inspection, *ENDS}),
        referred=_moved(after, State.document_check, {State.inspection}),
        inspected=_moved(after, State.inspection, ENDS),
        decided=decided,
        unheld=unheld,
        paid=_last(events, lambda e: e.action in TRADER_GATES),
    )


ENDS = frozenset({State.decided, State.seized})
# The events of the trader's own release gate: the duty paid, or guaranteed.
TRADER_GATES = frozenset({"payment", "guarantee"})


def _moved(
    events: Sequence[DeclarationEvent], source: State, targets: Set[State]
) -> DeclarationEvent | None:
    """The first move out of `source` into one of `targets`."""
    return _first(events, lambda e: e.from_state is source and e.to_state in targets)


def read_trace(
    row: Row, index: int, origin: datetime, officers: OfficerDays, observed: Observed
) -> None:
    """Add this declaration's trace, stage intervals and officers' starts to `observed`."""
    d = row.declaration
    found = milestones(row.events)
    if found is None or d.channel is None:
        return
    channel = d.channel.value
    took: dict[str, float] = {SCREENING: (found.assessed.at - d.lodged_at).total_seconds()}
    if found.claimed and found.checked:
        took[DOCUMENT_CHECK] = (found.checked.at - found.claimed.at).total_seconds()
        observed.starts.append((found.claimed.actor, found.claimed.at))
    if found.referred and found.inspected and d.arrived_at is not None:
        ready = max(found.referred.at, d.arrived_at)
        began = officers.began(found.inspected.actor, ready, found.inspected.at, d.id)
        took[INSPECTION] = (found.inspected.at - began).total_seconds()
        observed.starts.append((found.inspected.actor, began))
    # Stage times are fitted on the period alone; officers' starts count in the whole window.
    if row.in_period:
        for stage, seconds in took.items():
            observed.samples[(stage, channel)].append(seconds)
    observed.traces.append(_trace(row, index, found, origin, took))


def _trace(
    row: Row, index: int, found: Milestones, origin: datetime, took: dict[str, float]
) -> Trace:
    d = row.declaration
    assert d.channel is not None

    def at(moment: datetime | None) -> float | None:
        return None if moment is None else (moment - origin).total_seconds()

    decided = at(found.decided.at if found.decided else None)
    return Trace(
        index=index,
        id=d.id,
        channel=d.channel,
        score=row.score,
        pinned_red=row.pinned_red,
        in_period=row.in_period,
        lodged=(d.lodged_at - origin).total_seconds(),
        unheld=at(found.unheld.at if found.unheld else None),
        arrived=at(d.arrived_at),
        released=at(d.released_at),
        trader_ready=_trader_ready(
            d.state,
            decided,
            at(d.arrived_at),
            at(d.released_at),
            at(found.paid.at if found.paid else None),
        ),
        inspected=found.referred is not None,
        seized=d.state is State.seized,
        duty_vnd=row.duty_vnd,
        recovered_vnd=row.recovered_vnd,
        stage_seconds=took,
    )


def _trader_ready(
    state: State,
    decided: float | None,
    arrived: float | None,
    released: float | None,
    paid: float | None,
) -> float | None:
    """When the trader's gates (duty paid, papers complete) opened; None where never binding.

    The payment is an event of its own. Beyond it, release is automatic the moment every gate
    opens: released later than decision, arrival and payment, it waited for another of the
    trader's gates, which opened at release; decided and arrived but not released, it still
    waits for one.
    """
    if decided is None or arrived is None:
        return paid
    if released is None:
        return math.inf if state is State.decided else paid
    if released > max(decided, arrived, paid or 0.0) + TRADER_SLACK_SECONDS:
        return released
    return paid


Match = Callable[[DeclarationEvent], bool]


def _first(events: Sequence[DeclarationEvent], match: Match) -> DeclarationEvent | None:
    return next((e for e in events if match(e)), None)


def _last(events: Sequence[DeclarationEvent], match: Match) -> DeclarationEvent | None:
    return _first(list(reversed(events)), match)


def officers_worked(
    starts: Sequence[tuple[str, datetime]], shifts: list[ShiftHours]
) -> dict[tuple[date, ShiftName], int]:
    """How many officers began an item in each day's shift."""
    who: dict[tuple[date, ShiftName], set[str]] = defaultdict(set)
    for officer, began in starts:
        found = shift_at(began, shifts)
        if found is not None:
            who[found].add(officer)
    return {key: len(officers) for key, officers in who.items()}


def outside_shifts(starts: Sequence[tuple[str, datetime]], shifts: list[ShiftHours]) -> int:
    return sum(1 for _, began in starts if shift_at(began, shifts) is None)
