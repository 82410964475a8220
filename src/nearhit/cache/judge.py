"""A trained conversation judge (``NEARHIT_CONVERSATION_JUDGE``: ``bundled``, the default since decision rule 59,
for the one that ships; a folder; ``none``: off): a cross-encoder asked, when a conversation's lookup and all its
second chances served nothing, whether one of the nearest stored conversations has the same answer.

The model is an ONNX cross-encoder with one logit (trained here by ``benchmarks/cross_encoder_judge.py``): it reads
``[CLS] stored [SEP] asked [SEP]``, each side rendered and cut as in training (:mod:`nearhit.cache.judge_input`). The
candidates are the nearest rows in the caller's scope (``CANDIDATES`` by cosine: the first look's KNN rows and the
single questions nearest its question), judged in a thread, a model call each; the most probable at ``p >= cut``
(``NEARHIT_CONVERSATION_JUDGE_CUT``, else the folder's ``judge.json``) is served, unless a user's "wrong" verdict
refuses it (:mod:`nearhit.cache.negatives`). The model check then reads its hit as any stage's
(``SemanticCache._hit_checks``); the strict setting refuses a hit only where the judge is not sure of it
(:func:`refuse_strictly`). Not under a wrong-hit bound. The result shows the stage (``context["judge"]``: its p
and cut) and its time (``timings_ms["judge"]``). With a veto (``NEARHIT_CONVERSATION_JUDGE_VETO``, else the folder's
``judge.json``), it also reads a conversation's hit that the rules served on other turns (a question asked alone after
its turns too), and refuses it under the veto (:func:`veto`).
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

import numpy as np

from nearhit.cache import conversation, digression, entry, strict
from nearhit.cache.context_match import same_turns
from nearhit.cache.judge_input import MAX_TOKENS, Turns, pair_ids, rendered
from nearhit.cache.results import Candidate, LookupResult
from nearhit.errors import ConfigError
from nearhit.guards.lexicon import STOP_WORDS
from nearhit.guards.text import tokens_of

if TYPE_CHECKING:
    from nearhit.cache import choose
    from nearhit.cache import index as idx
    from nearhit.cache.lookup import Lookup
    from nearhit.cache.semantic_cache import SemanticCache

MODEL_FILES = ("judge.int8.onnx", "model.onnx")
"""The model a judge's folder holds, the first found: the int8 export ``cross_encoder_judge.py onnx`` writes, or any."""
CANDIDATES = 3
"""How many of the first look's nearest rows the judge reads: the ones the measured server was asked about."""
STAGE: Final[Literal["judge"]] = "judge"
"""The stage's name: in the result's ``context``, its ``timings_ms`` and the served candidate's margin."""
VETO: Final = "judge_veto"
"""The veto's name: in a checked hit's ``context`` (its p and veto) and the lookup's ``timings_ms``."""
TAIL_CHARS = 2_000
"""How much of a side's end is encoded first (:meth:`ConversationJudge.side_ids`): more than the
:data:`~nearhit.cache.judge_input.MAX_TOKENS` tokens the judge reads of it in an ordinary chat; four times more each
time it holds fewer."""
_WORD_BREAK = re.compile(r"[ \t\n\r]")
"""Where BERT's tokenizer always splits (its normaliser removes other control characters, which tokens may span)."""
EXCHANGED_VETO = 0.5
"""The veto of a conversation's hit whose earlier turns exchange a detail for another (:func:`_exchanged`): refused
unless the judge reads the same answer as at least as likely as another (decision rule 64, benchmarks/README.md; since
rule 66 also a detail changed around a word both keep, "a glue stick" / "Aleene's tacky glue"). Past the general
veto, a changed detail ("canned" / "fresh" tomatoes) was the largest family of traps served."""
OVERRULED: Final = "strict_overruled"
"""In a hit's ``context`` when the strict setting flagged it and the judge, sure of it, served it anyway: the spans
strict mode quoted, the judge's p and cut."""


@dataclass(frozen=True)
class Verdict:
    """The judge's p of one candidate."""

    doc_id: str
    fields: dict[str, str]
    p: float


class ConversationJudge:
    """An ONNX cross-encoder and its tokenizer, loaded from ``folder``; serves at ``p >= cut``."""

    def __init__(self, folder: Path, cut: float, *, veto: float | None = None, threads: int | None = 1) -> None:
        """Load and check the model now (at start-up): a folder, model, tokenizer or input that cannot serve is a
        :class:`ConfigError` naming the path and what is wrong, not a failure at the first conversation. ``veto``:
        the p under which a conversation's hit served by the rules is refused (:func:`veto`); None, none is."""
        from nearhit.embeddings.local import open_session, open_tokenizer

        if veto is not None and not 0 < veto < cut:
            raise ConfigError(f"NEARHIT_CONVERSATION_JUDGE_VETO={veto:g} must be above 0 and under the cut {cut:g}")
        self.folder, self.cut, self.veto = folder, cut, veto
        if not folder.is_dir():
            raise ConfigError(f"NEARHIT_CONVERSATION_JUDGE={folder}: not a folder")
        model = next((folder / name for name in MODEL_FILES if (folder / name).is_file()), None)
        if model is None:
            raise ConfigError(f"NEARHIT_CONVERSATION_JUDGE={folder}: no {' or '.join(MODEL_FILES)} in it")
        vocab = folder / "tokenizer.json"
        if not vocab.is_file():
            raise ConfigError(f"NEARHIT_CONVERSATION_JUDGE={folder}: no tokenizer.json in it")
        try:
            self._tokenizer = open_tokenizer(vocab)
        except Exception as exc:
            raise ConfigError(f"NEARHIT_CONVERSATION_JUDGE: {vocab} is not a tokenizer: {exc}") from exc
        # As the training script's tokenizer reads a side (transformers' ``encode``): whole, unpadded; a
        # ``tokenizer.json`` may carry its own padding and truncation (the bundled one pads to 128).
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        special = {name: self._tokenizer.token_to_id(name) for name in ("[CLS]", "[SEP]")}
        if None in special.values():
            missing = [name for name, value in special.items() if value is None]
            raise ConfigError(f"NEARHIT_CONVERSATION_JUDGE: {vocab} has no {', '.join(missing)} token")
        self._cls, self._sep = special["[CLS]"], special["[SEP]"]
        # BERT's WordPiece (the bundled judge's): no token spans a space, so a side's tail encodes as its end does.
        pieces = (self._tokenizer.normalizer, self._tokenizer.pre_tokenizer, self._tokenizer.model)
        self._tails = [type(piece).__name__ for piece in pieces] == ["BertNormalizer", "BertPreTokenizer", "WordPiece"]
        try:
            self._session = open_session(model, threads)
        except Exception as exc:
            raise ConfigError(f"NEARHIT_CONVERSATION_JUDGE: {model} is not a model onnxruntime loads: {exc}") from exc
        self._inputs = {i.name for i in self._session.get_inputs()}
        if not {"input_ids", "attention_mask"} <= self._inputs:
            raise ConfigError(
                f"NEARHIT_CONVERSATION_JUDGE: {model} takes {sorted(self._inputs)}, not input_ids and attention_mask"
            )
        try:
            self.probabilities([([("user", "check")], [("user", "check")])])
        except Exception as exc:
            raise ConfigError(f"NEARHIT_CONVERSATION_JUDGE: {model} does not give one logit a pair: {exc}") from exc

    def ids(self, stored: Turns, asked: Turns) -> list[int]:
        """The token ids of one pair, as the training script encodes it (:func:`judge_input.pair_ids`)."""
        a, b = (self.side_ids(rendered(side)) for side in (stored, asked))
        return pair_ids(a, b, self._cls, self._sep, MAX_TOKENS)

    def side_ids(self, text: str) -> list[int]:
        """The token ids of a rendered side: its last :data:`MAX_TOKENS` or more, which is all that
        :func:`judge_input.pair_ids` keeps of it (all of them when it has fewer). A long history is not encoded whole
        (100,000 characters took ~300 ms a side, on a hit's path under the veto): its end is, from a space, where
        BERT's tokenizer always splits, so the tail's ids are the text's last ones. A tokenizer of another kind
        encodes the whole side."""
        chars = TAIL_CHARS
        while self._tails and chars < len(text):
            space = _WORD_BREAK.search(text, len(text) - chars)
            if space is None:
                break
            ids: list[int] = self._tokenizer.encode(text[space.start() :], add_special_tokens=False).ids
            if len(ids) >= MAX_TOKENS:
                return ids
            chars *= 4
        whole: list[int] = self._tokenizer.encode(text, add_special_tokens=False).ids
        return whole

    def probabilities(self, pairs: list[tuple[Turns, Turns]]) -> list[float]:
        """p(same answer) of each (stored, asked) pair (blocking: run it in a thread). Each pair in a call of its
        own, unpadded: an int8 model quantizes its activations per call, so in a padded batch a pair's p moves with
        its neighbours' (by up to 0.18 against the same pairs scored 32 a batch, measured); alone it is the same
        whatever the other candidates are."""
        return [self._probability(self.ids(stored, asked)) for stored, asked in pairs]

    def _probability(self, ids: list[int]) -> float:
        row = np.array([ids], dtype=np.int64)
        feed = {"input_ids": row, "attention_mask": np.ones_like(row)}
        if "token_type_ids" in self._inputs:  # trained without them: all zeros, as torch's default
            feed["token_type_ids"] = np.zeros_like(row)
        logits = self._session.run(None, feed)[0]
        logit = float(np.asarray(logits, dtype=np.float64).reshape(-1)[0])
        if not math.isfinite(logit):
            raise ValueError(f"a logit that is not a number: {logit}")
        return 1.0 / (1.0 + math.exp(-logit)) if logit >= 0 else math.exp(logit) / (1.0 + math.exp(logit))


BUNDLED: Final = "bundled"
"""``NEARHIT_CONVERSATION_JUDGE=bundled``: the judge that ships with nearhit (:data:`BUNDLED_FOLDER`), at its cut."""
BUNDLED_FOLDER = Path(__file__).resolve().parent.parent / "models" / "conversation_judge"
"""The shipped judge: its int8 model, tokenizer and ``judge.json`` (the cut chosen for it, and how it was made)."""
OWN_CUT = "judge.json"
"""A judge folder's file that names the cut chosen for its model (``{"cut": 0.98, ...}``): used when no
``NEARHIT_CONVERSATION_JUDGE_CUT`` is set."""


def folder_of(setting: str) -> Path:
    """The folder ``NEARHIT_CONVERSATION_JUDGE`` names (``bundled``: the shipped judge's)."""
    return BUNDLED_FOLDER if setting == BUNDLED else Path(setting)


def own_cut(folder: Path) -> float | None:
    """The cut a judge folder's ``judge.json`` names, or None (no such file); a file that names none, or one that is
    no probability, is a :class:`ConfigError` naming it."""
    path = folder / OWN_CUT
    if not path.is_file():
        return None
    try:
        cut = _own_settings(path)["cut"]
    except KeyError as exc:
        raise ConfigError(f'NEARHIT_CONVERSATION_JUDGE: {path} names no cut ({{"cut": 0.9}}): {exc}') from exc
    return _probability(path, "cut", cut)


def own_veto(folder: Path) -> float | None:
    """The veto a judge folder's ``judge.json`` names (``"veto"``, optional), or None (no file, or none named)."""
    path = folder / OWN_CUT
    if not path.is_file() or (veto := _own_settings(path).get("veto")) is None:
        return None
    return _probability(path, "veto", veto)


def _own_settings(path: Path) -> dict[str, object]:
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ConfigError(f"NEARHIT_CONVERSATION_JUDGE: {path} is not JSON: {exc}") from exc
    if not isinstance(settings, dict):
        raise ConfigError(f'NEARHIT_CONVERSATION_JUDGE: {path} is no object ({{"cut": 0.9}})')
    return settings


def _probability(path: Path, name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise ConfigError(
            f"NEARHIT_CONVERSATION_JUDGE: {path}'s {name} is {value!r}, not a probability between 0 and 1"
        )
    return float(value)


@functools.cache
def build(setting: str | None, cut: float | None, veto: float | None = None) -> ConversationJudge | None:
    """The judge the settings name, or None (unset: off); loaded once per process (a service that opens its cache
    again, the evaluation's scratch caches): the session is safe to share, as the embedder's is. The cut is
    ``NEARHIT_CONVERSATION_JUDGE_CUT``, else the one the folder's ``judge.json`` names; no cut is guessed. The veto
    likewise: ``NEARHIT_CONVERSATION_JUDGE_VETO`` (0: none), else the file's ``"veto"``, else none."""
    if not setting:
        return None
    folder = folder_of(setting)
    chosen = cut if cut is not None else own_cut(folder)
    if chosen is None:
        raise ConfigError(
            f"NEARHIT_CONVERSATION_JUDGE={setting} is set without NEARHIT_CONVERSATION_JUDGE_CUT and its folder has no "
            f"{OWN_CUT} naming one: no cut is guessed"
        )
    own = own_veto(folder) if veto is None else None
    if own is not None and own >= chosen:  # named apart: the setting's message would name a variable nobody set
        raise ConfigError(
            f"NEARHIT_CONVERSATION_JUDGE: the veto {own:g} that {folder / OWN_CUT} names is not under the cut "
            f"{chosen:g}: set NEARHIT_CONVERSATION_JUDGE_VETO under the cut, or 0 for no veto"
        )
    return ConversationJudge(folder, chosen, veto=(veto if veto is not None else own) or None)


def _sides(query: Lookup, theirs: conversation.Context | None, asked_before: str) -> tuple[Turns, Turns]:
    """An entry's side (its stored turns ``theirs``, then its question) and the query's (its turns, matched by meaning
    or told before a question that stands alone, then its question; a single question is its question alone), as the
    judge reads them: one reading for the candidates it serves and the hits it vetoes."""
    turns = query.told_before
    stored: Turns = [*(theirs.turns if theirs is not None else ()), ("user", asked_before)]
    return stored, [*(turns.turns if turns is not None else ()), ("user", query.prompt)]


async def serve(
    cache: SemanticCache,
    result: LookupResult,
    query: Lookup,
    found: choose.Rows,
    spec: idx.IndexSpec,
    *,
    labelled: bool,
) -> bool:
    """Judge the nearest rows of a conversation that missed: the first look's KNN rows (``found``) and the single
    questions of its scope nearest by its question (:attr:`Lookup.alone`, one KNN: what the conversation told as one
    question is compared with, where a stored question asked without turns is), ``CANDIDATES`` by cosine; serve the
    most probable at the cut that no recorded negative refuses. Returns whether it judged (for the lookup's
    timings)."""
    from nearhit.cache import conversation_lookup, negatives

    judge = cache.conversation_judge
    assert judge is not None and query.context is not None and query.vector is not None
    rows = list(found)
    if query.alone is not None:
        async with cache._redis_errors():
            knn = conversation_lookup.alone_knn(cache, query.vector, spec, query.alone, CANDIDATES)
            rows += await cache._knn(spec, knn)
    # A stored conversation too long to compare word by word is served only its exact repeat, by the judge too: it
    # reads 160 tokens of the pair, and strict mode would compare the whole turns after it (conversation.comparable).
    unique = {doc_id: fields for doc_id, fields in rows if _comparable(fields)}
    nearest = sorted(unique.items(), key=lambda row: -entry.similarity(row[1]))[:CANDIDATES]
    if not nearest:
        return False
    # Every candidate is read for a negative, whatever its similarity: a scratch result at threshold 0.
    scratch = LookupResult(match=None, threshold=0.0, scope_id=result.scope_id)
    await negatives.refuse_by_feedback(cache, scratch, query.vector, nearest, labelled)
    refused = {c.doc_id for c in scratch.candidates if c.outcome == "rejected_by_feedback"}
    sides = [_sides(query, conversation.entry_turns(fields), fields.get("prompt", "")) for _, fields in nearest]
    probabilities = await asyncio.to_thread(judge.probabilities, sides)
    verdicts = [Verdict(doc_id, fields, p) for (doc_id, fields), p in zip(nearest, probabilities, strict=True)]
    best = max((v for v in verdicts if v.doc_id not in refused and v.p >= judge.cut), key=lambda v: v.p, default=None)
    if best is not None:
        _served(result, best, judge.cut)
    return True


async def veto(cache: SemanticCache, result: LookupResult, query: Lookup, theirs: conversation.Context | None) -> bool:
    """Refuse a conversation's semantic hit that a stage of rules served when the judge reads the entry as having
    another answer (p under its ``veto``): the candidate listed refused by the judge, with its p. A conversation's:
    its earlier turns matched by meaning, or told before a question that stands alone after them (``Lookup.earlier``,
    since decision rule 61: neither the context's checks nor strict mode read those turns against the entry's). Not
    asked where the entry's turns are the asked ones (the same once normalised, or once a digression is left out):
    what differs is the question, which the guards read, and there the judge refused ~4 should-hits a trap (tune,
    benchmarks/README.md); unless one question adds to the other (:func:`adds_to`, decision rule 65: a correction or
    a condition said with the question, "oh wait, correction: we release from `next`, not main. what dist-tag ...?").
    Two single questions too, where one adds to the other (decision rule 63: "... oh and the box is Windows Server
    2019"); never a single question against a conversation, nor a rewording. The sides are read as :func:`serve`
    reads a candidate's, ``theirs`` the entry's turns (:meth:`SemanticCache.served_turns`, read once for strict mode
    and this). Returns whether the judge was asked (for the lookup's timings)."""
    judge = cache.conversation_judge
    turns = query.told_before
    assert judge is not None and judge.veto is not None and result.answer is not None
    added = ""
    same = turns is None or (theirs is not None and (same_turns(turns, theirs) or digression.left_out(turns, theirs)))
    if same:  # what differs is the question: read only where one adds to the other
        added = adds_to(query.prompt, result.answer.prompt) if (turns is None) == (theirs is None) else ""
        if not added:
            return False
    [p] = await asyncio.to_thread(judge.probabilities, [_sides(query, theirs, result.answer.prompt)])
    exchanged = "" if same else _exchanged(turns, theirs)
    bar = max(judge.veto, EXCHANGED_VETO) if exchanged else judge.veto
    if p < bar:
        strict.refuse(result, f"{added}{exchanged}the conversation judge: p {p:.3f} < veto {bar:g}", by=STAGE)
    else:
        result.context = (result.context or {}) | {VETO: {"p": round(p, 4), "veto": bar}}
    return True


def _exchanged(turns: conversation.Context | None, theirs: conversation.Context | None) -> str:
    """Where both sides' earlier user turns tell one story with a detail exchanged
    (:func:`conversation.exchanged_spans`), the spans, as a refusal's reason opens ("this conversation's turns say
    'leftover roast' where the stored one's say 'raw diced'; "); else "". Not past ``MAX_COMPARED_WORDS``."""
    if turns is None or theirs is None or strict.too_long(turns, theirs):
        return ""
    spans = conversation.exchanged_spans(theirs.users, turns.users)
    said = "; ".join(f"{mine!r} where the stored one's say {stored!r}" for stored, mine in spans)
    return f"this conversation's turns say {said}; " if spans else ""


def adds_to(question: str, asked: str) -> str:
    """Where one of two questions asked after the same turns, or none (``question`` asked, ``asked`` an entry's), says
    something the other does not and the other says nothing more, what it adds, as a refusal's reason opens ("this
    question adds '...'; "); "" for a rewording, which swaps words both ways ("fix" / "repair" is a span each side
    says), or the same words. The veto reads such a hit (decision rules 63 and 65, benchmarks/README.md): "how do I
    install winget?" against the same with "oh and the box is Windows Server 2019, no Store on it". "" too past
    ``conversation.MAX_COMPARED_WORDS`` words on either side: difflib's time is quadratic in the words (two
    6,000-word questions held the event loop ~0.9 s)."""
    if not (conversation.comparable_text(question) and conversation.comparable_text(asked)):
        return ""
    added = [span for span in conversation.said_more_spans(asked, question) if _says_more(span)]
    left_out = [span for span in conversation.said_more_spans(question, asked) if _says_more(span)]
    if bool(added) == bool(left_out):
        return ""
    who, spans = ("this question", added) if added else ("the stored question", left_out)
    return f"{who} adds {'; '.join(spans)!r}; "


def _says_more(span: str) -> bool:
    """Whether a span one question adds says a word of content once its contractions are split: "what's" against
    "what is" (the same words) says nothing more; "don't" says "not"."""
    return any(token not in STOP_WORDS for token in tokens_of(span))


async def refuse_strictly(
    cache: SemanticCache, result: LookupResult, query: Lookup, theirs: conversation.Context | None, why: str
) -> None:
    """The strict setting's refusal of a hit it flagged (``why``: :func:`strict.refuses`), unless the judge is sure of
    the hit: its p at its cut or over serves it anyway. Strict mode refuses on a surface signal (a span one side's
    user turns say and the other's do not, whether or not it bears on the answer); the judge read both sides. A hit
    the judge served is its own (p over the cut already); a rules' hit is judged once, its p kept for the veto.
    Without a judge, or where no conversation is asked (the judge reads nothing else), the refusal stands."""
    judge = cache.conversation_judge
    if judge is None or query.context is None or result.answer is None or strict.too_long(query.context, theirs):
        strict.refuse(result, why)  # the judge reads 160 tokens of a pair: never all of turns too long to compare
        return
    context = result.context or {}
    if STAGE in context:
        p = float(context[STAGE]["p"])
    else:
        [p] = await asyncio.to_thread(judge.probabilities, [_sides(query, theirs, result.answer.prompt)])
    if p < judge.cut:
        strict.refuse(result, f"{why}; the conversation judge is not sure: p {p:.3f} < {judge.cut:g}")
        return
    kept = {VETO: {"p": round(p, 4), "veto": judge.veto}} if STAGE not in context and judge.veto is not None else {}
    result.context = context | kept | {OVERRULED: {"strict": why, "p": round(p, 4), "cut": judge.cut}}


def _comparable(fields: dict[str, str]) -> bool:
    """Whether an entry is a single question or a conversation short enough to compare (``MAX_COMPARED_WORDS``)."""
    theirs = conversation.entry_turns(fields)
    return theirs is None or conversation.comparable(theirs)


def _served(result: LookupResult, verdict: Verdict, cut: float) -> None:
    """Make ``result`` the judge's hit of ``verdict``'s entry: the candidate listed served by the judge (in place of
    what the first look and the second chances made of it), the context shown with the stage and p."""
    fields = verdict.fields
    similarity = entry.similarity(fields)
    reason = f"the conversation judge: p {verdict.p:.3f} >= {cut:g}"
    served = Candidate(
        verdict.doc_id, fields.get("prompt", ""), similarity, "served", reason=reason, score=verdict.p, margin=STAGE
    )
    result.candidates = sorted(
        [c for c in result.candidates if c.doc_id != verdict.doc_id] + [served], key=lambda c: -c.similarity
    )
    result.match, result.answer = "semantic", entry.read_answer(verdict.doc_id, fields)
    result.similarity, result.distance = similarity, 1.0 - similarity
    result.rejected_by = result.rejection_reason = None
    theirs = conversation.entry_turns(fields)
    turns = [list(turn) for turn in theirs.turns] if theirs is not None else []
    result.context = {"turns": turns, "similarity": similarity, STAGE: {"p": round(verdict.p, 4), "cut": cut}}
