"""Uploads: stored with hash, size and sniffed type; refusals store nothing."""

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from clearance.documents import service, upload
from clearance.documents.models import Document
from clearance.errors import PayloadTooLarge
from tests.conftest import auth
from tests.documents.conftest import stored_files
from tests.documents.helpers import image, invoice, listing, packing_list, pdf, uploaded
from tests.documents.helpers import upload as post_upload
from tests.helpers import lodge

PNG_BYTES = image("PNG")


def _rows(session: Session) -> list[Document]:
    return list(session.exec(select(Document)).all())


def test_upload_records_hash_size_and_the_sniffed_type(
    client: TestClient, keys: dict[str, str], documents_dir: Path
) -> None:
    declaration_id = lodge(client, keys["trader"], documents=False)
    content = PNG_BYTES
    # The name and header say PDF; the bytes are a PNG, and the bytes win.
    document = uploaded(client, keys["trader"], declaration_id, invoice(), content=content)
    assert document["media_type"] == "image/png"
    assert document["sha256"] == hashlib.sha256(content).hexdigest()
    assert document["size_bytes"] == len(content)
    assert document["fields"]["total"] == "7200.00"
    assert "number" not in document["fields"]
    assert document["findings"] is None
    [stored] = stored_files(documents_dir)
    assert stored.read_bytes() == content


def test_wrong_type_with_a_lying_name_and_header_is_415_and_stores_nothing(
    client: TestClient, keys: dict[str, str], session: Session, documents_dir: Path
) -> None:
    declaration_id = lodge(client, keys["trader"], documents=False)
    response = post_upload(
        client,
        keys["trader"],
        declaration_id,
        invoice(),
        content=b"MZ\x90\x00" + b"\x00" * 2000,
        filename="invoice.pdf",
        content_type="application/pdf",
    )
    assert response.status_code == 415, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {
            "field": "file",
            "message": "unsupported file type",
            "code": "field.file_type",
            "params": {},
        }
    ]
    assert _rows(session) == []
    assert stored_files(documents_dir) == []


def test_empty_file_is_422_and_stores_nothing(
    client: TestClient, keys: dict[str, str], session: Session, documents_dir: Path
) -> None:
    declaration_id = lodge(client, keys["trader"], documents=False)
    response = post_upload(client, keys["trader"], declaration_id, invoice(), content=b"")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"
    assert _rows(session) == []
    assert stored_files(documents_dir) == []


def test_oversized_file_is_413_while_streaming_and_stores_nothing(
    client: TestClient,
    keys: dict[str, str],
    session: Session,
    documents_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Below the app's body limit, so it is this reader's limit that answers.
    monkeypatch.setattr(upload, "MAX_FILE_BYTES", 64 * 1024)
    declaration_id = lodge(client, keys["trader"], documents=False)
    content = b"%PDF-1.7\n" + b"0" * (100 * 1024)
    response = post_upload(client, keys["trader"], declaration_id, invoice(), content=content)
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert _rows(session) == []
    assert stored_files(documents_dir) == []


def test_the_reader_stops_at_the_limit_without_reading_the_rest() -> None:
    read = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal read
        head = (
            b'--B\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
            b"Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
        )
        read += len(head)
        yield head
        while True:
            read += 4096
            yield b"0" * 4096

    async def receive() -> None:
        await upload.receive(
            content_type="multipart/form-data; boundary=B", chunks=endless(), max_file_bytes=10_000
        )

    with pytest.raises(PayloadTooLarge):
        asyncio.run(receive())
    assert read < 10_000 + 2 * 4096 + 200


def test_count_limit_is_409_and_stores_nothing_more(
    client: TestClient,
    keys: dict[str, str],
    session: Session,
    documents_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(service, "MAX_DOCUMENTS_PER_DECLARATION", 2)
    declaration_id = lodge(client, keys["trader"], documents=False)
    uploaded(client, keys["trader"], declaration_id, invoice())
    uploaded(client, keys["trader"], declaration_id, packing_list())
    response = post_upload(client, keys["trader"], declaration_id, invoice())
    assert response.status_code == 409
    assert response.json()["code"] == "too_many_documents"
    assert len(_rows(session)) == 2
    assert len(stored_files(documents_dir)) == 2


def test_fields_are_validated_per_kind_and_unknown_ones_refused(
    client: TestClient, keys: dict[str, str], session: Session, documents_dir: Path
) -> None:
    declaration_id = lodge(client, keys["trader"], documents=False)
    extra = post_upload(client, keys["trader"], declaration_id, {**invoice(), "colour": "red"})
    assert extra.status_code == 422
    assert extra.json()["errors"][0]["field"] == "fields.colour"
    wrong = post_upload(client, keys["trader"], declaration_id, packing_list(net="30000"))
    assert wrong.status_code == 422
    assert "net_kg" in wrong.json()["detail"]
    unknown = post_upload(client, keys["trader"], declaration_id, {"kind": "passport"})
    assert unknown.status_code == 422
    assert _rows(session) == []
    assert stored_files(documents_dir) == []


def test_missing_parts_and_non_multipart_bodies_are_refused(
    client: TestClient, keys: dict[str, str]
) -> None:
    declaration_id = lodge(client, keys["trader"], documents=False)
    url = f"/v1/declarations/{declaration_id}/documents"
    no_fields = client.post(url, files={"file": ("a.pdf", pdf())}, headers=auth(keys["trader"]))
    assert no_fields.status_code == 422
    assert no_fields.json()["errors"] == [
        {"field": "fields", "message": "required", "code": "field.required", "params": {}}
    ]
    as_json = client.post(url, json={"kind": "invoice"}, headers=auth(keys["trader"]))
    assert as_json.status_code == 415


def test_only_the_declarations_trader_uploads_the_dossier(
    client: TestClient, keys: dict[str, str], session: Session
) -> None:
    declaration_id = lodge(client, keys["trader"], documents=False)
    assert post_upload(client, keys["other_trader"], declaration_id, invoice()).status_code == 404
    # Officers add only inspection photos, and only while the goods are inspected.
    assert post_upload(client, keys["officer"], declaration_id, invoice()).status_code == 409
    assert post_upload(client, keys["gate"], declaration_id, invoice()).status_code == 403
    assert _rows(session) == []


def test_a_cancelled_declaration_takes_no_more_documents(
    client: TestClient, keys: dict[str, str]
) -> None:
    declaration_id = lodge(client, keys["trader"], documents=False)
    cancelled = client.post(
        f"/v1/declarations/{declaration_id}/cancel",
        json={"reason": "order cancelled"},
        headers=auth(keys["trader"]),
    )
    assert cancelled.status_code == 200
    response = post_upload(client, keys["trader"], declaration_id, invoice())
    assert response.status_code == 409
    assert response.json()["code"] == "documents_closed"


def test_trader_sees_its_documents_and_what_is_missing_but_no_findings(
    client: TestClient, keys: dict[str, str]
) -> None:
    declaration_id = lodge(client, keys["trader"], documents=False)
    uploaded(client, keys["trader"], declaration_id, invoice(total="3000.00"))
    mine = listing(client, keys["trader"], declaration_id)
    assert [d["kind"] for d in mine["documents"]] == ["invoice"]
    assert [m["kind"] for m in mine["missing"]] == ["packing_list", "contract"]
    assert mine["complete"] is False
    assert mine["findings"] is None
    assert mine["documents"][0]["findings"] is None

    seen = listing(client, keys["officer"], declaration_id)
    assert [f["check_id"] for f in seen["documents"][0]["findings"]] == ["DOC-INVOICE-VALUE"]
    assert {f["check_id"] for f in seen["findings"]} == {"DOC-MISSING"}
    other = client.get(
        f"/v1/declarations/{declaration_id}/documents", headers=auth(keys["other_trader"])
    )
    assert other.status_code == 404


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-06-01"])
def test_document_dates_outside_a_plausible_window_are_422_naming_the_field(
    client: TestClient, keys: dict[str, str], session: Session, day: str
) -> None:
    declaration_id = lodge(client, keys["trader"], documents=False)
    issued = post_upload(client, keys["trader"], declaration_id, invoice(issued_on=day))
    assert issued.status_code == 422, issued.text
    assert issued.json()["errors"][0]["field"] == "fields.issued_on"
    assert "between 2000 and 2100" in issued.json()["errors"][0]["message"]
    assert _rows(session) == []
