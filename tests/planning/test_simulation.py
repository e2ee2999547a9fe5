"""The simulation on small, hand-made periods: queues, shifts, legal clocks, determinism."""

import math
from datetime import UTC, date, datetime, time, timedelta

from clearance.planning.fits import Fits, Lognormal
from clearance.planning.schemas import Changes, OfficerChange, ShiftName
from clearance.planning.shifts import ShiftHours, Staffing, segments
from clearance.planning.simulation import Job, Model, calendar_deadline, load_by_hour, simulate
from clearance.reference.calendar import DEFAULT_HOURS, Closed, WorkingCalendar

# Midnight at the gate on Monday 30 November 2026.
ORIGIN = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)
HOUR = 3600.0
SHIFTS = [
    ShiftHours(ShiftName.morning, time(7), time(13)),
    ShiftHours(ShiftName.afternoon, time(13), time(19)),
]
CALENDAR = WorkingCalendar(*DEFAULT_HOURS, Closed(frozenset()))


def fixed(seconds: float) -> Lognormal:
    """A stage that always takes this long (no spread)."""
    return Lognormal(math.log(seconds), 0.0)


FITS = Fits(
    by_stage={
        **{("screening", c): fixed(1.0) for c in ("green", "yellow", "red")},
        ("document_check", "yellow"): fixed(HOUR),
        ("document_check", "red"): fixed(HOUR),
        ("inspection", "yellow"): fixed(2 * HOUR),
        ("inspection", "red"): fixed(2 * HOUR),
    },
    rows=[],
    notes=[],
)


def job(index: int, channel: str, lodged_hour: float, arrived_hour: float, **more: object) -> Job:
    values: dict[str, object] = {
        "index": index,
        "channel": channel,
        "score": 0.5,
        "in_period": True,
        "lodged": lodged_hour * HOUR,
        "unheld": None,
        "arrived": arrived_hour * HOUR,
        "trader_ready": None,
        "inspected": channel == "red",
        "seized": False,
    }
    return Job(**(values | more))  # type: ignore[arg-type]


def model(officers: dict[ShiftName, int], changes: Changes = Changes(), days: int = 3) -> Model:
    counts = {
        (date(2026, 11, 30) + timedelta(days=d), shift): n
        for d in range(days)
        for shift, n in officers.items()
    }
    staffing = Staffing(counts, frozenset(day for day, _ in counts), "setting")
    horizon = days * 24 * HOUR
    roster = segments(
        origin=ORIGIN,
        horizon=horizon,
        shifts=SHIFTS,
        staffing=staffing,
        changes=changes,
        closed=CALENDAR.closed,
    )
    return Model(FITS, roster, calendar_deadline(ORIGIN, CALENDAR.add), horizon)


def released(jobs: list[Job], on: Model, seed: int = 0) -> dict[int, float]:
    """Job -> the hour it was released, for one run."""
    result = simulate(jobs, on, seed=seed, run=0)
    return {r.index: round(r.released / HOUR, 3) for r in result.releases}


def test_two_yellows_at_once_queue_for_one_officer_and_a_second_officer_clears_the_wait() -> None:
    jobs = [job(0, "yellow", 8, 8), job(1, "yellow", 8, 8)]
    one = released(jobs, model({ShiftName.morning: 1, ShiftName.afternoon: 1}))
    assert sorted(one.values()) == [9.0, 10.0]
    more = Changes(officers=[OfficerChange(shift=ShiftName.morning, value=1, relative=True)])
    two = released(jobs, model({ShiftName.morning: 1, ShiftName.afternoon: 1}, more))
    assert sorted(two.values()) == [9.0, 9.0]


def test_nobody_works_outside_the_shifts_so_a_night_lodgement_waits_for_the_morning() -> None:
    night = [job(0, "yellow", 2, 2.5)]  # 02:00 at the gate; the morning shift starts at 07:00
    assert released(night, model({ShiftName.morning: 1})) == {0: 8.0}


def test_an_officer_finishes_the_item_in_hand_when_the_shift_ends() -> None:
    late = [job(0, "yellow", 12.5, 12.5)]  # begun at 12:30, an hour's check, shift ends 13:00
    assert released(late, model({ShiftName.morning: 1})) == {0: 13.5}


def test_a_red_is_inspected_only_once_its_truck_is_at_the_gate() -> None:
    red = [job(0, "red", 8, 11)]  # papers checked 8-9, the truck comes at 11, inspected 11-13
    assert released(red, model({ShiftName.morning: 1, ShiftName.afternoon: 1})) == {0: 13.0}


def test_release_waits_for_the_truck_and_for_the_traders_own_gates() -> None:
    green = job(0, "green", 8, 9)
    paid_late = job(1, "green", 8.5, 9, trader_ready=10.5 * HOUR)
    held = job(2, "yellow", 8.25, 8.25, unheld=11 * HOUR)  # papers came at 11
    out = released([green, paid_late, held], model({ShiftName.morning: 2}))
    assert out == {0: 9.0, 1: 10.5, 2: 12.0}


def test_the_earliest_legal_deadline_is_worked_first() -> None:
    # An escalated yellow's papers (due 09:00) are checked 07:00-08:00; then its inspection
    # (due 16:00) waits behind the papers of a dossier complete at 07:30 (due 09:30).
    jobs = [
        job(0, "yellow", 5, 5, inspected=True),
        job(1, "yellow", 7.5, 7.5),
    ]
    out = released(jobs, model({ShiftName.morning: 1, ShiftName.afternoon: 1}))
    assert out == {1: 9.0, 0: 11.0}


def test_a_declaration_replayed_with_its_own_stage_times_takes_them_instead_of_a_draw() -> None:
    # The red's own papers take 15 minutes (07:00-07:15, a draw would take the hour), the
    # yellow's papers their drawn hour (due before the inspection), the red's own inspection
    # half an hour (a draw: two).
    own = {"screening": 0.0, "document_check": 0.25 * HOUR, "inspection": 0.5 * HOUR}
    jobs = [job(0, "red", 6, 6, own_seconds=own), job(1, "yellow", 6, 6)]
    out = released(jobs, model({ShiftName.morning: 1}))
    assert out == {1: 8.25, 0: 8.75}


def test_a_run_is_the_same_for_the_same_seed_and_differs_for_another() -> None:
    spread = Fits(
        by_stage={key: Lognormal(math.log(HOUR), 0.6) for key in FITS.by_stage}, rows=[], notes=[]
    )
    on = model({ShiftName.morning: 1, ShiftName.afternoon: 1})
    spread_model = Model(spread, on.segments, on.due, on.horizon)
    jobs = [job(i, "yellow", 7 + i / 4, 8) for i in range(8)]
    assert released(jobs, spread_model, seed=3) == released(jobs, spread_model, seed=3)
    assert released(jobs, spread_model, seed=3) != released(jobs, spread_model, seed=4)


def test_a_closed_day_keeps_no_officers_whatever_the_change() -> None:
    holiday = date(2026, 12, 1)
    counts = {(date(2026, 11, 30), ShiftName.morning): 2}
    staffing = Staffing(counts, frozenset({date(2026, 11, 30), holiday}), "worked")
    more = Changes(officers=[OfficerChange(shift=ShiftName.morning, value=1, relative=True)])
    steps = segments(
        origin=ORIGIN,
        horizon=40 * HOUR,
        shifts=SHIFTS,
        staffing=staffing,
        changes=more,
        closed={holiday},
    )
    on_duty = {(start / HOUR, end / HOUR): n for start, end, n in steps if n}
    assert on_duty == {(7.0, 13.0): 3}


def test_queue_length_by_hour_counts_the_waits_covering_each_hour() -> None:
    hours = load_by_hour([(8 * HOUR, 10 * HOUR), (9 * HOUR, 9.5 * HOUR)], ORIGIN, 0, 24 * HOUR)
    assert hours[7] == 0 and hours[8] == 1 and hours[10] == 0
    assert hours[9] == 1.5  # two for the first half hour, one for the second
