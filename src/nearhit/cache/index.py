"""The vector index: its schema as data, its creation and checks, and the queries that run on it.

Schema and queries are built with RedisVL (escaping included); the hot KNN query is executed as one raw
``FT.SEARCH`` so a lookup pays for a single round trip and a flat reply parse.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal

from redis.commands.search.index_definition import IndexDefinition, IndexType
from redis.exceptions import ResponseError
from redisvl.query import VectorQuery
from redisvl.query.filter import FilterExpression, Tag
from redisvl.schema import IndexSchema

from nearhit.cache import entry
from nearhit.cache.client import RedisClient, hash_reads, on_index
from nearhit.cache.entry import DISTANCE, TENANT_ID, VECTOR, tenant_tag
from nearhit.cache.keys import KeySpace
from nearhit.errors import IndexMismatch, RedisUnavailable

HybridPolicy = Literal["auto", "batches", "adhoc_bf"]


@dataclass(frozen=True)
class IndexSpec:
    """What the index must look like for the configured embedder."""

    name: str
    keys: KeySpace
    dimension: int
    algorithm: Literal["hnsw", "flat"] = "hnsw"
    m: int = 16  # HNSW graph links per node (index creation; memory grows with it)
    ef_construction: int = 200  # HNSW build breadth (index creation)
    # How a filtered KNN searches an HNSW graph (query-time only; FLAT takes neither). The breadth follows the
    # index's size: ``ef_runtime_small`` below ``small_below`` documents, ``ef_runtime`` up to ``large_at``,
    # ``ef_runtime_large`` from there (either bound 0: that tier never).
    ef_runtime: int = 100
    hybrid_policy: HybridPolicy = "batches"
    ef_runtime_large: int = 200
    large_at: int = 150_000
    ef_runtime_small: int = 50
    small_below: int = 20_000

    @property
    def follows_size(self) -> bool:
        """Whether the search breadth depends on the index's size (worth reading it)."""
        large = self.large_at > 0 and self.ef_runtime_large != self.ef_runtime
        small = self.small_below > 0 and self.ef_runtime_small != self.ef_runtime
        return self.algorithm == "hnsw" and (large or small)

    def ef_runtime_at(self, docs: int | None) -> int:
        """``EF_RUNTIME`` for an index of ``docs`` documents (None: not read yet, the middle breadth). A filtered
        HNSW search at 250k entries with 100 served 90-93% of what an exact search serves, 98% with 200; at 100k
        100 serves 99%. Up to 20k, 50 finds what 100 finds, 0.1-0.26 ms sooner (benchmarks/README.md, issue 18,
        thirteenth session)."""
        if not self.follows_size or docs is None:
            return self.ef_runtime
        if self.large_at > 0 and docs >= self.large_at:
            return self.ef_runtime_large
        return self.ef_runtime_small if docs < self.small_below else self.ef_runtime

    def for_tenant(self, tenant: str) -> IndexSpec:
        """The index that holds ``tenant``'s entries: this one, or the tenant's own in a sharded layout."""
        return self.named(self.keys.for_tenant(tenant).index_name) if self.keys.sharded else self

    def named(self, name: str) -> IndexSpec:
        """This spec for another index name (a tenant's index found by listing them), over that name's keys."""
        return replace(self, name=name, keys=KeySpace(name, self.keys.root))

    def tenant_indexes(self, names: Iterable[str]) -> list[str]:
        """Which of the listed index names are this (sharded) spec's tenant indexes."""
        pattern = re.compile(re.escape(self.name) + r"\{[0-9a-f]{16}\}")
        return sorted(name for name in names if pattern.fullmatch(name))

    def schema(self) -> IndexSchema:
        vector_attrs: dict[str, Any] = {
            "dims": self.dimension,
            "algorithm": self.algorithm,
            "distance_metric": "cosine",
            "datatype": "float32",
        }
        if self.algorithm == "hnsw":
            vector_attrs |= {"m": self.m, "ef_construction": self.ef_construction}
        return IndexSchema.from_dict(
            {
                "index": {"name": self.name, "prefix": self.keys.entry_prefix, "storage_type": "hash"},
                "fields": [
                    *({"name": name, "type": "tag", "attrs": {"case_sensitive": True}} for name in entry.INDEXED_TAGS),
                    *({"name": name, "type": "numeric"} for name in entry.INDEXED_NUMBERS),
                    {"name": VECTOR, "type": "vector", "attrs": vector_attrs},
                ],
            }
        )


async def ensure_index(redis: RedisClient, spec: IndexSpec) -> None:
    """Create the index if missing; if present, check it fits (dimension, algorithm, HNSW M and EF_CONSTRUCTION)
    or fail loudly."""
    info = await index_info(redis, spec.name)
    if info is None:
        await _create(redis, spec)
        return
    check_shape(info, spec)


def check_shape(info: dict[str, Any], spec: IndexSpec) -> None:
    """Raise :class:`IndexMismatch` when the index ``info`` (``FT.INFO``) describes was made in another shape than
    ``spec``'s: at start-up, and by the health check (another client may drop and re-make it while nearhit runs)."""
    if TENANT_ID not in _attribute_names(info):
        raise IndexMismatch(
            f"index {spec.name!r} has the old shape (the tenant as a case-folded TAG, which mixes tenants that "
            "differ in case, commas or spaces): run `nearhit cache rebuild` to migrate it (entries are kept)"
        )
    differences = _shape_differences(info, spec)
    if differences:
        raise IndexMismatch(
            f"index {spec.name!r} was made in another shape ({'; '.join(differences)}): its entries would be searched "
            "wrongly or not at all. Rebuild it (`nearhit cache rebuild`: entries are kept) or set VECTOR_INDEX_NAME "
            "to a new name"
        )
    vector = _vector_attribute(info)
    found_dim = int(vector["dim"]) if "dim" in vector else None
    found_algorithm = as_text(vector["algorithm"]) if "algorithm" in vector else None
    if found_dim != spec.dimension:
        raise IndexMismatch(
            f"index {spec.name!r} holds {found_dim}-d vectors but the embedder makes {spec.dimension}-d ones "
            "(was it made with another NEARHIT_EMBEDDER or embedding model?); its entries cannot be searched with "
            "this embedder: drop them (`nearhit cache rebuild --drop-entries`) or set VECTOR_INDEX_NAME to a new name"
        )
    if found_algorithm and found_algorithm.lower() != spec.algorithm:
        raise IndexMismatch(
            f"index {spec.name!r} is {found_algorithm} but NEARHIT_INDEX_ALGORITHM is {spec.algorithm}; "
            "rebuild it (`nearhit cache rebuild`) or change the setting"
        )
    if spec.algorithm == "hnsw":
        for field, variable, wanted in (
            ("m", "NEARHIT_HNSW_M", spec.m),
            ("ef_construction", "NEARHIT_HNSW_EF_CONSTRUCTION", spec.ef_construction),
        ):
            if field in vector and int(vector[field]) != wanted:
                raise IndexMismatch(
                    f"index {spec.name!r} was built with HNSW {field.upper()} {int(vector[field])} but {variable} "
                    f"is {wanted}; rebuild it (`nearhit cache rebuild`) or change the setting"
                )


async def _create(redis: RedisClient, spec: IndexSpec) -> None:
    """``FT.CREATE`` from the RedisVL schema, sent as one command: a cluster client routes it by the index name
    to the shard that owns it (RedisVL's own ``create`` sends it to the cluster's default node)."""
    schema = spec.schema()
    definition = IndexDefinition(prefix=[spec.keys.entry_prefix], index_type=IndexType.HASH)
    fields = [arg for field in schema.redis_fields for arg in field.redis_args()]
    try:
        await on_index(redis, "FT.CREATE", spec.name, *definition.args, "SCHEMA", *fields)
    except ResponseError as exc:
        if "already exists" not in str(exc).lower():
            raise  # else another process (or request) created it meanwhile: it is there, as wanted


async def check_query_engine(redis: RedisClient) -> None:
    """Fail with a clear message when the server has no Query Engine (the search module)."""
    modules = await redis.execute_command("MODULE", "LIST")
    names = {as_text(_text_keys(module).get("name", b"")).lower() for module in modules}
    if "search" not in names and "searchlight" not in names:
        version = (await redis.info("server")).get("redis_version", "?")
        raise RedisUnavailable(
            f"this Redis ({version}) has no Query Engine: use Redis 8, Redis Stack or Azure Managed Redis "
            "(Enterprise clustering policy with the RediSearch module)"
        )


def is_missing_index(exc: ResponseError) -> bool:
    """Whether Redis said the index does not exist (the wording differs between commands and versions)."""
    text = str(exc).lower()
    return "unknown index name" in text or "no such index" in text


async def index_info(redis: RedisClient, name: str) -> dict[str, Any] | None:
    """``FT.INFO`` as a dict, or None when the index does not exist."""
    try:
        raw = await on_index(redis, "FT.INFO", name)
    except ResponseError as exc:
        if is_missing_index(exc):
            return None
        raise
    return _text_keys(raw)


async def drop_index(redis: RedisClient, name: str, *, delete_entries: bool) -> bool:
    """Drop the index (and, with ``delete_entries``, every document it covers). False if there was none."""
    try:
        if delete_entries:
            await on_index(redis, "FT.DROPINDEX", name, "DD")
        else:
            await on_index(redis, "FT.DROPINDEX", name)
    except ResponseError as exc:
        if is_missing_index(exc):
            return False
        raise
    return True


def knn_query(
    vector: bytes,
    *,
    k: int,
    filter_expression: FilterExpression | None,
    spec: IndexSpec,
    ef_runtime: int | None = None,
) -> VectorQuery:
    """The KNN query: ``k`` nearest entries, pre-filtered (by scope, tenant, ...).

    On HNSW it carries ``EF_RUNTIME`` (``ef_runtime``, else the spec's for a small index) and ``HYBRID_POLICY``:
    a filtered HNSW search with Redis's defaults loses paraphrases at 100k entries and falls back to a
    brute-force scan at 10k (benchmarks/README.md).
    """
    ef = spec.ef_runtime if ef_runtime is None else ef_runtime
    hnsw = spec.algorithm == "hnsw"
    filtered = filter_expression is not None  # a policy only means something for a filtered (hybrid) query
    policy = spec.hybrid_policy.upper() if hnsw and filtered and spec.hybrid_policy != "auto" else None
    return VectorQuery(
        vector=vector,
        vector_field_name=VECTOR,
        return_fields=list(entry.RETURNED),
        filter_expression=filter_expression,
        num_results=k,
        return_score=True,
        ef_runtime=ef if hnsw and policy != "ADHOC_BF" else None,  # Redis rejects EF with ADHOC_BF
        hybrid_policy=policy,
    )


def scope_filter(scope_id: str) -> FilterExpression:
    return Tag("scope") == scope_id


def tenant_filter(tenant: str) -> FilterExpression:
    return Tag(TENANT_ID) == tenant_tag(tenant)


async def write_tenant_tags(redis: RedisClient, keys: list[str]) -> None:
    """Give entries written before ``TENANT_ID`` existed their tenant digest (``nearhit cache rebuild``)."""
    tenants = await hash_reads(redis, [("HGET", key, "tenant") for key in keys])
    async with redis.pipeline(transaction=False) as pipe:
        for key, tenant in zip(keys, tenants, strict=True):
            # An entry that expired meanwhile is left alone (HSET would revive it), and so is another client's key.
            if tenant is not None:
                pipe.hset(key, TENANT_ID, tenant_tag(as_text(tenant)))
        await pipe.execute()


def search_command(index_name: str, query: VectorQuery) -> list[Any]:
    """A KNN query as one raw ``FT.SEARCH`` command (name first), for a client or a pipeline."""
    params: list[Any] = ["PARAMS", 2 * len(query.params)]
    for name, value in query.params.items():
        params += [name, value]
    return ["FT.SEARCH", index_name, *query.get_args(), *params]


@dataclass(frozen=True)
class ScopedKnn:
    """A lookup's KNN on one index, in one scope, for ``k`` results, as a raw ``FT.SEARCH`` whose every argument
    but the vector is built once (:func:`scoped_knn`): building the query object per lookup cost ~50 µs."""

    args: tuple[Any, ...]
    vector_at: int
    as_json: dict[str, Any]

    def command(self, vector: bytes) -> list[Any]:
        """The command for this vector (name first), for a client or a pipeline."""
        args = list(self.args)
        args[self.vector_at] = vector
        return args

    def json(self) -> dict[str, Any]:
        """The query that ran, for the debug surfaces (:func:`query_as_json`): a copy the caller may keep."""
        return {**self.as_json, "params": dict(self.as_json["params"])}


@functools.lru_cache(maxsize=4096)
def scoped_knn(spec: IndexSpec, index_name: str, scope_id: str, k: int, ef_runtime: int | None = None) -> ScopedKnn:
    """The KNN a lookup sends in ``scope_id`` (:func:`knn_query` with :func:`scope_filter`), on ``index_name``
    (``spec``'s, or a tenant's), remembered per (index, scope, k, search breadth)."""
    placeholder = bytes(4 * spec.dimension)  # a float32 vector's length: the JSON shows it, the command replaces it
    query = knn_query(placeholder, k=k, filter_expression=scope_filter(scope_id), spec=spec, ef_runtime=ef_runtime)
    args = search_command(index_name, query)
    vector_at = next(i for i, arg in enumerate(args) if arg is placeholder)
    # The arguments after the index's name go to redis-py as bytes, which it packs as they are: a text or a
    # number it encodes anew on every call (the KNN packed in ~30 µs instead of ~55). The name and the index's
    # name stay text: redis-py routes (a cluster) and reads replies by them.
    packed = (*args[:2], *map(_as_bytes, args[2:]))
    return ScopedKnn(packed, vector_at, query_as_json(query, index_name))


def _as_bytes(arg: str | int | float | bytes) -> bytes:
    """An argument as redis-py's encoder sends it (UTF-8 text, a number's ``repr``)."""
    if isinstance(arg, bytes):
        return arg
    return (arg if isinstance(arg, str) else repr(arg)).encode()


async def run_knn(redis: RedisClient, index_name: str, query: VectorQuery) -> list[tuple[str, dict[str, str]]]:
    """Execute a KNN query; returns (key, fields) pairs nearest first, fields decoded to text."""
    return await run_search(redis, search_command(index_name, query))


async def run_search(redis: RedisClient, command: list[Any]) -> list[tuple[str, dict[str, str]]]:
    """Execute a raw ``FT.SEARCH`` (:func:`search_command`, :meth:`ScopedKnn.command`) on the index's shard."""
    return parse_search_reply(await on_index(redis, *command))


_FIELD_NAMES = {name.encode(): name for name in (*entry.RETURNED, DISTANCE)}
"""The names a lookup's KNN returns, read back without decoding each (~10 µs of a three-row reply)."""


def parse_search_reply(reply: list[Any]) -> list[tuple[str, dict[str, str]]]:
    """Turn a RESP2 ``FT.SEARCH`` reply ``[total, key, [f, v, ...], ...]`` into (key, fields) pairs.

    A key whose fields come back nil is left out: it expired (or was deleted) after the index listed it and
    before Redis removed it from the index. It is no longer an entry, so it is not a result. So is one another
    client edited past serving (:func:`entry.is_result`).
    """
    rows = []
    for position in range(1, len(reply), 2):
        key = as_text(reply[position])
        values = reply[position + 1] if position + 1 < len(reply) else None
        if not values:
            continue
        # Names and values taken in turn from one iterator, values decoded in place (no call per field): a
        # three-row reply in ~13 µs instead of ~20 (``benchmarks/README.md``, seventh session).
        items = iter(values)
        fields = {
            _FIELD_NAMES.get(f) or as_text(f): v.decode("utf-8", "replace") if type(v) is bytes else str(v)
            for f, v in zip(items, items, strict=True)
        }
        if entry.is_result(fields):
            rows.append((key, fields))
    return rows


def query_as_json(query: VectorQuery, index_name: str) -> dict[str, Any]:
    """The query that ran, for the debug surfaces (UI hover card, CLI --json). The vector is elided."""
    return {
        "command": "FT.SEARCH",
        "index": index_name,
        "query": str(query.query_string()),
        "params": {name: _param_as_json(value) for name, value in query.params.items()},
        "return_fields": [*entry.RETURNED, DISTANCE],
        "sort_by": DISTANCE,
        "dialect": 2,
    }


def _param_as_json(value: Any) -> Any:
    return f"<{len(value)} bytes>" if isinstance(value, bytes) else value


def _shape_differences(info: dict[str, Any], spec: IndexSpec) -> list[str]:
    """How an existing index differs from ``spec`` in what decides which entries it holds and how near they read: the
    key prefix, each indexed field and its type, the vector's metric and type. Another client's index, or one an
    older nearhit made, may differ in any of them, and none is an error to Redis: an L2 index reads every similarity
    otherwise, a FLOAT16 one or another prefix indexes none of the entries, an index without ``scope`` finds no
    candidate (hv62)."""
    definition = _text_keys(info.get("index_definition", []))
    prefixes = [as_text(prefix) for prefix in definition.get("prefixes", [])]
    found = [] if prefixes == [spec.keys.entry_prefix] else [f"key prefix {', '.join(prefixes) or 'none'}"]
    types = {name: kind for name, kind, _ in _attributes(info)}
    wanted = {name: "TAG" for name in entry.INDEXED_TAGS} | {name: "NUMERIC" for name in entry.INDEXED_NUMBERS}
    for name, kind in wanted.items():
        if types.get(name) != kind:
            found.append(f"field {name} {'missing' if name not in types else 'a ' + types[name]} (wanted a {kind})")
    vector = _vector_attribute(info)
    for key, want in (("distance_metric", "COSINE"), ("data_type", "FLOAT32")):
        if key in vector and as_text(vector[key]).upper() != want:
            found.append(f"vector {key.replace('_', ' ')} {as_text(vector[key])} (wanted {want})")
    return found


def _attributes(info: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Each field of ``FT.INFO``: its name, its type (upper case) and its properties, keys lower-cased."""
    found = []
    for attribute in info.get("attributes", []):
        fields = {k.lower(): v for k, v in _text_keys(attribute).items()}
        name = as_text(fields.get("attribute", fields.get("identifier", b"")))
        found.append((name, as_text(fields.get("type", b"")).upper(), fields))
    return found


def _attribute_names(info: dict[str, Any]) -> set[str]:
    return {name for name, _, _ in _attributes(info)}


def _vector_attribute(info: dict[str, Any]) -> dict[str, Any]:
    """The vector field's ``FT.INFO`` attribute, keys lower-cased (dim, algorithm, m, ef_construction...)."""
    for _, kind, fields in _attributes(info):
        if kind == "VECTOR":
            if "dims" in fields and "dim" not in fields:
                fields["dim"] = fields["dims"]
            return fields
    return {}


def _pairs(flat: Any) -> dict[Any, Any]:
    if isinstance(flat, dict):
        return flat
    items = list(flat)
    return {items[i]: items[i + 1] for i in range(0, len(items) - 1, 2)}


def _text_keys(flat: Any) -> dict[str, Any]:
    return {as_text(k): v for k, v in _pairs(flat).items()}


def as_text(value: Any) -> str:
    """A Redis reply value as text (RESP2 gives bytes)."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
