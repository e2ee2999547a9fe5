"""Structured fields per document kind and an upload step, as a trader's client sends them."""

import io
import itertools
import json
from typing import Any

import httpx2
from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfWriter

from tests.conftest import auth

_serial = itertools.count(1)


def pdf(tag: str | None = None) -> bytes:
    """A distinct one-page PDF each call unless tagged: identical bytes mean an identical file."""
    writer = PdfWriter()
    writer.add_blank_page(width=72, height=72)
    writer.add_metadata({"/Title": tag or f"file-{next(_serial)}"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image(media_format: str = "PNG", tag: str | None = None) -> bytes:
    """A small image that decodes, distinct each call unless tagged."""
    seed = sum((tag or f"image-{next(_serial)}").encode()) % 256
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (seed, 128, 255 - seed)).save(out, format=media_format)
    return out.getvalue()


def invoice(total: str = "7200.00", currency: str = "USD", **overrides: Any) -> dict[str, Any]:
    return {
        "kind": "invoice",
        "number": f"INV-{next(_serial)}",
        "issued_on": "2026-11-20",
        "seller": "金水河边贸有限公司",
        "buyer": "Công ty TNHH Thương mại Phong Thổ",
        "currency": currency,
        "total": total,
        "lines": [{"hs_code": "31021000", "quantity": "20000", "unit_price": "0.36"}],
        **overrides,
    }


def packing_list(gross: str = "20400", net: str = "20000", **overrides: Any) -> dict[str, Any]:
    return {
        "kind": "packing_list",
        "number": f"PL-{next(_serial)}",
        "issued_on": "2026-11-20",
        "packages": 400,
        "gross_kg": gross,
        "net_kg": net,
        **overrides,
    }


def contract(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "contract",
        "number": f"HD-{next(_serial)}",
        "issued_on": "2026-10-01",
        "parties": ["Công ty TNHH Thương mại Phong Thổ", "金水河边贸有限公司"],
        **overrides,
    }


def co_form_e(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "co_form_e",
        "number": f"E-26-CN-{next(_serial):05d}",
        "issued_on": "2026-11-21",
        "issuer": "China Council for the Promotion of International Trade, Yunnan",
        "exporter": "金水河边贸有限公司",
        "importer": "Công ty TNHH Thương mại Phong Thổ",
        "origin_country": "CN",
        "origin_criterion": "WO",
        "lines": [{"hs_code": "31021000", "quantity": "20000"}],
        **overrides,
    }


def phytosanitary(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "phytosanitary",
        "number": f"PC-LC-{next(_serial):05d}",
        "issuer": "Sub-Department of Plant Protection, Lai Chau",
        "issued_on": "2026-11-25",
        "expires_on": "2026-12-25",
        "goods": [{"hs_code": "09022010", "quantity": "8000"}],
        **overrides,
    }


def licence(quantity: str = "30000", **overrides: Any) -> dict[str, Any]:
    return {
        "kind": "licence",
        "number": f"GP-{next(_serial)}",
        "issued_on": "2026-06-01",
        "expires_on": "2027-06-01",
        "holder_tax_code": "0100000001",
        "hs_codes": ["3808"],
        "quantity_allowed": quantity,
        "unit": "kg",
        **overrides,
    }


def upload(
    client: TestClient,
    key: str,
    declaration_id: str,
    fields: dict[str, Any],
    content: bytes | None = None,
    *,
    filename: str = "scan.pdf",
    content_type: str = "application/pdf",
) -> httpx2.Response:
    return client.post(
        f"/v1/declarations/{declaration_id}/documents",
        files={"file": (filename, pdf() if content is None else content, content_type)},
        data={"fields": json.dumps(fields)},
        headers=auth(key),
    )


def uploaded(
    client: TestClient, key: str, declaration_id: str, fields: dict[str, Any], **kw: Any
) -> dict[str, Any]:
    response = upload(client, key, declaration_id, fields, **kw)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def listing(client: TestClient, key: str, declaration_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/declarations/{declaration_id}/documents", headers=auth(key))
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result
