"""Properties of the constrained types every request model shares (`clearance/fields.py`)."""

import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Annotated

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from clearance.fields import (
    EARLIEST,
    LATEST,
    NoControlCharacters,
    UtcDatetime,
    expiry_after_issue,
    plausible_utc,
)

QUICK = settings(max_examples=200, deadline=None, database=None)
FREE_TEXT: TypeAdapter[str] = TypeAdapter(Annotated[str, NoControlCharacters])
UTC_DATETIME: TypeAdapter[datetime] = TypeAdapter(UtcDatetime)
ALLOWED_CONTROLS = "\t\n\r"
# Written out here, not imported: bidi controls (LRE..RLO, LRI..PDI), LRM and RLM, zero-width
# space, non-joiner and joiner, word joiner, BOM.
INVISIBLE = {*map(chr, range(0x200B, 0x2010)), *map(chr, range(0x202A, 0x202F))}
INVISIBLE |= {*map(chr, range(0x2066, 0x206A)), "\u2060", "\ufeff"}


def _refused(c: str) -> bool:
    return (unicodedata.category(c) == "Cc" and c not in ALLOWED_CONTROLS) or c in INVISIBLE


@QUICK
@given(st.text() | st.lists(st.sampled_from(["a", "\u202e", "\ufeff", "\x85", "\t"])).map("".join))
def test_free_text_is_kept_as_sent_unless_it_holds_a_control_character(text: str) -> None:
    controlled = any(_refused(c) for c in text)
    try:
        assert FREE_TEXT.validate_python(text) == text
    except ValidationError:
        assert controlled
    else:
        assert not controlled


@QUICK
@given(st.datetimes(timezones=st.timezones() | st.just(UTC)))
def test_an_aware_time_is_the_same_instant_in_utc_or_out_of_range(moment: datetime) -> None:
    try:
        utc = plausible_utc(moment)
    except ValueError:
        return  # out of range, or not representable in UTC: refused, never an OverflowError
    # Timestamps, not `==`: an ambiguous local time never equals one in another zone (PEP 495).
    assert utc.timestamp() == moment.timestamp() and utc.tzinfo is UTC
    assert EARLIEST <= utc < LATEST


@QUICK
@given(st.one_of(st.text(max_size=40), st.datetimes().map(datetime.isoformat), st.integers()))
def test_any_time_a_client_sends_is_an_aware_utc_time_or_a_validation_error(
    value: str | int,
) -> None:
    try:
        moment = UTC_DATETIME.validate_python(value)
    except ValidationError:
        return
    assert moment.tzinfo is UTC and EARLIEST <= moment < LATEST


@QUICK
@given(st.none() | st.dates(), st.none() | st.dates())
def test_a_document_never_expires_before_it_was_issued(
    expires_on: date | None, issued_on: date | None
) -> None:
    if expires_on is not None and issued_on is not None and expires_on < issued_on:
        with pytest.raises(ValueError, match="expires_on"):
            expiry_after_issue(expires_on, issued_on)
    else:
        assert expiry_after_issue(expires_on, issued_on) == expires_on


@QUICK
@given(st.integers(-14 * 60, 14 * 60))
def test_the_range_edges_hold_in_every_offset(minutes: int) -> None:
    """The first instant allowed and the first refused, written in any UTC offset."""
    offset = timezone(timedelta(minutes=minutes))
    assert plausible_utc(EARLIEST.astimezone(offset)) == EARLIEST
    with pytest.raises(ValueError, match="between"):
        plausible_utc(LATEST.astimezone(offset))
