"""Are the papers there, and in date: a required kind uploaded, none expired or issued late.

What counts as present: an uploaded document (with its file) of the required kind. A
reference in the declaration body alone is the trader's word that a paper exists; it names
what to expect but does not satisfy a requirement.
"""

from clearance.documents.checks.facts import (
    BLOCKING,
    WARNING,
    CheckInput,
    Finding,
    bilingual,
    paper,
)
from clearance.documents.models import DocumentKind
from clearance.messages import Message


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
