"""A stored entry, declared once: its fields, how it is written as a Redis hash and read back, what the index
holds and what a query returns. Store, lookup, search, eval, the index schema and the memory model
(:mod:`nearhit.economics.footprint`) all read this table; adding a field is one line here.

Importing it loads no Redis client and no numpy: the memory model uses it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from nearhit.cache.keys import Scope, sha256_hex
from nearhit.cache.results import CachedAnswer, SearchHit

VECTOR = "embedding"
DISTANCE = "vector_distance"
"""What the KNN query adds to each row: the cosine distance (similarity = 1 - distance)."""
CONTEXT = "context"
CONTEXT_VECTOR = "context_vector"
EARLIER = "earlier"
TURN_VECTORS = "turn_vectors"
"""Not returned by the KNN nor the exact read (1,024 B a turn at 384-d, read by no decision on a candidate): read
for the few candidates a conversation's second chance compares turn by turn (``conversation_lookup.turn_by_turn``)."""
FOLLOWUP_VECTOR = "followup_vector"
"""Not returned by the KNN (2 KB a row, base64 float32 at 384-d): read for the few candidates a conversation's second
look after the answer compares (``conversation_lookup.after_the_answer``)."""
TOLD = "told"
TWIN = "twin"
"""A conversation's entry has a twin (:mod:`nearhit.cache.conversation_lookup`): a pointer to it, indexed by the
conversation told as one question (``told``, its text) in the scope single questions search for stories (two
twins for a question that names nothing of its own: told with the assistant's last turn too). A twin holds only
what its KNN needs (:func:`twin_hash`); its entry's answer is read from the entry. The entry names its twins
(``twin``, space-separated keys) and each twin its entry, so deleting the entry deletes them."""
TENANT_ID = "tenant_id"
"""The tenant is filtered on through its SHA-256 hex digest: a TAG folds case, splits on commas and trims spaces,
so 'tenantA', 'TENANTA', 'x,tenantA' and ' tenantA' would share entries; a digest has none of that."""


@dataclass(frozen=True)
class EntryField:
    """One field of an entry's hash."""

    name: str
    typical_chars: int | None
    """How long its value typically is as text (None: it varies with the prompt, the answer, the embedder)."""
    returned: bool = False
    """Read back with every KNN row (never the vector: 1.5 KB that nobody needs)."""
    answer: bool = False
    """Read back by an exact hit: what it serves and checks (:func:`read_answer`, :func:`whole`)."""
    index: Literal["tag", "numeric", "vector"] | None = None
    always: bool = True
    """Written with every entry (False: only with some conversations', left out of a single question's footprint)."""


FIELDS: tuple[EntryField, ...] = (
    EntryField("prompt", None, returned=True, answer=True),
    EntryField("response", None, returned=True, answer=True),
    EntryField("model", 8, returned=True, answer=True),
    EntryField("tenant", 8, returned=True, answer=True),
    EntryField(TENANT_ID, 64, index="tag"),  # sha256 hex of the tenant
    EntryField("scope", 64, returned=True, index="tag"),  # sha256 hex
    EntryField("system_hash", 64),  # sha256 hex of the system prompt
    EntryField("history_hash", 0),  # empty for a single-turn prompt
    EntryField("created_at", 18, returned=True, answer=True, index="numeric"),  # time.time() as a float string
    EntryField("prompt_tokens", 3, returned=True, answer=True),
    EntryField("completion_tokens", 3, returned=True, answer=True),
    EntryField(
        "cost_usd", 10, returned=True, answer=True
    ),  # the saved call's price, computed once at store time ("" unknown)
    EntryField("ttl", 5),
    EntryField(CONTEXT, 0, returned=True),  # a conversation's earlier turns as JSON; absent for a single question
    EntryField(CONTEXT_VECTOR, 0, returned=True),  # their (or EARLIER's) embedding, base64 float32; else absent
    EntryField(EARLIER, 0, returned=True),  # the turns before a question that stands alone, as JSON; else absent
    EntryField(TURN_VECTORS, 0),  # a conversation's turns' embeddings (cache.turns), read on demand; else absent
    EntryField(FOLLOWUP_VECTOR, None, always=False),  # a conversation's question after the last answer, read on demand
    EntryField(TOLD, 0, returned=True),  # a conversation's twin: the conversation told as one question; else absent
    EntryField(TWIN, 0, returned=True),  # an entry: its twins' keys; a twin: its entry's key; else absent
    EntryField(VECTOR, None, index="vector"),
)
RETURNED = tuple(f.name for f in FIELDS if f.returned)
"""What a KNN row (a lookup's, a search's) reads back from an entry: what the decision reads of every candidate."""
ANSWER = tuple(f.name for f in FIELDS if f.answer)
"""What an exact hit reads back (prompt and response first): not the context fields, which its key already matched."""
INDEXED_TAGS = tuple(f.name for f in FIELDS if f.index == "tag")
INDEXED_NUMBERS = tuple(f.name for f in FIELDS if f.index == "numeric")
METADATA_CHARS = {f.name: f.typical_chars for f in FIELDS if f.typical_chars is not None and f.always}
"""The fields besides prompt, answer and vector, with their typical length (for the memory model)."""


def tenant_tag(tenant: str) -> str:
    """What the index holds for a tenant (stored with each entry as :data:`TENANT_ID`)."""
    return sha256_hex(tenant)


def to_hash(
    *,
    prompt: str,
    response: str,
    scope: Scope,
    vector: bytes,
    prompt_tokens: int,
    completion_tokens: int,
    ttl: int | None,
    cost_usd: float | None = None,
    context: str = "",
    context_vector: str = "",
    earlier: str = "",
    turn_vectors: str = "",
    followup_vector: str = "",
    told: str = "",
    twin: str = "",
) -> dict[str, str | bytes | int | float]:
    """The hash an entry is written as (values checked by the caller)."""
    mapping: dict[str, str | bytes | int | float] = {
        "prompt": prompt,
        "response": response,
        "model": scope.model,
        "tenant": scope.tenant,
        TENANT_ID: tenant_tag(scope.tenant),
        "scope": scope.search_id,
        "system_hash": scope.system_hash,
        "history_hash": scope.history_hash,
        "created_at": time.time(),
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "cost_usd": "" if cost_usd is None else repr(float(cost_usd)),
        "ttl": ttl or 0,
        CONTEXT: context,
        CONTEXT_VECTOR: context_vector,
        EARLIER: earlier,
        TURN_VECTORS: turn_vectors,
        TOLD: told,
        TWIN: twin,
        VECTOR: vector,
    }
    if followup_vector:
        mapping[FOLLOWUP_VECTOR] = followup_vector
    return mapping


def twin_hash(
    *, scope_tag: str, tenant: str, vector: bytes, told: str, owner: str
) -> dict[str, str | bytes | int | float]:
    """The hash a conversation's twin is written as: what its KNN filters on (its scope tag, the tenant digest), its
    vector, the story it tells and its entry's key; no answer, no ``created_at`` (so the index tells entries from
    twins: :data:`ENTRY_ONLY`), no context: those are read from the entry when a twin is a candidate."""
    return {"scope": scope_tag, TENANT_ID: tenant_tag(tenant), VECTOR: vector, TOLD: told, TWIN: owner}


ENTRY_ONLY = "@created_at:[-inf +inf]"
"""A query every entry matches and no twin (:func:`twin_hash` writes no ``created_at``): ``cache stats`` counts."""


def read_answer(doc_id: str, fields: Mapping[str, str]) -> CachedAnswer:
    """A stored answer from the fields a query returned (decoded to text)."""
    return CachedAnswer(
        doc_id=doc_id,
        prompt=fields.get("prompt", ""),
        response=fields.get("response", ""),
        model=fields.get("model", ""),
        tenant=fields.get("tenant", ""),
        created_at=float(fields.get("created_at") or 0),
        prompt_tokens=int(fields.get("prompt_tokens") or 0),
        completion_tokens=int(fields.get("completion_tokens") or 0),
        cost_usd=float(cost) if (cost := fields.get("cost_usd")) else None,
    )


def whole(fields: Mapping[str, str]) -> bool:
    """Whether a stored answer's fields can be served: its question and answer not blank (the guards judge the
    question), its numbers readable and finite. Another Redis client may have deleted a field, blanked it or
    written text into a number; such an entry is no result (as one that expired), so a lookup that meets it goes
    on to the next candidate or the LLM, not to a failure that blinds the cache for every question near it, nor to
    an empty answer served as a hit."""
    prompt, response = fields.get("prompt"), fields.get("response")
    if not prompt or not response or prompt.isspace() or response.isspace():
        return False
    try:  # as read_answer reads them, without building the answer: ~1 µs a KNN row
        int(fields.get("prompt_tokens") or 0)
        int(fields.get("completion_tokens") or 0)
        return math.isfinite(float(fields.get("created_at") or 0)) and math.isfinite(float(fields.get("cost_usd") or 0))
    except ValueError:
        return False


def is_result(fields: Mapping[str, str]) -> bool:
    """Whether a KNN row is a result: a :func:`whole` entry, or a twin (a story and no ``created_at``: its answer
    is its entry's, checked when read)."""
    return whole(fields) or ("created_at" not in fields and bool(fields.get(TOLD)))


def similarity(fields: Mapping[str, str]) -> float:
    """A KNN row's similarity (a row without a distance counts as the farthest)."""
    return 1.0 - float(fields.get(DISTANCE, "2"))


def read_hit(doc_id: str, fields: Mapping[str, str]) -> SearchHit:
    """A search result from a KNN row."""
    answer = read_answer(doc_id, fields)
    return SearchHit(doc_id, answer.prompt, answer.response, answer.tenant, answer.model, similarity(fields))
