"""The question as the API and the command take it: the period and the changes, every wrong
field named in one 422."""

import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from clearance.errors import FieldError, invalid_field, invalid_fields
from clearance.messages import Message
from clearance.planning.schemas import Changes, OfficerChange, ShiftName
from clearance.planning.service import last_week
from clearance.reports import period

OFFICERS = re.compile(r"^([+-]?)(\d{1,2})$")  # up to 99: a shift, not an army
# A week or a month is what one calibrates on; longer periods mix seasons and cost minutes.
MAX_PERIOD = timedelta(days=31)
OFFICERS_HELP = (
    "+1 or -1 adds to (3 sets) the officers of that shift on each open day; in a URL write"
    " %2B1, since a bare + reads as a space (a leading space is taken as +)"
)


def parse_period(
    period_from: str | None, period_to: str | None, now: datetime
) -> tuple[datetime, datetime]:
    """Both bounds, or neither: the seven days before today at the gate."""
    if period_from is None and period_to is None:
        return last_week(now)
    if period_from is None or period_to is None:
        missing = "from" if period_from is None else "to"
        raise invalid_field(missing, Message("field.period_both_or_neither"))
    bounds = period.parse_period(period_from, period_to)
    if bounds[1] - bounds[0] > MAX_PERIOD:
        raise invalid_field("to", Message("field.period_at_most", {"days": MAX_PERIOD.days}))
    return bounds


def parse_changes(
    *,
    officers: Mapping[ShiftName, str | None],
    shifts: Mapping[str, str],
    red_rate: float | None,
    yellow_rate: float | None,
    traffic: float,
) -> Changes:
    """The changes asked about; a shift with no hours configured cannot be staffed."""
    errors: list[FieldError] = []
    changes: list[OfficerChange] = []
    for shift, value in officers.items():
        if value is None:
            continue
        field = f"officers_{shift.value}"
        # A literal "+" in a query string arrives as a space: "+1" typed in a URL is " 1".
        text = "+" + value[1:] if value.startswith(" ") else value
        matched = OFFICERS.match(text.strip())
        if matched is None:
            errors.append(FieldError(field, Message("field.officers_change", {"value": value})))
        elif shift.value not in shifts:
            not_configured = Message("field.shift_not_configured", {"shift": shift.value})
            errors.append(FieldError(field, not_configured))
        else:
            sign, number = matched.groups()
            count = -int(number) if sign == "-" else int(number)
            changes.append(OfficerChange(shift=shift, value=count, relative=bool(sign)))
    if red_rate is not None and yellow_rate is not None and red_rate + yellow_rate > 1:
        errors.append(FieldError("yellow_rate", Message("field.rates_above_one")))
    if errors:
        raise invalid_fields(errors)
    return Changes(officers=changes, red_rate=red_rate, yellow_rate=yellow_rate, traffic=traffic)
