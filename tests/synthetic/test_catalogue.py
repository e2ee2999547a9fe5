"""The catalogue names real lines of the shipped tariff and takes their facts from it."""

import csv
import random
from datetime import UTC, datetime

from clearance.declarations.schemas import DeclarationIn
from clearance.reference.seed import shipped_nomenclature
from clearance.reference.tariff_files import SHIPPED_EFFECTIVE_FROM
from clearance.synthetic.catalogue import GOODS_FILE, all_goods, catalogue, goods_label, reference
from clearance.synthetic.declarations import make_declaration
from clearance.synthetic.documents import needed_papers

# The gate's goods the catalogue must carry, by the lines the province names.
GATE_LINES = {
    "09023090": "black tea",
    "40012290": "natural rubber",
    "26020000": "manganese ore",
    "31021000": "urea",
    "85287292": "TV sets",
}


def test_every_catalogue_code_is_a_declarable_line_of_the_shipped_nomenclature() -> None:
    nomenclature = shipped_nomenclature()
    for goods in all_goods():
        for code in (*goods.codes, *goods.decoys):
            assert len(code) == 8 and code.isdigit(), (goods.label, code)
            version = nomenclature.version(code, SHIPPED_EFFECTIVE_FROM)
            assert version is not None, (goods.label, code)
            assert not version.withdrawn, (goods.label, code)


def test_the_catalogue_keeps_no_description_or_rate_of_the_tariff() -> None:
    with GOODS_FILE.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert not [c for c in header if c.startswith("description") or c in {"mfn", "acfta"}]


def test_the_catalogue_carries_the_gates_goods_both_ways() -> None:
    labels = {code: goods.label for goods in catalogue() for code in goods.codes}
    assert {code: labels.get(code) for code in GATE_LINES} == GATE_LINES
    assert {goods.kind for goods in catalogue()} == {"export", "import"}
    assert goods_label("85287292") == "TV sets"


def test_papers_follow_the_lines_procedures_and_restrictions() -> None:
    # Black tea: no plant quarantine in its procedures, but the restriction table asks for it.
    assert needed_papers("export", ["09023090"]) == {"phytosanitary"}
    assert needed_papers("import", ["85287292"]) == {"quality_inspection"}  # energy label
    assert needed_papers("import", ["85171300"]) == {"quality_inspection", "licence"}
    assert needed_papers("export", ["26011110"]) == {"licence"}
    assert needed_papers("import", ["31021000"]) == set()


def test_declarations_validate_and_refer_to_the_papers_their_lines_need() -> None:
    rng = random.Random(5)
    now = datetime(2026, 3, 2, 3, tzinfo=UTC)
    for _ in range(200):
        body = make_declaration(rng, declarant=("6200123456", "Công ty TNHH A"), now=now)
        DeclarationIn.model_validate(body)
        assert all(reference().known_hs_code(line["hs_code"]) for line in body["lines"])
        referenced = {doc["kind"] for doc in body["documents"]}
        assert {"invoice", "packing_list", "contract"} <= referenced
        if any(line.get("preference") == "ACFTA_FORM_E" for line in body["lines"]):
            assert "co_form_e" in referenced
