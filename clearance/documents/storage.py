"""Where document files live, behind a small interface so an object store can replace disk."""

import hashlib
import os
import re
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, Protocol

from clearance.settings import get_settings

CHUNK_BYTES = 64 * 1024

# Keys are ours, never a trader's file name: `<hex>/<hex>` cannot climb out of the root.
_KEY = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}$")


@dataclass(frozen=True)
class StoredFile:
    key: str
    sha256: str
    size: int


class Storage(Protocol):
    def put(self, stream: Iterable[bytes]) -> StoredFile:
        """Store the bytes; if the stream raises, nothing is left behind."""

    def open(self, key: str) -> BinaryIO: ...

    def delete(self, key: str) -> None: ...


class LocalStorage:
    """Files on a local directory, written to a temporary name and renamed when complete."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / key

    def put(self, stream: Iterable[bytes]) -> StoredFile:
        name = uuid.uuid4().hex
        key = f"{name[:2]}/{name}"
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed or removed below
            dir=path.parent, prefix=".partial-", delete=False
        )
        try:
            with handle:
                for chunk in stream:
                    digest.update(chunk)
                    size += len(chunk)
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(handle.name, path)
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise
        return StoredFile(key=key, sha256=digest.hexdigest(), size=size)

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def get_storage() -> Storage:
    """The configured storage (`CLEARANCE_DOCUMENTS_DIR`); an object store can replace it here."""
    return LocalStorage(Path(get_settings().documents_dir))


def read_chunks(handle: BinaryIO | IO[bytes], size: int = CHUNK_BYTES) -> Iterator[bytes]:
    while chunk := handle.read(size):
        yield chunk
