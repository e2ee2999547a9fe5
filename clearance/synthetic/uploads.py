"""What a trader uploads for each paper a declaration refers to: its fields and a PDF."""

import random
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from clearance.synthetic.cargo import Cargo, money, unit_value_usd
from clearance.synthetic.catalogue import band, goods_of, rate_per_usd, reference
from clearance.synthetic.documents import papers_for_line

CERTIFICATE_KINDS = {
    "phytosanitary", "quarantine", "cites_permit", "quality_inspection", "food_safety",
    "chemical_declaration",
}  # fmt: skip
LICENCE_MULTIPLES = (2, 3, 5, 10)
MAX_LICENCE_QUANTITY = Decimal("10000000")


def decimal_text(value: Decimal) -> str:
    return f"{value.normalize():f}"


def unit_price(value: Decimal, quantity: Decimal) -> str:
    """Price per unit to the invoice's four decimals, never zero."""
    price = (value / quantity).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return decimal_text(max(price, Decimal("0.0001")))


def invoiced_value(line: dict[str, Any], rng: random.Random) -> Decimal:
    """What the seller really invoiced for a line: its customs value, unless that value was
    undervalued, when the real invoice shows the price the goods fetch."""
    value = Decimal(line["customs_value"])
    if line["currency"] not in reference().rates_vnd:
        return value
    to_currency = rate_per_usd(line["currency"])
    code, origin, unit = line["hs_code"], line["origin"], line["unit"]
    quantity, net_kg = Decimal(line["quantity"]), Decimal(line["net_kg"])
    basis = net_kg if unit == "kg" else quantity
    found, goods = band(code, origin), goods_of(code)
    if found is not None:
        undervalued = value / to_currency / basis < found.p10 * Decimal("0.9")
    else:
        low = goods.usd_per_kg[0] if goods else 0.5
        undervalued = value / to_currency / net_kg < Decimal(str(low)) * Decimal("0.9")
    if not undervalued:
        return value
    gross_kg = Decimal(line["gross_kg"])
    cargo = Cargo(code, goods, line["description"], unit, quantity, net_kg, gross_kg, 0)
    real = unit_value_usd(rng, found, cargo, honest=True)
    return max(money(real * basis * to_currency), value)


def covered(body: dict[str, Any], doc_kind: str) -> list[dict[str, Any]]:
    """The lines a certificate or licence covers (all of them if none needs it)."""
    lines = [ln for ln in body["lines"] if doc_kind in papers_for_line(body["kind"], ln["hs_code"])]
    return lines or list(body["lines"])


def _goods(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"hs_code": ln["hs_code"], "quantity": ln["quantity"]} for ln in lines]


def _invoice(body: dict[str, Any], rng: random.Random, parties: dict[str, str]) -> dict[str, Any]:
    lines = body["lines"]
    values = [invoiced_value(line, rng) for line in lines]
    return {
        "seller": parties["seller"],
        "buyer": parties["buyer"],
        "currency": lines[0]["currency"],
        "total": str(sum(values, Decimal(0))),
        "lines": [
            {
                "hs_code": line["hs_code"],
                "quantity": line["quantity"],
                "unit_price": unit_price(value, Decimal(line["quantity"])),
            }
            for line, value in zip(lines, values, strict=True)
        ],
    }


def _packing_list(body: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    lines = body["lines"]
    packages = given.get("packages")
    return {
        "packages": packages if isinstance(packages, int) and packages > 0 else len(lines),
        "gross_kg": decimal_text(sum((Decimal(ln["gross_kg"]) for ln in lines), Decimal(0))),
        "net_kg": decimal_text(sum((Decimal(ln["net_kg"]) for ln in lines), Decimal(0))),
    }


def _form_e(body: dict[str, Any], given: dict[str, Any], parties: dict[str, str]) -> dict[str, Any]:
    lines = body["lines"]
    claimed = [line for line in lines if line.get("preference") == "ACFTA_FORM_E"] or lines
    return {
        "exporter": parties["exporter"],
        "importer": parties["importer"],
        "origin_country": claimed[0]["origin"],
        "origin_criterion": str(given.get("origin_criterion") or "WO"),
        "lines": _goods(claimed),
    }


def _licence(body: dict[str, Any], fields: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    lines = covered(body, "licence")
    quantity = sum((Decimal(line["quantity"]) for line in lines), Decimal(0))
    allowed = quantity * Decimal(rng.choice(LICENCE_MULTIPLES))
    found: dict[str, Any] = {
        "holder_tax_code": body["trader"]["tax_code"],
        "hs_codes": sorted({line["hs_code"] for line in lines}),
        "quantity_allowed": decimal_text(min(allowed, MAX_LICENCE_QUANTITY)),
        "unit": lines[0]["unit"],
    }
    if "expires_on" not in fields:
        issued = date.fromisoformat(fields.get("issued_on") or date.today().isoformat())
        found["expires_on"] = (issued + timedelta(days=180)).isoformat()
    return found


def upload_fields(body: dict[str, Any], ref: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The `fields` part of one upload: the paper the body refers to, as its issuer wrote it."""
    kind, given = ref["kind"], ref.get("fields", {})
    ours, theirs = body["trader"]["name"], body["counterparty"]["name"]
    seller, buyer = (ours, theirs) if body["kind"] == "export" else (theirs, ours)
    exporter, importer = (theirs, ours) if body["kind"] == "import" else (ours, theirs)
    parties = {"seller": seller, "buyer": buyer, "exporter": exporter, "importer": importer}
    fields: dict[str, Any] = {"kind": kind, "number": ref["number"]}
    fields |= {k: ref[k] for k in ("issuer", "issued_on", "expires_on") if ref.get(k)}
    if kind == "invoice":
        fields |= _invoice(body, rng, parties)
    elif kind == "packing_list":
        fields |= _packing_list(body, given)
    elif kind == "contract":
        fields["parties"] = [seller, buyer]
    elif kind == "co_form_e":
        fields |= _form_e(body, given, parties)
    elif kind in CERTIFICATE_KINDS:
        fields["goods"] = _goods(covered(body, kind))
    elif kind == "licence":
        fields |= _licence(body, fields, rng)
    return fields


def pdf(title: str, rng: random.Random) -> bytes:
    """A small one-page PDF naming the paper; a random serial keeps every file distinct."""
    text = f"{title} #{rng.getrandbits(64):016x}".encode("ascii", "replace")
    text = text.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    stream = b"BT /F1 12 Tf 72 770 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def document_uploads(
    body: dict[str, Any], rng: random.Random
) -> list[tuple[dict[str, Any], bytes]]:
    """The (fields, file) of every paper the declaration refers to, ready to upload.

    The fields agree with the declaration (the document checks find nothing on an honest one),
    except that an undervalued declaration comes with the real invoice: its total is what
    the goods were sold for, not the value declared.
    """
    return [
        (upload_fields(body, ref, rng), pdf(f"{body['ucr']} {ref['kind']} {ref['number']}", rng))
        for ref in body.get("documents", [])
    ]
