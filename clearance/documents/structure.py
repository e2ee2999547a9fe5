"""A file is what its first bytes claim all the way through: it parses, and carries nothing else.

`sniff` judges the first bytes while the upload streams in; this reads the whole file once it
is spooled. A maintained detector (puremagic, header and footer signatures) must agree with the
sniffed type; a PDF must parse, an image must decode, XML must be well-formed data, not markup
a browser would run (HTML, SVG, scripts); and no file may carry bytes past its own end, where
polyglots hide a second file (an executable, an archive, a page).
"""

import io
import logging
import warnings
from typing import IO
from xml.etree.ElementTree import Element

import puremagic
from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from clearance.documents.errors import UnsupportedMediaType
from clearance.documents.sniff import JPEG, PDF, PNG, XML
from clearance.errors import FieldError
from clearance.messages import Message

# A scanned page is a few thousand pixels a side; far more is a decompression bomb.
MAX_IMAGE_PIXELS = 60_000_000
# Namespaces and element names of markup a browser runs or renders, never a customs document.
_ACTIVE_NAMESPACES = ("http://www.w3.org/1999/xhtml", "http://www.w3.org/2000/svg")
_ACTIVE_ELEMENTS = frozenset({"html", "svg", "script", "iframe", "object", "embed"})
# A PDF ends at its last %%EOF; editors leave a line end or a little padding after it.
_PDF_TAIL_SLACK = 16

logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings are about files we refuse


def refused(code: str, **params: str) -> UnsupportedMediaType:
    why = Message(code, params)
    return UnsupportedMediaType(
        Message("error.file_malformed", {"what": why}), errors=[FieldError("file", why)]
    )


def verify(media_type: str, file: IO[bytes]) -> None:
    """Refuse the file unless it is wholly and only the sniffed type."""
    file.seek(0)
    data = file.read()
    file.seek(0)
    detected = {match.mime_type for match in _detect(data)}
    if media_type not in detected and not (media_type == XML and "text/xml" in detected):
        raise refused("field.file_unrecognised", media_type=media_type)
    {PDF: _verify_pdf, JPEG: _verify_image, PNG: _verify_image, XML: _verify_xml}[media_type](
        data, media_type
    )


def _detect(data: bytes) -> list[puremagic.PureMagicWithConfidence]:
    try:
        return list(puremagic.magic_string(data))
    except puremagic.PureError:
        return []


def _verify_pdf(data: bytes, media_type: str) -> None:
    end = data.rfind(b"%%EOF")
    if end < 0 or len(data[end + 5 :].strip()) > 0 or len(data) - end > _PDF_TAIL_SLACK + 5:
        raise refused("field.pdf_trailing")
    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        if len(reader.pages) < 1:
            raise refused("field.pdf_no_page")
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise refused("field.pdf_unparsed") from None


def _verify_image(data: bytes, media_type: str) -> None:
    expected = "JPEG" if media_type == JPEG else "PNG"
    trailer = b"\xff\xd9" if media_type == JPEG else b"IEND\xaeB`\x82"
    if not data.rstrip(b"\x00").endswith(trailer):
        raise refused("field.image_trailing", kind=expected)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[expected]) as image:
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    raise refused("field.image_pixels", kind=expected)
                image.load()  # decodes every pixel: a truncated or corrupt image fails here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise refused("field.image_undecodable", kind=expected) from None
    except Image.DecompressionBombWarning:
        raise refused("field.image_pixels", kind=expected) from None


def _verify_xml(data: bytes, media_type: str) -> None:
    try:
        root = SafeElementTree.fromstring(data, forbid_dtd=True)
    except (SafeElementTree.ParseError, DefusedXmlException, ValueError):
        raise refused("field.xml_unparsed") from None
    if any(_active(element) for element in root.iter()):
        raise refused("field.xml_active")


def _active(element: Element) -> bool:
    tag = element.tag if isinstance(element.tag, str) else ""
    namespace, _, local = tag.rpartition("}")
    return namespace.lstrip("{") in _ACTIVE_NAMESPACES or local.lower() in _ACTIVE_ELEMENTS
