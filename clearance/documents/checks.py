"""Document checks: each a named pure function reading facts and answering findings.

What counts as present: an uploaded document (with its file) of the required kind. A
reference in the declaration body alone is the trader's word that a paper exists; it names
what to expect but does not satisfy a requirement.
"""

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from clearance.declarations.models import Kind
from clearance.declarations.schemas import DeclarationIn, Line
from clearance.documents.models import DocumentKind
from clearance.documents.requirements import Requirement
from clearance.messages import Message
from clearance.names import MATCH_THRESHOLD, name_similarity

CHECKS_VERSION = 1
VALUE_TOLERANCE = Decimal("0.02")
DECLARED_WEIGHT_TOLERANCE = Decimal("0.02")
WEIGHBRIDGE_TOLERANCE = Decimal("0.05")

BLOCKING, CRITICAL, WARNING = "blocking", "critical", "warning"
# Numbers that name one consignment: seeing one twice is reuse. A licence or a contract
# legitimately covers many shipments, so only their files' owners are compared.
CERTIFICATES_OF_ORIGIN = frozenset({DocumentKind.co_form_e, DocumentKind.co_form_d})
CERTIFICATES = CERTIFICATES_OF_ORIGIN | {
    DocumentKind.phytosanitary,
    DocumentKind.quarantine,
    DocumentKind.cites_permit,
}
SHARED_BY_DESIGN = frozenset({DocumentKind.licence, DocumentKind.contract})


def paper(kind: DocumentKind) -> Message:
    """A kind of paper as running text names it ("commercial invoice")."""
    return Message(f"paper.{kind.value}")


def bilingual(en: str, vi: str) -> Message:
    """Prose that reference data carries in both languages (Vietnamese may be missing)."""
    return Message("bilingual", {"en": en, "vi": vi or en})


@dataclass(frozen=True)
class DocumentFacts:
    id: uuid.UUID
    kind: DocumentKind
    number: str
    issued_on: date | None
    expires_on: date | None
    fields: Mapping[str, Any]
    sha256: str


@dataclass(frozen=True)
class OtherUse:
    """One of our documents whose number or file also appears on another declaration."""

    document_id: uuid.UUID
    kind: DocumentKind
    number: str
    other_declaration_id: uuid.UUID
    other_trader_tax_code: str
    same_number: bool
    same_file: bool


@dataclass(frozen=True)
class CheckInput:
    body: DeclarationIn
    trader_tax_code: str
    on: date  # the arrival date, or today while the truck has not arrived
    arrived: bool
    weighbridge_kg: Decimal | None
    documents: Sequence[DocumentFacts]
    requirements: Sequence[Requirement]
    to_usd: Callable[[Decimal, str], Decimal | None]
    other_uses: Sequence[OtherUse] = ()
    # Licence number key -> quantity already cleared under it by earlier declarations.
    licence_used: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    check_id: str
    severity: str
    reason: Message
    document_id: uuid.UUID | None = None
    document_kind: DocumentKind | None = None
    risk_score: float = 0.0  # what the risk engine reads; 0 for completeness
    blocks_release: bool = False
    line: int | None = None  # the declaration line it concerns, where it concerns one

    def as_reason(self) -> dict[str, object]:
        """In the shape of a risk rule hit's reason, so an assessment can store it as one."""
        return {
            "rule_id": self.check_id,
            "rule_version": CHECKS_VERSION,
            "severity": self.severity,
            "score": round(self.risk_score, 4),
            "reason": self.reason.text,
            "line": self.line,
            **self.reason.as_json(),
        }


def _of(facts: CheckInput, kind: DocumentKind) -> list[DocumentFacts]:
    return [d for d in facts.documents if d.kind is kind]


def _dec(value: Any) -> Decimal:
    return Decimal(str(value))


def _qty(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _off(a: Decimal, b: Decimal) -> Decimal:
    return abs(a - b) / b if b else Decimal(1)


def documents_present(facts: CheckInput) -> list[Finding]:
    """Every required kind has an uploaded document; a body reference alone does not count."""
    uploaded = {d.kind for d in facts.documents}
    referenced = {DocumentKind(ref.kind): ref.number for ref in facts.body.documents}
    found = []
    for req in facts.requirements:
        if req.kind in uploaded:
            continue
        params: dict[str, object] = {"reason": bilingual(req.reason, req.reason_vi)}
        code = "doc_check.missing"
        if req.kind in referenced:
            code, params["number"] = "doc_check.missing_referenced", referenced[req.kind]
        reason = Message(code, params)
        found.append(
            Finding("DOC-MISSING", BLOCKING, reason, document_kind=req.kind, blocks_release=True)
        )
    return found


def documents_not_expired(facts: CheckInput) -> list[Finding]:
    """A document expired on the arrival date (today before arrival) is as good as none."""
    on = Message("day.arrival_date" if facts.arrived else "day.today", {"on": str(facts.on)})
    return [
        Finding(
            "DOC-EXPIRED",
            BLOCKING,
            Message(
                "doc_check.expired",
                {
                    "kind": paper(d.kind),
                    "number": d.number,
                    "expires_on": str(d.expires_on),
                    "on": on,
                },
            ),
            d.id,
            d.kind,
            risk_score=0.2,
            blocks_release=True,
        )
        for d in facts.documents
        if d.expires_on is not None and d.expires_on < facts.on
    ]


def documents_issued_before_arrival(facts: CheckInput) -> list[Finding]:
    """A paper dated after the truck arrived (or in the future) was not there when it should be."""
    on = Message("day.arrival_on" if facts.arrived else "day.today", {"on": str(facts.on)})
    return [
        Finding(
            "DOC-ISSUED-LATE",
            WARNING,
            Message(
                "doc_check.issued_late",
                {
                    "kind": paper(d.kind),
                    "number": d.number,
                    "issued_on": str(d.issued_on),
                    "on": on,
                },
            ),
            d.id,
            d.kind,
            risk_score=0.4,
        )
        for d in facts.documents
        if d.issued_on is not None and d.issued_on > facts.on
    ]


def invoice_matches_customs_value(facts: CheckInput) -> list[Finding]:
    """The invoices add up to the declared customs value within 2%, across currencies."""
    invoices = _of(facts, DocumentKind.invoice)
    if not invoices:
        return []
    currency = facts.body.lines[0].currency
    declared = sum((line.customs_value for line in facts.body.lines), Decimal(0))
    declared_usd = facts.to_usd(declared, currency)
    amounts = [facts.to_usd(_dec(i.fields["total"]), str(i.fields["currency"])) for i in invoices]
    if declared_usd is None or not declared_usd or None in amounts:
        unrated = sorted({currency, *(str(i.fields["currency"]) for i in invoices)})
        reason = Message("doc_check.invoice_unrated", {"currencies": ", ".join(unrated)})
        return [
            Finding(
                "DOC-INVOICE-VALUE", WARNING, reason, None, DocumentKind.invoice, risk_score=0.2
            )
        ]
    invoiced_usd = sum((a for a in amounts if a is not None), Decimal(0))
    off = _off(invoiced_usd, declared_usd)
    if off <= VALUE_TOLERANCE:
        return []
    only = invoices[0].id if len(invoices) == 1 else None
    totals = ", ".join(f"{i.fields['total']} {i.fields['currency']}" for i in invoices)
    params = {
        "totals": totals,
        "invoiced_usd": float(invoiced_usd),
        "off": float(off),
        "declared": str(declared),
        "currency": currency,
        "declared_usd": float(declared_usd),
        "tolerance": float(VALUE_TOLERANCE),
    }
    reason = Message("doc_check.invoice_value", params)
    return [
        Finding("DOC-INVOICE-VALUE", CRITICAL, reason, only, DocumentKind.invoice, risk_score=0.6)
    ]


def _packing_totals(facts: CheckInput) -> tuple[Decimal, Decimal, uuid.UUID | None] | None:
    lists = _of(facts, DocumentKind.packing_list)
    if not lists:
        return None
    gross = sum((_dec(p.fields["gross_kg"]) for p in lists), Decimal(0))
    net = sum((_dec(p.fields["net_kg"]) for p in lists), Decimal(0))
    return gross, net, lists[0].id if len(lists) == 1 else None


def packing_list_matches_declared_weights(facts: CheckInput) -> list[Finding]:
    """Packing list gross and net weights agree with the declared lines within 2%."""
    totals = _packing_totals(facts)
    if totals is None:
        return []
    gross, net, doc_id = totals
    found = []
    for label, listed, declared in (
        ("gross", gross, sum((ln.gross_kg for ln in facts.body.lines), Decimal(0))),
        ("net", net, sum((ln.net_kg for ln in facts.body.lines), Decimal(0))),
    ):
        if _off(listed, declared) > DECLARED_WEIGHT_TOLERANCE:
            params = {
                "weight": Message(f"weight.{label}"),
                "listed": str(listed),
                "off": float(_off(listed, declared)),
                "declared": str(declared),
            }
            found.append(
                Finding(
                    "DOC-PACKING-WEIGHT",
                    CRITICAL,
                    Message("doc_check.packing_weight", params),
                    doc_id,
                    DocumentKind.packing_list,
                    risk_score=0.5,
                )
            )
    return found


def packing_list_matches_weighbridge(facts: CheckInput) -> list[Finding]:
    """The packing list's gross weight is within 5% of what the gate's weighbridge measured."""
    totals = _packing_totals(facts)
    if totals is None or facts.weighbridge_kg is None:
        return []
    gross, _net, doc_id = totals
    off = _off(gross, facts.weighbridge_kg)
    if off <= WEIGHBRIDGE_TOLERANCE:
        return []
    params = {"gross": str(gross), "off": float(off), "weighbridge": str(facts.weighbridge_kg)}
    return [
        Finding(
            "DOC-WEIGHBRIDGE",
            CRITICAL,
            Message("doc_check.weighbridge", params),
            doc_id,
            DocumentKind.packing_list,
            risk_score=0.6,
        )
    ]


def _claiming_lines(body: DeclarationIn) -> list[tuple[int, Line]]:
    claimed = [(no, ln) for no, ln in enumerate(body.lines, 1) if ln.preference is not None]
    return claimed or list(enumerate(body.lines, 1))


def _certificates_of_origin(facts: CheckInput) -> list[DocumentFacts]:
    return [d for d in facts.documents if d.kind in CERTIFICATES_OF_ORIGIN]


def certificate_of_origin_matches_lines(facts: CheckInput) -> list[Finding]:
    """The origin a C/O certifies is the origin declared on the lines it covers."""
    return [
        Finding(
            "DOC-CO-ORIGIN",
            CRITICAL,
            Message(
                "doc_check.co_origin",
                {
                    "kind": paper(co.kind),
                    "number": co.number,
                    "certified": str(co.fields["origin_country"]),
                    "line": no,
                    "hs_code": line.hs_code,
                    "origin": line.origin,
                },
            ),
            co.id,
            co.kind,
            risk_score=0.7,
            line=no,
        )
        for co in _certificates_of_origin(facts)
        for no, line in _claiming_lines(facts.body)
        if line.origin != co.fields["origin_country"]
    ]


def certificate_of_origin_names_the_parties(facts: CheckInput) -> list[Finding]:
    """The exporter and importer a C/O names are the declaration's seller and buyer."""
    body = facts.body
    ours, theirs = body.trader.name, body.counterparty.name
    exporter, importer = (theirs, ours) if body.kind is Kind.import_ else (ours, theirs)
    found = []
    for co in _certificates_of_origin(facts):
        for role, named, expected in (
            ("exporter", co.fields["exporter"], exporter),
            ("importer", co.fields["importer"], importer),
        ):
            similarity = name_similarity(str(named), expected)
            if similarity < MATCH_THRESHOLD:
                params = {
                    "kind": paper(co.kind),
                    "number": co.number,
                    "role": Message(f"party.{role}"),
                    "named": str(named),
                    "expected": expected,
                    "similarity": similarity,
                }
                found.append(
                    Finding(
                        "DOC-CO-PARTY",
                        CRITICAL,
                        Message("doc_check.co_party", params),
                        co.id,
                        co.kind,
                        risk_score=0.6,
                    )
                )
    return found


def licence_quantity_left(facts: CheckInput) -> list[Finding]:
    """Earlier declarations and this one together stay within the quantity a licence allows."""
    found = []
    for licence in _of(facts, DocumentKind.licence):
        prefixes = [str(p) for p in licence.fields["hs_codes"]]
        this = sum(
            (
                ln.quantity
                for ln in facts.body.lines
                if any(ln.hs_code.startswith(p) for p in prefixes)
            ),
            Decimal(0),
        )
        used = facts.licence_used.get(number_key(licence.number), Decimal(0))
        allowed = _dec(licence.fields["quantity_allowed"])
        if this and used + this > allowed:
            unit = licence.fields.get("unit", "kg")
            params = {
                "number": licence.number,
                "allowed": _qty(allowed),
                "unit": str(unit),
                "used": _qty(used),
                "this": _qty(this),
            }
            found.append(
                Finding(
                    "DOC-LICENCE-EXHAUSTED",
                    CRITICAL,
                    Message("doc_check.licence_exhausted", params),
                    licence.id,
                    licence.kind,
                    risk_score=0.8,
                )
            )
    return found


def documents_not_reused(facts: CheckInput) -> list[Finding]:
    """A certificate number or an identical file already used on another of the trader's
    declarations: the classic second truck on one C/O."""
    found = []
    for use in facts.other_uses:
        if use.other_trader_tax_code != facts.trader_tax_code:
            continue
        what = _reused_what(use)
        if what:
            params = {
                "kind": paper(use.kind),
                "number": use.number,
                "what": what,
                "other": str(use.other_declaration_id),
            }
            found.append(
                Finding(
                    "DOC-REUSED",
                    CRITICAL,
                    Message("doc_check.reused", params),
                    use.document_id,
                    use.kind,
                    risk_score=0.8,
                )
            )
    return found


def documents_not_shared_across_traders(facts: CheckInput) -> list[Finding]:
    """The same document on a declaration of another trader: someone else's papers."""
    found = []
    for use in facts.other_uses:
        if use.other_trader_tax_code == facts.trader_tax_code:
            continue
        what = _reused_what(use, across_traders=True)
        if what:
            params = {
                "kind": paper(use.kind),
                "number": use.number,
                "what": what,
                "other": str(use.other_declaration_id),
                "other_trader": use.other_trader_tax_code,
            }
            found.append(
                Finding(
                    "DOC-OTHER-TRADER",
                    CRITICAL,
                    Message("doc_check.other_trader", params),
                    use.document_id,
                    use.kind,
                    risk_score=0.9,
                )
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
