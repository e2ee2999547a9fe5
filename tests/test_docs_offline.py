"""/docs and /redoc work with no internet: every script, style and font comes from the service."""

import re

import pytest
from fastapi.testclient import TestClient

ASSET = re.compile(r'(?:src|href)="([^"]+)"|url\(([^)]+)\)')


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_api_docs_load_every_asset_from_the_service(client: TestClient, page: str) -> None:
    html = client.get(page)
    assert html.status_code == 200, html.text

    assets = [a or b for a, b in ASSET.findall(html.text)]
    assert assets, "the page loads no script"
    assert not [a for a in assets if "//" in a]  # nothing from another host
    for asset in assets:
        fetched = client.get(asset)
        assert fetched.status_code == 200, asset
        assert len(fetched.content) > 1000, asset  # the real bundle, not an empty file
    assert "cdn." not in html.text and "fonts.googleapis" not in html.text
