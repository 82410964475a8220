"""``expand_short_forms`` skips a substitution that could change nothing (issue 18: ~12 -> ~3.5 µs a new prompt,
before a lookup's first round trip): the same text as running every substitution, on the packaged sets' dev
prompts and on invented texts of short forms in every case, slashes, "how 2", paths, flags and underscores."""

from __future__ import annotations

import random

from nearhit.cache.keys import normalise
from nearhit.evaluation.dataset import load
from nearhit.guards import text as guards_text
from nearhit.guards.lexicon import ABBREVIATIONS
from nearhit.guards.text import expand_short_forms

_PIECES = [
    "pwd",
    "PWD",
    "Pwd",
    "k8s",
    "w/o",
    "W/O",
    "w/",
    "b/c",
    "how",
    "How",
    "2",
    "2fa",
    "reset",
    "my",
    "the",
    "db.json",
    "ts-node",
    "u.s.",
    "my_pwd",
    "pwd_reset",
    "_pwd",
    "/usr/pwd",
    "--pwd",
    "pwd's",
    "pwd.",
    "pwd,",
    "(pwd)",
    "é",
    "café",
    "İ",
    "straße",
    "?",
    "-",
    "/",
    "\\",
    "'",
]


def _reference(text: str) -> str:
    """``expand_short_forms`` as it was: every substitution, each with its Python call per match."""
    text = guards_text._SLASHED_RE.sub(lambda m: " ".join(ABBREVIATIONS[m.group(1).casefold()]), text)
    text = guards_text._HOW_TO_RE.sub(r"\1 to", text)
    return guards_text._STANDALONE_RE.sub(
        lambda m: " ".join(ABBREVIATIONS.get(m.group(1).casefold(), (m.group(1),))), text
    )


def test_invented_texts_expand_as_every_substitution_does() -> None:
    draw = random.Random(18)
    for _ in range(20_000):
        joiner = draw.choice([" ", "", "  ", "/", "_", "-"])
        text = joiner.join(draw.choice(_PIECES) for _ in range(draw.randint(1, 8)))
        assert expand_short_forms(text) == _reference(text), text


def test_dev_prompts_expand_as_every_substitution_does() -> None:
    changed = 0
    for name in ("questions", "nearhit-v19", "nearhit-v18", "nearhit-conversations-v11"):
        for pair in load(name, "dev"):
            for side in (pair.a, pair.b):
                for text in (side.prompt, normalise(side.prompt)):
                    assert expand_short_forms(text) == _reference(text), text
                    changed += expand_short_forms(text) != text
    assert changed  # some dev prompts have short forms: the path that substitutes is read too


def test_each_short_form_alone_and_in_a_sentence() -> None:
    for short in ABBREVIATIONS:
        for text in (short, short.upper(), f"how 2 fix my {short} today", f"{short}/x", f"x_{short}"):
            assert expand_short_forms(text) == _reference(text), text
