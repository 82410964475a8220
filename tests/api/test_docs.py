"""The API docs work offline: no page of the service loads anything from another host."""

from __future__ import annotations

import re

from tests.support.live import LiveServer


async def test_docs_and_pages_load_only_local_assets(live: LiveServer) -> None:
    for page in ("/docs", "/redoc", "/", "/calculator"):
        response = await live.client.get(page)
        assert response.status_code == 200, page
        assets = re.findall(r'(?:src|href)="([^"]+)"', response.text)
        assert assets, page
        assert not [a for a in assets if a.startswith(("http:", "https:", "//"))], (page, assets)
        for asset in assets:
            if asset.startswith("/") and not asset.startswith("/docs"):
                assert (await live.client.get(asset)).status_code == 200, asset
