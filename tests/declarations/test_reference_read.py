"""Requests that find the reference snapshot stale wait for one read of it, not one each."""

import asyncio
from datetime import date

import pytest
from sqlmodel import Session

from clearance.clock import FrozenClock
from clearance.declarations import intake
from clearance.reference.service import ReferenceData


def test_requests_that_find_the_snapshot_stale_share_one_read(
    session: Session, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[date] = []
    read = intake._load_reference

    def counted(today: date) -> ReferenceData:
        reads.append(today)
        return read(today)

    monkeypatch.setattr(intake, "_load_reference", counted)

    async def requests() -> list[ReferenceData]:
        return await asyncio.gather(*(intake.reference_data(clock) for _ in range(12)))

    found = asyncio.run(requests())

    assert reads == [clock.now().date()]
    assert all(snapshot is found[0] for snapshot in found)
    assert intake._loading == {}  # the read is forgotten once done: the next stale one reads
    # Fresh now: answered from the process's snapshot without another read.
    assert asyncio.run(requests())[0] is found[0]
    assert len(reads) == 1


def test_a_failed_read_fails_its_waiters_and_the_next_request_reads_again(
    session: Session, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = intake._load_reference
    failures = [RuntimeError("the database went away")]

    def failing_once(today: date) -> ReferenceData:
        if failures:
            raise failures.pop()
        return read(today)

    monkeypatch.setattr(intake, "_load_reference", failing_once)

    async def requests() -> list[ReferenceData | BaseException]:
        calls = (intake.reference_data(clock) for _ in range(3))
        return await asyncio.gather(*calls, return_exceptions=True)

    first = asyncio.run(requests())
    assert [type(answer) for answer in first] == [RuntimeError] * 3
    again = asyncio.run(requests())
    assert all(isinstance(answer, ReferenceData) for answer in again)
