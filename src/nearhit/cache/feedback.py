"""Feedback and labelled observations in Redis: the thin persistence layer under :mod:`nearhit.cache.bounded`.

- ``served:<request id>``: which entry a request was served, for :data:`SERVED_TTL_S` (feedback may name the
  request instead of the entry; the gateway's and the API's responses carry its id in ``x-request-id``). A
  caller chooses its request id, so each record is kept twice: under the tenant and the id, which is all a
  tenant's feedback reads (another tenant reusing the id cannot overwrite it), and under the id alone, the
  newest of any tenant, for an admin's feedback.
- ``observations:<entry>``: the entry's newest :data:`MAX_OBSERVATIONS` labelled queries (embedding, similarity
  to the entry, right or wrong), a list that expires with the entry.
- ``evidence``: the labels of the index counted per similarity bin (what the bound is computed from); a
  caller's "right" verdict counts for its entry only.
- Counters (``feedback_wrong``, ``feedback_right``, ``feedback_rejections``, ``explorations``, ...) in the
  cache's stats hash.
"""

from __future__ import annotations

import math
import struct
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from redis.exceptions import RedisError, ResponseError

from nearhit.cache import bounded
from nearhit.cache.client import RedisClient, read_once, reads, wrong_type
from nearhit.cache.index import as_text
from nearhit.cache.keys import KeySpace, sha256_hex

SERVED_TTL_S = 3600
SERVED_FLUSH_S = 0.1
"""How long a served record may wait in memory to be written with others (feedback finds it there meanwhile)."""
MAX_OBSERVATIONS = 32
Verdict = Literal["wrong", "right"]
LabelSource = Literal["feedback", "judge", "answer", "oracle"]
LABEL_COUNTERS = ("labels_feedback", "labels_judge", "labels_answer", "labels_oracle")
"""Counted in the pipeline of every observation written, after it (:meth:`FeedbackStore.observe`), and deleted
only with all the observations (``clear``): while all are zero, no entry of the index has an observation."""
LABELS_KEPT_S = 60.0
"""How long a cluster's lookups take "the index may have labels" as known, without reading the cache-wide stats
key again: that key lives on one shard, and every tenant's lookup read it, so while that shard failed over every
tenant's semantic lookups failed. Labels only go from none to some (but for a ``clear``): a stale "some" costs a
lookup the read of its candidates' observations (in its own slot), which finds none."""
COUNTERS = (
    "feedback_wrong",
    "feedback_right",
    "feedback_rejections",
    "explorations",
    "audits",
    "bound_refusals",
    *LABEL_COUNTERS,
)
"""``bound_refusals``: candidates the static decision would serve, withheld because the index's own labels show
the wrong rate over the bound wherever they could be served (:func:`nearhit.cache.bounded.refuted`): the LLM is
called because the evidence says no, not to learn (so no exploration)."""
_HEAD = struct.Struct("<?f")  # right, similarity; the float32 embedding follows
JUDGED_PREFIX = "judged:"
"""A field of an entry's hash that marks a verdict already counted on it: read by no lookup."""
_MARK_IF_THERE = (  # never creates the hash: an entry key holding a lone mark would be a hash the index reads
    "if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end return redis.call('HSETNX', KEYS[1], ARGV[1], 1)"
)


@dataclass(frozen=True)
class Served:
    """A semantic or exact hit, as remembered for feedback on its request."""

    request_id: str
    doc_id: str
    tenant: str
    prompt: str
    similarity: float


def pack(observation: bounded.Observation) -> bytes:
    return _HEAD.pack(observation.right, observation.similarity) + observation.vector.astype(np.float32).tobytes()


def unpack(raw: bytes) -> bounded.Observation:
    right, similarity = _HEAD.unpack_from(raw)
    return bounded.Observation(bool(right), float(similarity), np.frombuffer(raw[_HEAD.size :], dtype=np.float32))


class FeedbackStore:
    """Reads and writes feedback state for one index (one :class:`KeySpace`)."""

    def __init__(self, redis: RedisClient, keys: KeySpace) -> None:
        self.redis = redis
        self.keys = keys
        self._unwritten: dict[tuple[str, str], Served] = {}
        self._labelled_until = -math.inf

    def remember_served(self, served: Served) -> None:
        """Queue which entry a request was served; :meth:`write_served` writes the queue in one round trip
        (a hit does not pay one of its own), :meth:`served` finds it in the queue meanwhile."""
        self._unwritten.pop((served.tenant, served.request_id), None)  # re-queued: the newest is last
        self._unwritten[(served.tenant, served.request_id)] = served

    def _served_key(self, request_id: str, tenant: str | None) -> str:
        # A request id has no control character (nearhit.api.middleware), so the separator is unambiguous.
        return self.keys.served(request_id if tenant is None else f"{tenant}\x1f{request_id}")

    async def write_served(self) -> None:
        """Write the queued served records, each kept :data:`SERVED_TTL_S`, in one plain pipeline (each key's HSET,
        then its EXPIRE): no transaction, which would span the slots of several keys, and a cluster or a sharded
        Redis Enterprise database behind its proxy refuses that (``tests/cache/test_slot_safety.py``). Each stays
        queued until its write has an answer: taken off before, feedback on its request sent meanwhile found it
        neither queued nor written yet (a 404 "no served answer" for a request that was served, a loaded machine's)."""
        batch = dict(self._unwritten)
        if not batch:
            return
        try:
            await self._write(batch)
        finally:  # written, or lost as before (statistics); one re-queued meanwhile is newer: kept for its own write
            for key, served in batch.items():
                if self._unwritten.get(key) is served:
                    del self._unwritten[key]

    async def _write(self, batch: dict[tuple[str, str], Served]) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for served in batch.values():
                mapping = {
                    "doc_id": served.doc_id,
                    "tenant": served.tenant,
                    "prompt": served.prompt,
                    "similarity": served.similarity,
                }
                for key in (
                    self._served_key(served.request_id, served.tenant),
                    self._served_key(served.request_id, None),
                ):
                    pipe.hset(key, mapping=mapping)  # type: ignore[arg-type]
                    pipe.expire(key, SERVED_TTL_S)
            await pipe.execute()

    async def served(self, request_id: str, tenant: str | None = None) -> Served | None:
        """The hit request ``request_id`` of ``tenant`` got (None: of any tenant, the newest), or None when
        unknown or older than SERVED_TTL_S."""
        queued = [s for (t, r), s in self._unwritten.items() if r == request_id and tenant in (None, t)]
        if queued:
            return queued[-1]
        try:
            fields = await self.redis.hgetall(self._served_key(request_id, tenant))
        except ResponseError as exc:
            if not wrong_type(exc):
                raise
            fields = {}  # another client's string or list at the record's key: no record
        text = {as_text(k): as_text(v) for k, v in fields.items()}
        try:
            served = Served(request_id, text["doc_id"], text["tenant"], text["prompt"], float(text["similarity"]))
        except (KeyError, ValueError):
            return None  # none, or edited by another client (a field missing, not a number): no record
        return served if math.isfinite(served.similarity) else None

    async def state(
        self, doc_ids: Iterable[str], *, histogram: bool
    ) -> tuple[dict[str, list[bounded.Observation]], bounded.Histogram | None]:
        """The observations of these entries, and (if asked) the index's histogram: one round trip."""
        ids = list(dict.fromkeys(doc_ids))
        # Sent by :func:`reads`: on a cluster, a read of a healthy shard that another shard's failover fails on the
        # way is tried again there, not by redis-py's pipeline (which closes every node's connections and sleeps).
        replies = await reads(
            self.redis,
            [
                *(("LRANGE", self.keys.observations(doc_id), 0, MAX_OBSERVATIONS - 1) for doc_id in ids),
                *([("HGETALL", self.keys.evidence_key)] if histogram else []),
            ],
        )
        observations = {doc_id: [unpack(raw) for raw in reply] for doc_id, reply in zip(ids, replies, strict=False)}
        return observations, _histogram(replies[-1]) if histogram else None

    def labels_probe(self) -> tuple[str, ...]:
        """The read :meth:`any_labels` answers from, as a command, for a round trip the caller makes anyway. The
        counters are written in the pipeline of every observation, after it: a lookup racing a first label may miss
        that one label once, never read a wrong one."""
        return ("HMGET", self.keys.stats_key, *LABEL_COUNTERS)

    @staticmethod
    def any_labels(probe: list[Any]) -> bool:
        """Whether the index may hold observations (the reply of :meth:`labels_probe`): when not, a
        lookup skips reading them (a round trip saved on every semantic hit of an index nobody labelled)."""
        return any(value is not None and int(value) != 0 for value in probe)

    async def may_have_labels(self) -> bool:
        """:meth:`any_labels` read on its own (a cluster, where the probe's key is on another shard than the
        lookup's): a "yes" is kept :data:`LABELS_KEPT_S`, and a read that fails (the stats key's shard down or
        failing over) is a "maybe" (the safe side: the observations are read), kept as long, so the lookups of
        the other shards' tenants neither fail nor wait on that shard meanwhile."""
        if time.monotonic() < self._labelled_until:
            return True
        try:
            probe = await read_once(self.redis, *self.labels_probe())
        except (RedisError, OSError):
            probe = None
        if probe is None or self.any_labels(probe):
            self._labelled_until = time.monotonic() + LABELS_KEPT_S
            return True
        return False

    async def observe(
        self, doc_id: str, observation: bounded.Observation, source: LabelSource, *, counted: bool = True
    ) -> None:
        """Keep a label with the entry (newest MAX_OBSERVATIONS) and, unless it is a caller's "right" (or not
        ``counted``: a pair a guard vetoed), in the index's histogram: a caller can thus verify its own entries
        and narrow what the index serves, but never widen it for every tenant by sending "right" many times."""
        key = self.keys.observations(doc_id)
        ttl_ms = await self.redis.pttl(doc_id)
        if ttl_ms != -2:  # the entry is there (-1: it never expires); gone, its labels have nothing to go with
            # The list and its TTL in one MULTI/EXEC (one key: one slot on a cluster too): a connection lost midway
            # never leaves the list without the entry's TTL.
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.lpush(key, pack(observation))
                pipe.ltrim(key, 0, MAX_OBSERVATIONS - 1)
                if ttl_ms > 0:
                    pipe.pexpire(key, ttl_ms)  # the labels go with the entry
                await pipe.execute()
        # Not in that MULTI: the entry and the index-wide counters may be in other slots (a cluster, a sharded
        # Enterprise database refuse a transaction across them). A label is statistics; an interrupted pipeline
        # loses at most part of one.
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.exists(doc_id)
            self._evidence(pipe, observation.right, observation.similarity, source, counted=counted)
            there, *_ = await pipe.execute()
        if not there and ttl_ms != -2:
            # Deleted or expired since the PTTL: whoever deleted it may have dropped its labels before this list
            # was written, and a list of a never-expiring entry would have stayed for ever.
            await self.redis.delete(key)

    async def observe_gone(self, similarity: float, source: LabelSource) -> None:
        """A "wrong" label on a pair whose entry is gone (expired, deleted): nothing to keep it with, but the pair
        was served at ``similarity`` and was wrong, which is what the index's histogram counts."""
        async with self.redis.pipeline(transaction=False) as pipe:
            self._evidence(pipe, False, similarity, source)
            await pipe.execute()

    def _evidence(
        self, pipe: Any, right: bool, similarity: float, source: LabelSource, *, counted: bool = True
    ) -> None:
        if counted and not (source == "feedback" and right):
            pipe.hincrby(self.keys.evidence_key, f"{'r' if right else 'w'}:{bounded.bin_of(similarity)}", 1)
        pipe.hincrby(self.keys.stats_key, f"labels_{source}", 1)

    async def first_verdict(self, key: str, verdict: Verdict, question: str) -> bool:
        """Whether this is the first ``verdict`` on the entry ``key``'s answer for ``question``: marked now in the
        entry's hash, so the mark lives, expires and is replaced with it. One verdict of each kind counts per
        answer and question, however often it is sent: a caller repeating "wrong" must not weigh in the index-wide
        histogram, which narrows what every tenant is served, as many users would. An entry gone meanwhile has
        nothing to mark: counted (as the verdict on a gone entry is)."""
        field = f"{JUDGED_PREFIX}{verdict}:{sha256_hex(question)[:32]}"
        marked = await self.redis.eval(_MARK_IF_THERE, 1, key, field)  # type: ignore[misc]
        return int(marked) != 0

    async def first_verdict_on_gone(self, request_id: str, tenant: str | None, verdict: Verdict) -> bool:
        """:meth:`first_verdict` for a request whose entry is gone: marked beside its served record, as long as that
        is kept (feedback may name the request until then)."""
        mark = self._served_key(f"{JUDGED_PREFIX}{verdict}\x1f{request_id}", tenant)
        return bool(await self.redis.set(mark, 1, nx=True, ex=SERVED_TTL_S))

    async def count(self, name: str, amount: int = 1) -> None:
        await self.redis.hincrby(self.keys.stats_key, name, amount)

    async def counters(self) -> dict[str, int]:
        values = await self.redis.hmget(self.keys.stats_key, list(COUNTERS))
        return {name: int(value or 0) for name, value in zip(COUNTERS, values, strict=True)}

    async def forget(self, doc_id: str) -> None:
        """Drop an entry's observations (its answer was replaced or deleted)."""
        await self.redis.delete(self.keys.observations(doc_id))


def _histogram(fields: dict[Any, Any] | list[Any]) -> bounded.Histogram:
    """The histogram in an ``HGETALL`` reply: a dict (a cluster's, parsed by redis-py) or its raw field, value list."""
    right, wrong = [0] * bounded.BINS, [0] * bounded.BINS
    pairs = fields.items() if isinstance(fields, dict) else zip(fields[::2], fields[1::2], strict=True)
    for raw_name, raw_value in pairs:
        kind, _, index = as_text(raw_name).partition(":")
        if index.isdigit() and int(index) < bounded.BINS:
            (right if kind == "r" else wrong)[int(index)] += int(raw_value)
    return bounded.Histogram(tuple(right), tuple(wrong))
