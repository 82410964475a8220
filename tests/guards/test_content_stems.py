"""The plain content stems the follow-up checks compare (modality, exchanged words, constraints, the turns): stop
words left out by word, the rest stemmed in order; a word with an apostrophe kept or left out as the caller says."""

from __future__ import annotations

from nearhit.guards.content import content_stems


def test_stop_words_are_left_out_and_the_rest_stemmed_in_order() -> None:
    words = ["how", "much", "cash", "should", "i", "bring", "when", "travelling"]
    assert content_stems(words) == ["cash", "bring", "travell"]


def test_a_word_with_an_apostrophe_is_kept_unless_the_caller_leaves_it_out() -> None:
    words = ["don't", "cancel", "it's", "bookings"]
    assert content_stems(words) == ["don't", "cancel", "it's", "book"]
    assert content_stems(words, apostrophes=False) == ["cancel", "book"]


def test_besides_leaves_out_more_words() -> None:
    assert content_stems(["him", "driving", "my", "car"]) == ["driv", "car"]
    assert content_stems(["him", "driving", "my", "car"], besides={"car"}) == ["driv"]
