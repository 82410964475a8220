"""Typos repaired in what the embedder reads: prose slips only, never a known word, code or another language."""

from __future__ import annotations

import pytest

from nearhit.guards.spelling import repair_typos, spelling_of


@pytest.mark.parametrize(
    ("typo", "word"),
    [
        ("recieve", "receive"),  # two letters swapped, preferred over "relieve" (a consonant changed)
        ("pyhton", "python"),
        ("recomend", "recommend"),  # a letter left out
        ("swimmming", "swimming"),  # a letter doubled
        ("insurence", "insurance"),  # a vowel for another, in a long word
    ],
)
def test_a_slip_one_edit_from_a_single_known_word_is_repaired(typo: str, word: str) -> None:
    assert spelling_of(typo) == word


@pytest.mark.parametrize(
    "word",
    [
        "receive",  # known
        "deleted",  # known
        "delete",  # a form of a known word ("deleted") the vocabulary lacks
        "pandas",  # a known word and an ending
        "workspace",  # two known words run together
        "crypto",  # a letter more than "crypt": a word the vocabulary lacks, not a slip
        "clojure",  # a consonant changed from "closure"
        "cron",  # too short to tell a name from a slip
        "helo",  # short, and several words one edit away
    ],
)
def test_known_words_forms_and_names_are_never_changed(word: str) -> None:
    assert spelling_of(word) is None


def test_the_text_keeps_its_case_and_everything_but_the_slip() -> None:
    assert repair_typos("Recieve the documnets, please") == "Receive the documents, please"


def test_a_terse_question_of_no_known_language_is_repaired() -> None:
    """Too few known words to be read as English, no other language's words: still repaired."""
    assert repair_typos("symtoms of a sprained ankel") == "symptoms of a sprained ankle"


@pytest.mark.parametrize(
    "text",
    [
        "call `recieve` in my code",  # a code span
        "why does recieveMsg fail",  # camelCase
        "rename recieve_msg now",  # an identifier
        "open recieve.py and recieve2",  # a file name, a word with a digit
        "see /var/recieve/ and --recieve",  # a path, a flag
        "combien de temps pour recevoir mon passeport",  # another language: the vocabulary is English
    ],
)
def test_code_and_other_languages_are_left_as_written(text: str) -> None:
    assert repair_typos(text) == text
