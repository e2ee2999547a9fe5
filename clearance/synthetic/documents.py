"""The papers a declaration refers to, what they say, and a file to upload for each.

Which papers a line needs is the service's own answer: the requirements table and the
specialised procedures of the line in the nomenclature (`required_kinds`), plus the licence or
certificate the restriction table asks for (what the restricted-goods rule looks for).
"""

import random
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from clearance.documents.models import DocumentKind
from clearance.documents.requirements import required_kinds, shipped_rows
from clearance.synthetic.catalogue import reference, restrictions

# Papers every consignment carries, or that a preference claim asks for: not a line's own.
DOSSIER = {DocumentKind.invoice, DocumentKind.packing_list, DocumentKind.contract}
RESTRICTION_PAPERS = {
    "phytosanitary": "phytosanitary",
    "quarantine": "quarantine",
    "import_licence": "licence",
    "export_licence": "licence",
}
PHYTO_ISSUERS_VN = (
    "Chi cục Trồng trọt và Bảo vệ thực vật Lai Châu",
    "Trạm Kiểm dịch thực vật cửa khẩu Ma Lù Thàng",
)
PHYTO_ISSUERS_CN = ("中华人民共和国红河海关", "中华人民共和国昆明海关")
FORM_E_ISSUERS = ("中华人民共和国昆明海关", "中国国际贸易促进委员会云南省委员会")
ISSUERS = {
    "phytosanitary": PHYTO_ISSUERS_VN,
    "quarantine": ("Cơ quan Thú y vùng I", "中华人民共和国红河海关"),
    "licence": ("Bộ Công Thương", "Bộ Nông nghiệp và Môi trường"),
    "quality_inspection": (
        "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 1",
        "Công ty Cổ phần Giám định Vinacontrol",
    ),
    "food_safety": ("Cục An toàn thực phẩm", "Viện Kiểm nghiệm an toàn vệ sinh thực phẩm Quốc gia"),
    "cites_permit": ("Cơ quan quản lý CITES Việt Nam",),
    "chemical_declaration": ("Cục Hóa chất",),
}
NUMBER_PREFIXES = {
    "phytosanitary": "KDTV", "quarantine": "KDDV", "licence": "GP", "quality_inspection": "KTCL",
    "food_safety": "ATTP", "cites_permit": "CITES", "chemical_declaration": "KBHC",
}  # fmt: skip
VALIDITY_DAYS = {"phytosanitary": 14, "quarantine": 30, "co_form_e": 365, "licence": 180}
INCOTERMS = ("DAP", "DAP", "DAP", "FCA", "FCA", "CPT", "EXW", "CIP", "DDP")


@cache
def papers_for_line(kind: str, code: str) -> frozenset[str]:
    """The document kinds one line needs in this regime, beyond the dossier every truck has."""
    asked = required_kinds(
        shipped_rows(), kind=kind, hs_codes=[code], preferences=(), reference=reference()
    )
    found = {req.kind.value for req in asked if req.kind not in DOSSIER}
    found |= {
        RESTRICTION_PAPERS[r.licence]
        for r in restrictions(code, kind)
        if r.kind == "restricted" and r.licence in RESTRICTION_PAPERS
    }
    return frozenset(found)


def needed_papers(kind: str, codes: list[str]) -> set[str]:
    """Document kinds the lines need, phytosanitary certificates for plants and the like."""
    return {paper for code in codes for paper in papers_for_line(kind, code)}


def number_for(kind: str, stamp: str) -> str:
    return f"{NUMBER_PREFIXES.get(kind, kind[:2].upper())}-{stamp}"


def issuers(kind: str, origin: str) -> tuple[str, ...]:
    if kind == "phytosanitary" and origin == "CN":
        return PHYTO_ISSUERS_CN
    return ISSUERS.get(kind, ("Bộ Công Thương",))


def reference_to(
    kind: str, number: str, issuer: str, issued_on: date, **fields: Any
) -> dict[str, Any]:
    """A declaration's reference to one paper, as the body's `documents` lists it."""
    doc: dict[str, Any] = {"kind": kind, "number": number, "issuer": issuer}
    doc["issued_on"] = issued_on.isoformat()
    if kind in VALIDITY_DAYS:
        doc["expires_on"] = (issued_on + timedelta(days=VALIDITY_DAYS[kind])).isoformat()
    doc["fields"] = {k: v for k, v in fields.items() if v is not None}
    return doc


def dossier(
    rng: random.Random,
    *,
    lines: list[dict[str, Any]],
    parties: tuple[str, str, str],
    today: date,
    stamps: tuple[str, str],
    packages: int,
) -> list[dict[str, Any]]:
    """Invoice, packing list and contract of a declaration; parties are (seller, buyer, trader)."""
    seller, buyer, trader = parties
    currency, incoterm = lines[0]["currency"], lines[0]["incoterm"]
    total = sum((Decimal(str(line["customs_value"])) for line in lines), Decimal(0))
    gross = sum((Decimal(str(line["gross_kg"])) for line in lines), Decimal(0))
    net = sum((Decimal(str(line["net_kg"])) for line in lines), Decimal(0))
    invoiced = today - timedelta(days=rng.randint(0, 5))
    return [
        reference_to(
            "invoice",
            f"INV-{stamps[0]}",
            seller,
            invoiced,
            total=float(total),
            currency=currency,
            incoterm=incoterm,
            buyer=buyer,
            lines=len(lines),
        ),
        reference_to(
            "packing_list",
            f"PL-{stamps[1]}",
            seller,
            invoiced,
            gross_kg=float(gross),
            net_kg=float(net),
            packages=packages,
        ),
        reference_to(
            "contract",
            f"{rng.randint(1, 999):03d}/{today:%Y}/HĐMB",
            trader,
            today - timedelta(days=rng.randint(10, 120)),
            seller=seller,
            buyer=buyer,
            currency=currency,
        ),
    ]


def form_e(rng: random.Random, number: str, today: date, origin: str | None) -> dict[str, Any]:
    """A reference to a certificate of origin Form E issued in Yunnan."""
    return reference_to(
        "co_form_e",
        number,
        rng.choice(FORM_E_ISSUERS),
        today - timedelta(days=rng.randint(0, 7)),
        exporting_country="CN",
        importing_country="VN",
        origin=origin,
        origin_criterion=rng.choice(("WO", "RVC 40%", "CTH")),
    )


def certificate(
    rng: random.Random, kind: str, number: str, today: date, origin: str, destination: str
) -> dict[str, Any]:
    """A reference to a certificate, licence or result a line's procedure asks for."""
    issued = today - timedelta(days=rng.randint(0, 2))
    issuer = rng.choice(issuers(kind, origin))
    return reference_to(kind, number, issuer, issued, origin=origin, destination=destination)
