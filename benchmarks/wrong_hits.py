"""Wrong hits, dev and test apart: nearhit vs plain cosine vs RedisVL's SemanticCache, same embedder.

On fow-cache's question and conversation pairs (data: Mabon ap Gwyn, CC BY 4.0,
https://creativecommons.org/licenses/by/4.0/) and on nearhit's own two sets (``nearhit``, ``nearhit-v2``), each cut
into dev and test by id (``nearhit.evaluation.splits``), all with the local all-MiniLM-L6-v2 (int8) embedder:

- nearhit: the real cache path (``nearhit.evaluation``), conversations scoped by their earlier turns. The
  default (the calibrated decision, ``nearhit.decision``, fitted on the DEV splits) and the guards as vetoes (the
  quiet band under the threshold served) are each looked up at the default threshold, as ``nearhit eval`` runs
  them: the default row counts what ``nearhit eval -d questions --split dev`` (and ``-d nearhit``) counts, the
  vetoes' row what the same with ``NEARHIT_DECISION=false`` counts. The guards as vetoes are also looked up at
  similarity 0 and re-judged at the threshold ``nearhit calibrate --max-wrong`` picks on the DEV split of
  fow-cache's questions (never on test); re-judged so, a row sees neither the quiet band nor the decision.
- plain cosine >= 0.90 / 0.95: the cosine of the two prompts, nothing else (for conversations, of the
  last user messages, which is what a prompt-only cache compares).
- RedisVL ``SemanticCache`` at its default ``distance_threshold=0.1``, fed the prompt's vector (its vectorizer is
  the same embedder on the same text: embedded once, with plain cosine's; for conversations the last user
  message: it has no notion of earlier turns), each pair isolated by a tag filter.

Every rate has its Wilson 95% interval. Test figures are aggregates only: no test pair is printed.
Prints Markdown tables.

    .venv/bin/python benchmarks/wrong_hits.py [--max-wrong 0.02]   # 3-5 min on 2 loaded cores; REDIS_URL or embedded
    .venv/bin/python benchmarks/wrong_hits.py --splits dev          # the dev splits only: no test pair is run
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from nearhit import evaluation, redis_server
from nearhit.cache import SemanticCache
from nearhit.cache.index import drop_index
from nearhit.config import DEFAULT_SIMILARITY_THRESHOLD, Settings, load_settings
from nearhit.decision import Decision, load_model
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation import Outcome, Pair, split_of
from nearhit.evaluation.runner import Judge
from nearhit.evaluation.scratch_index import OFFLINE_REDIS_TIMEOUT_S
from nearhit.guards.guard_set import DEFAULT_QUIET_MARGIN
from nearhit.service import bootstrap
from stages import Stages  # run from benchmarks/


def passes(cache: SemanticCache, settings: Settings) -> tuple[dict[str, Judge], dict[str, float]]:
    """The judges and their thresholds: the default decision as configured and the guards as vetoes (with their
    quiet band) as ``NEARHIT_DECISION=false`` builds them, both at the configured threshold, as ``nearhit eval``
    runs them; and the vetoes at similarity 0 (``at 0``) for the rows re-judged at another floor
    (``Outcome.at``), which sees neither a quiet band nor the decision."""
    judges = {
        "decision": Decision(cache.guards, threshold=settings.decision_threshold),
        "vetoes": cache.guards,
        "at 0": cache.guards,
    }
    return judges, {"at 0": 0.0}


async def nearhit_measured(
    url: str, embedder: LocalEmbedder, datasets: dict[str, list[Pair]]
) -> dict[str, dict[str, list[Outcome]]]:
    """Each dataset through the real path with the default settings (the guards on, the decision built by
    :func:`passes`, whatever the environment says): the passes of :func:`passes`."""
    settings = load_settings(
        redis_url=url,
        index_name=f"wrong_hits_{uuid.uuid4().hex[:8]}",
        guards=True,
        decision=False,
        redis_timeout=OFFLINE_REDIS_TIMEOUT_S,  # thousands of lookups on a loaded machine, as `nearhit eval`
    )
    cache = await bootstrap.open_cache(settings, embedder)
    try:
        judges, thresholds = passes(cache, settings)
        return {
            name: await evaluation.evaluate(cache, pairs, guard_sets=judges, thresholds=thresholds)
            for name, pairs in datasets.items()
        }
    finally:
        await drop_index(cache.redis, cache.spec.name, delete_entries=True)
        await cache.close()


def prompt_vectors(embedder: LocalEmbedder, pairs: Sequence[Pair]) -> tuple[np.ndarray, np.ndarray]:
    """Each pair's two prompts as given, embedded once (in batches) for plain cosine and RedisVL both: RedisVL's
    vectorizer is this embedder on the same text, so it is handed the vector instead of embedding it again."""
    return embedder.encode([p.a.prompt for p in pairs]), embedder.encode([p.b.prompt for p in pairs])


def plain_cosine(pairs: Sequence[Pair], a: np.ndarray, b: np.ndarray) -> list[Outcome]:
    """Cosine of the two prompts as given, measured at threshold 0 (no scope, no guards)."""
    return [
        Outcome(p.id, p.category, p.same_answer, 0.0, None, float(sim), None, 0.0, lang=p.lang)
        for p, sim in zip(pairs, (a * b).sum(axis=1), strict=True)
    ]


async def redisvl(
    url: str, embedder: LocalEmbedder, pairs: Sequence[Pair], a: np.ndarray, b: np.ndarray
) -> list[Outcome]:
    from redisvl.extensions.cache.llm import SemanticCache
    from redisvl.query.filter import Tag
    from redisvl.utils.vectorize import CustomVectorizer

    async def aembed(text: str, **_: object) -> list[float]:
        return [float(x) for x in (await embedder.embed([text]))[0]]

    vectorizer = CustomVectorizer(embed=lambda text, **_: embedder.encode([text])[0].tolist(), aembed=aembed)
    cache = SemanticCache(
        name=f"rvl_wrong_hits_{uuid.uuid4().hex[:8]}",
        redis_url=url,
        vectorizer=vectorizer,
        filterable_fields=[{"name": "pair", "type": "tag"}],
    )
    outcomes = []
    try:
        for start in range(0, len(pairs), 64):
            chunk = pairs[start : start + 64]
            await asyncio.gather(
                *(
                    cache.astore(
                        p.a.prompt,
                        f"answer for {p.id}",
                        vector=a[start + i].tolist(),
                        filters={"pair": f"p{start + i}"},
                    )
                    for i, p in enumerate(chunk)
                )
            )
        for n, p in enumerate(pairs):
            began = time.perf_counter()
            hits = await cache.acheck(vector=b[n].tolist(), filter_expression=Tag("pair") == f"p{n}")
            ms = (time.perf_counter() - began) * 1000
            similarity = 1 - float(hits[0]["vector_distance"]) if hits else None
            outcomes.append(
                Outcome(
                    p.id, p.category, p.same_answer, 0.9, "semantic" if hits else None, similarity, None, ms, p.lang
                )
            )
    finally:
        await cache.adelete()
        await cache.adisconnect()
    return outcomes


def rate(part: int, whole: int) -> str:
    """``k/n (p%, 95% CI a–b%)``: a count with its share and Wilson interval."""
    interval = evaluation.wilson(part, whole)
    if interval is None:
        return "-"
    low, high = interval
    return f"{part}/{whole} ({100 * part / whole:.1f}%, {100 * low:.0f}–{100 * high:.0f}%)"


def summary_table(title: str, systems: dict[str, list[Outcome]]) -> str:
    lines = [
        f"#### {title}",
        "",
        "| system | served should-hit (recall, 95% CI) | wrong hits on traps (95% CI) | precision | F1 |",
        "|---|---|---|---|---|",
    ]
    for name, outcomes in systems.items():
        s = evaluation.scores(outcomes)
        precision = f"{s.precision:.3f}" if s.precision is not None else "-"
        f1 = f"{s.f1:.3f}" if s.f1 is not None else "-"
        lines.append(f"| {name} | {rate(s.hits, s.should_hit)} | {rate(s.wrong_hits, s.traps)} | {precision} | {f1} |")
    return "\n".join(lines)


def category_table(systems: dict[str, list[Outcome]]) -> str:
    names = list(systems)
    rows = {name: {(c.category, c.same_answer): c for c in evaluation.by_category(o)} for name, o in systems.items()}
    keys = list(rows[names[0]])
    lines = [
        "| category | kind | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    for key in sorted(keys, key=lambda k: (k[1], k[0])):
        cells = [rate(rows[n][key].served, rows[n][key].total) for n in names]
        kind = "should hit" if key[1] else "trap (wrong hits)"
        lines.append(f"| {key[0]} | {kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def language_table(systems: dict[str, list[Outcome]]) -> str:
    names = list(systems)
    per = {name: evaluation.by_language(o) for name, o in systems.items()}
    lines = [
        "| language | " + " | ".join(f"{n}: recall / wrong hits" for n in names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for lang in per[names[0]]:
        cells = [
            f"{rate(per[n][lang].hits, per[n][lang].should_hit)} / {rate(per[n][lang].wrong_hits, per[n][lang].traps)}"
            for n in names
        ]
        lines.append(f"| {lang} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def part(outcomes: list[Outcome], split: str) -> list[Outcome]:
    return [o for o in outcomes if split_of(o.pair_id) == split]


SETS = ("questions", "conversations", "nearhit", "nearhit-v2")


def measured_sets(splits: Sequence[str]) -> dict[str, list[Pair]]:
    """Each set's pairs of the splits asked for: a split left out is never loaded into a cache or a table."""
    return {name: [pair for pair in evaluation.load(name) if split_of(pair.id) in splits] for name in SETS}


async def run(url: str, max_wrong: float, splits: Sequence[str], stages: Stages) -> str:
    embedder = LocalEmbedder()
    datasets = measured_sets(splits)
    began = time.perf_counter()
    with stages("nearhit: every pair through the real path"):
        measured = await nearhit_measured(url, embedder, datasets)
    guarded = part(measured["questions"]["at 0"], "dev")
    chosen = evaluation.pick(evaluation.curve(guarded, evaluation.thresholds()), max_wrong)
    if chosen is None:
        sys.exit(f"no threshold keeps wrong hits within {max_wrong:.1%} on the questions' dev split")
    t, default, margin = chosen.threshold, DEFAULT_SIMILARITY_THRESHOLD, DEFAULT_QUIET_MARGIN
    model = load_model()
    score = model.threshold
    out = [
        "### all-MiniLM-L6-v2 (int8) for every system",
        "",
        f"nearhit's default: the calibrated decision (scored from {model.margin:.2f} under {default:.2f}, served "
        f"at score >= {score:g}), as `nearhit eval` runs it; it is fitted on the dev splits, so its dev rows here "
        "are in-sample: the honest dev estimate is the left-out one of `benchmarks/fit_decision_shared.py`. "
        f"`NEARHIT_DECISION=false`: all guards as vetoes at similarity >= {default:.2f}, and down to {margin:.2f} "
        "under it when no guard reads a difference (the quiet band); the guards as vetoes alone at the threshold "
        f"`calibrate --max-wrong {max_wrong}` picks on the dev split of fow-cache's questions ({t:.2f}), without "
        "the quiet band.",
    ]
    for name, pairs in datasets.items():
        with stages("the prompts embedded once, then plain cosine"):
            a, b = prompt_vectors(embedder, pairs)
            cosine = plain_cosine(pairs, a, b)
        with stages("RedisVL SemanticCache, pair by pair (vectors given)"):
            rvl = await redisvl(url, embedder, pairs, a, b)
        for split in splits:
            decided = part(measured[name]["decision"], split)
            systems = {
                f"nearhit default: the decision ({default:.2f}, score >= {score:g})": decided,
                f"nearhit guards as vetoes, NEARHIT_DECISION=false ({default:.2f}, quiet band {margin:.2f})": part(
                    measured[name]["vetoes"], split
                ),
                f"nearhit guards as vetoes, calibrated on dev ({t:.2f})": [
                    o.at(t) for o in part(measured[name]["at 0"], split)
                ],
                "plain cosine >= 0.90": [o.at(0.90) for o in part(cosine, split)],
                "plain cosine >= 0.95": [o.at(0.95) for o in part(cosine, split)],
                "RedisVL SemanticCache (distance 0.1)": part(rvl, split),
            }
            source = {"nearhit": "nearhit's own pairs", "nearhit-v2": "nearhit's second set (v2)"}.get(
                name, f"fow-cache {name}"
            )
            size = len(systems[next(iter(systems))])
            out += ["", summary_table(f"{source}, {split} split ({size} pairs)", systems)]
            if name != "conversations":
                out += ["", category_table(systems)]
            if name.startswith("nearhit"):
                out += ["", language_table(systems)]
            if name == "conversations":
                none = sum(o.similarity is None for o in decided)
                out += [
                    "",
                    f"nearhit: {none}/{size} lookups reported no similarity: no entry in scope, or the one there "
                    "under the threshold and refused for its earlier turns.",
                ]
    out += [
        "",
        f"({time.perf_counter() - began:.0f} s. Data: fow-cache, Mabon ap Gwyn, CC BY 4.0; nearhit's own pairs.)",
    ]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-wrong", type=float, default=0.02, help="wrong-hit bound for the calibration on dev")
    parser.add_argument(
        "--splits", nargs="+", choices=["dev", "test"], default=["dev", "test"], help="which splits are run"
    )
    args = parser.parse_args()
    if "dev" not in args.splits:
        parser.error("--splits: the calibration reads the dev split of fow-cache's questions: dev must be in")
    stages = Stages("wrong_hits.py")
    if os.environ.get("REDIS_URL"):
        print(asyncio.run(run(os.environ["REDIS_URL"], args.max_wrong, args.splits, stages)))
    else:
        with tempfile.TemporaryDirectory(prefix="nearhit-wrong-hits-") as data:
            server, _ = redis_server.ensure_running(Path(data))
            try:
                print(asyncio.run(run(server.url, args.max_wrong, args.splits, stages)))
            finally:
                redis_server.stop(Path(data))
    print()
    print(stages.table())


if __name__ == "__main__":
    main()
