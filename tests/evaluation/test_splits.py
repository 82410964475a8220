"""The dev/test split: the rule of split.md, stable by id, ~30% test, disjoint; and our own pairs obey it."""

from __future__ import annotations

import hashlib
import json
from collections import Counter

import pytest

from nearhit.errors import InvalidInput
from nearhit.evaluation import load, select, split_of
from nearhit.evaluation.dataset import load_jsonl, ours


def by_the_rule(item_id: str) -> str:
    """split.md, written out literally."""
    return "test" if int(hashlib.sha256(f"nearhit-split-v1:{item_id}".encode()).hexdigest(), 16) % 100 < 30 else "dev"


@pytest.mark.parametrize(
    ("item_id", "split"),
    [
        ("negation-001", "dev"),
        ("negation-005", "test"),
        ("paraphrase-001", "dev"),
        ("nh-en-negation-01", "test"),
        ("nh-es-paraphrase-01", "test"),
        ("egg", "test"),
        ("reset", "dev"),
    ],
)
def test_known_ids_keep_their_split(item_id: str, split: str) -> None:
    assert split_of(item_id) == split == by_the_rule(item_id)


def test_about_30_percent_of_fow_cache_is_test_and_the_parts_are_disjoint() -> None:
    pairs = load("questions")
    dev, test = select(pairs, "dev"), select(pairs, "test")
    assert 0.25 < len(test) / len(pairs) < 0.35
    assert {p.id for p in dev}.isdisjoint(p.id for p in test)
    assert len(dev) + len(test) == len(pairs) and select(pairs, "all") == pairs
    assert [p.id for p in load("questions", "test")] == [p.id for p in test]
    assert all(by_the_rule(p.id) == "test" for p in test)


def test_a_users_file_is_split_by_the_same_rule() -> None:
    pairs = load("tests/evaluation/data/eval_pairs.jsonl", "test")
    assert [p.id for p in pairs] == ["egg"]


def test_unknown_split_is_refused() -> None:
    with pytest.raises(InvalidInput, match="unknown split 'train'; expected one of dev, test, all"):
        load("nearhit", "train")
    with pytest.raises(ValueError, match="unknown split"):
        select([], "train")


def test_our_files_hold_exactly_their_split() -> None:
    dev, test = load_jsonl(ours("dev")), load_jsonl(ours("test"))
    assert all(by_the_rule(p.id) == "dev" for p in dev)
    assert all(by_the_rule(p.id) == "test" for p in test)
    assert {p.id for p in dev}.isdisjoint(p.id for p in test)
    assert [p.id for p in load("nearhit", "dev")] == [p.id for p in dev]
    assert len(load("nearhit")) == len(dev) + len(test)


def test_our_pairs_cover_what_the_issue_asks() -> None:
    pairs = load("nearhit")
    english = [p for p in pairs if p.lang == "en"]
    other = [p for p in pairs if p.lang != "en"]
    assert len(english) >= 400 and len(other) >= 60
    assert 0.4 < sum(p.same_answer for p in english) / len(english) < 0.6
    assert {lang for p in other for lang in (p.lang or "").split("-")} >= {"es", "de", "fr", "pt"}
    categories = Counter(p.category for p in english)
    for name in ("backstory", "abbreviation", "added_verb", "quantifier", "direction", "code_symbol", "unit_swap"):
        assert categories[name] >= 15, name
    labels = {(p.category, p.same_answer) for p in pairs}
    assert len({c for c, _ in labels}) == len(labels)  # a category is all should-hit or all traps
    texts = [(p.a.prompt.lower(), p.b.prompt.lower()) for p in pairs]
    assert len(set(texts)) == len(texts)


def test_every_line_of_our_files_carries_its_domain_and_language() -> None:
    for split in ("dev", "test"):
        for line in ours(split).read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            assert item["domain"] and item["lang"], item["id"]


def test_the_second_set_is_bundled_and_split_by_the_rule() -> None:
    dev, test, everything = load("nearhit-v2", "dev"), load("nearhit-v2", "test"), load("nearhit-v2", "all")
    assert {p.id for p in dev} | {p.id for p in test} == {p.id for p in everything}
    assert not {p.id for p in dev} & {p.id for p in test}
    assert all(by_the_rule(p.id) == "dev" for p in dev) and all(by_the_rule(p.id) == "test" for p in test)
    assert len(everything) >= 390
