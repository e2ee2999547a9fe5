"""Properties of what traders send: any JSON is a body or a ValidationError, valid bodies
round-trip (and keep their idempotency hash), and any cursor is a cursor or a 422."""

import base64
import json
import math
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from clearance.declarations.models import Declaration, Kind, State
from clearance.declarations.schemas import MAX_KG, DeclarationIn
from clearance.declarations.service import stored_payload
from clearance.declarations.views import decode_cursor, encode_cursor
from clearance.errors import InvalidInput
from clearance.fields import EARLIEST, INVISIBLE, LATEST

QUICK = settings(max_examples=150, deadline=None, database=None)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=25,
)
# Text a person would type in a name: no control or invisible characters, no surrounding blanks.
TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"], exclude_characters=INVISIBLE),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() == s and s != "")


DESCRIPTION = TEXT.filter(lambda s: len(s) >= 3)


def _regex(pattern: str) -> st.SearchStrategy[str]:
    return st.from_regex(pattern, fullmatch=True)


def _decimal(low: str, high: Decimal | str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=Decimal(low), max_value=Decimal(high), places=places)


@st.composite
def lines(draw: st.DrawFn, count: int, currency: str) -> list[dict[str, Any]]:
    """Lines of one truckload, each with net within gross and a quantity in kg equal to net."""
    drawn = []
    for _ in range(count):
        gross = draw(_decimal("0.002", MAX_KG / count, 3))
        net = draw(_decimal("0.001", gross, 3))
        unit = draw(st.sampled_from(["kg", "u", "m", "m2", "m3", "l", "head", "pair", "set"]))
        quantity = net if unit == "kg" else draw(_decimal("0.001", "10000000", 3))
        drawn.append(
            {
                "hs_code": draw(_regex(r"[0-9]{6,10}")),
                "description": draw(DESCRIPTION),
                "origin": draw(_regex(r"[A-Z]{2}")),
                "quantity": str(quantity),
                "unit": unit,
                "gross_kg": str(gross),
                "net_kg": str(net),
                "customs_value": str(draw(_decimal("0.01", "1000000000000", 2))),
                "currency": currency,
                "incoterm": draw(st.sampled_from(["EXW", "FCA", "DAP", "CIF"])),
                "preference": draw(st.sampled_from([None, "ACFTA_FORM_E", "ATIGA_FORM_D"])),
            }
        )
    return drawn


FINITE = st.floats(allow_nan=False, allow_infinity=False)
FIELD_VALUES = st.none() | st.booleans() | st.integers() | FINITE | TEXT
# Python's JSON parser hands the API NaN and Infinity too.
ANY_FIELD_VALUES = st.floats() | st.sampled_from([math.nan, math.inf, -math.inf]) | FIELD_VALUES


@st.composite
def documents(draw: st.DrawFn, values: st.SearchStrategy[Any] = FIELD_VALUES) -> dict[str, Any]:
    issued = draw(st.none() | st.dates(date(2000, 1, 1), date(2099, 1, 1)))
    expires = draw(st.none() | st.dates(issued or date(2000, 1, 1), date(2099, 12, 31)))
    return {
        "kind": draw(st.sampled_from(["invoice", "packing_list", "co_form_e", "licence"])),
        "number": draw(TEXT),
        "issuer": draw(st.none() | TEXT),
        "issued_on": issued and issued.isoformat(),
        "expires_on": expires and expires.isoformat(),
        "fields": draw(st.dictionaries(TEXT, values, max_size=4)),
    }


@st.composite
def bodies(draw: st.DrawFn, field_values: st.SearchStrategy[Any] = FIELD_VALUES) -> dict[str, Any]:
    """A valid declaration body as JSON would carry it, anything the schema allows."""
    party = st.fixed_dictionaries({"tax_code": _regex(r"[0-9]{10}(-[0-9]{3})?"), "name": TEXT})
    plate = _regex(r"[A-Z0-9\u4e00-\u9fff][A-Z0-9\u4e00-\u9fff.\- ]{3,14}")
    arrival = st.datetimes(datetime(2000, 1, 2), datetime(2099, 12, 30), timezones=st.just(UTC))
    return {
        "ucr": draw(_regex(r"[A-Za-z0-9][A-Za-z0-9\-/]{3,34}")),
        "kind": draw(st.sampled_from(["import", "export", "transit"])),
        "gate": draw(_regex(r"[A-Z]{2,8}")),
        "declarant": draw(party),
        "trader": draw(party),
        "counterparty": {"name": draw(TEXT), "country": draw(_regex(r"[A-Z]{2}"))},
        "truck": {
            "plate": draw(plate),
            "trailer": draw(st.none() | plate),
            "driver": draw(TEXT),
            "expected_arrival_at": draw(st.none() | arrival.map(datetime.isoformat)),
        },
        "lines": draw(lines(draw(st.integers(1, 3)), draw(_regex(r"[A-Z]{3}")))),
        "documents": draw(st.lists(documents(field_values), max_size=2)),
    }


@st.composite
def spoiled(draw: st.DrawFn) -> dict[str, Any]:
    """A valid body with one value anywhere in it replaced by arbitrary JSON."""
    body = draw(bodies())
    node: Any = body
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            return body
        key = draw(st.sampled_from(keys))
        if isinstance(node[key], dict | list) and node[key] and draw(st.booleans()):
            node = node[key]
            continue
        node[key] = draw(JSON)
        return body


@settings(max_examples=60, deadline=None, database=None)
@given(bodies())
def test_a_valid_body_round_trips_and_keeps_its_idempotency_hash(body: dict[str, Any]) -> None:
    declaration = DeclarationIn.model_validate(body)
    again = DeclarationIn.model_validate_json(declaration.model_dump_json())
    assert again == declaration
    assert DeclarationIn.model_validate(declaration.model_dump(mode="json")) == declaration
    assert stored_payload(again)[1] == stored_payload(declaration)[1]


@QUICK
@given(bodies(ANY_FIELD_VALUES))
def test_whatever_validates_is_stored_as_standard_json(body: dict[str, Any]) -> None:
    try:
        declaration = DeclarationIn.model_validate(body)
    except ValidationError:
        return
    # What PostgreSQL's json type takes: no NaN, no Infinity.
    stored = json.dumps(declaration.model_dump(mode="json"), allow_nan=False)
    assert DeclarationIn.model_validate_json(stored) == declaration


@QUICK
@given(st.one_of(JSON, spoiled()))
def test_any_json_is_a_declaration_or_a_validation_error(value: Any) -> None:
    try:
        DeclarationIn.model_validate(value)
    except ValidationError as invalid:
        assert invalid.errors()


@QUICK
@given(st.binary(max_size=300))
def test_any_bytes_are_a_declaration_or_a_validation_error(raw: bytes) -> None:
    with pytest.raises(ValidationError):
        DeclarationIn.model_validate_json(raw)


CURSOR_TEXT = st.one_of(
    st.text(max_size=200),
    st.binary(max_size=120).map(lambda b: base64.urlsafe_b64encode(b).decode()),
    st.tuples(st.text(max_size=40), st.text(max_size=40)).map(
        lambda parts: base64.urlsafe_b64encode("|".join(parts).encode()).decode()
    ),
)


@QUICK
@given(CURSOR_TEXT)
def test_any_cursor_is_a_cursor_or_a_422_naming_it(cursor: str) -> None:
    try:
        lodged_at, last_id = decode_cursor(cursor)
    except InvalidInput as refused:
        assert refused.status == 422
        assert [e.field for e in refused.errors] == ["cursor"]
        return
    assert EARLIEST <= lodged_at < LATEST and lodged_at.tzinfo is UTC
    assert isinstance(last_id, uuid.UUID)


@QUICK
@given(
    st.datetimes(
        EARLIEST.replace(tzinfo=None),
        LATEST.replace(tzinfo=None, year=2099),
        timezones=st.just(UTC),
    ),
    st.uuids(),
)
def test_a_cursor_the_api_returned_decodes_to_where_the_page_ended(
    lodged_at: datetime, last_id: uuid.UUID
) -> None:
    page_end = Declaration(
        id=last_id,
        lodged_at=lodged_at,
        ucr="MLT-1",
        kind=Kind.import_,
        gate_code="MLT",
        declarant_tax_code="0100000001",
        trader_tax_code="0100000001",
        state=State.lodged,
    )
    cursor = encode_cursor(page_end)
    assert decode_cursor(cursor) == (lodged_at, last_id)
