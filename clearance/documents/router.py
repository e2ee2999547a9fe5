"""Document endpoints: upload, list with check results, download; and the requirements."""

import re
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import StringConstraints
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from clearance import db
from clearance.auth.models import RISK_READERS, Role
from clearance.auth.service import Caller
from clearance.declarations import service as declarations_service
from clearance.declarations.models import Kind
from clearance.deps import AnyRoleDep, ClockDep, LanguageDep, SessionDep, SupervisorDep, require
from clearance.documents import requirements, service, upload, views
from clearance.documents.models import RequiredDocument
from clearance.documents.schemas import (
    DocumentList,
    DocumentOut,
    RequiredDocumentIn,
    RequiredDocumentOut,
    Requirements,
)
from clearance.documents.storage import get_storage
from clearance.errors import PROBLEM_RESPONSES, PayloadTooLarge
from clearance.fields import HsCodeStr
from clearance.messages import Message
from clearance.reference import service as reference_service

router = APIRouter(tags=["documents"], responses=PROBLEM_RESPONSES)

DocumentReaderDep = Annotated[
    Caller, Depends(require(Role.trader, Role.officer, Role.supervisor, Role.operator))
]
DownloaderDep = Annotated[Caller, Depends(require(Role.trader, Role.officer, Role.supervisor))]
# Traders upload their dossier; officers upload photos taken at the inspection.
UploaderDep = DownloaderDep
Preference = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{1,15}$")]

UPLOAD_PATH = "/v1/declarations/{declaration_id}/documents"
# Requests the app's body limit leaves alone: uploads (the API's, and the inspection photos of
# the officer pages) stream under their own limits.
UPLOAD_PATH_PATTERN = re.compile(
    r"/v1/declarations/[^/]+/documents|/officer/declarations/[^/]+/photos"
)
UPLOAD_OPENAPI = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "fields"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "fields": {
                            "type": "string",
                            "description": "JSON: kind, number, issuer, issued_on, expires_on "
                            "and the structured fields of the kind",
                        },
                    },
                }
            }
        },
    }
}


@router.post(UPLOAD_PATH, status_code=status.HTTP_201_CREATED, openapi_extra=UPLOAD_OPENAPI)
async def upload_document(
    declaration_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    caller: UploaderDep,
) -> DocumentOut:
    """Attach a document: a file (PDF, JPEG, PNG, XML; 10 MB at most) and its fields.

    The answer is the stored document. The dossier is checked again by a worker moments after
    (once for papers sent together): what it moves (a query answered, the duty assessed
    again, the release) shows in the declaration's state and events, and in notifications."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > upload.MAX_FILE_BYTES + upload.ENVELOPE_BYTES:
        raise PayloadTooLarge(Message("error.file_too_large", {"max_bytes": upload.MAX_FILE_BYTES}))
    await run_in_threadpool(_open_for_upload, session, caller, declaration_id)
    received = await upload.receive(
        content_type=request.headers.get("content-type", ""),
        chunks=request.stream(),
        max_file_bytes=upload.MAX_FILE_BYTES,
    )
    with received.file:
        document = await run_in_threadpool(
            service.upload,
            session=session,
            clock=clock,
            storage=get_storage(),
            caller=caller,
            declaration_id=declaration_id,
            upload_in=received,
        )
    return views.document_out(document, findings=None)


def _open_for_upload(session: Session, caller: Caller, declaration_id: uuid.UUID) -> None:
    """Refuse before a byte of the file is read; then hand the connection back while the file
    streams in (and while the upload waits for a thread to store it)."""
    service.open_for_upload(session=session, caller=caller, declaration_id=declaration_id)
    db.release(session)


@router.get(UPLOAD_PATH)
def list_documents(
    declaration_id: uuid.UUID, session: SessionDep, caller: DocumentReaderDep, lang: LanguageDep
) -> DocumentList:
    """The declaration's documents and what is missing; check results for officers only."""
    declaration = declarations_service.get(
        session=session, caller=caller, declaration_id=declaration_id
    )
    report = service.check_declaration(session=session, declaration=declaration)
    documents = service.list_for(session=session, declaration=declaration)
    with_findings = caller.role in RISK_READERS
    return views.document_list(documents, report, with_findings=with_findings, lang=lang)


@router.get(UPLOAD_PATH + "/{document_id}/file")
def download_document(
    declaration_id: uuid.UUID, document_id: uuid.UUID, session: SessionDep, caller: DownloaderDep
) -> Response:
    """The stored file, as uploaded, with the media type detected from its bytes."""
    document = service.get(
        session=session, caller=caller, declaration_id=declaration_id, document_id=document_id
    )
    return views.file_response(document, inline=False)


@router.post("/v1/requirements", status_code=status.HTTP_201_CREATED)
def add_requirement(
    body: RequiredDocumentIn, session: SessionDep, _caller: SupervisorDep
) -> RequiredDocumentOut:
    """A new version of a required document, in force from its date (supervisors)."""
    row = requirements.add_version(session=session, row=RequiredDocument(**body.model_dump()))
    return RequiredDocumentOut.model_validate(row, from_attributes=True)


@router.get("/v1/requirements")
def required_documents(
    session: SessionDep,
    clock: ClockDep,
    _caller: AnyRoleDep,
    kind: Kind,
    hs: Annotated[list[HsCodeStr], Query(min_length=1, max_length=200)],
    preference: Annotated[list[Preference] | None, Query(max_length=10)] = None,
) -> Requirements:
    """What a trader needs before lodging: `?kind=export&hs=09022010&preference=ACFTA_FORM_E`."""
    today = clock.now().date()
    rows = requirements.current_rows(session=session, today=today)
    reference = reference_service.snapshot(session=session, today=today)
    needed = requirements.required_kinds(
        rows, kind=kind.value, hs_codes=hs, preferences=preference or [], reference=reference
    )
    return views.requirements_out(kind.value, hs, preference or [], needed)
