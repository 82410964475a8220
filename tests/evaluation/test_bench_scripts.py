"""``make bench``'s scripts (``benchmarks/engine.py``, ``service.py``, ``wrong_hits.py``): the pipelined filler
writes what ``SemanticCache.store`` writes, the corpus's vectors kept between runs are reused only from the
same embedder, a lost server is reported (not a hang), ``--splits dev`` runs no test pair, the wrong-hits rows of
the decision (the default) and the guards as vetoes count what ``nearhit eval`` counts, ``--scale`` runs end
to end, and the cold decision's every-cache line clears every cache of a text, not a word's."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from types import ModuleType

import httpx
import numpy as np
import pytest
from redis.asyncio import Redis

from nearhit.cache import SemanticCache
from nearhit.config import load_settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation import Pair, Side, evaluate, guard_sets, scratch_cache, split_of
from tests.support.benchmarks import load_script

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = ROOT / "benchmarks"


@pytest.fixture(scope="module")
def engine() -> ModuleType:
    return load_script("engine")


@pytest.fixture(scope="module")
def service() -> ModuleType:
    return load_script("service")


def test_the_cold_line_clears_every_cache_of_a_text_and_keeps_those_of_a_word(engine: ModuleType) -> None:
    """The line "decision, cold, every text cache cleared": after the clearing, a pair judged before finds none of
    its texts' readings (those the older line leaves filled among them), only its words' stems."""
    from nearhit.decision import Decision
    from nearhit.guards import content, languages, numbers, text

    tag = uuid.uuid4().hex[:6]
    query, candidate = f"How do I log in to {tag} from my phone?", f"How can I sign in to {tag} on my phone?"
    decision = Decision()
    decision.judge(query, candidate, 0.9)
    caches = engine._text_caches()
    for cached in caches:
        cached.cache_clear()
    for step in (text.analyse, text.joined, languages.negators_of, content.content_sequence, numbers.dates_of):
        assert step.cache_info().currsize == 0, step.__name__
    assert text.stem.cache_info().currsize > 0  # a word's
    assert not {c.__name__ for c in caches} & {"stem", "_osa_distance", "spelling_of", "words", "load_model"}


async def _entry(redis: Redis, key: str) -> tuple[dict[bytes, bytes], int]:
    fields = await redis.hgetall(key)
    fields.pop(b"created_at")  # the moment of writing
    return fields, await redis.ttl(key)


async def test_the_pipelined_filler_writes_what_store_writes(engine: ModuleType, cache: SemanticCache) -> None:
    filler = engine.filler_vectors(3, cache.embedder.dimension)
    by_store = {}
    for i in range(3):
        key = await cache.store(engine.filler_prompt(i), engine.FILLER_ANSWER, engine.SCOPE, vector=filler[i])
        by_store[key] = await _entry(cache.redis, key)
        await cache.redis.delete(key)

    await engine.bulk_fill(cache, filler, 0, 3, chunk=2)  # both chunks

    assert {key: await _entry(cache.redis, key) for key in by_store} == by_store


async def test_the_corpus_is_embedded_once_and_kept_for_the_same_embedder(
    engine: ModuleType, local_embedder: LocalEmbedder, tmp_path: Path
) -> None:
    path = tmp_path / "vectors.npz"
    texts = ["How tall is the Eiffel Tower?", "What does a kiwi eat?"]
    first, embedded = await engine.corpus_vectors(local_embedder, texts, path)
    assert embedded == 2 and path.exists()

    again, embedded = await engine.corpus_vectors(local_embedder, [*texts, "Is tea acidic?"], path)
    assert embedded == 1  # only the new text
    assert all(np.array_equal(first[t], again[t]) for t in texts)

    with np.load(path) as saved:  # the file as another embedder would have left it
        np.savez(path, probe=-saved["probe"], texts=saved["texts"], vectors=saved["vectors"] + 1)
    _, embedded = await engine.corpus_vectors(local_embedder, texts, path)
    assert embedded == 2  # not reused: another embedder's vectors


def test_stages_add_up_and_are_tabled_in_order() -> None:
    stages = load_script("stages").Stages("x.py")
    for name in ("fill", "lookups", "fill"):
        with stages(name):
            pass
    table = stages.table()
    assert table.index("| fill |") < table.index("| lookups |")
    assert "| 2 |" in table.split("| fill |")[1].splitlines()[0]  # entered twice


def test_a_lost_server_is_reported_with_its_exit_and_its_log(service: ModuleType, tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    log.write_text("")
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-c", "print('out of memory'); raise SystemExit(3)"], stdout=out)
    process.wait(10)
    service.STARTED.append((process, log, "http://127.0.0.1:1"))
    try:
        lost = r"(?s)gateway rows: ConnectError.*exited \(3\).*out of memory"
        with pytest.raises(service.ServerLost, match=lost), service.reported("gateway rows"):
            raise httpx.ConnectError("connection refused")
    finally:
        service.STARTED.clear()


def test_dev_splits_only_run_no_test_pair() -> None:
    sets = load_script("wrong_hits").measured_sets(["dev"])
    assert set(sets) == {"questions", "conversations", "nearhit", "nearhit-v2"}
    assert all(pairs for pairs in sets.values())
    assert {split_of(pair.id) for pairs in sets.values() for pair in pairs} == {"dev"}


@pytest.mark.slow
def test_scale_runs_through_its_sizes_and_prints_both_targets(tmp_path: Path) -> None:
    env = {**os.environ, "NEARHIT_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT / "src")}
    run = subprocess.run(
        [sys.executable, str(BENCHMARKS / "engine.py"), "--scale", "--sizes", "400", "600", "--quick", "--rounds", "1"],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    summary = run.stdout.split("all sizes")[1]
    assert "| 400 |" in summary and "| 600 |" in summary and "lookup − KNN" in summary
    assert "nearhit's KNN at 600 entries" in run.stdout
    assert (tmp_path / "bench").is_dir()  # the corpus's vectors, kept for the next run


# Invented pairs: two paraphrases in the quiet band (0.72 and 0.76 with the local embedder, no guard reads a
# difference), one under it, one number trap.
QUIET_BAND = [
    ("basil", "Best way to keep basil alive indoors?", "How do I stop my potted basil from dying?", True),
    ("beach", "Beach trip packing list?", "What should I pack for a beach holiday?", True),
    ("kettle", "How do I descale a kettle?", "Best way to remove limescale from a kettle?", True),
    ("miles", "How do I convert 5 miles to km?", "How do I convert 50 miles to km?", False),
]


@pytest.mark.parametrize("decision", [False, True])
async def test_wrong_hits_decision_and_vetoes_rows_are_what_nearhit_eval_counts(
    redis_url: str, local_embedder: LocalEmbedder, decision: bool
) -> None:
    pairs = [Pair(i, "paraphrase", Side(a), Side(b), same) for i, a, b, same in QUIET_BAND]
    measured = (await load_script("wrong_hits").nearhit_measured(redis_url, local_embedder, {"x": pairs}))["x"]
    settings = load_settings(redis_url=redis_url, index_name=f"t_{uuid.uuid4().hex[:12]}", decision=decision)
    async with scratch_cache(settings) as cache:  # as `nearhit eval` builds and judges, NEARHIT_DECISION or not
        judges = guard_sets("decision" if decision else "all", decision=cache.decision, guards=cache.guards)
        [evaluated] = (await evaluate(cache, pairs, guard_sets=judges)).values()

    row = measured["decision" if decision else "vetoes"]
    assert [(o.match, o.threshold) for o in row] == [(o.match, o.threshold) for o in evaluated]
    served = {o.pair_id for o in row if o.match}
    assert {"basil", "beach"} <= served and not served & {"kettle", "miles"}
    recut = {o.pair_id for o in measured["at 0"] if o.at(cache.threshold).match}
    assert "basil" not in recut  # under the threshold: a pass at 0 re-judged there cannot see the quiet band
