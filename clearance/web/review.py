"""The officer's work on one declaration, by form: leases, document check, inspection, decision."""

import uuid

from fastapi import APIRouter, status
from fastapi.responses import RedirectResponse, Response

from clearance.deps import ClockDep, SessionDep, SettingsDep
from clearance.review import service as review_service
from clearance.review import work
from clearance.web import forms
from clearance.web.deps import CSRF, FormDep, OfficerPage, SupervisorPage
from clearance.web.templating import secure

ITEM = "/declarations/{declaration_id}"
# What a page may be told after a form (`?notice=`): each has a label in both languages.
NOTICES = (
    "claimed",
    "decided",
    "empty",
    "checked",
    "inspected",
    "renewed",
    "released",
    "reassigned",
    "photo_uploaded",
)

# Its own router with the full prefix: a route's template (audit actions, metric labels) is
# the path it was declared with, which a nested router's prefix would not be part of.
router = APIRouter(prefix="/officer", include_in_schema=False, dependencies=[CSRF])


def redirect(url: str) -> Response:
    """After a form: see the result with a GET (post/redirect/get)."""
    return secure(RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER))


def _back(declaration_id: uuid.UUID, notice: str) -> Response:
    return redirect(f"/officer/declarations/{declaration_id}?notice={notice}")


@router.post(ITEM + "/claim")
def claim(
    declaration_id: uuid.UUID,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: OfficerPage,
) -> Response:
    """Take this item, chosen from the queue, when no one holds it."""
    review_service.claim(
        session=session,
        clock=clock,
        caller=viewer.caller,
        declaration_id=declaration_id,
        lease_seconds=settings.lease_seconds,
    )
    return _back(declaration_id, "claimed")


@router.post(ITEM + "/lease/renew")
def renew_lease(
    declaration_id: uuid.UUID,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: OfficerPage,
) -> Response:
    """Extend my own lease by the configured lease time."""
    review_service.renew_lease(
        session=session,
        clock=clock,
        caller=viewer.caller,
        declaration_id=declaration_id,
        lease_seconds=settings.lease_seconds,
    )
    return _back(declaration_id, "renewed")


@router.post(ITEM + "/lease/release")
def release_lease(
    declaration_id: uuid.UUID, session: SessionDep, clock: ClockDep, viewer: OfficerPage
) -> Response:
    """Give the item back to the queue: its holder may, and so may a supervisor."""
    review_service.release_lease(
        session=session, clock=clock, caller=viewer.caller, declaration_id=declaration_id
    )
    return redirect("/officer/queue?notice=released")


@router.post(ITEM + "/reassign")
def reassign(
    declaration_id: uuid.UUID,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: SupervisorPage,
    form: FormDep,
) -> Response:
    """A supervisor hands the item to an officer (`officer:12`), whoever held it."""
    officer = forms.reassign_to(form)
    review_service.reassign(
        session=session,
        clock=clock,
        caller=viewer.caller,
        declaration_id=declaration_id,
        officer=officer,
        lease_seconds=settings.lease_seconds,
    )
    return _back(declaration_id, "reassigned")


@router.post(ITEM + "/document-check")
def document_check(
    declaration_id: uuid.UUID,
    session: SessionDep,
    clock: ClockDep,
    viewer: OfficerPage,
    form: FormDep,
) -> Response:
    """Accept or query each document; a query holds the declaration for the trader."""
    work.record_document_check(
        session=session,
        clock=clock,
        caller=viewer.caller,
        declaration_id=declaration_id,
        check_in=forms.document_check_in(form),
    )
    return _back(declaration_id, "checked")


@router.post(ITEM + "/inspection")
def inspection(
    declaration_id: uuid.UUID,
    session: SessionDep,
    clock: ClockDep,
    viewer: OfficerPage,
    form: FormDep,
) -> Response:
    """Seals, count, weight, sample, photos and discrepancies found at the goods."""
    work.record_inspection(
        session=session,
        clock=clock,
        caller=viewer.caller,
        declaration_id=declaration_id,
        inspection_in=forms.inspection_in(form),
    )
    return _back(declaration_id, "inspected")


@router.post(ITEM + "/decision")
def decide(
    declaration_id: uuid.UUID,
    session: SessionDep,
    clock: ClockDep,
    viewer: OfficerPage,
    form: FormDep,
) -> Response:
    """Release, hold with a query, inspect or escalate, or seize: the API's decision, by form."""
    work.decide(
        session=session,
        clock=clock,
        caller=viewer.caller,
        declaration_id=declaration_id,
        decision_in=forms.decision_in(form),
    )
    return _back(declaration_id, "decided")
