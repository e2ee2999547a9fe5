"""The report's period bounds: a date at the gate, or a local time with its offset."""

from datetime import date, datetime, time

from clearance.errors import InvalidInput, invalid_field
from clearance.fields import plausible_utc
from clearance.reference.calendar import VIETNAM

# Ma Lù Thàng's zone. A bare date means the start of that day at the gate, because the
# officers and traders who ask for "1 December" count days on the gate's clock, not UTC's.
GATE_ZONE = VIETNAM
EXPECTED = "a date (2026-12-01) or a time with its offset (2026-12-01T08:00+07:00)"


def parse_bound(field: str, value: str) -> datetime:
    """`2026-12-01` is local midnight at the gate; a time must carry its offset; else a 422."""
    value = value.strip()
    try:
        if len(value) == len("2026-12-01"):
            moment = datetime.combine(date.fromisoformat(value), time(), GATE_ZONE)
        else:
            moment = datetime.fromisoformat(value)
    except ValueError:
        raise invalid_field(field, f"{value!r} is not {EXPECTED}") from None
    if moment.tzinfo is None:
        raise invalid_field(field, f"{value!r} has no offset: give {EXPECTED}")
    try:
        return plausible_utc(moment)
    except ValueError as exc:
        raise invalid_field(field, str(exc)) from None


def parse_period(period_from: str, period_to: str) -> tuple[datetime, datetime]:
    """Both bounds as UTC, `to` after `from`; every wrong bound is named in one 422."""
    bounds: dict[str, datetime] = {}
    errors: list[InvalidInput] = []
    for field, value in (("from", period_from), ("to", period_to)):
        try:
            bounds[field] = parse_bound(field, value)
        except InvalidInput as exc:
            errors.append(exc)
    if errors:
        raise InvalidInput(
            "; ".join(exc.detail for exc in errors),
            errors=[error for exc in errors for error in exc.errors],
        )
    if bounds["to"] <= bounds["from"]:
        raise invalid_field("to", "must be after from")
    return bounds["from"], bounds["to"]
