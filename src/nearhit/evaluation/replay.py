"""``nearhit eval --replay``: labelled pairs played as traffic against the error-bounded cache.

Every pair's ``a`` is stored (its own scope, as in ``nearhit eval``), then every ``b`` is asked, in a seeded
random order, for several passes. The pair's label is the oracle: it plays the user's feedback on every hit
served and the judge on every candidate withheld (the LLM would have answered; the label says whether the
cached answer would have been right). ``b`` is never stored, so a later pass asks the same questions of the
same entries and shows what the cache learned. It runs on a scratch index of its own (entries, labels and
counters), dropped afterwards, so the evidence of the configured index is never touched.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from redis.exceptions import RedisError

from nearhit.cache import KeySpace, SemanticCache, bounded
from nearhit.cache.client import unlink_each
from nearhit.cache.exploration_budget import OVER_BUDGET
from nearhit.cache.index import IndexSpec, drop_index
from nearhit.evaluation.dataset import Pair
from nearhit.evaluation.metrics import wilson
from nearhit.evaluation.runner import Ask, Progress, _quiet, scratch

WINDOW = 100
"""Lookups per window of the report over time."""


@dataclass
class Window:
    """``WINDOW`` consecutive lookups of a pass, and the wrong-hit rate of the whole replay up to their end."""

    start: int  # the first lookup of the window, counted from 1 within its pass
    lookups: int = 0
    served: int = 0
    wrong_hits: int = 0
    explorations: int = 0
    served_so_far: int = 0  # since the replay began, up to the window's end
    wrong_so_far: int = 0

    @property
    def wrong_per_hit(self) -> float:
        return self.wrong_hits / self.served if self.served else 0.0

    @property
    def upper_so_far(self) -> float:
        """One-sided 95% upper bound of the wrong-hit rate among everything served so far (1.0: none served)."""
        return bounded.wilson_upper(self.wrong_so_far, self.served_so_far)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {
            "wrong_per_hit": round(self.wrong_per_hit, 4),
            "wrong_per_hit_so_far_upper95": round(self.upper_so_far, 4),
        }


@dataclass(frozen=True)
class Probed:
    """One exploration: where it was, why, and what the label said the cached answer was worth."""

    similarity: float
    right: bool
    audit: bool
    reason: str


@dataclass
class PassReport:
    """One pass over every ``b``: what was served, what it cost to learn."""

    number: int
    lookups: int = 0
    should_hit: int = 0
    traps: int = 0
    hits: int = 0  # right answers served
    wrong_hits: int = 0
    explorations: int = 0  # withheld although the static decision would have served: an LLM call spent to learn
    audits: int = 0  # explorations inside the served region, to keep checking
    labelled_misses: int = 0  # withheld below the static threshold or vetoed: labelled from the answer the miss got
    refused: int = 0  # labelled misses the static decision would have served, refused on the index's own labels
    refused_right: int = 0  # ... whose cached answer the label said was right (what refusing them cost)
    verified: int = 0  # hits served because the same question was labelled right for the entry before
    over_budget: int = 0  # hits served on the static decision past the exploration budget, wrong ones among them
    over_budget_wrong: int = 0
    served_from: float = 1.01  # after the pass: the lowest similarity a new question is served at (1.01: none)
    windows: list[Window] = field(default_factory=list)
    explored: list[Probed] = field(default_factory=list)  # every exploration, to see where the pass spends them
    served_wrong: list[Probed] = field(default_factory=list)  # every wrong hit, with how it was served

    @property
    def recall(self) -> float:
        return self.hits / self.should_hit if self.should_hit else 0.0

    @property
    def wrong_rate(self) -> float:
        """Wrong hits over traps (as ``nearhit eval`` counts them)."""
        return self.wrong_hits / self.traps if self.traps else 0.0

    @property
    def wrong_per_hit(self) -> float:
        """Wrong hits over hits served: what the bound is on."""
        served = self.hits + self.wrong_hits
        return self.wrong_hits / served if served else 0.0

    @property
    def exploration_rate(self) -> float:
        return self.explorations / self.lookups if self.lookups else 0.0

    def to_dict(self) -> dict[str, Any]:
        served = self.hits + self.wrong_hits
        return asdict(self) | {
            "windows": [w.to_dict() for w in self.windows],
            "recall": round(self.recall, 4),
            "wrong_rate": round(self.wrong_rate, 4),
            "wrong_rate_ci95": wilson(self.wrong_hits, self.traps),
            "wrong_per_hit": round(self.wrong_per_hit, 4),
            "wrong_per_hit_ci95": wilson(self.wrong_hits, served),
            "exploration_rate": round(self.exploration_rate, 4),
        }


async def replay(
    cache: SemanticCache,
    pairs: Sequence[Pair],
    *,
    bound: float,
    passes: int = 3,
    seed: int = 0,
    max_exploration_rate: float | None = None,
    progress: Progress = _quiet,
) -> list[PassReport]:
    """Play ``pairs`` ``passes`` times through a scratch copy of ``cache`` with ``NEARHIT_MAX_WRONG_RATE=bound``
    (and ``NEARHIT_MAX_EXPLORATION_RATE=max_exploration_rate``, None: no cap)."""
    if passes < 1:
        raise ValueError("passes must be at least 1")
    name = f"replay_{uuid.uuid4().hex[:10]}"
    spec = replace(cache.spec, name=name, keys=KeySpace(name))
    learner = SemanticCache(
        cache.redis,
        cache.embedder,
        spec,
        threshold=cache.threshold,
        max_prompt_chars=cache.max_prompt_chars,
        guards=cache.guards,
        decision=cache.decision,
        candidates=cache.candidates,
        max_wrong_rate=bound,
        max_exploration_rate=max_exploration_rate,
        prior=cache.prior,
        seed=seed,
        fitted_margins=cache.fitted_margins,
        given_threshold_margins=cache.given_threshold_margins,
        conversation_strict=cache.conversation_strict,
    )
    order = random.Random(seed)
    reports: list[PassReport] = []
    so_far = (0, 0)  # hits served, wrong ones among them, since the replay began
    try:
        await learner.setup()
        async with scratch(learner, pairs, progress=progress) as asks:
            for number in range(1, passes + 1):
                report = PassReport(number)
                indices = list(range(len(pairs)))
                order.shuffle(indices)
                for done, i in enumerate(indices, 1):
                    if (done - 1) % WINDOW == 0:
                        report.windows.append(Window(done))
                    before = report.hits, report.wrong_hits, report.explorations
                    await _ask(learner, pairs[i], asks[i], report)
                    so_far = _tally(report, before, so_far)
                    if done % 100 == 0 or done == len(indices):
                        progress(f"replay pass {number}", done, len(indices))
                _, histogram = await learner.feedback.state([], histogram=True)
                assert histogram is not None
                report.served_from = bounded.served_from(histogram.plus(learner.judge_prior()), bound)[0]
                reports.append(report)
    finally:
        await _drop(learner, spec)
    return reports


def _tally(report: PassReport, before: tuple[int, int, int], so_far: tuple[int, int]) -> tuple[int, int]:
    """Count the lookup just asked (``report`` against its counts ``before``) in the pass's last window;
    returns ``so_far`` (hits served, wrong ones among them, since the replay began) with it."""
    right, wrong, explored = (
        now - then for now, then in zip((report.hits, report.wrong_hits, report.explorations), before, strict=True)
    )
    window = report.windows[-1]
    window.lookups += 1
    window.served += right + wrong
    window.wrong_hits += wrong
    window.explorations += explored
    window.served_so_far, window.wrong_so_far = so_far[0] + right + wrong, so_far[1] + wrong
    return window.served_so_far, window.wrong_so_far


async def _ask(cache: SemanticCache, pair: Pair, ask: Ask, report: PassReport) -> None:
    result = await cache.lookup(ask())
    report.lookups += 1
    report.should_hit += pair.same_answer
    report.traps += not pair.same_answer
    if result.hit:
        report.verified += bool(result.bound and result.bound.get("verified"))
        over_budget = bool(result.bound and result.bound["reason"] == OVER_BUDGET)
        report.over_budget += over_budget
        report.over_budget_wrong += over_budget and not pair.same_answer
        if pair.same_answer:
            report.hits += 1
        else:
            report.wrong_hits += 1
            how = f"{result.match}: {result.bound['reason']}" if result.bound else str(result.match)
            report.served_wrong.append(Probed(round(result.similarity or 0.0, 4), False, False, how))
        if result.match == "semantic" and result.embedding is not None and result.answer is not None:
            # the oracle plays the user's feedback on what was served
            await cache.label(
                result.answer.doc_id, result.embedding, result.similarity or 0.0, pair.same_answer, "feedback"
            )
        return
    probe = result.probe
    if probe is None or result.embedding is None:
        return
    if probe.exploration:
        report.explorations += 1
        audit = bool(result.bound and result.bound["audit"])
        report.audits += audit
        reason = str(result.bound["reason"]) if result.bound else ""
        report.explored.append(Probed(round(probe.similarity, 4), pair.same_answer, audit, reason))
    else:
        report.labelled_misses += 1
        refused = bool(result.bound and result.bound["refused"])
        report.refused += refused
        report.refused_right += refused and pair.same_answer
    await cache.label(  # as the judge
        probe.doc_id, result.embedding, probe.similarity, pair.same_answer, "oracle", counted=not probe.vetoed
    )


async def _drop(cache: SemanticCache, spec: IndexSpec) -> None:
    try:
        await cache.finish()  # a counters flush still due would write the scratch stats key after the drop
        await drop_index(cache.redis, spec.name, delete_entries=True)
        keys = [key async for key in cache.redis.scan_iter(match=f"{spec.keys.root}:{spec.name}:*", count=1000)]
        for start in range(0, len(keys), 500):
            await unlink_each(cache.redis, keys[start : start + 500])  # key by key: they lie in many slots
    except (RedisError, OSError):
        pass  # a scratch index left behind is harmless; the next replay uses a new name
