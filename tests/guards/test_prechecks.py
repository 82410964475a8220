"""The guards' cheap prechecks skip only work that could find nothing (issue 18): each is checked against the
full reading it skips, on invented texts. Every guard's signal on every dev pair is compared before and after
by ``benchmarks/guards_signals.py``."""

from __future__ import annotations

import random
import unicodedata

from nearhit.guards import code, languages
from nearhit.guards.code import code_spans, code_tokens
from nearhit.guards.text import analyse

# Each kind of code token ``_CODE_RE`` reads, and a backticked span.
CODE = [
    "chmod +x run.sh",
    "git reset --hard",
    "ls -la",
    "C++ or C#",
    "os.path.join",
    "snake_case",
    "call f() twice",
    "a == b",
    "x -> y",
    "a ?? b",
    "user?.name",
    "a = b",
    "a & b",
    "run `make test` now",
    "ｆ（） in fullwidth",  # NFKC: "f()"
]
_ALPHABET = "ab C1 .,;:!?'\"-+#_()=<>*/%&|^~`$@[]{}\\é\u00a0\uff0b\uff08"


def _full_reading(text: str) -> tuple[list[str], list[str]]:
    """What ``code_tokens`` reads with no precheck: the backticked spans and the code regex's matches."""
    text = unicodedata.normalize("NFKC", text)
    return code._BACKTICKED_RE.findall(text), [m.group(0) for m in code._CODE_RE.finditer(f" {text} ")]


def test_every_kind_of_code_token_passes_the_precheck() -> None:
    for text in CODE:
        assert code_tokens(text), text
        assert code._MAYBE_CODE_RE.search(unicodedata.normalize("NFKC", text)) is not None, text


def test_a_text_the_precheck_passes_over_has_no_code_at_all() -> None:
    draw = random.Random(18)
    skipped = 0
    for _ in range(20_000):
        text = "".join(draw.choice(_ALPHABET) for _ in range(draw.randint(1, 12)))
        if code._MAYBE_CODE_RE.search(unicodedata.normalize("NFKC", text)) is None:
            skipped += 1
            assert _full_reading(text) == ([], []), text
            assert not code_tokens(text) and not code_spans(text)
    assert skipped > 1_000  # the draw reaches texts with no code, and the rest have some


def test_no_function_word_picks_as_the_tie_did() -> None:
    """With no function word in a text, every language ties: the first one the rules cannot read, as the
    tie's own order picks it."""
    scores = dict.fromkeys(languages._FUNCTION_WORDS, 0)
    tied = list(scores)
    assert languages._best(scores) == next((lang for lang in tied if lang not in languages.READ), tied[0])
    assert languages._best(scores, {}) == languages._best(scores)
    assert languages._best(scores, {tied[-1]: 1}) == tied[-1]  # words of its own still break the tie
    scores[tied[-1]] = 1
    assert languages._best(scores) == tied[-1]


def test_a_listed_letter_still_counts() -> None:
    """The letters one language uses are still read where a text has one ("ı": Turkish)."""
    scores = languages._function_word_scores(analyse("kapı kilidi açılmıyor"))
    assert scores["tr"] > 0
    assert not any(languages._function_word_scores(analyse("the door lock will not open")).values())
