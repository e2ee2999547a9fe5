"""Does a certificate of origin certify this consignment: the lines' origin, its parties."""

from clearance.declarations.models import Kind
from clearance.declarations.schemas import DeclarationIn, Line
from clearance.documents.checks.facts import CRITICAL, CheckInput, DocumentFacts, Finding, paper
from clearance.documents.checks.reuse import CERTIFICATES_OF_ORIGIN
from clearance.messages import Message
from clearance.names import MATCH_THRESHOLD, name_similarity


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
