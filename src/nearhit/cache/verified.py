"""A conversation's semantic hit confirmed by a model before it is served (``NEARHIT_VERIFY_MODEL``; off by default).

A condition one side adds ("I'm pregnant", "I need the money in two weeks", "the school is nut free") changes the
answer or does not by world knowledge no rule here weighs: a model is asked, in one short call, whether the stored
answer is a correct, complete answer for the request (:mod:`nearhit.llm.verify`). "no" refuses the hit: a miss, the
LLM answers as for any miss, the candidate listed refused by :data:`REFUSED_BY`. A failed call, a late one
(``NEARHIT_VERIFY_TIMEOUT``) or a reply neither yes nor no refuses it too (fail closed), counted in
``verify_failures`` and logged when the check starts and stops failing; nothing raises into the request. After a few
failures in a row the check is not asked for a while (:mod:`nearhit.cache.model_calls`): its hits are refused at once,
counted in ``verifies_skipped``.

Checked: a semantic hit of a request with earlier turns (a conversation matched by meaning, or a question standing
alone after its turns), whichever stage served it (read where a hit settles, ``SemanticCache._hit_checks``). Not
checked: an exact hit (the very same history), a single question with no earlier turns. The verdict is kept in Redis
under the pair (the entry and its answer, the request's scope, turns and question) for ``NEARHIT_VERIFY_TTL``, so the
same request again makes no call. The result shows the check (``LookupResult.verify``); the counters
(:mod:`nearhit.cache.verify_stats`) add it up.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from nearhit.cache import choose, model_calls, strict
from nearhit.cache import verify_stats as counted
from nearhit.cache.keys import normalise, sha256_hex
from nearhit.cache.lookup import Lookup
from nearhit.cache.results import CachedAnswer, LookupResult
from nearhit.llm.lookup_model import Call
from nearhit.llm.verify import told

if TYPE_CHECKING:
    from nearhit.cache.semantic_cache import SemanticCache
    from nearhit.llm.verify import Verifier

REFUSED_BY = "verify"
"""The ``rejected_by`` (and the inspector's ``guard``) of a hit the check refused."""
FAILED = "verify failed"
"""How ``nearhit eval`` tells a hit refused because the check failed from one the model said no to."""
SAID_NO = "verify: the model said no"
_LOGGED = model_calls.Logged(
    "the check of conversation hits failed, they are refused until it answers: %s",
    "the check of conversation hits answers again (%s)",
    "the check of conversation hits is skipped after %d failures in a row, its hits refused at once; next try in %g s "
    "(%s)",
    "the check of conversation hits is called again: %s answered",
)


def verdict_key(cache: SemanticCache, verifier: Verifier, query: Lookup, answer: CachedAnswer) -> str:
    """Where the verdict on serving ``answer`` to ``query`` is kept: the tenant (one tenant cannot tell from a kept
    verdict what another asked), the model, the entry and its answer (a new answer stored there is judged again),
    the request's scope but for its exact turns (model, system prompt, options), its normalised turns and question."""
    turns = query.told_before
    assert turns is not None
    asked = [[role, normalise(content)] for role, content in turns.turns] + [["user", query.text]]
    pair = [query.scope.tenant, query.scope.search_id, answer.doc_id, sha256_hex(answer.response), asked]
    digest = sha256_hex(json.dumps(pair, ensure_ascii=False))
    return cache.keys.for_tenant(query.scope.tenant).verdict(query.scope.tenant, verifier.model, digest)


def _readable(kept: dict[str, Any]) -> bool:
    """A kept verdict as :func:`check` keeps it: ``serves`` true or false."""
    return isinstance(kept.get("serves"), bool)


async def check(cache: SemanticCache, result: LookupResult, query: Lookup, rows: choose.Rows) -> None:
    """Confirm ``result``'s hit by the cache's verifier when it is a conversation's semantic hit: served as it is on
    "yes"; on "no", or when the check fails, refused (a miss, counted). ``rows``: the first look's KNN rows, where the
    entry's turns are read (:meth:`SemanticCache.served_turns`)."""
    verifier = cache.verifier
    turns = query.told_before
    if verifier is None or result.match != "semantic" or result.answer is None or turns is None:
        return
    answer = result.answer
    started = time.perf_counter()
    stored = await cache.served_turns(result, rows)

    async def ask() -> tuple[dict[str, Any], Call]:
        earlier = stored.turns if stored is not None else ()
        verdict = await verifier.verify(told(earlier, answer.prompt), answer.response, told(turns.turns, query.prompt))
        return {"serves": verdict.serves, "answered_by": verdict.call.model}, verdict.call

    key = verdict_key(cache, verifier, query, answer)
    shown = await model_calls.kept_or_asked(cache, verifier, query, key, ask, counted.COUNTERS, _LOGGED, _readable)
    result.verify = shown
    result.timings_ms["verify"] = round((time.perf_counter() - started) * 1000, 3)
    if shown.get("serves") is True:
        return
    if "serves" in shown:
        cache._count(counted.VERIFY_REFUSALS)
        strict.refuse(result, SAID_NO, by=REFUSED_BY)
    elif "skipped" in shown:  # the model kept failing: not asked for a while
        strict.refuse(result, f"verify: the check skipped, refused ({shown['skipped']})", by=REFUSED_BY)
    else:
        strict.refuse(result, f"verify: the check failed, refused ({shown['error']})", by=REFUSED_BY)
