"""The media type of a file from its first bytes; names and Content-Type headers lie."""

import re

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
XML = "application/xml"

# Enough for every signature, with room for a BOM and leading whitespace before XML.
SNIFF_BYTES = 512

EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png", XML: "xml"}

_UTF8_BOM = b"\xef\xbb\xbf"
# After `<`: a declaration, a comment or doctype, or an element name. Bare `<` followed by a
# space or digit is text, not markup.
_XML_START = re.compile(rb"<(\?xml[\s?]|!|[A-Za-z_:])")


def sniff(head: bytes) -> str | None:
    """The media type of a file starting with `head`, or None when it is none we accept."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    text = head.removeprefix(_UTF8_BOM).lstrip(b" \t\r\n")
    if _XML_START.match(text):
        return XML
    return None
