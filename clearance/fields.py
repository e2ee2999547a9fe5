"""Constrained types shared by every request model."""

import re
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, StringConstraints

from clearance.messages import Message
from clearance.pydantic_errors import invalid

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


# Invisible format characters: bidi embeddings, overrides and isolates, zero-width spaces and
# joiners, the word joiner and the BOM. They make one name display as another (or split a name
# so a watchlist match misses it), and no customs field needs them.
INVISIBLE = frozenset(
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2066\u2067\u2068\u2069\ufeff"
)
CONTROL_CHARACTERS = Message("field.control_characters")


@lru_cache(maxsize=8)
def _refused_pattern(allowed: str) -> re.Pattern[str]:
    # One character class, searched in C: free text is checked on every field of every body.
    refused = [chr(i) for i in (*range(32), *range(127, 160))] + sorted(INVISIBLE)
    return re.compile("[" + "".join(re.escape(c) for c in refused if c not in allowed) + "]")


def has_control_characters(value: str, *, allowed: str = "") -> bool:
    """C0 and C1 controls, DEL, and invisible format characters, but for those `allowed`."""
    return _refused_pattern(allowed).search(value) is not None


# Free text may hold tabs and line breaks; compiled once, as it is searched some 35 times a body.
_REFUSED_IN_FREE_TEXT = _refused_pattern("\t\n\r")


def _no_control_characters(value: str) -> str:
    # PostgreSQL refuses NUL in text, and no customs field has a reason to hold control codes.
    if _REFUSED_IN_FREE_TEXT.search(value) is not None:
        raise invalid(CONTROL_CHARACTERS.code)
    return value


def _years() -> ValueError:
    return invalid("field.years_between", earliest=EARLIEST.year, latest=LATEST.year)


def plausible_utc(value: datetime) -> datetime:
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise invalid("field.out_of_range") from None
    if not EARLIEST <= utc < LATEST:
        raise _years()
    return utc


def plausible_date(value: date) -> date:
    # Year 1 or 9999 parses as a date but dates no customs paper; it would only skew checks
    # of validity on the day and overflow date arithmetic downstream.
    if not EARLIEST.date() <= value < LATEST.date():
        raise _years()
    return value


# Free text: append to a StringConstraints in an Annotated alias.
NoControlCharacters = AfterValidator(_no_control_characters)
UtcDatetime = Annotated[AwareDatetime, AfterValidator(plausible_utc)]
PlausibleDate = Annotated[date, AfterValidator(plausible_date)]


def expiry_after_issue(expires_on: date | None, issued_on: date | None) -> date | None:
    """A document cannot expire before it was issued."""
    if expires_on is not None and issued_on is not None and expires_on < issued_on:
        raise invalid("field.expiry_before_issue")
    return expires_on


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


TaxCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{10}(-[0-9]{3})?$")]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
HsCodeStr = Annotated[str, StringConstraints(pattern=r"^[0-9]{4,10}$")]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoControlCharacters
]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), NoControlCharacters
]
Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500), NoControlCharacters
]
