"""Review records as officers read them."""

from clearance.review.models import DocumentCheck, Inspection, ReviewLease, SeizureCase
from clearance.review.schemas import (
    CaseOut,
    DocumentCheckOut,
    InspectionOut,
    LeaseOut,
    QueueItem,
    ReviewRecord,
)


def lease_out(lease: ReviewLease) -> LeaseOut:
    return LeaseOut.model_validate(lease, from_attributes=True)


def check_out(check: DocumentCheck) -> DocumentCheckOut:
    return DocumentCheckOut.model_validate(check, from_attributes=True)


def inspection_out(inspection: Inspection) -> InspectionOut:
    return InspectionOut.model_validate(inspection, from_attributes=True)


def case_out(case: SeizureCase) -> CaseOut:
    return CaseOut.model_validate(case, from_attributes=True)


def record_out(
    *,
    item: QueueItem | None,
    lease: ReviewLease | None,
    checks: list[DocumentCheck],
    inspections: list[Inspection],
    cases: list[SeizureCase],
) -> ReviewRecord:
    return ReviewRecord(
        item=item,
        lease=lease_out(lease) if lease else None,
        document_checks=[check_out(c) for c in checks],
        inspections=[inspection_out(i) for i in inspections],
        cases=[case_out(c) for c in cases],
    )
