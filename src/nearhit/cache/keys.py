"""The one place that normalises prompts, builds scopes and names Redis keys.

Keys are SHA-256 digests, not MD5: a chosen MD5 collision would let one prompt overwrite (poison) the
cached answer of another.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nearhit import validate

# A data unit in bits, as the number guard reads it: a capital prefix with "b" ("2 Gb"), or a rate in "b"
# ("100 Mbps", "100 mbps"); case-folded, "Mbps" would read as the bytes one ("MBps").
_BITS = re.compile(r"(?<=\d)(\s*)(?:([KMGT])b|([KMGTkmgt])b(ps|/s))(?!\w)")
_TAG_SAFE = re.compile(r"^[0-9a-f]+$")


# Where case carries meaning: a code span (`String`, ```...```) and a command-line flag or mode outside one
# (-I, -rf, --Force, +X: as the code guard reads them; not the dash inside a word: "e-Mail").
_CASED = re.compile(r"(`+)[\s\S]*?\1|(?<![\w+-])(?:--?|\+)[A-Za-z][\w-]*")


def _fold_prose(text: str) -> str:
    """Case-fold all but code spans and flags, which keep their case: folded, "curl -I" (headers only) and
    "curl -i" (headers and body), `String` and `string` would be one exact entry, one served the other's
    answer before any guard reads them.

    A data unit in bits by its capitals ("Mbps", "Gb") is spelt out before folding ("mbit/s", "gbit"):
    folded, it would read as the bytes unit ("MBps") and the exact path would serve one for the other."""
    if "`" not in text and "-" not in text and "+" not in text:  # what every match of _CASED starts with
        return _fold(text)
    parts, start = [], 0
    for cased in _CASED.finditer(text):
        parts += [_fold(text[start : cased.start()]), cased[0]]
        start = cased.end()
    return "".join([*parts, _fold(text[start:])])


def _fold(prose: str) -> str:
    if "b" not in prose:  # every match of _BITS has a lower-case "b": nothing to spell out
        return prose.casefold()
    return _BITS.sub(lambda m: f"{m[1]}{m[2] or m[3]}bit{'/s' if m[4] else ''}", prose).casefold()


def _is_edge_noise(char: str) -> bool:
    category = unicodedata.category(char)
    return category.startswith("P") or category.startswith("Z") or category == "Cc"


def normalise(prompt: str) -> str:
    """NFKC, case-fold the prose (:func:`_fold_prose`), collapse white space, strip surrounding punctuation.

    "  What is  RAG? " and "what is rag" become the same text, so the exact path hits for both.

    Every lookup runs this before its first round trip, so it skips what provably finds nothing: a regex's
    search where the text lacks a character each match needs; white space split and joined by ``str.split``
    (the same characters as ``\\s``, each of them edge noise: the ends come out the same). The same text as the
    regexes alone (``tests/cache/test_normalise_fast.py``).
    """
    text = " ".join(_fold_prose(unicodedata.normalize("NFKC", prompt)).split())
    start, end = 0, len(text)
    while start < end and _is_edge_noise(text[start]):
        start += 1
    while end > start and _is_edge_noise(text[end - 1]):
        end -= 1
    return text[start:end]


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@functools.lru_cache(maxsize=4096)
def name_digest(name: str) -> str:
    """The 16 hex characters that stand for a tenant or a model in a key name, worked out once per name: a lookup's
    reads name its tenant twice and its model once, each a SHA-256 (~2-6 µs of the event loop's CPU at load 10,
    before the first round trip; issue 18, eighteenth session)."""
    return sha256_hex(name)[:16]


def _digest_of(parts: Sequence[object]) -> str:
    # JSON encoding keeps field boundaries unambiguous: ("a b", "c") and ("a", "b c") differ.
    return sha256_hex(json.dumps(list(parts), ensure_ascii=False, separators=(",", ":")))


SCOPED_OPTIONS = frozenset(
    {"stop", "seed", "logit_bias", "response_format", "tools", "tool_choice", "parallel_tool_calls"}
)
"""The request options (OpenAI's field names) that change the answer: a cached answer is only served to a
request that sent the same ones. Others (``user``, ``top_p``, the penalties) are forwarded but not scoped;
``user`` is scoped when a setting says so (:func:`scoped_options`)."""


def scoped_options(*, user: bool = False) -> frozenset[str]:
    """The options that scope an answer: ``SCOPED_OPTIONS``, plus ``user`` when each end user must get only
    answers generated for them (``NEARHIT_GATEWAY_SCOPE_USER``)."""
    return SCOPED_OPTIONS | {"user"} if user else SCOPED_OPTIONS


def options_digest(options: Mapping[str, Any]) -> str:
    """A canonical digest of request options that change the answer (tools, response format, stop, seed...):
    keys sorted, no white space, so the same options written in another order give the same digest."""
    if not options:
        return ""
    return sha256_hex(json.dumps(options, sort_keys=True, ensure_ascii=False, separators=(",", ":")))


@dataclass(frozen=True)
class Scope:
    """Which entries a lookup may match: same model, system prompt, earlier turns, tenant, namespace within
    the tenant, and answer-changing options (tools, response format, stop, seed, logit bias).

    Only the digests of the system prompt, the history and the options are kept; the scope ``id`` (a hex
    digest) is what the index filters on, so no user text ever reaches the query syntax. Without options and
    namespace the id is the one earlier versions computed, so existing entries stay reachable.
    """

    model: str = "default"
    tenant: str = "default"
    system_hash: str = ""
    history_hash: str = ""
    options_hash: str = ""
    namespace: str = ""
    search_hash: str | None = None
    """What the semantic path is scoped by instead of ``history_hash`` (None: the same). A conversation whose
    earlier turns are matched by meaning (:mod:`nearhit.cache.conversation`) is searched without them."""
    id: str = field(init=False)
    search_id: str = field(init=False)
    """The scope the index filters a KNN on and an entry is tagged with; ``id`` keys the exact path."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", self._digest(self.history_hash))
        search = self.history_hash if self.search_hash is None else self.search_hash
        object.__setattr__(self, "search_id", self._digest(search))

    def _digest(self, history_hash: str) -> str:
        parts = [self.model, self.tenant, self.system_hash, history_hash]
        if self.options_hash or self.namespace:
            parts += [self.options_hash, self.namespace]
        return _digest_of(parts)

    @classmethod
    def build(
        cls,
        *,
        model: str = "default",
        tenant: str = "default",
        system_prompt: str | None = None,
        history: Sequence[Sequence[str]] = (),
        options: Mapping[str, Any] | None = None,
        namespace: str | None = None,
        scoped: frozenset[str] = SCOPED_OPTIONS,
        search_history: Sequence[Sequence[str]] | None = None,
    ) -> Scope:
        """A scope from the caller's context. ``history`` is the earlier (role, content, ...) turns;
        ``options`` the request's fields (JSON values), of which those in ``scoped`` scope it;
        ``search_history`` what scopes the semantic path instead of ``history`` (None: ``history``)."""
        model, tenant = validate.label(model, "model"), validate.label(tenant, "tenant")
        space = validate.label(namespace, "namespace") if namespace else ""
        system_hash = sha256_hex(system_prompt) if system_prompt else ""
        history_hash = _history_digest(history)
        return cls(
            model=model,
            tenant=tenant,
            system_hash=system_hash,
            history_hash=history_hash,
            options_hash=options_digest({k: v for k, v in (options or {}).items() if k in scoped}),
            namespace=space,
            search_hash=None if search_history is None else _history_digest(search_history),
        )


_HASH_TAG = re.compile(r"\{[0-9a-f]{16}\}")
_PER_TENANT_KINDS = ("emb", "rewrite", "verdict", "twins")
"""The kinds of key kept under a tenant's part (``<index>:<kind>:<tenant digest>:...``), which its clear deletes."""
ADMIN_EMBEDDINGS = "admin"
"""The tenant part of an admin's stored embeddings (a search over every tenant): no tenant's digest (16 hex)."""
TENANT_TAG_CHARS = 16


def tenant_hash_tag(tenant: str) -> str:
    """The hash tag (``{<16 hex>}``) that puts one tenant's keys and index in one cluster slot."""
    return "{" + sha256_hex(tenant)[:TENANT_TAG_CHARS] + "}"


def _history_digest(history: Sequence[Sequence[str]]) -> str:
    return _digest_of([list(turn) for turn in history]) if history else ""


@dataclass(frozen=True)
class KeySpace:
    """Key names under one prefix (``nearhit:<index name>:``), so nearhit never touches others' keys.

    ``sharded`` (a cluster without a search coordinator): each tenant has its own index and keys named
    ``<index name>{<tenant digest>}`` (:meth:`for_tenant`), so the index and every key of a tenant live in one
    hash slot, on one shard. The index-wide keys (counters, evidence, telemetry) stay single keys."""

    index_name: str
    root: str = "nearhit"
    sharded: bool = False

    def for_tenant(self, tenant: str) -> KeySpace:
        """The keys of ``tenant``: these on a single layout, the tenant's tagged ones in a sharded layout."""
        if not self.sharded:
            return self
        return KeySpace(self.index_name + tenant_hash_tag(tenant), self.root)

    def owner_of(self, doc_id: str) -> KeySpace:
        """The (tenant's) key space an entry id belongs to: where its observations live beside it."""
        if self.sharded:
            head = f"{self.root}:{self.index_name}"
            tag = _HASH_TAG.match(doc_id, len(head)) if doc_id.startswith(head) else None
            if tag is not None:
                return KeySpace(self.index_name + tag.group(0), self.root)
        return self

    @property
    def hash_tag(self) -> str:
        """The tenant hash tag in this key space's name, or "" (a single layout, or the sharded base)."""
        tag = _HASH_TAG.search(self.index_name)
        return tag.group(0) if tag else ""

    @property
    def entry_pattern(self) -> str:
        """A SCAN pattern for the entries (every tenant's in a sharded layout)."""
        if self.sharded:
            return f"{self.root}:{self.index_name}{{*}}:entry:*"
        return self.entry_prefix + "*"

    @property
    def observations_pattern(self) -> str:
        if self.sharded:
            return f"{self.root}:{self.index_name}{{*}}:observations:*"
        return self.observations_prefix + "*"

    @property
    def entry_prefix(self) -> str:
        return f"{self.root}:{self.index_name}:entry:"

    @property
    def stats_key(self) -> str:
        return f"{self.root}:{self.index_name}:stats"

    @property
    def clears(self) -> str:
        """The count of clears of every tenant (``INCR``), read by a miss and again once its answer is written: a
        changed count means a clear ran meanwhile, and the answer, generated before it, is deleted. In a sharded
        layout one per tenant (this key space's), under its hash tag, so a lookup reads it in its own slot."""
        return f"{self.root}:{self.index_name}:clears"

    def tenant_clears(self, tenant: str) -> str:
        """The count of clears of ``tenant``'s entries (or of one of its scopes), beside :attr:`clears`."""
        own = self.for_tenant(tenant)
        return f"{own.root}:{own.index_name}:clears:{name_digest(tenant)}"

    def clears_of(self, tenant: str) -> tuple[str, str]:
        """The two counts a miss of ``tenant``'s reads: every tenant's clears, and its own."""
        return self.for_tenant(tenant).clears, self.tenant_clears(tenant)

    @property
    def telemetry_stream(self) -> str:
        return f"{self.root}:{self.index_name}:telemetry:events"

    @property
    def telemetry_tenant_events(self) -> str:
        """The prefix of each tenant's own copy of its newest events (``<prefix><tenant digest>``)."""
        return f"{self.root}:{self.index_name}:telemetry:tenant:"

    @property
    def telemetry_totals(self) -> str:
        return f"{self.root}:{self.index_name}:telemetry:totals"

    @property
    def near_markers(self) -> str:
        """The prefix of each process's near cache marker (``<prefix><process's id>``): outside the entries', which
        every reader of them takes for hashes, and so untracked (``cache.near``)."""
        return f"{self.root}:{self.index_name}:near-marker:"

    def rate_limit(self, identity: str, minute: int) -> str:
        """One caller's counters for one minute. The hash tag keeps a caller's minutes in one cluster slot, so
        the limiter's script may read two of them at once."""
        return f"{self.root}:{self.index_name}:ratelimit:{{{sha256_hex(identity)[:32]}}}:{minute}"

    def served(self, request_id: str) -> str:
        """Which entry a request was served (for feedback that names the request), kept briefly."""
        return f"{self.root}:{self.index_name}:served:{sha256_hex(request_id)[:32]}"

    def flight_lock(self, digest: str) -> str:
        """Who generates the answer to one flight key (cross-process single-flight); its events are beside it,
        under the same hash tag."""
        return f"{self.root}:{self.index_name}:flight:{{{digest}}}:lock"

    def flight_events(self, digest: str) -> str:
        return f"{self.root}:{self.index_name}:flight:{{{digest}}}:events"

    def flight_listening(self, digest: str) -> str:
        """Set, for a moment, by every follower still reading a flight: its leader's call outlives the leader's
        own requests while it is there."""
        return f"{self.root}:{self.index_name}:flight:{{{digest}}}:listening"

    @property
    def observations_prefix(self) -> str:
        return f"{self.root}:{self.index_name}:observations:"

    def observations(self, doc_id: str) -> str:
        """An entry's labelled observations (negatives and positives), in the entry's slot."""
        return self.owner_of(doc_id).observations_prefix + sha256_hex(doc_id)[:32]

    @property
    def evidence_key(self) -> str:
        """Every labelled observation of the index, counted per similarity bin."""
        return f"{self.root}:{self.index_name}:evidence"

    @property
    def telemetry_buckets(self) -> str:
        """The prefix of the per-period telemetry aggregates (``<prefix><seconds>:<start>``)."""
        return f"{self.root}:{self.index_name}:telemetry:bucket:"

    def entry(self, scope: Scope, normalised_prompt: str) -> str:
        """The entry's key: the exact path is one read of this key, no embedding needed."""
        return self.for_tenant(scope.tenant).entry_prefix + entry_digest(scope, normalised_prompt)

    def embedding(self, tenant: str | None, model_name: str, normalised_text: str) -> str:
        """A stored embedding of ``tenant`` (None: an admin's, over every tenant), in this key space (the tenant's,
        under its hash tag in a sharded layout: read in the entry's round trip). Kept per tenant: a store shared by
        every tenant answered a text another tenant had embedded faster (44 ms against 72 ms through
        ``/cache/search``), so a tenant could tell whether anyone had asked exactly that text lately. Under the
        index's prefix and the tenant's part, so a clear finds them (:meth:`tenant_parts`): outside it
        (``nearhit:emb:``), a cleared tenant's texts stayed in Redis for a week."""
        owner = ADMIN_EMBEDDINGS if tenant is None else name_digest(tenant)
        return f"{self.root}:{self.index_name}:emb:{owner}:{name_digest(model_name)}:{sha256_hex(normalised_text)}"

    def embeddings_patterns(self) -> list[str]:
        """SCAN patterns for every stored embedding of the index (each tenant's and an admin's, which a sharded
        layout keeps outside the tenants' hash tags); one tenant's: :meth:`tenant_parts`."""
        if not self.sharded:
            return [self._every_tenants("emb")]
        return [self._every_tenants("emb"), f"{self.root}:{self.index_name}:emb:*"]

    def rewrite(self, tenant: str, model_name: str, digest: str) -> str:
        """A conversation's question rewritten to stand alone by ``model_name`` (``digest``: of its turns),
        under its tenant's part so clearing a tenant finds its rewrites (:meth:`tenant_parts`)."""
        return f"{self.root}:{self.index_name}:rewrite:{name_digest(tenant)}:{name_digest(model_name)}:{digest}"

    def rewrites_pattern(self) -> str:
        """A SCAN pattern for every tenant's kept rewrites."""
        return self._every_tenants("rewrite")

    def verdict(self, tenant: str, model_name: str, digest: str) -> str:
        """A model's verdict on serving an entry to a conversation (``digest``: of the pair), under its tenant's part
        so clearing a tenant finds its verdicts (:meth:`tenant_parts`)."""
        return f"{self.root}:{self.index_name}:verdict:{name_digest(tenant)}:{name_digest(model_name)}:{digest}"

    def verdicts_pattern(self) -> str:
        """A SCAN pattern for every tenant's kept verdicts."""
        return self._every_tenants("verdict")

    def twins_mark(self, tenant: str, told: str) -> str:
        """The mark that single questions of a scope (``told``: where its stories told as one question are
        indexed) have conversations' twins to search, under its tenant's part so clearing a tenant finds it."""
        own = self.for_tenant(tenant)
        return f"{own.root}:{own.index_name}:twins:{name_digest(tenant)}:{told}"

    def twins_marks_pattern(self) -> str:
        """A SCAN pattern for every tenant's twins marks."""
        return self._every_tenants("twins")

    def tenant_parts(self, tenant: str) -> tuple[str, re.Pattern[str]]:
        """What ``tenant`` keeps under its part beside its entries (its stored vectors, rewrites, verdicts and twins
        marks): one SCAN pattern for all four kinds, so a clear of the tenant walks the keyspace once (four walks made
        an evaluation's per-pair clean-up a third slower), and the form its keys take. The pattern's ``*`` for the
        kind may also take another tenant's key whose later part is this tenant's digest (a model's name digest,
        the same for a tenant named as the model): the form refuses it."""
        name = f"{self.root}:{self.for_tenant(tenant).index_name}"
        digest = name_digest(tenant)
        kinds = "|".join(_PER_TENANT_KINDS)
        return f"{name}:*:{digest}:*", re.compile(f"{re.escape(name)}:(?:{kinds}):{digest}:")

    def _every_tenants(self, kind: str) -> str:
        """A SCAN pattern for every tenant's keys of ``kind`` (in a sharded layout, under every tenant's hash tag)."""
        name = f"{self.index_name}{{*}}" if self.sharded else self.index_name
        return f"{self.root}:{name}:{kind}:*:*"

    def is_entry_key(self, key: str) -> bool:
        prefix = self.owner_of(key).entry_prefix
        digest = key.removeprefix(prefix)
        return key.startswith(prefix) and len(digest) == 64 and bool(_TAG_SAFE.match(digest))


def entry_digest(scope: Scope, normalised_prompt: str) -> str:
    return sha256_hex(scope.id + "\x00" + normalised_prompt)


_SPACES = re.compile(r"\s+")


def exact_text(text: str) -> str:
    """What the exact key compares of a prompt or a turn: :func:`normalise`, but a wordless text
    (:func:`nearhit.validate.wordless`) keeps its punctuation, white space and case aside ("?" and "..." would
    both normalise to "")."""
    if validate.wordless(text):
        return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()
    return normalise(text)
