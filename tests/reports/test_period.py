"""The report's bounds: a date at the gate or a time with its offset, nothing else."""

from datetime import UTC, datetime

import pytest

from clearance.errors import InvalidInput
from clearance.reports.period import parse_bound, parse_period


@pytest.mark.parametrize(
    ("value", "utc"),
    [
        ("2026-12-01", datetime(2026, 11, 30, 17, 0, tzinfo=UTC)),
        ("2026-12-01T08:00+07:00", datetime(2026, 12, 1, 1, 0, tzinfo=UTC)),
        ("2026-12-01T08:00:30+07:00", datetime(2026, 12, 1, 1, 0, 30, tzinfo=UTC)),
        ("2026-12-01T01:00Z", datetime(2026, 12, 1, 1, 0, tzinfo=UTC)),
        (" 2026-12-01 ", datetime(2026, 11, 30, 17, 0, tzinfo=UTC)),
    ],
)
def test_a_date_is_local_midnight_and_a_time_keeps_its_offset(value: str, utc: datetime) -> None:
    assert parse_bound("from", value) == utc


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-12-01T08:00", "has no offset"),
        ("20261201", "has no offset"),
        ("2026-12-32", "is not a date"),
        ("1 December", "is not a date"),
        ("", "is not a date"),
        ("1999-12-31", "must be between 2000 and 2100"),
        ("2100-01-01T08:00+07:00", "must be between 2000 and 2100"),
    ],
)
def test_anything_else_is_refused_naming_the_field(value: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as refused:
        parse_bound("to", value)
    assert [error.field for error in refused.value.errors] == ["to"]


def test_the_period_runs_forward() -> None:
    assert parse_period("2026-12-01", "2026-12-08") == (
        datetime(2026, 11, 30, 17, 0, tzinfo=UTC),
        datetime(2026, 12, 7, 17, 0, tzinfo=UTC),
    )
    with pytest.raises(InvalidInput, match="to: must be after from"):
        parse_period("2026-12-01T08:00+07:00", "2026-12-01")
