"""Is a paper used once: not on another of the trader's declarations, not another trader's,
not one file standing for several papers."""

from clearance.documents.checks.facts import (
    CRITICAL,
    CheckInput,
    DocumentFacts,
    Finding,
    OtherUse,
    paper,
)
from clearance.documents.models import DocumentKind
from clearance.messages import Message

# Numbers that name one consignment: seeing one twice is reuse. A licence or a contract
# legitimately covers many shipments, so only their files' owners are compared.
CERTIFICATES_OF_ORIGIN = frozenset({DocumentKind.co_form_e, DocumentKind.co_form_d})
CERTIFICATES = CERTIFICATES_OF_ORIGIN | {
    DocumentKind.phytosanitary,
    DocumentKind.quarantine,
    DocumentKind.cites_permit,
}
SHARED_BY_DESIGN = frozenset({DocumentKind.licence, DocumentKind.contract})


def documents_not_reused(facts: CheckInput) -> list[Finding]:
    """A certificate number or an identical file already used on another of the trader's
    declarations: the classic second truck on one C/O."""
    return _reuses(facts, across_traders=False)


def documents_not_shared_across_traders(facts: CheckInput) -> list[Finding]:
    """The same document on a declaration of another trader: someone else's papers."""
    return _reuses(facts, across_traders=True)


def _reuses(facts: CheckInput, *, across_traders: bool) -> list[Finding]:
    """The declaration's papers used elsewhere: on the same trader's other declarations, or
    (`across_traders`) on another trader's."""
    check_id, code, risk = (
        ("DOC-OTHER-TRADER", "doc_check.other_trader", 0.9)
        if across_traders
        else ("DOC-REUSED", "doc_check.reused", 0.8)
    )
    found = []
    for use in facts.other_uses:
        if (use.other_trader_tax_code != facts.trader_tax_code) is not across_traders:
            continue
        what = _reused_what(use, across_traders=across_traders)
        if what:
            params = {
                "kind": paper(use.kind),
                "number": use.number,
                "what": what,
                "other": str(use.other_declaration_id),
            }
            if across_traders:
                params["other_trader"] = use.other_trader_tax_code
            finding = Message(code, params)
            found.append(
                Finding(check_id, CRITICAL, finding, use.document_id, use.kind, risk_score=risk)
            )
    return found


def one_file_per_document(facts: CheckInput) -> list[Finding]:
    """One file attached as several papers of the declaration (the invoice is also its packing
    list and its contract): the papers were not issued, only named."""
    kinds_by_file: dict[str, list[DocumentFacts]] = {}
    for document in facts.documents:
        kinds_by_file.setdefault(document.sha256, []).append(document)
    found = []
    for same in kinds_by_file.values():
        kinds = sorted({d.kind for d in same}, key=lambda kind: kind.value)
        if len(kinds) < 2:
            continue
        named = [
            Message("paper.numbered", {"kind": paper(d.kind), "number": d.number}) for d in same
        ]
        reason = Message("doc_check.same_file", {"count": len(kinds), "named": named})
        for document in same[1:]:
            found.append(
                Finding(
                    "DOC-SAME-FILE", CRITICAL, reason, document.id, document.kind, risk_score=0.8
                )
            )
    return found


def _reused_what(use: OtherUse, *, across_traders: bool = False) -> Message | None:
    """Which kind of reuse counts: numbers of certificates (any kind bound to one holder
    across traders), identical files except of papers shared by design."""
    parts = []
    numbered = CERTIFICATES | ({DocumentKind.licence} if across_traders else set())
    if use.same_number and use.kind in numbered:
        parts.append("number")
    if use.same_file and (across_traders or use.kind not in SHARED_BY_DESIGN):
        parts.append("file")
    return Message(f"reuse.{'_and_'.join(parts)}") if parts else None


def number_key(number: str) -> str:
    """A document number as reuse is judged: `C/O E-26 0001` and `co e260001` are one."""
    return "".join(ch for ch in number.casefold() if ch.isalnum())[:64]
