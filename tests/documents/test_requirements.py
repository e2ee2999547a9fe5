"""Required documents as data: the pure rule, the versioned table, and the endpoint."""

import csv
from datetime import date

from fastapi.testclient import TestClient
from sqlmodel import Session

from clearance.documents.models import DocumentKind, RequiredDocument
from clearance.documents.requirements import (
    current_rows,
    load_required_documents,
    required_kinds,
    shipped_rows,
)
from clearance.reference.seed import DATA_DIR, reference_from_files
from tests.conftest import auth

TODAY = date(2026, 11, 30)


REFERENCE = reference_from_files(TODAY)


def kinds(kind: str, hs: list[str], preferences: tuple[str, ...] = ()) -> list[str]:
    needed = required_kinds(
        shipped_rows(), kind=kind, hs_codes=hs, preferences=preferences, reference=REFERENCE
    )
    return [r.kind.value for r in needed]


def test_invoice_packing_list_and_contract_for_every_border_trade() -> None:
    assert kinds("import", ["31021000"]) == ["invoice", "packing_list", "contract"]
    assert kinds("transit", ["31021000"]) == ["invoice", "packing_list"]


def test_form_e_when_acfta_preference_is_claimed() -> None:
    assert "co_form_e" in kinds("import", ["31021000"], ("ACFTA_FORM_E",))
    assert "co_form_e" not in kinds("import", ["31021000"], ("ATIGA_FORM_D",))


def test_phytosanitary_for_plant_products_with_the_reason() -> None:
    needed = required_kinds(
        shipped_rows(), kind="export", hs_codes=["09022010"], preferences=(), reference=REFERENCE
    )
    [phyto] = [r for r in needed if r.kind is DocumentKind.phytosanitary]
    # procedures.csv, 09022010: "Kiểm dịch thực vật (01/2024/TT-BNNPTNT M9)".
    assert phyto.reason == (
        "plant quarantine certificate: Kiểm dịch thực vật (01/2024/TT-BNNPTNT M9)"
    )
    assert phyto.legal_basis == ("Kiểm dịch thực vật (01/2024/TT-BNNPTNT M9)",)
    assert "phytosanitary" in kinds("import", ["08109092"])
    assert "phytosanitary" not in kinds("import", ["15079010"])


def test_quarantine_for_animal_products_and_licence_for_controlled_goods() -> None:
    assert "quarantine" in kinds("import", ["02032900"])
    assert "licence" in kinds("import", ["38089190"])
    assert "licence" not in kinds("export", ["38089190"])
    assert "licence" in kinds("export", ["27011200"])


def test_every_licensed_restriction_of_the_reference_data_has_a_requirement() -> None:
    with (DATA_DIR / "prohibited.csv").open(encoding="utf-8", newline="") as handle:
        licensed = [
            r
            for r in csv.DictReader(handle)
            if r["licence"] in {"import_licence", "export_licence"}
        ]
    assert licensed
    for row in licensed:
        regime = row["regime"] if row["regime"] != "any" else "import"
        assert "licence" in kinds(regime, [row["hs_prefix"].ljust(8, "0")]), row


def test_loading_twice_adds_nothing(session: Session) -> None:
    first = load_required_documents(session)
    assert first in (0, len(shipped_rows()))
    assert load_required_documents(session) == 0


def test_a_newer_version_withdraws_a_requirement(session: Session) -> None:
    load_required_documents(session)
    session.add(
        RequiredDocument(
            regime="import",
            hs_prefix="",
            preference="",
            document_kind=DocumentKind.contract,
            required=False,
            reason="withdrawn",
            effective_from=date(2026, 11, 1),
        )
    )
    session.flush()
    rows = current_rows(session=session, today=TODAY)
    needed = [
        r.kind.value
        for r in required_kinds(rows, kind="import", hs_codes=["31021000"], preferences=())
    ]
    assert needed == ["invoice", "packing_list"]
    before = current_rows(session=session, today=date(2026, 10, 1))
    assert "contract" in [
        r.kind.value
        for r in required_kinds(before, kind="import", hs_codes=["31021000"], preferences=())
    ]


def test_requirements_endpoint_answers_any_role(client: TestClient, keys: dict[str, str]) -> None:
    for role in ("trader", "gate", "officer"):
        response = client.get(
            "/v1/requirements",
            params={"kind": "export", "hs": ["09022010"], "preference": "ACFTA_FORM_E"},
            headers=auth(keys[role]),
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert [r["kind"] for r in body["required"]] == [
            "invoice",
            "packing_list",
            "co_form_e",
            "phytosanitary",
            "contract",
        ]


def test_requirements_endpoint_validates_its_query(
    client: TestClient, keys: dict[str, str]
) -> None:
    bad = client.get(
        "/v1/requirements", params={"kind": "export", "hs": "tea"}, headers=auth(keys["trader"])
    )
    assert bad.status_code == 422
    assert (
        client.get("/v1/requirements", params={"kind": "export", "hs": "0902"}).status_code == 401
    )
