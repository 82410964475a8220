"""A text's analysis is worked out once however many guards ask: the first look at a new pair is most of a
semantic lookup's client-side time (issue 18)."""

from __future__ import annotations

import sys
import uuid

import pytest

from nearhit.guards import BUILD, EntityGuard, entities, languages
from nearhit.guards.languages import detect
from nearhit.guards.text import Text, analyse, joined


def test_a_texts_language_by_its_words_is_worked_out_once_for_the_prompt_and_its_analysis() -> None:
    """The language guard reads the prompt (``detect``), the others its analysis (``_language_of``)."""
    text = f"How do I reset my password on server {uuid.uuid4().hex[:6]} today?"
    before = languages._by_words.cache_info().misses
    assert detect(text) == "en"
    assert languages._language_of(analyse(text)) == "en"
    assert languages._by_words.cache_info().misses == before + 1


def test_the_prompt_and_its_analysis_keep_their_own_script() -> None:
    """Only the words are shared: full-width letters are a script of their own in the prompt, plain letters in
    its analysis (NFKC), as before the two shared anything."""
    text = "".join(chr(ord(c) + 0xFEE0) if c != " " else c for c in "how do i reset my password")  # ｈｏｗ ...
    assert detect(text) == "fullwidth"
    assert languages._language_of(analyse(text)) == "en"


@pytest.mark.skipif(
    BUILD.startswith("compiled"), reason="counts calls by patching a module's function: compiled code calls it directly"
)
def test_the_entity_guard_finds_the_words_written_as_one_once_per_side_of_a_pair(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Asked for every word one side has alone, it was worked out again each time (~18% of the guard)."""
    calls: list[Text] = []

    def counting(text: Text) -> dict[str, tuple[str, str]]:
        if sys._getframe(1).f_code.co_name == "_split_as_one":  # other rules join words too
            calls.append(text)
        return joined(text)

    monkeypatch.setattr(entities, "joined", counting)
    tag = uuid.uuid4().hex[:6]
    query = f"Can I log in to the billing portal {tag} with my work email from a shared office laptop?"
    candidate = f"Can I login to the payroll dashboard {tag} with my home phone from a hotel tablet?"
    assert EntityGuard().signal(query, candidate) is not None
    assert len(calls) == 4  # two per side: its own words joined, and the other side's


def test_a_text_analysed_again_is_the_same_key_of_every_cache_and_one_named_otherwise_is_not() -> None:
    """A step cached by text finds a prompt analysed again (dropped from ``analyse``'s cache, not from the step's):
    one reading is one object, hashed and compared as such (in C). Two prompts that fold alike but write their
    names otherwise ("Apple Pay" / "apple pay") are two keys: their names differ."""
    tag = uuid.uuid4().hex[:6]
    prompt = f"How do I set up Apple Pay on my {tag} watch?"
    first = analyse(prompt)
    analyse.cache_clear()
    again = analyse(prompt)
    assert again is first
    assert {first: "cached"}[again] == "cached"
    assert analyse(f"How  do I set up Apple Pay on my {tag} watch?") is not first  # another folded text
    lower = analyse(prompt.lower())
    assert lower.folded == first.folded and lower.tokens == first.tokens
    assert lower != first and first != lower
    assert lower not in {first: "cached"}
    assert first != prompt
