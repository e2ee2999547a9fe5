"""Posted forms read into the same input models the JSON API validates (a 422 page if not)."""

from itertools import zip_longest
from typing import Any, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from clearance.review.schemas import DecisionIn, DocumentCheckIn, InspectionIn, ReassignIn

# A document's verdict and note are posted as `verdict.<document id>` and `note.<document id>`.
VERDICT_PREFIX = "verdict."
NOTE_PREFIX = "note."
Model = TypeVar("Model", bound=BaseModel)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _texts(form: FormData, name: str) -> list[str]:
    return [v.strip() if isinstance(v, str) else "" for v in form.getlist(name)]


def _validated(model: type[Model], raw: dict[str, Any]) -> Model:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None


def findings(form: FormData, prefix: str = "finding") -> list[dict[str, str | None]]:
    """The rows of a findings table (`<prefix>_code`, `_line`, `_detail`); blank rows skipped."""
    rows = zip_longest(
        _texts(form, f"{prefix}_code"),
        _texts(form, f"{prefix}_line"),
        _texts(form, f"{prefix}_detail"),
        fillvalue="",
    )
    return [
        {"code": code, "line": line or None, "detail": detail}
        for code, line, detail in rows
        if code or detail
    ]


def decision_in(form: FormData) -> DecisionIn:
    """An officer's decision from the page's form, checked as the API checks it."""
    return _validated(
        DecisionIn,
        {
            "decision": _text(form, "decision"),
            "version": _text(form, "version"),
            "reason": _text(form, "reason"),
            "query": _text(form, "query") or None,
            "inspected": "inspected" in form,
            "fraud_found": "fraud_found" in form,
            "revenue_recovered": _text(form, "revenue_recovered") or None,
            "revenue_currency": _text(form, "revenue_currency") or None,
            "findings": findings(form),
        },
    )


def document_check_in(form: FormData) -> DocumentCheckIn:
    """A verdict per document, as the check form lists them; or, for a clean dossier, every
    document the form lists (`document`) accepted at once."""
    if "accept_all" in form:
        listed = dict.fromkeys(_texts(form, "document"))
        verdicts = [{"document_id": i, "verdict": "accepted", "note": ""} for i in listed]
    else:
        verdicts = [
            {
                "document_id": name.removeprefix(VERDICT_PREFIX),
                "verdict": _text(form, name),
                "note": _text(form, NOTE_PREFIX + name.removeprefix(VERDICT_PREFIX)),
            }
            for name in dict.fromkeys(form.keys())
            if name.startswith(VERDICT_PREFIX)
        ]
    return _validated(
        DocumentCheckIn,
        {"version": _text(form, "version"), "documents": verdicts, "note": _text(form, "note")},
    )


def inspection_in(form: FormData) -> InspectionIn:
    """Seals, count, weight, sample, photos and discrepancies from the inspection form."""
    seals = [s.strip() for s in _text(form, "seal_numbers").split(",") if s.strip()]
    return _validated(
        InspectionIn,
        {
            "version": _text(form, "version"),
            "seals_intact": "seals_intact" in form,
            "seal_numbers": seals,
            "packages_counted": _text(form, "packages_counted") or None,
            "weight_kg": _text(form, "weight_kg") or None,
            "sample_taken": "sample_taken" in form,
            "sample_reference": _text(form, "sample_reference") or None,
            "photo_document_ids": _texts(form, "photo"),
            "discrepancies": findings(form, "discrepancy"),
            "note": _text(form, "note"),
        },
    )


def reassign_to(form: FormData) -> str:
    """The officer's actor id (`officer:12`), checked as the API's body is."""
    return _validated(ReassignIn, {"officer": _text(form, "officer")}).officer
