"""Document checks: each a named pure function reading facts and answering findings, grouped
by what they ask of the papers: there and in date (`papers`), figures that agree (`figures`),
a certificate of origin that fits (`origin`), used once (`reuse`). Their inputs and findings
are in `facts`.
"""

from collections.abc import Callable

from clearance.documents.checks.facts import (
    BLOCKING,
    CHECKS_VERSION,
    CRITICAL,
    WARNING,
    CheckInput,
    DocumentFacts,
    Finding,
    OtherUse,
    bilingual,
    paper,
)
from clearance.documents.checks.figures import (
    invoice_matches_customs_value,
    licence_quantity_left,
    packing_list_matches_declared_weights,
    packing_list_matches_weighbridge,
)
from clearance.documents.checks.origin import (
    certificate_of_origin_matches_lines,
    certificate_of_origin_names_the_parties,
)
from clearance.documents.checks.papers import (
    documents_issued_before_arrival,
    documents_not_expired,
    documents_present,
)
from clearance.documents.checks.reuse import (
    CERTIFICATES,
    CERTIFICATES_OF_ORIGIN,
    documents_not_reused,
    documents_not_shared_across_traders,
    number_key,
    one_file_per_document,
)

__all__ = [
    "BLOCKING",
    "CERTIFICATES",
    "CERTIFICATES_OF_ORIGIN",
    "CHECKS",
    "CHECKS_VERSION",
    "CRITICAL",
    "WARNING",
    "CheckInput",
    "DocumentFacts",
    "Finding",
    "OtherUse",
    "bilingual",
    "certificate_of_origin_matches_lines",
    "certificate_of_origin_names_the_parties",
    "documents_issued_before_arrival",
    "documents_not_expired",
    "documents_not_reused",
    "documents_not_shared_across_traders",
    "documents_present",
    "invoice_matches_customs_value",
    "licence_quantity_left",
    "number_key",
    "one_file_per_document",
    "packing_list_matches_declared_weights",
    "packing_list_matches_weighbridge",
    "paper",
    "run_checks",
]

CHECKS: tuple[Callable[[CheckInput], list[Finding]], ...] = (
    documents_present,
    documents_not_expired,
    documents_issued_before_arrival,
    invoice_matches_customs_value,
    packing_list_matches_declared_weights,
    packing_list_matches_weighbridge,
    certificate_of_origin_matches_lines,
    certificate_of_origin_names_the_parties,
    licence_quantity_left,
    documents_not_reused,
    documents_not_shared_across_traders,
    one_file_per_document,
)


def run_checks(facts: CheckInput) -> list[Finding]:
    return [finding for check in CHECKS for finding in check(facts)]
