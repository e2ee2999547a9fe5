"""Document fixtures: files go to a directory of the test's own."""

from pathlib import Path

import pytest

from clearance.settings import get_settings


@pytest.fixture
def documents_dir() -> Path:
    return Path(get_settings().documents_dir)


def stored_files(root: Path) -> list[Path]:
    """Every file under the storage root, partial ones included."""
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
