"""Wrong hits: nearhit at its calibrated setting vs plain cosine vs RedisVL's SemanticCache, same embedder.

On fow-cache's question pairs and conversation pairs (data: Mabon ap Gwyn, CC BY 4.0,
https://creativecommons.org/licenses/by/4.0/), all with the local all-MiniLM-L6-v2 (int8) embedder:

- nearhit: the real cache path (``nearhit.evaluation``), all guards, at the threshold that
  ``nearhit calibrate --max-wrong`` picks on the questions; conversations scoped by their earlier turns.
- plain cosine >= 0.90 / 0.95: the cosine of the two prompts, nothing else (for conversations, of the
  last user messages, which is what a prompt-only cache compares).
- RedisVL ``SemanticCache`` at its default ``distance_threshold=0.1``, fed the prompt (for conversations the
  last user message: it has no notion of earlier turns), each pair isolated by a tag filter.

Also a held-out check: the threshold picked on even-numbered pairs, scored on the odd ones (the guards'
rules were written looking at the even ones). Prints Markdown tables.

    .venv/bin/python benchmarks/wrong_hits.py [--max-wrong 0.02]   # about a minute; REDIS_URL or embedded
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from nearhit import bootstrap, evaluation, redis_server
from nearhit.cache.index import drop_index
from nearhit.config import DEFAULT_SIMILARITY_THRESHOLD, load_settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation import CurvePoint, Outcome, Pair

Runs = dict[str, list[Outcome]]


async def nearhit_measured(url: str, embedder: LocalEmbedder, datasets: dict[str, list[Pair]]) -> Runs:
    """Each dataset through the real path once at threshold 0, all guards: re-judged at any threshold later."""
    settings = load_settings(redis_url=url, index_name=f"wrong_hits_{uuid.uuid4().hex[:8]}", guards=True)
    cache = await bootstrap.open_cache(settings, embedder)
    try:
        return {
            name: (await evaluation.evaluate(cache, pairs, threshold=0.0, guard_sets=evaluation.guard_sets("all")))[
                "all"
            ]
            for name, pairs in datasets.items()
        }
    finally:
        await drop_index(cache.redis, cache.spec.name, delete_entries=True)
        await cache.close()


def plain_cosine(embedder: LocalEmbedder, pairs: Sequence[Pair]) -> list[Outcome]:
    """Cosine of the two prompts as given, measured at threshold 0 (no scope, no guards)."""
    a = embedder.encode([p.a.prompt for p in pairs])
    b = embedder.encode([p.b.prompt for p in pairs])
    return [
        Outcome(p.id, p.category, p.same_answer, 0.0, None, float(sim), None, 0.0)
        for p, sim in zip(pairs, (a * b).sum(axis=1), strict=True)
    ]


async def redisvl(url: str, embedder: LocalEmbedder, pairs: Sequence[Pair]) -> list[Outcome]:
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
                    cache.astore(p.a.prompt, f"answer for {p.id}", filters={"pair": f"p{start + i}"})
                    for i, p in enumerate(chunk)
                )
            )
        for n, p in enumerate(pairs):
            began = time.perf_counter()
            hits = await cache.acheck(prompt=p.b.prompt, filter_expression=Tag("pair") == f"p{n}")
            ms = (time.perf_counter() - began) * 1000
            similarity = 1 - float(hits[0]["vector_distance"]) if hits else None
            outcomes.append(
                Outcome(p.id, p.category, p.same_answer, 0.9, "semantic" if hits else None, similarity, None, ms)
            )
    finally:
        await cache.adelete()
        await cache.adisconnect()
    return outcomes


def pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.1f}%)" if whole else "-"


def summary_table(title: str, systems: dict[str, list[Outcome]]) -> str:
    lines = [
        f"### {title}",
        "",
        "| system | served should-hit (recall) | wrong hits on traps | precision | F1 |",
        "|---|---|---|---|---|",
    ]
    for name, outcomes in systems.items():
        s = evaluation.scores(outcomes)
        precision = f"{s.precision:.3f}" if s.precision is not None else "-"
        f1 = f"{s.f1:.3f}" if s.f1 is not None else "-"
        lines.append(f"| {name} | {pct(s.hits, s.should_hit)} | {pct(s.wrong_hits, s.traps)} | {precision} | {f1} |")
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
        cells = [f"{rows[n][key].served}/{rows[n][key].total}" for n in names]
        kind = "should hit" if key[1] else "trap (wrong hits)"
        lines.append(f"| {key[0]} | {kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def held_out(measured: list[Outcome], max_wrong: float) -> str:
    def odd(o: Outcome) -> bool:
        return int(re.findall(r"\d+", o.pair_id)[-1]) % 2 == 1

    points = evaluation.thresholds()
    chosen = evaluation.pick(evaluation.curve([o for o in measured if not odd(o)], points), max_wrong)
    if chosen is None:
        return "held-out: no threshold qualifies on the even ids"
    s = evaluation.scores(o.at(chosen.threshold) for o in measured if odd(o))
    picked = chosen.scores
    return (
        f"Held-out check: picked on even ids: {chosen.threshold:.2f} (even: recall "
        f"{pct(picked.hits, picked.should_hit)}, wrong {pct(picked.wrong_hits, picked.traps)}); "
        f"on odd ids: recall {pct(s.hits, s.should_hit)}, wrong {pct(s.wrong_hits, s.traps)}."
    )


async def run(url: str, max_wrong: float) -> str:
    embedder = LocalEmbedder()
    datasets = {name: evaluation.load(name) for name in evaluation.BUILTIN}
    began = time.perf_counter()
    measured = await nearhit_measured(url, embedder, datasets)
    curve: list[CurvePoint] = evaluation.curve(measured["questions"], evaluation.thresholds())
    chosen = evaluation.pick(curve, max_wrong)
    if chosen is None:
        sys.exit(f"no threshold keeps wrong hits within {max_wrong:.1%}")
    t = chosen.threshold
    out = [
        f"## Wrong hits, all-MiniLM-L6-v2 (int8) for every system; nearhit at its default threshold and at "
        f"the one `calibrate --max-wrong {max_wrong}` picks ({t:.2f}), all guards",
    ]
    for name, pairs in datasets.items():
        cosine = plain_cosine(embedder, pairs)
        default = DEFAULT_SIMILARITY_THRESHOLD
        systems = {
            f"nearhit default ({default:.2f}) + guards": [o.at(default) for o in measured[name]],
            f"nearhit calibrated ({t:.2f}) + guards": [o.at(t) for o in measured[name]],
            "plain cosine >= 0.90": [o.at(0.90) for o in cosine],
            "plain cosine >= 0.95": [o.at(0.95) for o in cosine],
            "RedisVL SemanticCache (distance 0.1)": await redisvl(url, embedder, pairs),
        }
        out += ["", summary_table(f"{name} ({len(pairs)} pairs)", systems), "", category_table(systems)]
        if name == "conversations":
            none = sum(o.similarity is None for o in measured[name])
            out += ["", f"nearhit: {none}/{len(pairs)} lookups found no entry in scope (earlier turns differ)."]
    out += ["", held_out(measured["questions"], max_wrong)]
    out += ["", f"({time.perf_counter() - began:.0f} s. Data: fow-cache, Mabon ap Gwyn, CC BY 4.0.)"]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-wrong", type=float, default=0.02, help="wrong-hit bound for the calibration")
    args = parser.parse_args()
    if os.environ.get("REDIS_URL"):
        print(asyncio.run(run(os.environ["REDIS_URL"], args.max_wrong)))
        return
    with tempfile.TemporaryDirectory(prefix="nearhit-wrong-hits-") as data:
        server, _ = redis_server.ensure_running(Path(data))
        try:
            print(asyncio.run(run(server.url, args.max_wrong)))
        finally:
            redis_server.stop(Path(data))


if __name__ == "__main__":
    main()
