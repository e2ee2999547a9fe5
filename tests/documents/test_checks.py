"""Each check fires on the bad case and is silent on the good one (pure, no database)."""

import uuid
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from clearance.declarations.schemas import DeclarationIn
from clearance.documents import checks
from clearance.documents.checks import CheckInput, DocumentFacts, OtherUse
from clearance.documents.models import DocumentKind
from clearance.documents.requirements import Requirement
from clearance.documents.schemas import COMMON_FIELDS, DOCUMENT_FIELDS
from tests import factories
from tests.documents import helpers

RATES_USD = {"USD": Decimal(1), "CNY": Decimal("0.14")}
TRADER = "0100000001"


def _to_usd(amount: Decimal, currency: str) -> Decimal | None:
    rate = RATES_USD.get(currency)
    return None if rate is None else amount * rate


def doc(fields: dict[str, Any], *, sha256: str | None = None) -> DocumentFacts:
    model = DOCUMENT_FIELDS.validate_python(fields)
    return DocumentFacts(
        id=uuid.uuid4(),
        kind=DocumentKind(model.kind),
        number=model.number,
        issued_on=model.issued_on,
        expires_on=model.expires_on,
        fields=model.model_dump(mode="json", exclude=set(COMMON_FIELDS)),
        sha256=sha256 or uuid.uuid4().hex,
    )


def facts(*documents: DocumentFacts, body: dict[str, Any] | None = None, **kw: Any) -> CheckInput:
    values: dict[str, Any] = {
        "body": DeclarationIn.model_validate(body or factories.declaration()),
        "trader_tax_code": TRADER,
        "on": date(2026, 11, 30),
        "arrived": False,
        "weighbridge_kg": None,
        "documents": list(documents),
        "requirements": [],
        "to_usd": _to_usd,
        **kw,
    }
    return CheckInput(**values)


def ids(findings: list[checks.Finding]) -> list[str]:
    return [f.check_id for f in findings]


INVOICE = Requirement(DocumentKind.invoice, "commercial invoice: every consignment")


def test_present_counts_uploads_not_body_references() -> None:
    missing = checks.documents_present(facts(requirements=[INVOICE]))
    assert ids(missing) == ["DOC-MISSING"]
    assert missing[0].blocks_release
    assert "referenced as INV-2026-001 but not uploaded" in missing[0].reason.text
    assert checks.documents_present(facts(doc(helpers.invoice()), requirements=[INVOICE])) == []


def test_expired_on_the_arrival_date_fires_and_valid_is_silent() -> None:
    certificate = doc(helpers.phytosanitary(issued_on="2026-10-01", expires_on="2026-11-29"))
    [expired] = checks.documents_not_expired(facts(certificate, arrived=True))
    assert expired.blocks_release
    assert "expired on 2026-11-29, before the arrival date (2026-11-30)" in expired.reason.text
    assert checks.documents_not_expired(facts(doc(helpers.phytosanitary()))) == []


def test_document_dated_after_the_arrival_fires() -> None:
    late = doc(helpers.phytosanitary(issued_on="2026-12-01", expires_on="2026-12-31"))
    assert ids(checks.documents_issued_before_arrival(facts(late, arrived=True))) == [
        "DOC-ISSUED-LATE"
    ]
    assert checks.documents_issued_before_arrival(facts(doc(helpers.phytosanitary()))) == []


def test_invoice_total_against_customs_value_within_two_percent() -> None:
    assert checks.invoice_matches_customs_value(facts(doc(helpers.invoice("7300.00")))) == []
    [off] = checks.invoice_matches_customs_value(facts(doc(helpers.invoice("5000.00"))))
    assert off.check_id == "DOC-INVOICE-VALUE"
    assert "31% off the declared customs value 7200.00 USD" in off.reason.text


def test_invoice_in_another_currency_is_converted_before_comparing() -> None:
    # 51,428.57 CNY x 0.14 = 7,200 USD: the same amount, in yuan.
    same = doc(helpers.invoice("51428.57", "CNY"))
    assert checks.invoice_matches_customs_value(facts(same)) == []
    naive = doc(helpers.invoice("7200.00", "CNY"))
    assert ids(checks.invoice_matches_customs_value(facts(naive))) == ["DOC-INVOICE-VALUE"]
    unrated = doc(helpers.invoice("7200.00", "EUR"))
    assert "no exchange rate" in checks.invoice_matches_customs_value(facts(unrated))[0].reason.text


def test_packing_list_weights_against_the_declared_lines() -> None:
    assert checks.packing_list_matches_declared_weights(facts(doc(helpers.packing_list()))) == []
    light = doc(helpers.packing_list(gross="10200", net="10000"))
    assert ids(checks.packing_list_matches_declared_weights(facts(light))) == [
        "DOC-PACKING-WEIGHT",
        "DOC-PACKING-WEIGHT",
    ]


def test_packing_list_against_the_weighbridge_within_five_percent() -> None:
    packing = doc(helpers.packing_list())
    near = facts(packing, weighbridge_kg=Decimal("21000"))
    assert checks.packing_list_matches_weighbridge(near) == []
    far = facts(packing, weighbridge_kg=Decimal("26000"))
    [finding] = checks.packing_list_matches_weighbridge(far)
    assert "off the weighbridge's 26000 kg" in finding.reason.text
    assert checks.packing_list_matches_weighbridge(facts(packing)) == []  # not weighed yet


def test_form_e_origin_against_the_lines() -> None:
    assert checks.certificate_of_origin_matches_lines(facts(doc(helpers.co_form_e()))) == []
    thai = doc(helpers.co_form_e(origin_country="TH"))
    [finding] = checks.certificate_of_origin_matches_lines(facts(thai))
    assert "certifies origin TH but line 1 (HS 31021000) declares origin CN" in finding.reason.text


def test_form_e_parties_against_the_counterparty_and_trader() -> None:
    # The same parties written another way (pinyin, no diacritics) still match.
    pinyin, ascii_vi = "JINSHUIHE BIANMAO CO LTD", "CONG TY TNHH THUONG MAI PHONG THO"
    written_apart = doc(helpers.co_form_e(exporter=pinyin, importer=ascii_vi))
    assert checks.certificate_of_origin_names_the_parties(facts(written_apart)) == []
    stranger = doc(helpers.co_form_e(exporter="Guangxi Pingxiang Huayuan Trading Co., Ltd"))
    [finding] = checks.certificate_of_origin_names_the_parties(facts(stranger))
    assert finding.check_id == "DOC-CO-PARTY"
    assert "names exporter" in finding.reason.text
    assert checks.certificate_of_origin_names_the_parties(facts(doc(helpers.co_form_e()))) == []


# Zinc ore leaves only under an export licence that caps the quantity.
ZINC_ORE_LINE = {
    **factories.UREA_LINE,
    "hs_code": "26080000",
    "origin": "VN",
    "description": "Zinc ore concentrate",
    "quantity": "2000",
    "net_kg": "2000",
    "gross_kg": "2100",
    "customs_value": "1500.00",
}


def test_licence_used_up_by_earlier_declarations() -> None:
    body = factories.declaration(lines=[ZINC_ORE_LINE], kind="export")
    licence = doc(helpers.licence(quantity="5000", hs_codes=["2608"]))
    key = checks.number_key(licence.number)
    room = facts(licence, body=body, licence_used={key: Decimal("3000")})
    assert checks.licence_quantity_left(room) == []
    [finding] = checks.licence_quantity_left(replace(room, licence_used={key: Decimal("3500")}))
    assert "allows 5000 kg; earlier declarations used 3500 and this one declares 2000" in (
        finding.reason.text
    )


def _use(document: DocumentFacts, trader: str, *, number: bool, file: bool) -> OtherUse:
    return OtherUse(
        document.id,
        document.kind,
        document.number,
        uuid.uuid4(),
        trader,
        same_number=number,
        same_file=file,
    )


def test_certificate_number_or_file_reused_by_the_same_trader() -> None:
    co = doc(helpers.co_form_e())
    assert checks.documents_not_reused(facts(co)) == []
    by_number = facts(co, other_uses=[_use(co, TRADER, number=True, file=False)])
    [finding] = checks.documents_not_reused(by_number)
    assert finding.risk_score >= 0.8
    assert "the same number was already used on declaration" in finding.reason.text
    by_file = facts(co, other_uses=[_use(co, TRADER, number=False, file=True)])
    assert ids(checks.documents_not_reused(by_file)) == ["DOC-REUSED"]
    # A contract covers many shipments: the same file again is not reuse.
    frame = doc(helpers.contract())
    shared = facts(frame, other_uses=[_use(frame, TRADER, number=True, file=True)])
    assert checks.documents_not_reused(shared) == []


def test_same_document_on_another_traders_declaration() -> None:
    invoice = doc(helpers.invoice())
    theirs = facts(invoice, other_uses=[_use(invoice, "0100000002", number=False, file=True)])
    [finding] = checks.documents_not_shared_across_traders(theirs)
    assert finding.check_id == "DOC-OTHER-TRADER"
    assert "of trader 0100000002" in finding.reason.text
    assert checks.documents_not_reused(theirs) == []
    ours = facts(invoice, other_uses=[_use(invoice, TRADER, number=False, file=True)])
    assert checks.documents_not_shared_across_traders(ours) == []


def test_a_clean_dossier_has_no_findings() -> None:
    complete = facts(
        doc(helpers.invoice()),
        doc(helpers.packing_list()),
        doc(helpers.contract()),
        requirements=[INVOICE],
        weighbridge_kg=Decimal("20400"),
        arrived=True,
    )
    assert checks.run_checks(complete) == []


def test_one_file_attached_as_several_kinds_of_paper() -> None:
    same = "ab" * 32
    papers = [
        doc(helpers.invoice(), sha256=same),
        doc(helpers.packing_list(), sha256=same),
        doc(helpers.contract(), sha256=same),
    ]
    found = checks.one_file_per_document(facts(*papers))
    assert ids(found) == ["DOC-SAME-FILE", "DOC-SAME-FILE"]
    assert [f.document_id for f in found] == [papers[1].id, papers[2].id]
    assert all(f.risk_score >= 0.8 for f in found)
    assert "attached as 3 kinds of paper" in found[0].reason.text
    distinct = [doc(helpers.invoice()), doc(helpers.packing_list()), doc(helpers.contract())]
    assert checks.one_file_per_document(facts(*distinct)) == []
