"""A file must be wholly what its first bytes claim: markup, polyglots and broken files are 415."""

import io
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from clearance.documents.models import Document
from tests.documents.conftest import stored_files
from tests.documents.helpers import image, invoice, pdf, upload, uploaded
from tests.helpers import lodge

EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 400 + b"PE\x00\x00"


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("run.js", "WScript.Shell")
    return out.getvalue()


REFUSED = {
    "html with a script": b"<html><body><script>alert(1)</script></body></html>",
    "xhtml": b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><p>x</p></html>',
    "svg with a script": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "script inside data": b"<invoice><note><script>alert(1)</script></note></invoice>",
    "xml with entities": b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
    "markup that is not xml": b"<p>an unclosed paragraph",
    "pdf header on an executable": b"%PDF-1.7\n" + EXECUTABLE,
    "pdf that does not parse": b"%PDF-1.7\n%no objects\n%%EOF\n",
    "pdf with an executable after its end": pdf() + EXECUTABLE,
    "pdf with an archive after its end": pdf() + _zip(),
    "png with an archive after its end": image("PNG") + _zip(),
    "truncated png": image("PNG")[:-20],
    "jpeg that does not decode": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200 + b"\xff\xd9",
    "jpeg with a page after its end": image("JPEG") + b"<html><script>x</script></html>",
}
ACCEPTED = {
    "pdf": pdf(),
    "png": image("PNG"),
    "jpeg": image("JPEG"),
    "xml e-invoice": b'<?xml version="1.0" encoding="UTF-8"?><HDon><DLHDon><TTChung>'
    b"<PBan>2.0.0</PBan></TTChung></DLHDon></HDon>",
}


@pytest.mark.parametrize("content", REFUSED.values(), ids=REFUSED.keys())
def test_markup_polyglots_and_broken_files_are_415_and_store_nothing(
    client: TestClient,
    keys: dict[str, str],
    session: Session,
    documents_dir: Path,
    content: bytes,
) -> None:
    declaration_id = lodge(client, keys["trader"], documents=False)
    response = upload(client, keys["trader"], declaration_id, invoice(), content)
    assert response.status_code == 415, response.text
    assert response.json()["errors"][0]["field"] == "file"
    assert session.exec(select(Document)).all() == []
    assert stored_files(documents_dir) == []


@pytest.mark.parametrize("content", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_well_formed_files_of_each_type_are_stored(
    client: TestClient, keys: dict[str, str], content: bytes
) -> None:
    declaration_id = lodge(client, keys["trader"], documents=False)
    document = uploaded(client, keys["trader"], declaration_id, invoice(), content=content)
    assert document["size_bytes"] == len(content)
