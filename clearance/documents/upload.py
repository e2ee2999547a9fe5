"""Read a multipart upload as it streams in, stopping the moment a limit is passed.

Starlette's form parser spools a file part of any size before the handler runs; this reader
refuses an oversized file after reading at most the limit, and a file that is not a type we
accept after its first bytes.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from tempfile import SpooledTemporaryFile

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from clearance.documents.errors import UnsupportedMediaType
from clearance.documents.sniff import SNIFF_BYTES, sniff
from clearance.errors import FieldError, InvalidInput, PayloadTooLarge, invalid_field
from clearance.messages import Message

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FIELDS_BYTES = 64 * 1024
MAX_TEXT_PARTS = 8  # parts other than the file and the fields: kept as text, the rest dropped
SPOOL_IN_MEMORY_BYTES = 1024 * 1024
FILE_PART, FIELDS_PART = "file", "fields"
MULTIPART = "multipart/form-data"
MULTIPART_EXPECTED = Message(
    "error.multipart_expected", {"media_type": MULTIPART, "file": FILE_PART, "fields": FIELDS_PART}
)
# Multipart framing and the fields part around the file: what a request may add to the file.
ENVELOPE_BYTES = MAX_FIELDS_BYTES + 16 * 1024


@dataclass
class ReceivedUpload:
    """The `fields` JSON text and the file, spooled; close it when done."""

    fields: bytes
    file: "SpooledTemporaryFile[bytes]"
    size: int
    media_type: str
    texts: dict[str, str] = field(default_factory=dict)  # other small parts (a page's form)


@dataclass
class _Part:
    name: str = ""
    is_file: bool = False
    data: bytearray = field(default_factory=bytearray)


class _Reader:
    def __init__(self, max_file_bytes: int) -> None:
        self.max_file_bytes = max_file_bytes
        self.part = _Part()
        self.header_name, self.header_value = b"", b""
        self.disposition = b""
        self.fields: bytes | None = None
        self.texts: dict[str, str] = {}
        self.file: SpooledTemporaryFile[bytes] | None = None
        self.size = 0
        self.head = bytearray()
        self.media_type: str | None = None

    def on_part_begin(self) -> None:
        self.part, self.disposition = _Part(), b""

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        if self.header_name.lower() == b"content-disposition":
            self.disposition = self.header_value
        self.header_name, self.header_value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.disposition)
        self.part.name = options.get(b"name", b"").decode("latin-1")
        if self.part.name == FILE_PART:
            if self.file is not None:
                raise invalid_field(FILE_PART, Message("field.one_file"))
            self.part.is_file = True
            self.file = SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES)  # noqa: SIM115

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if not self.part.is_file:
            if len(self.part.data) + len(chunk) > MAX_FIELDS_BYTES:
                raise invalid_field(self.part.name or "fields", Message("field.part_too_large"))
            self.part.data.extend(chunk)
            return
        assert self.file is not None
        self.size += len(chunk)
        if self.size > self.max_file_bytes:
            raise PayloadTooLarge(
                Message("error.file_too_large", {"max_bytes": self.max_file_bytes}),
                errors=[FieldError(FILE_PART, Message("field.file_too_large"))],
            )
        if self.media_type is None and len(self.head) < SNIFF_BYTES:
            self.head.extend(chunk[: SNIFF_BYTES - len(self.head)])
            if len(self.head) >= SNIFF_BYTES:
                self._sniff()
        self.file.write(chunk)

    def on_part_end(self) -> None:
        if self.part.is_file:
            if self.size == 0:
                raise invalid_field(FILE_PART, Message("field.file_empty"))
            if self.media_type is None:
                self._sniff()
        elif self.part.name == FIELDS_PART:
            self.fields = bytes(self.part.data)
        elif len(self.texts) < MAX_TEXT_PARTS:
            self.texts[self.part.name] = self.part.data.decode("utf-8", errors="replace")

    def _sniff(self) -> None:
        self.media_type = sniff(bytes(self.head))
        if self.media_type is None:
            raise UnsupportedMediaType(
                Message("error.file_type"),
                errors=[FieldError(FILE_PART, Message("field.file_type"))],
            )


async def receive(
    *,
    content_type: str,
    chunks: AsyncIterator[bytes],
    max_file_bytes: int = MAX_FILE_BYTES,
    fields_part: bool = True,
) -> ReceivedUpload:
    """Parse `multipart/form-data` with a `file` and a `fields` part (unless told that the
    fields come otherwise), enforcing the limits; a few other small parts are kept as text."""
    media, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if media != MULTIPART.encode() or not boundary:
        raise UnsupportedMediaType(MULTIPART_EXPECTED)
    reader = _Reader(max_file_bytes)
    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": reader.on_part_begin,
            "on_part_data": reader.on_part_data,
            "on_part_end": reader.on_part_end,
            "on_header_field": reader.on_header_field,
            "on_header_value": reader.on_header_value,
            "on_header_end": reader.on_header_end,
            "on_headers_finished": reader.on_headers_finished,
        },
    )
    try:
        async for chunk in chunks:
            parser.write(chunk)
        parser.finalize()
    except FormParserError:
        _close(reader)
        raise InvalidInput(
            Message("error.multipart_malformed", {"media_type": MULTIPART}),
            errors=[FieldError("body", Message("field.multipart_malformed"))],
        ) from None
    except BaseException:
        _close(reader)
        raise
    if not fields_part:
        reader.fields = reader.fields or b""
    parts = ((FILE_PART, reader.file), (FIELDS_PART, reader.fields))
    missing = [name for name, got in parts if got is None]
    if missing or reader.file is None or reader.fields is None or reader.media_type is None:
        _close(reader)
        raise InvalidInput(
            Message("error.parts_missing", {"parts": missing or [FILE_PART]}),
            errors=[FieldError(name, Message("field.required")) for name in missing],
        )
    reader.file.seek(0)
    return ReceivedUpload(
        fields=reader.fields,
        file=reader.file,
        size=reader.size,
        media_type=reader.media_type,
        texts=reader.texts,
    )


def _close(reader: _Reader) -> None:
    if reader.file is not None:
        reader.file.close()
