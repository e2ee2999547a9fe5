"""Media types come from the bytes, never from the name or the header."""

import pytest

from clearance.documents.sniff import JPEG, PDF, PNG, XML, sniff


@pytest.mark.parametrize(
    ("head", "media_type"),
    [
        (b"%PDF-1.7\n", PDF),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", JPEG),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", PNG),
        (b'<?xml version="1.0"?><invoice/>', XML),
        (b"\xef\xbb\xbf  \r\n<?xml version='1.0'?>", XML),
        (b"\n\t<Invoice xmlns='urn:oasis'/>", XML),
        (b"<!-- e-invoice --><hoadon/>", XML),
    ],
)
def test_accepted_types_are_recognised_by_their_first_bytes(head: bytes, media_type: str) -> None:
    assert sniff(head) == media_type


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"PK\x03\x04 a zip or a docx",
        b"MZ\x90\x00 a windows executable",
        b"plain text invoice",
        b"< 3 is not markup",
        b"GIF89a",
        b" %PDF-1.7 (a PDF signature not at the start)",
    ],
)
def test_other_content_is_refused_whatever_it_is_called(head: bytes) -> None:
    assert sniff(head) is None
