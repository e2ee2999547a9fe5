"""Do the papers' figures agree: invoice totals with the customs value, packing list weights
with the declared lines and the weighbridge, a licence's quantity with what it has cleared."""

import uuid
from decimal import Decimal
from typing import Any

from clearance.documents.checks.facts import CRITICAL, WARNING, CheckInput, DocumentFacts, Finding
from clearance.documents.checks.reuse import number_key
from clearance.documents.models import DocumentKind
from clearance.messages import Message

VALUE_TOLERANCE = Decimal("0.02")
DECLARED_WEIGHT_TOLERANCE = Decimal("0.02")
WEIGHBRIDGE_TOLERANCE = Decimal("0.05")


def _of(facts: CheckInput, kind: DocumentKind) -> list[DocumentFacts]:
    return [d for d in facts.documents if d.kind is kind]


def _dec(value: Any) -> Decimal:
    return Decimal(str(value))


def _qty(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _off(a: Decimal, b: Decimal) -> Decimal:
    return abs(a - b) / b if b else Decimal(1)


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
