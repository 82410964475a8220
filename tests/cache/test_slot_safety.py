"""No command of the engine spans hash slots on a single node either: Azure Managed Redis (Redis Enterprise)
refuses a MULTI across slots of a sharded database even behind its proxy, where the client sees one node."""

from __future__ import annotations

from urllib.parse import urlsplit

import numpy as np

from nearhit.cache import Scope, SemanticCache
from nearhit.cache.feedback import Served
from tests.support.slot_guard import SlotGuard


async def test_request_and_admin_paths_stay_within_one_slot(cache: SemanticCache, redis_url: str) -> None:
    port = urlsplit(redis_url).port
    assert port is not None
    acme, globex = Scope.build(tenant="acme"), Scope.build(tenant="globex")
    with SlotGuard([port]) as guard:
        doc_id = await cache.store("What is the capital of France?", "Paris.", acme)
        await cache.store("How tall is the Eiffel tower?", "330 m.", globex)
        assert (await cache.lookup("what is the capital of france", acme)).match == "exact"
        semantic = await cache.lookup("Which city is the capital of France?", acme, threshold=0.7)
        assert semantic.match == "semantic"
        await cache.label(doc_id, np.asarray(semantic.embedding), semantic.similarity or 0.0, False, "feedback")
        await cache.store("What is the capital of France?", "Paris, on the Seine.", acme)  # overwrite
        await cache.embeddings.embed(["one text", "another text"], "acme")
        assert await cache.search(text="capital of France", top_k=3)
        assert (await cache.stats()).entries == 2
        for n, tenant in enumerate(("acme", "globex")):  # the records of hits, for their feedback: many keys
            cache.feedback.remember_served(Served(f"r-{n}", doc_id, tenant, "What is the capital of France?", 0.9))
        await cache.feedback.write_served()
        assert await cache.clear(tenant="globex") == 1
        assert await cache.clear() == 1
    assert {"MULTI", "HSET", "HMGET", "FT.SEARCH", "LPUSH"} <= guard.names()
    assert guard.violations() == []
