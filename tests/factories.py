"""Valid declaration bodies with overrides: each test changes only what it is about."""

import copy
import itertools
from typing import Any

_ucr = itertools.count(1)

# Urea from China: no restriction, and 0.36 USD/kg is the reference median for 3102.10 x CN.
UREA_LINE: dict[str, Any] = {
    "hs_code": "31021000",
    "description": "Urea fertiliser, 50 kg bags",
    "origin": "CN",
    "quantity": "20000",
    "unit": "kg",
    "gross_kg": "20400",
    "net_kg": "20000",
    "customs_value": "7200.00",
    "currency": "USD",
    "incoterm": "DAP",
}
# Green tea to China: a plant product, restricted without a phytosanitary certificate.
TEA_LINE: dict[str, Any] = {
    "hs_code": "09022010",
    "description": "Green tea, leaf, 25 kg sacks",
    "origin": "VN",
    "quantity": "8000",
    "unit": "kg",
    "gross_kg": "8400",
    "net_kg": "8000",
    "customs_value": "15200.00",
    "currency": "USD",
    "incoterm": "DAP",
}
USED_CLOTHING_LINE: dict[str, Any] = {
    **UREA_LINE,
    "hs_code": "63090000",
    "description": "Used clothing in bales",
    "customs_value": "10000.00",
}


def declaration(
    tax_code: str = "0100000001",
    *,
    lines: list[dict[str, Any]] | None = None,
    trader_tax_code: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """An import of urea by a trader lodging for itself, unless told otherwise."""
    body: dict[str, Any] = {
        "ucr": f"MLT-TEST-{next(_ucr):06d}",
        "kind": "import",
        "gate": "MLT",
        "declarant": {"tax_code": tax_code, "name": "Công ty TNHH Thương mại Phong Thổ"},
        "trader": {
            "tax_code": trader_tax_code or tax_code,
            "name": "Công ty TNHH Thương mại Phong Thổ",
        },
        "counterparty": {"name": "金水河边贸有限公司", "country": "CN"},
        "truck": {"plate": "25C-012.34", "driver": "Lò Văn Minh"},
        "lines": copy.deepcopy(lines if lines is not None else [UREA_LINE]),
        "documents": [
            {"kind": "invoice", "number": "INV-2026-001", "issued_on": "2026-11-20"},
            {"kind": "packing_list", "number": "PL-2026-001", "issued_on": "2026-11-20"},
        ],
    }
    body.update(overrides)
    return body


def tea_export(
    tax_code: str = "0100000001",
    *,
    phytosanitary: bool = True,
    lines: list[dict[str, Any]] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    body = declaration(tax_code, lines=lines or [TEA_LINE], kind="export", **overrides)
    body["counterparty"] = {"name": "云南金平茶叶进出口有限公司", "country": "CN"}
    if phytosanitary:
        body["documents"].append(
            {
                "kind": "phytosanitary",
                "number": "PC-LC-2026-0042",
                "issued_on": "2026-11-25",
                "expires_on": "2026-12-25",
            }
        )
    return body
