"""Any real line of the tariff is declarable; anything else is refused with the lines that
come closest; the duty of a random sample matches the tariff file read on its own."""

import csv
import random
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from clearance.declarations.schemas import DeclarationIn, Line
from clearance.declarations.service import check_references
from clearance.duties import compute
from clearance.errors import InvalidInput
from clearance.reference import tariff_files
from clearance.reference.seed import reference_from_files
from clearance.reference.service import ReferenceData
from tests.conftest import auth
from tests.factories import UREA_LINE, declaration
from tests.helpers import duties, lodge

DAY = date(2026, 11, 30)


@pytest.fixture(scope="module")
def reference() -> ReferenceData:
    return reference_from_files(DAY)


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    """The tariff file's 8-digit rows, read with nothing but the csv module."""
    with (tariff_files.SHIPPED_EDITION / "tariff.csv").open(encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if len(row["code"]) == 8]


def _body(hs_code: str, **line: str) -> DeclarationIn:
    return DeclarationIn.model_validate(
        declaration(lines=[{**UREA_LINE, "hs_code": hs_code, **line}])
    )


def test_three_hundred_random_lines_are_all_declarable(
    reference: ReferenceData, rows: list[dict[str, str]]
) -> None:
    for row in random.Random(14).sample(rows, 300):
        check_references(reference=reference, declaration_in=_body(row["code"]))


@pytest.mark.parametrize(
    ("hs_code", "message"),
    [
        ("09023095", "HS 09023095 is not a line of Vietnam's tariff; the closest lines under "
         "heading 0902: 09023090, 09023010"),
        ("090230", "HS 090230 is a heading or subheading: declare one of its 8-digit lines; the "
         "closest lines under heading 0902: 09023010, 09023090"),
        ("0902", "HS 0902 is a heading or subheading"),
        ("99990000", "HS 99990000 is not a line of Vietnam's tariff; heading 9999 has no lines"),
    ],
)  # fmt: skip
def test_an_unknown_code_or_a_heading_is_refused_with_the_closest_lines(
    reference: ReferenceData, hs_code: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_references(reference=reference, declaration_in=_body(hs_code))

    [error] = refused.value.errors
    assert error.field == "lines.0.hs_code"
    assert error.message.text.startswith(message)


def test_a_preference_the_gate_does_not_grant_is_refused(reference: ReferenceData) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_references(reference=reference, declaration_in=_body("31021000", preference="CPTPP"))

    [error] = refused.value.errors
    assert error.field == "lines.0.preference"
    assert "ACFTA_FORM_E, ATIGA_FORM_D" in error.message.text


def test_random_lines_pay_the_files_mfn_and_acfta_rates(
    reference: ReferenceData, rows: list[dict[str, str]]
) -> None:
    plain = [r for r in rows if r["mfn"].replace(".", "").isdigit() and r["acfta"].isdigit()]
    for row in random.Random(7).sample(plain, 300):
        mfn, acfta = Decimal(row["mfn"]), Decimal(row["acfta"])
        for preference, expected in ((None, mfn), ("ACFTA_FORM_E", min(mfn, acfta))):
            line = Line.model_validate(
                {**UREA_LINE, "hs_code": row["code"], "preference": preference}
            )
            duty = compute.line_duty(
                line_no=1, line=line, day=DAY, reference=reference, rate_vnd=Decimal(1)
            )
            assert duty.duty_rate == expected, (row["code"], preference, duty.note)


def test_black_tea_rubber_and_manganese_ore_are_lodged_and_assessed(
    client: TestClient, keys: dict[str, str], work: Callable[[], int]
) -> None:
    goods = [
        {"hs_code": "09023090", "description": "Black tea, fermented, in 50 kg sacks"},
        {"hs_code": "40012290", "description": "Natural rubber SVR 10 in bales"},
        {"hs_code": "26020000", "description": "Manganese ore concentrate, bulk"},
    ]
    declaration_id = lodge(
        client, keys["trader"], declaration(lines=[{**UREA_LINE, **g} for g in goods])
    )
    work()

    lines = duties(client, keys["trader"], declaration_id)["lines"]
    # tariff.csv MFN rates: 09023090 40, 40012290 3, 26020000 0; VAT 5, 5, 10 (vat_rates.csv).
    assert [(x["duty_rate"], x["vat_rate"]) for x in lines] == [
        ("40.00", "5.00"),
        ("3.00", "5.00"),
        ("0.00", "10.00"),
    ]


def test_the_tariff_pages_its_lines_with_procedures_and_the_border_list(
    client: TestClient, keys: dict[str, str]
) -> None:
    page = client.get("/v1/tariff?hs=0902&limit=2&offset=1", headers=auth(keys["trader"])).json()

    assert (page["total"], page["offset"], page["limit"]) == (8, 1, 2)
    assert [line["hs_code"] for line in page["lines"]] == ["09021090", "09022010"]
    tea = page["lines"][1]
    assert tea["rates"]["acfta"] == "0 (-MM, TH)" and tea["vat_rate"] == "5.00"
    assert tea["border_resident"] is True
    assert {"text": "Kiểm dịch thực vật", "legal_basis": "01/2024/TT-BNNPTNT M9"} in [
        {"text": p["text"], "legal_basis": p["legal_basis"]} for p in tea["procedures"]
    ]


def test_requirements_name_the_legal_basis_of_each_paper(
    client: TestClient, keys: dict[str, str]
) -> None:
    response = client.get("/v1/requirements?kind=import&hs=08109092", headers=auth(keys["trader"]))

    [phyto] = [r for r in response.json()["required"] if r["kind"] == "phytosanitary"]
    assert phyto["legal_basis"] == ["Kiểm dịch thực vật (01/2024/TT-BNNPTNT M9)"]
