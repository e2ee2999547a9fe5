"""Properties of what an upload carries: any fields part is a model or a 422 naming `fields`,
the sniffer judges any bytes, and the streaming reader refuses cleanly whatever arrives."""

import asyncio
import itertools
import json
import re
from collections.abc import AsyncIterator
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from clearance.documents import upload
from clearance.documents.errors import UnsupportedMediaType
from clearance.documents.service import parse_fields
from clearance.documents.sniff import JPEG, PDF, PNG, SNIFF_BYTES, XML, sniff
from clearance.errors import ClearanceError, InvalidInput, PayloadTooLarge
from tests.documents import helpers

QUICK = settings(max_examples=150, deadline=None, database=None)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=15,
)
VALID_FIELDS = st.sampled_from([
    helpers.invoice(), helpers.packing_list(), helpers.contract(), helpers.co_form_e(),
    helpers.phytosanitary(), helpers.licence(), {"kind": "inspection_photo", "number": "P-1"},
])  # fmt: skip
SIGNATURES = {PDF: b"%PDF-", JPEG: b"\xff\xd8\xff", PNG: b"\x89PNG\r\n\x1a\n"}
BOUNDARY = b"fuzz-boundary"


def _refused_naming_fields(refused: InvalidInput) -> None:
    assert refused.status == 422 and refused.errors
    assert all(e.field == "fields" or e.field.startswith("fields.") for e in refused.errors)


@st.composite
def spoiled_fields(draw: st.DrawFn) -> dict[str, Any]:
    """Valid fields of some kind with one value replaced, added or removed."""
    fields = dict(draw(VALID_FIELDS))
    key = draw(st.sampled_from([*fields, "extra"]))
    if draw(st.booleans()) and key in fields:
        del fields[key]
    else:
        fields[key] = draw(JSON)
    return fields


@QUICK
@given(st.binary(max_size=400))
def test_any_bytes_as_the_fields_part_are_fields_or_a_422(raw: bytes) -> None:
    try:
        parse_fields(raw)
    except InvalidInput as refused:
        _refused_naming_fields(refused)


@QUICK
@given(spoiled_fields())
def test_spoiled_fields_are_fields_or_a_422_naming_them(fields: dict[str, Any]) -> None:
    try:
        parsed = parse_fields(json.dumps(fields).encode())
    except InvalidInput as refused:
        _refused_naming_fields(refused)
        return
    # What validates is stored as standard JSON, and reads back the same.
    stored = json.dumps(parsed.model_dump(mode="json"), allow_nan=False)
    assert parse_fields(stored.encode()) == parsed


# Starts of files that carry a signature or come one byte short of it, and starts of text that
# look like markup or nearly so; what follows them is any bytes.
NEAR_SIGNATURES = [*SIGNATURES.values(), *(sig[:-1] for sig in SIGNATURES.values()), b"%pdf-"]
NEAR_MARKUP = [b"<?xml ", b"<?xm", b"<!-- ", b"<a", b"<_", b"< a", b"<1", b"<", b"\xef\xbb"]
HEADS = st.one_of(
    st.binary(max_size=2 * SNIFF_BYTES),
    st.tuples(st.sampled_from(NEAR_SIGNATURES), st.binary(max_size=SNIFF_BYTES)).map(b"".join),
    st.tuples(
        st.sampled_from([b"", b"\xef\xbb\xbf"]),
        st.text(" \t\r\n", max_size=3).map(str.encode),
        st.sampled_from(NEAR_MARKUP),
        st.binary(max_size=SNIFF_BYTES),
    ).map(b"".join),
)


@QUICK
@given(HEADS)
def test_the_sniffer_names_a_type_only_for_its_signature(head: bytes) -> None:
    found = sniff(head)

    for media_type, signature in SIGNATURES.items():
        assert (found == media_type) == head.startswith(signature), media_type
    if found == XML:
        # Markup: `<` then a declaration, a comment or doctype, or a name; never `< ` or `<1`.
        markup = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
        assert re.match(rb"<[?!A-Za-z_:]", markup)
    else:
        assert found in {None, *SIGNATURES}


@QUICK
@given(st.sampled_from(sorted(SIGNATURES)), st.binary(max_size=SNIFF_BYTES))
def test_a_signature_decides_whatever_follows(media_type: str, rest: bytes) -> None:
    assert sniff(SIGNATURES[media_type] + rest) == media_type


@QUICK
@given(st.sampled_from([b"", b"\xef\xbb\xbf"]), st.text(" \t\r\n", max_size=20), st.binary())
def test_xml_may_follow_a_bom_and_blanks(bom: bytes, blanks: str, rest: bytes) -> None:
    assert sniff(bom + blanks.encode() + b"<?xml version='1.0'?>" + rest) == XML


def _multipart(fields: bytes, content: bytes) -> bytes:
    return (
        b"--"
        + BOUNDARY
        + b'\r\nContent-Disposition: form-data; name="fields"\r\n\r\n'
        + fields
        + b"\r\n--"
        + BOUNDARY
        + b'\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\n'
        + content
        + b"\r\n--"
        + BOUNDARY
        + b"--\r\n"
    )


def _receive(body: bytes, cuts: list[int], content_type: str) -> upload.ReceivedUpload:
    """Run the streaming reader over `body` arriving in chunks split at `cuts`."""

    async def chunks() -> AsyncIterator[bytes]:
        edges = [0, *sorted({c % (len(body) + 1) for c in cuts}), len(body)]
        for start, end in itertools.pairwise(edges):
            yield body[start:end]

    return asyncio.run(
        upload.receive(content_type=content_type, chunks=chunks(), max_file_bytes=4096)
    )


@QUICK
@given(
    st.one_of(
        st.binary(max_size=3 * SNIFF_BYTES),
        st.sampled_from(sorted(SIGNATURES.values())).map(lambda sig: sig + b"0" * 600),
    ),
    st.lists(st.integers(0, 10_000), max_size=8),
)
def test_the_upload_sniffs_the_file_head_wherever_the_chunks_split(
    content: bytes, cuts: list[int]
) -> None:
    body = _multipart(b'{"kind": "contract"}', content)
    try:
        received = _receive(body, cuts, "multipart/form-data; boundary=" + BOUNDARY.decode())
    except UnsupportedMediaType:
        assert content and sniff(content[:SNIFF_BYTES]) is None
        return
    except InvalidInput:
        assert content == b""
        return
    with received.file:
        assert received.file.read() == content
    assert received.media_type == sniff(content[:SNIFF_BYTES])
    assert (received.fields, received.size) == (b'{"kind": "contract"}', len(content))


@QUICK
@given(
    st.binary(max_size=600),
    st.lists(st.integers(0, 10_000), max_size=4),
    st.sampled_from(
        [
            "multipart/form-data; boundary=fuzz-boundary",
            "multipart/form-data",
            "text/plain",
            "multipart/form-data; boundary=",
            "multipart/form-data; boundary=\u00e9",
        ]
    ),
)
def test_any_body_is_an_upload_or_a_clean_refusal(
    body: bytes, cuts: list[int], content_type: str
) -> None:
    try:
        received = _receive(body, cuts, content_type)
    except (InvalidInput, UnsupportedMediaType, PayloadTooLarge) as refused:
        assert isinstance(refused, ClearanceError) and refused.status in {413, 415, 422}
        return
    received.file.close()
