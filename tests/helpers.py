"""Small steps every pipeline test takes, spoken as the API's users would."""

import itertools
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from clearance.clock import get_clock
from tests.conftest import auth
from tests.factories import declaration

_bank_reference = itertools.count(1)


def required_documents(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Upload fields for every document the body's goods need, consistent with the body."""
    from tests.documents import helpers as documents

    lines = body["lines"]
    total = sum(Decimal(line["customs_value"]) for line in lines)
    gross = sum(Decimal(line["gross_kg"]) for line in lines)
    net = sum(Decimal(line["net_kg"]) for line in lines)
    seller, buyer = body["counterparty"]["name"], body["trader"]["name"]
    if body["kind"] == "export":
        seller, buyer = buyer, seller
    items = [{"hs_code": line["hs_code"], "quantity": line["quantity"]} for line in lines]
    prices = [
        {**item, "unit_price": str(Decimal(line["customs_value"]) / Decimal(line["quantity"]))}
        for item, line in zip(items, lines, strict=True)
    ]
    needed = [
        documents.invoice(
            total=f"{total:.2f}",
            currency=lines[0]["currency"],
            seller=seller,
            buyer=buyer,
            lines=prices,
        ),
        documents.packing_list(gross=str(gross), net=str(net)),
        documents.contract(parties=[body["trader"]["name"], body["counterparty"]["name"]]),
    ]
    if any(line.get("preference") == "ACFTA_FORM_E" for line in lines):
        needed.append(
            documents.co_form_e(
                exporter=seller, importer=buyer, lines=items, origin_country=lines[0]["origin"]
            )
        )
    plants = [item for item in items if "06" <= item["hs_code"][:2] <= "14"]
    if plants:
        needed.append(documents.phytosanitary(goods=plants))
    return needed


def upload_documents(
    client: TestClient, key: str, declaration_id: str, body: dict[str, Any]
) -> None:
    from tests.documents.helpers import uploaded

    for fields in required_documents(body):
        uploaded(client, key, declaration_id, fields)


def lodge(
    client: TestClient,
    key: str,
    body: dict[str, Any] | None = None,
    *,
    documents: bool = True,
    headers: dict[str, str] | None = None,
) -> str:
    """Lodge, and upload the documents the goods need, as a well-prepared trader does."""
    body = body or declaration()
    response = client.post("/v1/declarations", json=body, headers={**auth(key), **(headers or {})})
    assert response.status_code == 202, response.text
    declaration_id = str(response.json()["id"])
    if documents and response.headers.get("Idempotent-Replayed") != "true":
        upload_documents(client, key, declaration_id, body)
    return declaration_id


def read(client: TestClient, key: str, declaration_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/declarations/{declaration_id}", headers=auth(key))
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def arrive(client: TestClient, key: str, declaration_id: str, kg: str = "20400") -> dict[str, Any]:
    response = client.post(
        f"/v1/declarations/{declaration_id}/arrival", json={"weighbridge_kg": kg}, headers=auth(key)
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def duties(client: TestClient, key: str, declaration_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/declarations/{declaration_id}/duties", headers=auth(key))
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def pay(
    client: TestClient, bank_key: str, declaration_id: str, amount_vnd: int | None = None
) -> dict[str, Any]:
    """The bank's notice that the outstanding duty (or `amount_vnd`) was paid just now."""
    amount = amount_vnd or duties(client, bank_key, declaration_id)["outstanding_vnd"]
    notice = {
        "bank_reference": f"VCB-TEST-{next(_bank_reference):06d}",
        "declaration_id": declaration_id,
        "amount_vnd": amount,
        "paid_at": get_clock().now().isoformat(),
    }
    response = client.post("/v1/payments/notifications", json=notice, headers=auth(bank_key))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def claim(client: TestClient, key: str, **body: Any) -> dict[str, Any]:
    response = client.post("/v1/review/claim-next", json=body, headers=auth(key))
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def decide(client: TestClient, key: str, declaration_id: str, **body: Any) -> Any:
    body.setdefault("version", 1)
    return client.post(f"/v1/review/items/{declaration_id}/decision", json=body, headers=auth(key))


def actions(detail: dict[str, Any]) -> list[str]:
    return [event["action"] for event in detail["events"]]


def check_documents(
    client: TestClient, key: str, declaration_id: str, version: int = 1, **queried: str
) -> Any:
    """Record a document check: every document accepted, but those queried by kind=note."""
    listing = client.get(f"/v1/declarations/{declaration_id}/documents", headers=auth(key))
    assert listing.status_code == 200, listing.text
    verdicts = [
        {"document_id": d["id"], "verdict": "queried", "note": queried[d["kind"]]}
        if d["kind"] in queried
        else {"document_id": d["id"], "verdict": "accepted"}
        for d in listing.json()["documents"]
        if d["kind"] != "inspection_photo"
    ]
    return client.post(
        f"/v1/review/items/{declaration_id}/document-check",
        json={"version": version, "documents": verdicts},
        headers=auth(key),
    )


def inspect_goods(
    client: TestClient, key: str, declaration_id: str, version: int = 1, **found: Any
) -> Any:
    """Record a physical inspection: seals intact and nothing found, unless told otherwise."""
    body = {"version": version, "seals_intact": True, **found}
    return client.post(
        f"/v1/review/items/{declaration_id}/inspection", json=body, headers=auth(key)
    )


def grant_mandate(client: TestClient, client_key: str, broker_tax_code: str) -> dict[str, Any]:
    """The importer or exporter authorises a broker for every kind, for a year."""
    mandate = {
        "broker_tax_code": broker_tax_code,
        "scope": ["import", "export", "transit"],
        "valid_from": "2026-11-01",
        "valid_to": "2027-10-31",
    }
    response = client.post("/v1/mandates", json=mandate, headers=auth(client_key))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result
