"""The report's period bounds: a date at the gate, or a local time with its offset."""

from datetime import date, datetime, time

from pydantic_core import PydanticCustomError

from clearance import pydantic_errors
from clearance.errors import FieldError, InvalidInput, invalid_field, invalid_fields
from clearance.fields import plausible_utc
from clearance.messages import Message
from clearance.reference.calendar import VIETNAM

# Ma Lù Thàng's zone. A bare date means the start of that day at the gate, because the
# officers and traders who ask for "1 December" count days on the gate's clock, not UTC's.
GATE_ZONE = VIETNAM
EXPECTED = Message("field.bound_expected")


def parse_bound(field: str, value: str) -> datetime:
    """`2026-12-01` is local midnight at the gate; a time must carry its offset; else a 422."""
    value = value.strip()
    try:
        if len(value) == len("2026-12-01"):
            moment = datetime.combine(date.fromisoformat(value), time(), GATE_ZONE)
        else:
            moment = datetime.fromisoformat(value)
    except ValueError:
        raise invalid_field(
            field, Message("field.bound_unparsed", {"value": value, "expected": EXPECTED})
        ) from None
    if moment.tzinfo is None:
        raise invalid_field(
            field, Message("field.bound_no_offset", {"value": value, "expected": EXPECTED})
        )
    try:
        return plausible_utc(moment)
    except PydanticCustomError as exc:
        raise invalid_field(field, pydantic_errors.as_message(exc)) from None


def parse_period(period_from: str, period_to: str) -> tuple[datetime, datetime]:
    """Both bounds as UTC, `to` after `from`; every wrong bound is named in one 422."""
    bounds: dict[str, datetime] = {}
    errors: list[FieldError] = []
    for field, value in (("from", period_from), ("to", period_to)):
        try:
            bounds[field] = parse_bound(field, value)
        except InvalidInput as exc:
            errors += exc.errors
    if errors:
        raise invalid_fields(errors)
    if bounds["to"] <= bounds["from"]:
        raise invalid_field("to", Message("field.after_from"))
    return bounds["from"], bounds["to"]
