"""A caller chooses its request id (``x-request-id``), so two tenants may send the same one: each tenant's
feedback on it reaches the answer that tenant was served, whichever request came last; an admin's reaches the
newest."""

from __future__ import annotations

import uuid

import httpx

from tests.gateway.conftest import ServeGateway
from tests.support.waiting import eventually

ADMIN = "admin-" + "x" * 32


async def test_another_tenant_reusing_a_request_id_does_not_take_its_feedback(serve: ServeGateway) -> None:
    chat = {"model": "gpt-4o", "messages": [{"role": "user", "content": "At what temperature does water boil?"}]}
    keys = {"acme": "key-a", "globex": "key-b"}
    async with (
        serve(keys="key-a=acme,key-b=globex", admin_token=ADMIN) as gateway,
        httpx.AsyncClient(base_url=gateway.base_url, timeout=30) as http,
    ):
        for key in keys.values():  # each tenant's own entry
            await http.post("/chat/completions", json=chat, headers={"authorization": f"Bearer {key}"})
        await gateway.wait_entries(2)
        request_id = f"req-{uuid.uuid4().hex[:8]}"
        served: dict[str, str] = {}
        for tenant, key in keys.items():  # acme first, then globex with acme's id
            headers = {"authorization": f"Bearer {key}", "x-request-id": request_id}
            response = await http.post("/chat/completions", json=chat, headers=headers)
            assert response.headers["x-nearhit-cache"] == "hit-exact"
            served[tenant] = response.headers["x-request-id"]
        assert served == {"acme": request_id, "globex": request_id}

        async def written() -> bool:  # the records queued in memory are written to Redis within 0.1 s
            assert not (await gateway.runtime.cache()).feedback._unwritten
            return True

        for read_from in ("memory or redis", "redis"):
            if read_from == "redis":
                await eventually(written)
            verdicts = {}
            for tenant, key in [*keys.items(), ("admin", ADMIN)]:
                body = {"request_id": request_id, "verdict": "right"}
                response = await http.post("/nearhit/feedback", json=body, headers={"authorization": f"Bearer {key}"})
                assert response.status_code == 200, (read_from, tenant, response.text)
                verdicts[tenant] = response.json()["doc_id"]
            assert verdicts["acme"] != verdicts["globex"]  # each its own tenant's entry
            assert verdicts["admin"] == verdicts["globex"]  # the newest
