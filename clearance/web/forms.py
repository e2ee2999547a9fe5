"""Posted forms read into the same input models the JSON API validates."""

from itertools import zip_longest

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import FormData

from clearance.review.schemas import DecisionIn


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _texts(form: FormData, name: str) -> list[str]:
    return [v.strip() if isinstance(v, str) else "" for v in form.getlist(name)]


def findings(form: FormData) -> list[dict[str, str | None]]:
    """The rows of the findings table; a row left blank is no finding."""
    rows = zip_longest(
        _texts(form, "finding_code"),
        _texts(form, "finding_line"),
        _texts(form, "finding_detail"),
        fillvalue="",
    )
    return [
        {"code": code, "line": line or None, "detail": detail}
        for code, line, detail in rows
        if code or detail
    ]


def decision_in(form: FormData) -> DecisionIn:
    """An officer's decision from the page's form, checked as the API checks it (422 if not)."""
    raw = {
        "decision": _text(form, "decision"),
        "version": _text(form, "version"),
        "reason": _text(form, "reason"),
        "query": _text(form, "query") or None,
        "inspected": "inspected" in form,
        "fraud_found": "fraud_found" in form,
        "revenue_recovered": _text(form, "revenue_recovered") or None,
        "revenue_currency": _text(form, "revenue_currency") or None,
        "findings": findings(form),
    }
    try:
        return DecisionIn.model_validate(raw)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False, include_context=False)) from None
