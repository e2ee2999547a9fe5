"""check_declaration over stored documents: reuse across declarations, licences, the gate."""

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from clearance.clock import FrozenClock
from clearance.declarations.models import Declaration
from clearance.documents import service
from clearance.documents.service import check_declaration
from tests import factories
from tests.documents.helpers import (
    co_form_e,
    contract,
    invoice,
    licence,
    packing_list,
    pdf,
    uploaded,
)
from tests.documents.test_checks import ZINC_ORE_LINE
from tests.helpers import arrive, lodge

FORM_E_LINE = {**factories.UREA_LINE, "preference": "ACFTA_FORM_E"}


def _declaration(session: Session, declaration_id: str) -> Declaration:
    declaration = session.get(Declaration, uuid.UUID(declaration_id))
    assert declaration is not None
    session.refresh(declaration)
    return declaration


def _complete(client: TestClient, key: str, declaration_id: str) -> None:
    for fields in (invoice(), packing_list(), contract()):
        uploaded(client, key, declaration_id, fields)


def test_gate_is_closed_until_every_required_document_is_uploaded(
    client: TestClient, keys: dict[str, str], session: Session
) -> None:
    declaration_id = lodge(client, keys["trader"], documents=False)
    gate = service.release_gate(session, _declaration(session, declaration_id))
    assert gate is not None
    assert gate.text == "required documents: commercial invoice, packing list, contract"
    assert gate.render("vi") == "chứng từ bắt buộc: hóa đơn thương mại, phiếu đóng gói, hợp đồng"
    _complete(client, keys["trader"], declaration_id)
    report = check_declaration(session=session, declaration=_declaration(session, declaration_id))
    assert (report.complete, report.missing, report.findings) == (True, [], [])
    assert service.release_gate(session, _declaration(session, declaration_id)) is None


def test_packing_list_checked_against_the_weighbridge_once_weighed(
    client: TestClient, keys: dict[str, str], session: Session
) -> None:
    declaration_id = lodge(client, keys["trader"], documents=False)
    _complete(client, keys["trader"], declaration_id)
    arrive(client, keys["gate"], declaration_id, kg="30000")
    report = check_declaration(session=session, declaration=_declaration(session, declaration_id))
    assert [f.check_id for f in report.findings] == ["DOC-WEIGHBRIDGE"]
    assert [f.check_id for f in service.document_findings_for_risk(report)] == ["DOC-WEIGHBRIDGE"]


def test_form_e_number_on_a_second_truck_of_the_same_trader_is_reuse(
    client: TestClient, keys: dict[str, str], session: Session
) -> None:
    certificate = co_form_e()
    first = lodge(
        client, keys["trader"], factories.declaration(lines=[FORM_E_LINE]), documents=False
    )
    second = lodge(
        client, keys["trader"], factories.declaration(lines=[FORM_E_LINE]), documents=False
    )
    uploaded(client, keys["trader"], first, certificate)
    clean = check_declaration(session=session, declaration=_declaration(session, first))
    assert [f.check_id for f in clean.findings if f.check_id != "DOC-MISSING"] == []
    # Written differently, a new scan: still the same certificate.
    again = {**certificate, "number": certificate["number"].lower().replace("-", " ")}
    uploaded(client, keys["trader"], second, again)
    report = check_declaration(session=session, declaration=_declaration(session, second))
    [reuse] = [f for f in report.findings if f.check_id == "DOC-REUSED"]
    assert first in reuse.reason.text


def test_identical_file_on_another_traders_declaration(
    client: TestClient, keys: dict[str, str], session: Session
) -> None:
    ours = lodge(client, keys["trader"], documents=False)
    theirs = lodge(
        client, keys["other_trader"], factories.declaration("0100000002"), documents=False
    )
    scan = pdf("the same scan")
    uploaded(client, keys["trader"], ours, invoice(), content=scan)
    uploaded(client, keys["other_trader"], theirs, invoice(), content=scan)
    report = check_declaration(session=session, declaration=_declaration(session, theirs))
    [shared] = [f for f in report.findings if f.check_id == "DOC-OTHER-TRADER"]
    assert "of trader 0100000001" in shared.reason.text
    assert shared.risk_score >= 0.9


def test_licence_quantity_used_up_by_an_earlier_declaration(
    client: TestClient, keys: dict[str, str], session: Session, clock: FrozenClock
) -> None:
    permit = licence(quantity="3000", hs_codes=["2608"])
    earlier = lodge(
        client,
        keys["trader"],
        factories.declaration(lines=[ZINC_ORE_LINE], kind="export"),
        documents=False,
    )
    uploaded(client, keys["trader"], earlier, permit)
    first = check_declaration(session=session, declaration=_declaration(session, earlier))
    assert "DOC-LICENCE-EXHAUSTED" not in [f.check_id for f in first.findings]
    clock.advance(timedelta(hours=2))
    later = lodge(
        client,
        keys["trader"],
        factories.declaration(lines=[ZINC_ORE_LINE], kind="export"),
        documents=False,
    )
    uploaded(client, keys["trader"], later, permit)
    report = check_declaration(session=session, declaration=_declaration(session, later))
    [exhausted] = [f for f in report.findings if f.check_id == "DOC-LICENCE-EXHAUSTED"]
    assert "allows 3000 kg; earlier declarations used 2000 and this one declares 2000" in (
        exhausted.reason.text
    )
