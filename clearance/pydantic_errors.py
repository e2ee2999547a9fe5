"""Pydantic's validation errors as messages: its error type is the code, its context the
parameters.

Pydantic's own error types get `input.<type>` codes (the English templates say what pydantic
says); a validator of ours raises `invalid(code, ...)`, whose type is a code of the catalogue. A
type the catalogue does not know is `input.other`: pydantic's own message in English.
"""

import string
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic_core import PydanticCustomError

from clearance.catalogue import TEMPLATES
from clearance.messages import ENGLISH, Message

# Parts of a location that name where the input came from, not a field.
_SOURCES = frozenset({"body", "query", "path", "header", "cookie"})


def invalid(code: str, **params: Any) -> PydanticCustomError:
    """What a validator of ours raises: a message of the catalogue, English for pydantic."""
    # Pydantic fills `{name}` from the context: the English is given whole, with no context
    # names left in it to fill.
    return PydanticCustomError(code, Message(code, params).text, _context(params))


def as_message(error: PydanticCustomError) -> Message:
    """What `invalid` raised, as the message it was made of."""
    return Message(error.type, error.context or {})


def field_name(error: Mapping[str, Any]) -> str:
    """The field an error names: `lines.0.hs_code`, `Idempotency-Key`, `body` for bad JSON."""
    if error.get("type") == "json_invalid":
        return "body"  # the location is a character offset, not a field
    parts = [str(p) for p in error.get("loc", ())]
    if parts and parts[0] in _SOURCES:
        parts = parts[1:] or parts
    return ".".join(parts) or "body"


def message(error: Mapping[str, Any]) -> Message:
    """The error as a message: a code of the catalogue, else pydantic's English as it is."""
    kind = str(error.get("type", ""))
    params = _context(error.get("ctx") or {})
    if "expected" in params:  # "'import', 'export' or 'transit'": the values, as a list
        params["expected"] = _choices(str(params["expected"]))
    for code in (kind, f"input.{kind}"):  # a validator of ours (`invalid`), or pydantic's
        if code in TEMPLATES[ENGLISH] and _fills(code, params):
            return Message(code, params)
    return Message("input.other", {"pydantic": str(error.get("msg", ""))})


def _fills(code: str, params: Mapping[str, Any]) -> bool:
    """The parameters fill both templates of the code (an error may come without context)."""
    return all(
        name in params
        for lang in TEMPLATES
        for _text, name, _spec, _conversion in string.Formatter().parse(TEMPLATES[lang][code])
        if name
    )


def _context(params: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _json(value) for name, value in params.items()}


def _choices(expected: str) -> list[str]:
    head, _, last = expected.rpartition(" or ")
    return [*(c for c in head.split(", ") if c), last] if head else [expected]


def _json(value: Any) -> Any:
    """A context value as JSON keeps it: an exception as its text, a number as it is."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, Sequence):
        return [_json(v) for v in value]
    return str(value)
