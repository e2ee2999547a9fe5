"""Documents as each role may read them: traders see what is missing, never the findings."""

from collections.abc import Iterator, Sequence

from fastapi.responses import StreamingResponse

from clearance.documents.checks import Finding
from clearance.documents.models import Document
from clearance.documents.requirements import Requirement
from clearance.documents.schemas import (
    DocumentList,
    DocumentOut,
    FindingOut,
    RequirementOut,
    Requirements,
)
from clearance.documents.service import DocumentReport
from clearance.documents.sniff import EXTENSIONS, JPEG, PDF, PNG
from clearance.documents.storage import get_storage, read_chunks
from clearance.messages import API_LANGUAGE, params_json

# What a browser shows itself; anything else (XML) is saved, never rendered.
SHOWN_INLINE = frozenset({PDF, JPEG, PNG})


def finding_out(finding: Finding, lang: str = API_LANGUAGE) -> FindingOut:
    return FindingOut(
        check_id=finding.check_id,
        severity=finding.severity,
        reason=finding.reason.render(lang),
        code=finding.reason.code,
        params=params_json(finding.reason.params),
        document_id=finding.document_id,
        document_kind=finding.document_kind,
        risk_score=finding.risk_score,
        blocks_release=finding.blocks_release,
    )


def document_out(
    document: Document, *, findings: Sequence[Finding] | None, lang: str = API_LANGUAGE
) -> DocumentOut:
    return DocumentOut(
        id=document.id,
        kind=document.kind,
        number=document.number,
        issuer=document.issuer,
        issued_on=document.issued_on,
        expires_on=document.expires_on,
        fields=document.fields,
        media_type=document.media_type,
        size_bytes=document.size_bytes,
        sha256=document.sha256,
        declaration_version=document.declaration_version,
        uploaded_at=document.uploaded_at,
        findings=None if findings is None else [finding_out(f, lang) for f in findings],
    )


def requirement_out(requirement: Requirement) -> RequirementOut:
    return RequirementOut(
        kind=requirement.kind,
        reason=requirement.reason,
        reason_vi=requirement.reason_vi,
        legal_basis=list(requirement.legal_basis),
    )


def document_list(
    documents: Sequence[Document],
    report: DocumentReport,
    *,
    with_findings: bool,
    lang: str = API_LANGUAGE,
) -> DocumentList:
    return DocumentList(
        documents=[
            document_out(
                d, findings=report.for_document(d.id) if with_findings else None, lang=lang
            )
            for d in documents
        ],
        complete=report.complete,
        required=[requirement_out(r) for r in report.required],
        missing=[requirement_out(r) for r in report.missing],
        findings=[finding_out(f, lang) for f in report.findings if f.document_id is None]
        if with_findings
        else None,
    )


def requirements_out(
    kind: str, hs_codes: Sequence[str], preferences: Sequence[str], needed: Sequence[Requirement]
) -> Requirements:
    return Requirements(
        kind=kind,
        hs_codes=list(hs_codes),
        preferences=list(preferences),
        required=[requirement_out(r) for r in needed],
    )


def file_response(document: Document, *, inline: bool) -> StreamingResponse:
    """The stored file as uploaded, with the media type detected from its bytes; shown in the
    browser when asked and it is a PDF or an image, saved otherwise."""
    handle = get_storage().open(document.storage_key)

    def chunks() -> Iterator[bytes]:
        with handle:
            yield from read_chunks(handle)

    shown = inline and document.media_type in SHOWN_INLINE
    filename = f"{document.id}.{EXTENSIONS.get(document.media_type, 'bin')}"
    return StreamingResponse(
        chunks(),
        media_type=document.media_type,
        headers={
            "Content-Disposition": f'{"inline" if shown else "attachment"}; filename="{filename}"',
            "Content-Length": str(document.size_bytes),
            "X-Content-Type-Options": "nosniff",
            # Framed by the officer's own page only. An image runs nothing; a PDF needs the
            # browser's viewer, which a stricter policy would refuse.
            "Content-Security-Policy": "frame-ancestors 'self'"
            + ("" if document.media_type == PDF else "; default-src 'none'"),
            "Cache-Control": "no-store",
        },
    )
