"""Constrained types shared by every request model."""

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _no_control_characters(value: str) -> str:
    # PostgreSQL refuses NUL in text, and no customs field has a reason to hold control codes.
    if any(ord(c) < 32 and c not in "\t\n\r" for c in value):
        raise ValueError("must not contain control characters")
    return value


def plausible_utc(value: datetime) -> datetime:
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range") from None
    if not EARLIEST <= utc < LATEST:
        raise ValueError(f"must be between {EARLIEST.year} and {LATEST.year}")
    return utc


# Free text: append to a StringConstraints in an Annotated alias.
NoControlCharacters = AfterValidator(_no_control_characters)
UtcDatetime = Annotated[AwareDatetime, AfterValidator(plausible_utc)]


def expiry_after_issue(expires_on: date | None, issued_on: date | None) -> date | None:
    """A document cannot expire before it was issued."""
    if expires_on is not None and issued_on is not None and expires_on < issued_on:
        raise ValueError("expires_on must not be before issued_on")
    return expires_on
