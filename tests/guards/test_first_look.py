"""The first look at a pair made cheaper says what the plain formulas say (issue 18): the word overlap and
the same-word test, with their shortcuts (a stem of another first letter skipped, a word said twice looked
up once, each side's classes worked out once), against the formulas written out in full, on invented pairs
with typos, light extensions and repeated words. Every guard's signal on every dev pair is compared by
``benchmarks/guards_signals.py``."""

from __future__ import annotations

from itertools import product

from nearhit.guards import content
from nearhit.guards.content import overlap, same_word, word_class
from nearhit.guards.text import Text, analyse, typo_of

PAIRS = [
    ("How long should I boil a duck egg for a runny yolk?", "how long to boil a duk egg for a runy yolk"),
    ("Can I get a quote for roof insulation?", "can I get a quotation for the roof insulating"),
    ("What is the capital of Peru?", "what's the capitalization of peru"),
    ("Best way to clean clean grout, grout and tiles", "best way to clean tile grout"),
    ("cheapest 5kg bag of rice in lbs", "cheapest 11 lb bag of rice"),
    ("¿Cómo cambio la contraseña del router?", "como cambiar la contrasena del router"),
    ("Is the employer or the employee liable?", "is the employee or the employer liable"),
    ("How do I fix a leaking faucet washer?", "how do i fix a leaking fuacet washer"),
]


def _plain_same_word(word: str, stem: str, other: dict[str, str]) -> bool:
    stems = other.values()
    if word in other:
        return True
    if any(content._extends(stem, o) or content._extends(o, stem) for o in stems):
        return True
    return typo_of(stem, stems)


def _plain_overlap(q: Text, c: Text) -> float:
    shares = []
    for mine, theirs in ((q, c), (c, q)):
        words = [
            (t, s) for t, s in zip(mine.tokens, mine.stems, strict=True) if s not in content.FILLERS and s.isalnum()
        ]
        other = {word_class(t, s): s for t, s in zip(theirs.tokens, theirs.stems, strict=True)}
        found = sum(_plain_same_word(word_class(t, s), s, other) for t, s in words)
        shares.append(found / len(words) if words else 1.0)
    return min(shares)


def test_same_word_is_the_plain_test_for_every_word_of_every_pair() -> None:
    agreed = found = 0
    for query, candidate in PAIRS:
        q, c = analyse(query), analyse(candidate)
        other = dict(zip(map(word_class, c.tokens, c.stems), c.stems, strict=True))
        for token, stem in zip(q.tokens, q.stems, strict=True):
            expected = _plain_same_word(word_class(token, stem), stem, other)
            assert same_word(word_class(token, stem), stem, other) == expected, (query, token)
            agreed += 1
            found += expected
    assert agreed > 50 and 0 < found < agreed  # both answers tried


def test_overlap_is_the_plain_share_both_ways_round() -> None:
    shares = set()
    for (query, candidate), flipped in product(PAIRS, (False, True)):
        q, c = analyse(query), analyse(candidate)
        q, c = (c, q) if flipped else (q, c)
        assert overlap(q, c) == _plain_overlap(q, c), (query, candidate)
        shares.add(overlap(q, c))
    assert len(shares) > 3 and max(shares) == 1.0 and min(shares) < 0.8


def test_two_spellings_that_fold_alike_are_told_apart_by_their_names() -> None:
    """Two spellings fold alike but name differently ("Apple" the name, "apple" the fruit): two keys."""
    named, plain = analyse("Is Apple stock a buy"), analyse("is apple stock a buy")
    assert named.folded == plain.folded and named != plain and named.entities != plain.entities
    assert len({named, plain}) == 2
