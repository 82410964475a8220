"""What the calculator is asked: one traffic scenario, validated once, with its defaults made explicit.

:class:`Scenario` is the one schema of the calculator's inputs: its fields, defaults and bounds (here, as
data) are what the API's request model, the CLI's options and the web form's limits are built from
(:func:`input_fields`), so every entry point takes the same inputs and rejects them with the same limits.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields, replace
from datetime import date

from nearhit.config import load_settings
from nearhit.economics.footprint import SECONDS_PER_DAY, Algorithm
from nearhit.economics.prices import LOCAL_EMBEDDER
from nearhit.embeddings.models import LOCAL_DIMENSION, MULTILINGUAL_DIMENSION, OPENAI_DIMENSIONS
from nearhit.errors import InvalidInput

# Dimensions of the embedders nearhit knows, so --dim can be left out for them.
EMBEDDING_DIMENSIONS = {
    LOCAL_EMBEDDER: LOCAL_DIMENSION,
    "local-multilingual": MULTILINGUAL_DIMENSION,
    **OPENAI_DIMENSIONS,
}
# About four bytes of English text per token (OpenAI's rule of thumb), to size prompts and answers.
BYTES_PER_TOKEN = 4
# An LLM answer streams after its first token: ~450 ms to first token and ~80 tokens/s, the figures
# nearhit's simulated provider uses (config.py) and typical of gpt-4o-class models.
LLM_FIRST_TOKEN_MS = 450.0
LLM_TOKENS_PER_SECOND = 80.0
# A cache hit: local embedding ~3 ms + KNN p50 0.37 ms + GET 0.10 ms (FACTS.md, this machine), rounded up.
HIT_LATENCY_MS = 5.0


@dataclass(frozen=True, slots=True)
class Bound:
    """An allowed range: ``lo < value`` when ``lo_open`` else ``lo <= value``, and ``value <= hi``."""

    lo: float
    hi: float
    lo_open: bool = False

    def check(self, name: str, value: float) -> None:
        """Raise :class:`InvalidInput` naming the field, the range and the value when it is outside."""
        above = value > self.lo if self.lo_open else value >= self.lo
        if not (above and value <= self.hi):
            low = f"> {self.lo:g}" if self.lo_open else f">= {self.lo:g}"
            raise InvalidInput(f"{name} must be {low} and <= {self.hi:g} (got {value!r})")


BOUNDS: dict[str, Bound] = {
    "requests_per_day": Bound(0, 1e10, lo_open=True),
    "hit_rate": Bound(0, 1),
    "input_tokens": Bound(1, 2_000_000),
    "output_tokens": Bound(0, 1_000_000),
    "embedding_tokens": Bound(0, 2_000_000),
    "dim": Bound(2, 16_384),
    "hnsw_m": Bound(2, 512),
    "ttl_seconds": Bound(1, 10 * 365 * SECONDS_PER_DAY),
    "distinct_share": Bound(0, 1),
    "prompt_bytes": Bound(0, 10_000_000),
    "response_bytes": Bound(0, 10_000_000),
    "headroom": Bound(0, 10),
    "yearly_growth": Bound(-0.99, 10),
    "years": Bound(1, 10),
    "llm_latency_ms": Bound(0, 600_000),
    "hit_latency_ms": Bound(0, 600_000),
    "input_price_per_mtok": Bound(0, 10_000),
    "output_price_per_mtok": Bound(0, 10_000),
    "embedding_price_per_mtok": Bound(0, 10_000),
    "redis_price_per_node_hour": Bound(0, 10_000),
}
INTEGERS = frozenset(
    {"input_tokens", "output_tokens", "embedding_tokens", "dim", "hnsw_m", "ttl_seconds", "prompt_bytes"}
    | {"response_bytes", "years"}
)
# Names are free text (a model genai-prices may know, a region of the price table), but never empty or huge.
TEXT_MAX_CHARS = {"model": 200, "embedding_model": 200, "region": 64}


@dataclass(frozen=True, slots=True)
class Scenario:
    """One traffic scenario. ``None`` means "derive it": see :meth:`resolved`. Every field has a default, the one
    ``nearhit calc``, ``POST /calculator/estimate`` and the web form start from (an example workload)."""

    requests_per_day: float = 100_000
    input_tokens: int = 500
    output_tokens: int = 300
    hit_rate: float = 0.3
    model: str = "gpt-4o"
    embedding_model: str = LOCAL_EMBEDDER
    embedding_tokens: int | None = None
    dim: int | None = None
    algorithm: Algorithm = "hnsw"
    hnsw_m: int | None = None
    """HNSW M; None: the index's own (``NEARHIT_HNSW_M``, 16 unless set), so memory follows the graph built."""
    ttl_seconds: int = SECONDS_PER_DAY
    distinct_share: float | None = None
    prompt_bytes: int | None = None
    response_bytes: int | None = None
    ha: bool = True
    region: str = "eastus2"
    headroom: float = 0.25
    yearly_growth: float = 0.0
    years: int = 3
    llm_latency_ms: float | None = None
    hit_latency_ms: float = HIT_LATENCY_MS
    input_price_per_mtok: float | None = None
    output_price_per_mtok: float | None = None
    embedding_price_per_mtok: float | None = None
    redis_price_per_node_hour: float | None = None
    as_of: date | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for name, bound in BOUNDS.items():
            value = getattr(self, name)
            if value is None:
                continue
            if name in INTEGERS and (isinstance(value, bool) or not isinstance(value, int)):
                raise InvalidInput(f"{name} must be a whole number (got {value!r})")
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise InvalidInput(f"{name} must be a number (got {value!r})")
            bound.check(name, value)
        if self.algorithm not in ("hnsw", "flat"):
            raise InvalidInput(f"algorithm must be 'hnsw' or 'flat' (got {self.algorithm!r})")
        for name, limit in TEXT_MAX_CHARS.items():  # the API's bounds: a name past them is not looked up, nor repeated
            value = getattr(self, name)
            if isinstance(value, str) and len(value) > limit:
                raise InvalidInput(f"{name} is {len(value):,} characters; the limit is {limit}")
        if not self.model.strip():
            raise InvalidInput("model must not be empty")
        if not self.embedding_model.strip():
            raise InvalidInput("embedding_model must not be empty (use 'local' for the free local embedder)")
        if self.dim is None and self.embedding_model not in EMBEDDING_DIMENSIONS:
            known = ", ".join(sorted(EMBEDDING_DIMENSIONS))
            raise InvalidInput(
                f"dim is required for embedding model {self.embedding_model!r} (known without it: {known})"
            )

    def resolved(self) -> Scenario:
        """A copy with every derived default filled in, so the answer shows what was assumed."""
        return replace(
            self,
            embedding_tokens=self.input_tokens if self.embedding_tokens is None else self.embedding_tokens,
            dim=EMBEDDING_DIMENSIONS[self.embedding_model] if self.dim is None else self.dim,
            hnsw_m=index_m() if self.hnsw_m is None else self.hnsw_m,
            distinct_share=1 - self.hit_rate if self.distinct_share is None else self.distinct_share,
            prompt_bytes=BYTES_PER_TOKEN * self.input_tokens if self.prompt_bytes is None else self.prompt_bytes,
            response_bytes=BYTES_PER_TOKEN * self.output_tokens if self.response_bytes is None else self.response_bytes,
            llm_latency_ms=self._llm_latency_ms(),
        )

    def _llm_latency_ms(self) -> float:
        """The LLM's full answer time, given or derived from ``output_tokens``; a derived one past its bound is
        refused naming what it came from (not as an ``llm_latency_ms`` the caller never gave)."""
        if self.llm_latency_ms is not None:
            return self.llm_latency_ms
        derived = LLM_FIRST_TOKEN_MS + 1000 * self.output_tokens / LLM_TOKENS_PER_SECOND
        limit = BOUNDS["llm_latency_ms"].hi
        if derived > limit:
            raise InvalidInput(
                f"output_tokens={self.output_tokens:,} takes {derived:,.0f} ms at {LLM_TOKENS_PER_SECOND:g} "
                f"tokens/s, over the LLM latency's bound of {limit:,.0f} ms: give llm_latency_ms "
                "(nearhit calc: --llm-latency-ms) or fewer output tokens"
            )
        return derived


def index_m() -> int:
    """The M the index is built with (``NEARHIT_HNSW_M``): the memory model's default."""
    return load_settings().hnsw_m


def scenario_defaults() -> dict[str, object]:
    """The default of every field (``None``: derived from the others)."""
    return {f.name: f.default for f in fields(Scenario) if f.default is not MISSING}


def input_fields() -> dict[str, dict[str, object]]:
    """Every bounded number of a scenario as the web form needs it: ``min``, ``max``, ``min_open``,
    ``integer``, and ``default`` when the field has one (``None``: derived from the others)."""
    defaults = scenario_defaults()
    described: dict[str, dict[str, object]] = {}
    for name, bound in BOUNDS.items():
        entry: dict[str, object] = {
            "min": bound.lo,
            "max": bound.hi,
            "min_open": bound.lo_open,
            "integer": name in INTEGERS,
        }
        if name in defaults:
            entry["default"] = defaults[name]
        described[name] = entry
    return described
