"""The word lists ship as package data and parse: a broken or missing file fails here, not at a lookup."""

from __future__ import annotations

from importlib import resources

from nearhit.guards import lexicon


def test_every_data_file_is_read_and_non_empty() -> None:
    names = sorted(p.name for p in resources.files("nearhit.guards").joinpath("data").iterdir())
    assert names, "no data files in nearhit/guards/data"
    for name in names:
        table = lexicon.json_table(name) if name.endswith(".json") else lexicon.words(name)
        assert table, f"{name} is empty"


def test_antonym_lines_have_two_sides_and_comments_are_dropped() -> None:
    for left, right in lexicon.pairs("antonyms.txt"):
        assert left and right, (left, right)
    assert not any(word.startswith("#") for word in lexicon.words("stop_words.txt"))
    assert lexicon.ANTONYMS["high"] >= {"low"} and "high" in lexicon.ANTONYMS["low"]
    assert lexicon.SYNONYMS["modify"] == "chang"  # stems, mapped to the group's first word
