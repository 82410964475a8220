"""A second cosine for a question in another language the guards read: USE multilingual's beside MiniLM's.

MiniLM was trained on English: a question reworded in German or Polish lands far from the cached one (same-language
non-English should-hits on the dev splits: 166 of 313 served). Where a query and a candidate are in one language
the guards read (``languages.pair_language`` in ``READ``, not English), the candidate's similarity is the larger
of MiniLM's and USE multilingual v3's cosine, and the decision judges it as it judges any candidate: the guards'
readings in that language (names, numbers, negation, ask-types, scope) are what refuses the look-alikes the
second cosine lifts with the paraphrases. It is lifted only where both say a subject word that is no name
(:func:`liftable`): USE alone served four other questions of the language under ``--shared``. On the dev splits
of 22 sets, pair mode and ``--shared``: more same-language paraphrases served, no trap and no neighbour's answer
more (``benchmarks/README.md``, twelfth session); opt-in, ``NEARHIT_OTHER_LANGUAGE_SIMILARITY``, as the subject
rule was found on those splits. A pair in two languages, or in one the guards do not read, keeps MiniLM's cosine
(the language guard refuses it whatever the cosine).

Only the nearest candidate the MiniLM KNN found is re-scored (no second index; two texts embedded at most). An
English prompt costs one language read the guards make anyway. The model (the ``nearhit[multilingual]`` extra,
33 MB) loads at the first prompt that needs it, in a thread; the vectors of the texts seen are kept in process.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from nearhit.cache import entry
from nearhit.cache.keys import normalise
from nearhit.embeddings.base import Vectors
from nearhit.guards.content import content_words
from nearhit.guards.languages import COVERED, READ, detect, pair_language
from nearhit.guards.text import analyse

__all__ = ["KEPT", "OTHER_LANGUAGES", "OtherLanguage", "Rows", "liftable"]

Rows = list[tuple[str, dict[str, str]]]
OTHER_LANGUAGES = READ - COVERED
"""The languages whose pairs get the second cosine: read by the guards, and not English."""
KEPT = 4096
"""Texts whose multilingual vector is kept in process."""


class _Encoder(Protocol):
    def encode(self, texts: Sequence[str]) -> Vectors: ...


def liftable(query: str, candidate: str) -> bool:
    """Whether a pair gets the second cosine: one language the guards read, not English, and a subject word in
    common that is no name.

    USE places two questions of one frame close whatever their subject ("Cât timp poate sta orezul gătit în
    frigider?" / "Cât durează până primesc banii înapoi ...?", how long rice keeps / how long a refund takes:
    0.72, MiniLM 0.47), and the guards read no difference where every subject word differs, as a paraphrase's
    may. A word of the subject both say (``content_words``, by stem and synonym class) is the text's own
    evidence of one topic; a name both say (a country) is not: a Swedish question on speed limits and one on
    driving licences both say "Sverige"."""
    if pair_language(query, candidate) not in OTHER_LANGUAGES:
        return False
    said = [analyse(query), analyse(candidate)]
    names = {
        stem for text in said for token, stem in zip(text.tokens, text.stems, strict=True) if token in text.entities
    }
    words = [content_words(text) for text in said]
    return any(words[0][word] not in names and words[1][word] not in names for word in words[0].keys() & words[1])


def _multilingual() -> _Encoder:
    from nearhit.embeddings.multilingual import MultilingualEmbedder

    return MultilingualEmbedder()


class OtherLanguage:
    """Re-scores a lookup's KNN rows with the multilingual cosine where both sides are one read language."""

    def __init__(self, load: Callable[[], _Encoder] = _multilingual) -> None:
        self._load = load
        self._encoder: asyncio.Task[_Encoder] | None = None
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self.lifted = 0
        """Candidates whose similarity the second cosine raised (for tests and stats)."""

    async def rescore(self, prompt: str, rows: Rows) -> Rows:
        """``rows`` (nearest first) with the nearest's similarity the larger of the two cosines when it is in the
        prompt's read language; the rows themselves otherwise.

        The nearest only, and the order kept: under the threshold the decision judges only the nearest candidate
        (``decision.choice``), the one a reworded question's own cached question is. Re-scoring every candidate
        and re-ranking by the larger cosine made another question of the same language and topic the nearest
        (USE places them closer than MiniLM does): under ``--shared`` it served one and lost a paraphrase."""
        if not rows or detect(prompt) in COVERED:
            return rows  # English (or too short to tell): the pair is never in one other language
        doc_id, fields = rows[0]
        cached = fields.get("prompt", "")
        if not liftable(prompt, cached):
            return rows
        query, candidate = await self._vectors_of([normalise(prompt), normalise(cached)])
        cosine = float(np.dot(query, candidate))
        if cosine <= entry.similarity(fields):
            return rows
        self.lifted += 1
        return [(doc_id, {**fields, entry.DISTANCE: repr(1.0 - cosine)}), *rows[1:]]

    async def _vectors_of(self, texts: Sequence[str]) -> list[np.ndarray]:
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            if self._encoder is None:
                self._encoder = asyncio.ensure_future(asyncio.to_thread(self._load))
            encoder = await self._encoder
            computed = await asyncio.to_thread(encoder.encode, missing)
            for text, vector in zip(missing, computed, strict=True):
                self._vectors[text] = vector
        found = [self._vectors[t] for t in texts]
        for text in texts:
            self._vectors.move_to_end(text)
        while len(self._vectors) > KEPT:
            self._vectors.popitem(last=False)
        return found
