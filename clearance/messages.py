"""Texts people read, as a code with parameters, rendered in Vietnamese or English on the way out.

Services build a `Message`; where one is stored it is stored as its code and parameters (JSON),
never as a rendered sentence, so the page or the API renders it in the reader's language. The
templates live in `clearance.catalogue`.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from clearance.catalogue import LIST_SEPARATORS, TEMPLATES

ENGLISH, VIETNAMESE = "en", "vi"
LANGUAGES = (VIETNAMESE, ENGLISH)
# The API answers in English unless asked (its clients predate the codes); pages in Vietnamese.
API_LANGUAGE = ENGLISH


@dataclass(frozen=True)
class Message:
    """A code from the catalogue and its named parameters; a parameter may be a message."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, lang: str = ENGLISH) -> str:
        template = TEMPLATES[lang][self.code]  # an unknown code is a bug: tests list them all
        separator = LIST_SEPARATORS.get(self.code, ", ")
        values = {
            name: separator.join(_rendered(item, lang) for item in value)
            if isinstance(value, list)
            else _rendered(value, lang)
            for name, value in self.params.items()
        }
        return template.format(**values) if values else template

    @property
    def text(self) -> str:
        """The English text: what the API's text fields always carried."""
        return self.render(ENGLISH)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "params": params_json(self.params)}


class MessageOut(BaseModel):
    """A message as the API gives it: the code, its parameters, and the text in the asked
    language."""

    code: str
    params: dict[str, Any]
    text: str


def out(message: Message, lang: str) -> MessageOut:
    return MessageOut(
        code=message.code, params=params_json(message.params), text=message.render(lang)
    )


def _rendered(value: Any, lang: str) -> Any:
    return value.render(lang) if isinstance(value, Message) else value


def _json(value: Any) -> Any:
    if isinstance(value, Message):
        return value.as_json()
    return [_json(item) for item in value] if isinstance(value, list) else value


def params_json(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters as stored and as the API gives them: a nested message as {code, params}."""
    return {name: _json(value) for name, value in params.items()}


def from_json(data: Mapping[str, Any]) -> Message:
    """The message stored by `as_json`."""
    return Message(str(data["code"]), _params(data.get("params") or {}))


def _params(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _value(value) for name, value in raw.items()}


def _value(raw: Any) -> Any:
    if isinstance(raw, Mapping) and "code" in raw:
        return from_json(raw)
    return [_value(item) for item in raw] if isinstance(raw, list) else raw


def stored(code: str | None, params: Mapping[str, Any] | None, fallback: str) -> str | Message:
    """A stored code and parameters as a message; rows written before codes keep their text."""
    return Message(code, _params(params or {})) if code else fallback


def rendered(text: "str | Message", lang: str) -> str:
    """A message in `lang`; a free text (an officer's words, an old row) as it was written."""
    return text.render(lang) if isinstance(text, Message) else text


def negotiate(accept_language: str | None, default: str = API_LANGUAGE) -> str:
    """The language an `Accept-Language` header prefers among ours (`vi-VN;q=0.9, en` ...)."""
    best: tuple[float, str] | None = None
    for part in (accept_language or "").split(","):
        tag, _, quality = part.strip().partition(";q=")
        lang = tag.strip().lower().split("-")[0]
        if lang not in LANGUAGES:
            continue
        try:
            weight = float(quality) if quality else 1.0
        except ValueError:
            continue
        if best is None or weight > best[0]:
            best = (weight, lang)
    return best[1] if best else default
