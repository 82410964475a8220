"""The steps a conversation's lookup takes beyond a single question's: how many neighbours it compares
contexts with, and, when it found no entry of its own, the search among its scope's single questions for
one that asks, in one message, what the conversation asks over several (:func:`as_one_question`); and the
other direction: a single question that missed, searched among the conversations of its scope told as one
question (:func:`from_story`), which their entries' twins (:func:`twins`) index.

Kept apart from :mod:`nearhit.cache.semantic_cache`, whose request path calls them, so that path stays one
readable function and the conversation rules live beside :mod:`nearhit.cache.context_match`.
"""

from __future__ import annotations

import asyncio
import functools
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import ResponseError

from nearhit.cache import choose, context_match, conversation, entry, negatives, referent, turn_reading, turns
from nearhit.cache import index as idx
from nearhit.cache.base import CacheBase
from nearhit.cache.client import hash_reads, reads, unlink_each
from nearhit.cache.keys import KeySpace, Scope, normalise, sha256_hex
from nearhit.cache.lookup import Lookup
from nearhit.cache.results import LookupResult, Margin
from nearhit.guards import GuardSet

if TYPE_CHECKING:
    from nearhit.cache.semantic_cache import SemanticCache

CONTEXT_CANDIDATES = 10
"""How many nearest questions a conversation's lookup compares contexts with."""
ALONE_FLOOR = 0.45
"""How near (the question alone, or else the earlier turns) a single question must be for a conversation that
missed to be told as one question and embedded again: below it nothing there can be the same story."""
USER_TURNS_THRESHOLD = 0.85
"""The least cosine of two conversations' user turns (one text a side) for :func:`user_turns` to read their contexts
as one story. Chosen leave-one-set-out on the 24 conversation dev splits (``benchmarks/reworded_probe.py``): of the
pairs refused as about something else whose story checks pass, the highest trap sits at 0.825 (a place swapped:
"a public beach" / "near the stadium during a football game", whose assistants' replies told the difference);
0.02 above it on every fold, rounded up."""
USER_WORDS_SHARE = 0.62
"""The least share of their content words two conversations' user turns must both say
(:func:`conversation.users_words_share`) for :func:`user_turns` to read their contexts as one story when the user
turns' cosine is under ``USER_TURNS_THRESHOLD``: a greeting turn or an aside dilutes a short story's vector, not its
words. Chosen on the 32 conversation dev splits (``benchmarks/user_words_probe.py``): of the pairs refused as about
something else whose story checks pass, the highest traps sit at 0.60 (a context swapped in the same frame: "sqlite
... 'database is locked'" / "postgres ... 'deadlock detected'", "PEX" / "copper" pipes); one grid step above them,
the same on every fold left out."""


def neighbours(query: Lookup, candidates: int) -> int:
    """How many neighbours the KNN returns: the same question ends many conversations ("yes please"), so
    when contexts decide, look further than for a single question."""
    return candidates if query.context is None else max(candidates, CONTEXT_CANDIDATES)


async def as_one_question(
    cache: CacheBase,
    result: LookupResult,
    query: Lookup,
    spec: idx.IndexSpec,
    *,
    guards: GuardSet | None,
    candidates: int,
    margins: choose.Margins,
) -> None:
    """A conversation that found no entry of its own, told as one question (its user turns, then its
    question) and searched among the single questions of its scope (``query.alone``): "I'm going to
    Mexico." "It's a Chase Sapphire." "Any fees there?" is what one message asking it all asks. Only on
    a miss, so a hit or an identical history costs nothing more; then one KNN by the question alone, and
    only if a single question is near it (``ALONE_FLOOR``), one embedding and one KNN more (for a question
    that names nothing of its own, "How do I do that?", the story is also told with the assistant's last turn:
    :func:`conversation.told_with_answer`, in the same embedder call, and its KNN too). Not under a
    wrong-hit bound, whose evidence is kept per question, not per story. ``candidates``: how many single
    questions the told text (and the question alone) is compared with. The KNN by the question alone also finds
    a single question asked after the very same turns, or after turns that tell the same story in other words,
    judged by its question (:func:`_after_earlier_turns`; ``margins``: the lookup's, :meth:`SemanticCache.margins`),
    or, after the very same turns, by the follow-up read with its referent filled in (:func:`referent.after_same_turns`:
    "how do I apply for it?" against "how do I apply for the Boiler Upgrade Scheme?"). A story told under
    ``ONE_QUESTION_THRESHOLD`` is judged at the threshold when its follow-up, what it points at filled in, asks what
    the single question asks (:func:`referent.told_resolved`: one embedder call more, only then)."""
    assert query.context is not None and query.alone is not None and query.vector is not None
    told = conversation.told_as_one(query.context, query.prompt)
    with_answer = conversation.told_with_answer(query.context, query.prompt)
    texts = [told] if with_answer is None else [told, with_answer]
    async with cache._redis_errors():
        nearest = await cache._knn(spec, alone_knn(cache, query.vector, spec, query.alone, candidates))
        if _after_earlier_turns(result, query, nearest, guards, margins=margins):
            return
        await referent.after_same_turns(cache, result, query, nearest, guards=guards)
        if result.hit:
            return
        if not await _near(cache, spec, query, nearest):
            return
        vectors = await embedded(cache, query, [normalise(text) for text in texts])
        found = [await cache._knn(spec, alone_knn(cache, v, spec, query.alone, candidates)) for v in vectors]
    for text, rows in zip(texts, found, strict=True):  # each telling judged as told: its words, its facts
        answer, answered = conversation.last_answer(query.context), conversation.asked_for(query.context)
        asked = conversation.answered_questions(query.context)
        matched = context_match.as_one_question(result, text, rows, guards, answer, answered, asked)
        if matched is not None:
            result.context = matched
            return
    single = [
        (query.context, query.prompt, f.get("prompt", ""), told, key, f)
        for key, f in found[0]
        if not f.get(entry.CONTEXT)
    ]
    resolved = await referent.told_resolved(cache, result, single, query.scope.tenant, guards=guards)
    result.context = resolved or result.context


async def _near(cache: CacheBase, spec: idx.IndexSpec, query: Lookup, nearest: list[Any]) -> bool:
    """Whether a single question of the scope is within ``ALONE_FLOOR`` of the question alone (``nearest``: the
    KNN by it) or, failing that, of the earlier turns: "How do I enable it?" is near nothing, the turns before
    it ("I want to secure my Epic Games account") are near the single question that asks it all. One KNN more
    at most."""
    assert query.alone is not None
    if not nearest:
        return False
    if entry.similarity(nearest[0][1]) >= ALONE_FLOOR:
        return True
    if query.context_vector is None:
        return False
    near = await cache._knn(spec, alone_knn(cache, query.context_vector, spec, query.alone, 1))
    return bool(near) and entry.similarity(near[0][1]) >= ALONE_FLOOR


def _after_earlier_turns(
    result: LookupResult,
    query: Lookup,
    rows: list[Any],
    guards: GuardSet | None,
    *,
    margins: choose.Margins,
) -> bool:
    """Serve a single question asked after the very turns of ``query`` (normalised) that states nothing the
    query's question does not (:func:`conversation.states_more`: a correction, a fact, a constraint) and points at
    no other person or thing (:func:`conversation.other_referent`: "can hers ...?" / "can his ...?"), judged by
    its question as a conversation's entry with the same turns is (the same margin below the threshold, by the
    guards, as every conversation's lookup): "What's the minimum down payment?" reads as standing alone and "How
    little can I put down?" does not, yet after the same turns they are two wordings of one question. Whether a
    question stands alone is read from its words, so two wordings of one question can be read apart; their turns,
    the same, are the same context whichever way they were read. Without fitted ``margins``
    (``NEARHIT_FITTED_MARGINS``), none below the threshold but the quiet band ``margins`` keeps.

    Else one asked after other turns that tell ``query``'s story again (their embedding, stored with the entry,
    and the context's checks, as for a conversation's entry: :func:`context_match.match`), judged by its question
    as a conversation's entry whose turns matched is (the fitted margin): two wordings of one follow-up after one
    story retold ("What paperwork does the dog need?" / "which documents do we need for him?") are read apart
    too. No embedding and no round trip more: the KNN by the question alone found them, their turns' vectors are
    stored."""
    assert query.context is not None and query.vector is not None
    turns = _normalised(query.context)
    same = [
        (doc_id, fields)
        for doc_id, fields in rows
        if not fields.get(entry.CONTEXT)
        and _normalised(conversation.stored(fields.get(entry.EARLIER, ""))) == turns
        and conversation.states_more(query.prompt, fields.get("prompt", ""), added_times=False) is None
        and conversation.other_referent(query.prompt, fields.get("prompt", "")) is None
    ]
    if same:
        judged = LookupResult(match=None, threshold=result.threshold, scope_id=result.scope_id)
        width: tuple[Margin, float] = ("same_turns", context_match.SAME_TURNS_MARGIN)
        _judge(judged, query.prompt, same, guards, {doc_id: width for doc_id, _ in same}, margins, query.context)
        shown = {"turns": [list(turn) for turn in query.context.turns], "similarity": 1.0, "same_turns": True}
        if _served(result, judged, shown):
            return True
    told = [
        (doc_id, {**fields, entry.CONTEXT: fields[entry.EARLIER]})
        for doc_id, fields in rows
        if not fields.get(entry.CONTEXT)
        and fields.get(entry.EARLIER)
        and fields.get(entry.CONTEXT_VECTOR)
        and _tells_another(conversation.stored(fields[entry.EARLIER]), turns)
    ]
    if not told:
        return False
    judged = LookupResult(match=None, threshold=result.threshold, scope_id=result.scope_id)
    kept, contexts, _, widths = context_match.match(judged, query, told, len(query.vector))
    if kept:
        _judge(judged, query.prompt, kept, guards, widths, margins, query.context)
    return _served(result, judged, contexts.get(judged.answer.doc_id) if judged.answer is not None else None)


def _second_chance_floor(result: LookupResult, margins: choose.Margins) -> float:
    """How near a candidate's question must be for a second chance (:func:`turn_by_turn`, :func:`user_turns`) to
    be worth its embeddings: the widest margin a matched conversation may be served by, under the threshold."""
    return context_match.servable_floor(result.threshold, margins.quiet)


async def turn_by_turn(
    cache: SemanticCache,
    result: LookupResult,
    query: Lookup,
    rows: list[Any],
    *,
    guards: GuardSet | None,
    labelled: bool,
    margins: choose.Margins,
) -> bool:
    """A second chance for a conversation that missed: its candidates (``rows``, the KNN's) whose context was refused
    by the whole turns' cosine, by a turn one side says alone or by a detail such a turn seems to change
    (:func:`turns.refused_by_turns`) are compared again
    with the chatter one side alone says left out (:func:`turns.without_chatter`), by every check of
    :func:`context_match.match`; those kept go through the feedback's refusals and are judged by their questions as a
    matched conversation's are. Only candidates near enough to be served by a margin, with a turn that may be chatter
    (:func:`turns.may_leave_out`, read from the words), whose entry keeps its turns' embeddings (read for these
    candidates only, in one round trip; an entry stored before they were kept has none: no second chance). The
    query's turns are embedded one by one (one batch, kept on ``query`` for its store), then the kept turns as one
    text each (a second batch).
    Returns whether it embedded (the second chance taken), for the lookup's timings."""
    assert query.context is not None and query.context_vector is not None and query.vector is not None
    dimension = len(query.vector)
    maybe = _turn_chances(result, query, rows, guards, labelled=labelled, margins=margins)
    if not maybe:
        return False
    async with cache._redis_errors():
        # The turns' embeddings are read here, for these candidates only: no KNN returns them (entry.TURN_VECTORS).
        kept_turns = await hash_reads(cache.redis, [("HGET", doc_id, entry.TURN_VECTORS) for doc_id, *_ in maybe])
        chances = []
        for (doc_id, fields, cached), raw in zip(maybe, kept_turns, strict=True):
            stored = turns.vectors_of(idx.as_text(raw) if raw is not None else "", len(cached.turns), dimension)
            if stored is not None:
                chances.append((doc_id, fields, cached, stored))
        if not chances:
            return False
        if query.turn_vectors is None:
            texts = [normalise(text) for _, text in query.context.turns]
            query.turn_vectors = np.array(await embedded(cache, query, texts))
        asked_turns = query.turn_vectors
        left = [
            (doc_id, fields, cached, turns.without_chatter(query.context, asked_turns, cached, stored, query.prompt))
            for doc_id, fields, cached, stored in chances
        ]
        kept = [(doc_id, fields, cached, *pair) for doc_id, fields, cached, pair in left if pair is not None]
        # A side left whole keeps its embedding (the query's, the entry's): only the turns left out change a text.
        changed = {normalise(mine.text) for *_, mine, _ in kept if mine != query.context}
        changed |= {normalise(theirs.text) for _, _, cached, _, theirs in kept if theirs != cached}
        texts = sorted(changed)
        vectors = dict(zip(texts, await embedded(cache, query, texts), strict=True))
    trials = []
    for doc_id, fields, cached, mine, theirs in kept:
        vector = vectors.get(normalise(mine.text), query.context_vector)
        asked = replace(query, context=mine, context_vector=vector, context_as_told=query.context)
        row = {**fields, entry.CONTEXT: theirs.to_json(), context_match.AS_TOLD: fields.get(entry.CONTEXT, "")}
        if theirs != cached:
            row[entry.CONTEXT_VECTOR] = context_match.vector_text(vectors[normalise(theirs.text)])
        trials.append((asked, doc_id, row))
    await _matched_again(
        cache, result, query, trials, "turn_by_turn", guards=guards, labelled=labelled, margins=margins
    )
    return True


def _turn_candidates(
    result: LookupResult, query: Lookup, rows: list[Any], margins: choose.Margins
) -> list[tuple[str, dict[str, str], conversation.Context]]:
    """The candidates of :func:`turn_by_turn` read from the lookup alone (no round trip, no embedding): refused by the
    turns, near enough to be served by a margin, with a turn that may be chatter (:func:`turns.may_leave_out`)."""
    assert query.context is not None
    floor = _second_chance_floor(result, margins)
    refused = {c.doc_id for c in result.candidates if c.guard == "context" and turns.refused_by_turns(c.reason)}
    maybe = []
    for doc_id, fields in rows:
        cached = conversation.stored(fields.get(entry.CONTEXT, ""))
        if doc_id not in refused or cached is None or entry.similarity(fields) < floor:
            continue
        if turns.may_leave_out(query.context, cached, query.prompt):
            maybe.append((doc_id, fields, cached))
    return maybe


MAX_READINGS = 16
"""The most readings of a candidate's turns with chatter left out (:func:`turns.readings`) checked before the
turns are embedded; past it (five chatter turns or more on a side) the candidate keeps its second chance unread."""

Chance = tuple[str, dict[str, str], conversation.Context]
"""A second chance's candidate: its id, its KNN row's fields and its stored turns."""


def _turn_chances(
    result: LookupResult,
    query: Lookup,
    rows: list[Any],
    guards: GuardSet | None,
    *,
    labelled: bool,
    margins: choose.Margins,
) -> list[Chance]:
    """The candidates of :func:`turn_by_turn` (:func:`_turn_candidates`) that it may serve, read before anything is
    embedded or read: one for which some reading of its turns with chatter left out (:func:`turns.readings`: every
    pair :func:`turns.without_chatter` can return, whatever the turns' vectors) may be served (:func:`_may_serve`).
    Exact: no other can be served, so not embedding for it changes no verdict. One that may match but not be served
    keeps its chance when :func:`user_turns` may serve it, or the feedback may refuse it (``labelled``): matched
    again, it leaves the candidates :func:`user_turns` and the learned add read."""
    assert query.context is not None
    chances = []
    for chance in _turn_candidates(result, query, rows, margins):
        doc_id, fields, cached = chance
        readings = turns.readings(query.context, cached, query.prompt, MAX_READINGS)
        if (
            readings is None
            or any(_may_serve(result, query, doc_id, fields, *pair, guards, margins) for pair in readings)
            or (
                (labelled or _users_may_serve(result, query, doc_id, rows, guards, margins))
                and any(_may_match(result, query, doc_id, fields, *pair) for pair in readings)
            )
        ):
            chances.append(chance)
    return chances


def _users_may_serve(
    result: LookupResult, query: Lookup, doc_id: str, rows: list[Any], guards: GuardSet | None, margins: choose.Margins
) -> bool:
    """Whether :func:`user_turns` may serve the candidate ``doc_id`` (:func:`_users_chances`, not under feedback)."""
    chances = _users_chances(result, query, rows, guards, labelled=False, margins=margins)
    return any(chance == doc_id for chance, *_ in chances)


def _users_chances(
    result: LookupResult,
    query: Lookup,
    rows: list[Any],
    guards: GuardSet | None,
    *,
    labelled: bool,
    margins: choose.Margins,
) -> list[Chance]:
    """The candidates of :func:`user_turns` (:func:`_users_candidates`) that it may serve, read before the user turns
    are embedded (:func:`_may_serve`, the user turns' cosine read in place of the whole turns'); under the feedback
    (``labelled``), every one that may match again (one matched again may be refused by it, which the learned add
    reads). Exact: no other can be served, so not embedding for it changes no verdict."""
    context = query.context
    assert context is not None
    return [
        (doc_id, fields, cached)
        for doc_id, fields, cached in _users_candidates(result, query, rows, margins)
        if _may_serve(result, query, doc_id, fields, context, cached, guards, margins)
        or (labelled and _may_match(result, query, doc_id, fields, context, cached))
    ]


def _may_serve(
    result: LookupResult,
    query: Lookup,
    doc_id: str,
    fields: dict[str, str],
    mine: conversation.Context,
    theirs: conversation.Context,
    guards: GuardSet | None,
    margins: choose.Margins,
) -> bool:
    """Whether a second chance that reads the query's turns as ``mine`` and the candidate's as ``theirs`` may serve
    the candidate (:func:`_matched_again`), whatever the cosine of the texts it would embed: it must reach the
    threshold less the margin it would get or the guards' quiet band (:func:`context_match.reach`, words alone), be
    matched again (:func:`_may_match`) and then be served, judged alone as :func:`_matched_again` judges it
    (:func:`_judge`: the guards by that margin, a veto read again with the turns, no cosine of the contexts read):
    among others it may be refused (past a nearer veto, or by the feedback), never served where alone it is not. Read
    once a lookup (``query.reads.chances``)."""
    key = (doc_id, mine, theirs)
    if key not in query.reads.chances:
        query.reads.chances[key] = _served_alone(result, query, doc_id, fields, mine, theirs, guards, margins)
    return query.reads.chances[key]


def _served_alone(
    result: LookupResult,
    query: Lookup,
    doc_id: str,
    fields: dict[str, str],
    mine: conversation.Context,
    theirs: conversation.Context,
    guards: GuardSet | None,
    margins: choose.Margins,
) -> bool:
    """:func:`_may_serve`, read cheapest first: the margin (words), the judges (the questions, short), then the turns'
    checks (:func:`_matched_at_one`: long support chats' turns). The judges read no check of the turns: the
    candidate is served once both let it through, whichever reads first."""
    similarity, asked = entry.similarity(fields), fields.get("prompt", "")
    width: tuple[Margin, float] = ("quiet", 0.0)
    if margins.fitted:
        width = context_match.reach(replace(query, context=mine), theirs, asked, result.threshold - similarity)
    if similarity < result.threshold - max(width[1] if margins.fitted else 0.0, margins.quiet if guards else 0.0):
        return False  # below every floor the guards serve from
    row = _read_as(fields, theirs)
    judged = LookupResult(match=None, threshold=result.threshold, scope_id=result.scope_id)
    _judge(judged, query.prompt, [(doc_id, row)], guards, {doc_id: width} if width[1] else {}, margins, query.context)
    if not judged.hit:
        return False
    trial = LookupResult(match=None, threshold=result.threshold, scope_id=result.scope_id)
    return bool(_matched_at_one(trial, query, doc_id, fields, mine, theirs)[0])


def _read_as(fields: dict[str, str], theirs: conversation.Context) -> dict[str, str]:
    """A candidate's row with its turns read as ``theirs`` (the stored text kept when they are the same)."""
    if theirs == conversation.stored(fields.get(entry.CONTEXT, "")):
        return fields
    return {**fields, entry.CONTEXT: theirs.to_json()}


def _may_match(
    result: LookupResult,
    query: Lookup,
    doc_id: str,
    fields: dict[str, str],
    mine: conversation.Context,
    theirs: conversation.Context,
) -> bool:
    """Whether a second chance that reads the query's turns as ``mine`` and the candidate's as ``theirs`` may match
    the candidate again (:func:`_matched_again`), whatever the cosine of the texts it would embed
    (:func:`_matched_at_one`)."""
    trial = LookupResult(match=None, threshold=result.threshold, scope_id=result.scope_id)
    return bool(_matched_at_one(trial, query, doc_id, fields, mine, theirs)[0])


def _matched_at_one(
    trial: LookupResult,
    query: Lookup,
    doc_id: str,
    fields: dict[str, str],
    mine: conversation.Context,
    theirs: conversation.Context,
) -> tuple[list[Any], dict[str, tuple[Margin, float]]]:
    """The candidate compared by :func:`context_match.match` as :func:`_matched_again` compares it (no turn read as
    told whole), its turns read as ``theirs`` and the query's as ``mine``, at a cosine of 1: the kept row and its
    margin. :func:`conversation.differs` with ``whole=False`` reads the cosine only in its first check (about
    something else under ``CONTEXT_THRESHOLD``); every later check, :func:`conversation.other_referent` and the margin
    read words alone: refused at a cosine of 1, refused at any."""
    assert query.context_vector is not None
    vector = query.context_vector
    row = {**_read_as(fields, theirs), entry.CONTEXT_VECTOR: context_match.vector_text(vector)}
    row[context_match.AS_TOLD] = fields.get(entry.CONTEXT, "")
    asked = replace(query, context=mine, context_vector=vector, context_as_told=query.context)
    kept, _, _, widths = context_match.match(trial, asked, [(doc_id, row)], len(vector), whole=False)
    return kept, widths


async def user_turns(
    cache: SemanticCache,
    result: LookupResult,
    query: Lookup,
    rows: list[Any],
    *,
    guards: GuardSet | None,
    labelled: bool,
    margins: choose.Margins,
) -> bool:
    """A second chance for a conversation that missed: its candidates (``rows``, the KNN's) refused as about
    something else (the whole turns' cosine) whose user turns, as one text a side, are at least
    ``USER_TURNS_THRESHOLD`` alike, or that share ``USER_WORDS_SHARE`` of their content words (the cosine then
    read as 1), are compared again by every check of :func:`context_match.match`, that cosine read in place of the
    whole turns', and judged as :func:`turn_by_turn` judges. The assistants' replies are
    written freely and differ between two tellings of one story ("Thanks - right knee, two weeks post-op" / "How
    are you getting on?"), pulling the whole turns' cosine under ``CONTEXT_THRESHOLD``; what the user said is the
    story. Only candidates near enough to be served by a margin; the query's user turns and theirs are embedded in
    one batch (the embedding store first). Returns whether it embedded, for the lookup's timings."""
    assert query.context is not None and query.vector is not None
    maybe = _users_chances(result, query, rows, guards, labelled=labelled, margins=margins)
    if not maybe:
        return False
    texts = _users_texts(query.context, maybe)
    async with cache._redis_errors():
        vectors = dict(zip(texts, await embedded(cache, query, texts), strict=True))
    mine = vectors[normalise(conversation.users_said(query.context))]
    trials = []
    for doc_id, fields, cached in maybe:
        theirs = vectors[normalise(conversation.users_said(cached))]
        if float(np.dot(mine, theirs)) >= USER_TURNS_THRESHOLD:
            row = {**fields, entry.CONTEXT_VECTOR: context_match.vector_text(theirs)}
            trials.append((replace(query, context_vector=mine), doc_id, row))
        elif conversation.users_words_share(query.context, cached) >= USER_WORDS_SHARE:
            # The same words, read as the same story: the context's cosine is read as 1, every story check judges.
            row = {**fields, entry.CONTEXT_VECTOR: context_match.vector_text(mine)}
            trials.append((replace(query, context_vector=mine), doc_id, row))
    await _matched_again(cache, result, query, trials, "user_turns", guards=guards, labelled=labelled, margins=margins)
    return True


def _users_candidates(
    result: LookupResult, query: Lookup, rows: list[Any], margins: choose.Margins
) -> list[tuple[str, dict[str, str], conversation.Context]]:
    """The candidates of :func:`user_turns`: refused as about something else, near enough to be served by a margin."""
    floor = _second_chance_floor(result, margins)
    refused = {
        c.doc_id
        for c in result.candidates
        if c.guard == "context" and (c.reason or "").startswith(conversation.ABOUT_ELSE)
    }
    maybe = []
    for doc_id, fields in rows:
        cached = conversation.stored(fields.get(entry.CONTEXT, ""))
        if doc_id in refused and cached is not None and entry.similarity(fields) >= floor:
            maybe.append((doc_id, fields, cached))
    return maybe


def _users_texts(
    context: conversation.Context, maybe: list[tuple[str, dict[str, str], conversation.Context]]
) -> list[str]:
    """What :func:`user_turns` embeds: the query's user turns and each candidate's, one text a side."""
    return sorted({normalise(conversation.users_said(c)) for c in (context, *(c for *_, c in maybe))})


async def _matched_again(
    cache: SemanticCache,
    result: LookupResult,
    query: Lookup,
    trials: list[tuple[Lookup, str, dict[str, str]]],
    how: str,
    *,
    guards: GuardSet | None,
    labelled: bool,
    margins: choose.Margins,
) -> None:
    """Each candidate of ``trials`` (the query as read again, the candidate's id and its fields as read again)
    compared by :func:`context_match.match`; those kept go through the feedback's refusals and are judged by their
    questions as a matched conversation's are, their context shown with ``how``."""
    assert query.vector is not None
    judged = LookupResult(match=None, threshold=result.threshold, scope_id=result.scope_id)
    matched: list[Any] = []
    contexts: dict[str, dict[str, object]] = {}
    widths: dict[str, tuple[Margin, float]] = {}
    for asked, doc_id, row in trials:
        # Judged on a scratch result: a candidate refused again keeps its first refusal, not a second one.
        trial = LookupResult(match=None, threshold=result.threshold, scope_id=result.scope_id)
        # Turns left out: the assistant's words reworded no longer say the whole history was told again.
        passed, shown, _, width = context_match.match(trial, asked, [(doc_id, row)], len(query.vector), whole=False)
        matched += passed
        contexts |= {key: {**value, how: True} for key, value in shown.items()}
        widths |= width
    if matched:
        again = {doc_id for doc_id, _ in matched}
        result.candidates = [c for c in result.candidates if not (c.doc_id in again and c.guard == "context")]
        matched, _, _ = await negatives.refuse_by_feedback(cache, judged, query.vector, matched, labelled)
        _judge(judged, query.prompt, matched, guards, widths, margins, query.context)
    _served(result, judged, contexts.get(judged.answer.doc_id) if judged.answer is not None else None)


async def after_the_answer(
    cache: CacheBase,
    result: LookupResult,
    query: Lookup,
    rows: list[Any],
    matched: tuple[dict[str, dict[str, object]], dict[str, tuple[Margin, float]]],
    *,
    guards: GuardSet | None,
    margins: choose.Margins,
) -> bool:
    """A second look for a conversation that missed, at its candidates after the very same turns (``matched``:
    the contexts and widths :func:`context_match.match` gave ``rows``, the rows judged) whose follow-up is under
    the same-turns margin but not under ``AFTER_ANSWER_FLOOR``: each follow-up told after the assistant's last turn
    (:func:`conversation.after_answer`; the entry's embedding of it is stored with it), at least
    ``AFTER_ANSWER_THRESHOLD`` alike, or at least ``AFTER_ANSWER_STORY_FLOOR`` with the two stories told as one
    question at least ``STORY_THRESHOLD`` alike (:func:`_stories_alike`: one embedding more, only for such a
    candidate), is judged again by the guards down to that floor, the guards still reading the two follow-ups
    (none without guards, nor fitted margins). The entries' embeddings of their follow-ups are read
    for those candidates only (one round trip); one embedding more (kept on ``query`` for its store), only when such
    a candidate has one (an entry stored before these were kept has none: no second look).
    Returns whether it embedded."""
    contexts, widths = matched
    told, maybe = _followup_candidates(result, query, rows, widths, guards, margins)
    if told is None or not maybe:
        return False
    async with cache._redis_errors():
        # Read here, for these candidates only: no KNN returns it (entry.FOLLOWUP_VECTOR), as with turn_by_turn's.
        kept = await hash_reads(cache.redis, [("HGET", doc_id, entry.FOLLOWUP_VECTOR) for doc_id, _ in maybe])
    told_of = {doc_id: idx.as_text(raw) for (doc_id, _), raw in zip(maybe, kept, strict=True) if raw}
    if not told_of:
        return False
    if query.followup_vector is None:
        async with cache._redis_errors():
            (query.followup_vector,) = await embedded(cache, query, [normalise(told)])
    mine = query.followup_vector
    alike: dict[str, float] = {}
    for doc_id, told_text in told_of.items():
        theirs = context_match.vector_of(told_text, len(mine))
        alike[doc_id] = float(np.dot(mine, theirs)) if theirs is not None else 0.0
    band = [
        d
        for d, s in alike.items()
        if context_match.AFTER_ANSWER_STORY_FLOOR <= s < context_match.AFTER_ANSWER_THRESHOLD
    ]
    stories = await _stories_alike(cache, query, band)
    width: tuple[Margin, float] = ("same_turns", result.threshold - context_match.AFTER_ANSWER_FLOOR)
    reach = {
        doc_id: width
        for doc_id, similarity in alike.items()
        if similarity >= context_match.AFTER_ANSWER_THRESHOLD
        or stories.get(doc_id, 0.0) >= context_match.STORY_THRESHOLD
    }
    if not reach:
        return True
    # Judged again down to the farthest reached: a nearer candidate a guard vetoes still stops it.
    farthest = min(entry.similarity(fields) for doc_id, fields in rows if doc_id in reach)
    again = [(doc_id, fields) for doc_id, fields in rows if entry.similarity(fields) >= farthest]
    judged = LookupResult(match=None, threshold=result.threshold, scope_id=result.scope_id)
    _judge(judged, query.prompt, again, guards, {**widths, **reach}, margins, query.context)
    ids = {doc_id for doc_id, _ in again}
    result.candidates = [c for c in result.candidates if c.doc_id not in ids]
    served = judged.answer.doc_id if judged.answer is not None else ""
    _served(result, judged, {**contexts.get(served, {}), "after_answer": alike.get(served)})
    return True


def _followup_candidates(
    result: LookupResult,
    query: Lookup,
    rows: list[Any],
    widths: dict[str, tuple[Margin, float]],
    guards: GuardSet | None,
    margins: choose.Margins,
) -> tuple[str | None, list[tuple[str, dict[str, str]]]]:
    """The query's follow-up told after the answer and the candidates of :func:`after_the_answer` (no round trip, no
    embedding): after the very same turns, under the same-turns margin but not under ``AFTER_ANSWER_FLOOR``. None
    and no candidate without an assistant's turn, the guards or fitted margins (measured with the guards reading
    the follow-ups)."""
    told = conversation.after_answer(query.context, query.prompt) if query.context is not None else None
    if told is None or not margins.fitted or guards is None:
        return None, []
    floor = result.threshold - context_match.SAME_TURNS_MARGIN
    maybe = [
        (doc_id, fields)
        for doc_id, fields in rows
        if widths.get(doc_id, ("quiet", 0.0))[0] == "same_turns"
        and context_match.AFTER_ANSWER_FLOOR <= entry.similarity(fields) < floor
    ]
    return told, maybe


async def embed_ahead(
    cache: CacheBase,
    result: LookupResult,
    query: Lookup,
    rows: list[Any],
    found: list[Any],
    widths: dict[str, tuple[Margin, float]],
    *,
    guards: GuardSet | None,
    labelled: bool,
    margins: choose.Margins,
) -> bool:
    """One embedder call, when a conversation missed, for what :func:`after_the_answer` (its follow-up told after the
    answer), :func:`turn_by_turn` (its turns one by one) and :func:`user_turns` (its user turns and the candidates')
    would each embed in a call of their own (``rows``: the candidates judged, ``found``: the KNN's; ``widths``: the
    margins the contexts gave them): a call's fixed cost paid once, not per stage. Each text is chosen as its stage
    chooses its candidates, from the lookup alone, before the stage reads the entries' stored embeddings (an entry
    stored before they were kept has none) or an earlier stage serves: then a text may go unused by its stage; the
    query's turns and follow-up are those the store after a miss embeds. The stages read them in ``query.embedded``
    (:func:`embedded`): a text's vector is the same whichever texts share its call (the local model's are, to the
    bit: ``benchmarks/miss_embeds.py``), so each stage's verdicts are the same. Returns whether it embedded."""
    assert query.context is not None
    told, followups = _followup_candidates(result, query, rows, widths, guards, margins)
    after = [normalise(told)] if told is not None and followups and query.followup_vector is None else []
    apart = []
    if query.turn_vectors is None and _turn_chances(result, query, found, guards, labelled=labelled, margins=margins):
        apart = [normalise(text) for _, text in query.context.turns]
    users = _users_chances(result, query, found, guards, labelled=labelled, margins=margins)
    texts = after + apart + (_users_texts(query.context, users) if users else [])
    if not texts:
        return False
    async with cache._redis_errors():
        await embedded(cache, query, texts)
    # Kept on the query as their stages keep them, for them and for its store.
    query.followup_vector = query.embedded[after[0]] if after else query.followup_vector
    query.turn_vectors = np.array([query.embedded[text] for text in apart]) if apart else query.turn_vectors
    return True


async def embedded(cache: CacheBase, query: Lookup, texts: list[str]) -> list[np.ndarray]:
    """The vectors of ``texts`` (normalised): those a second chance of this lookup embedded read from
    ``query.embedded``, the others in one embedder call (the embedding store first) and kept there: the embedding
    store does not read back a vector it has not written yet, so one text two stages embed was computed twice."""
    missing = sorted({text for text in texts if text not in query.embedded})
    if missing:
        query.embedded.update(zip(missing, await cache.embeddings.embed(missing, query.scope.tenant), strict=True))
    return [query.embedded[text] for text in texts]


async def _stories_alike(cache: CacheBase, query: Lookup, candidates: list[str]) -> dict[str, float]:
    """How alike the query's story told as one question is to each candidate's (``candidates``: entries after the
    very same turns whose follow-ups, told after the answer, read in :data:`context_match.AFTER_ANSWER_STORY_FLOOR`'s
    band): each candidate's is its first twin's vector (:func:`twins`, keyed by the entry's key in the query's scope),
    read in one round trip; the query's is embedded once, only when a candidate has one."""
    if not candidates or query.context is None or query.alone is None:
        return {}
    keys = {doc_id: twins(cache.keys, query, doc_id)[0][0] for doc_id in candidates}
    async with cache._redis_errors():
        raw = await hash_reads(cache.redis, [("HGET", keys[doc_id], entry.VECTOR) for doc_id in candidates])
    dimension = cache.embedder.dimension
    theirs = {
        doc_id: context_match.unit(np.frombuffer(value, dtype=np.float32))
        for doc_id, value in zip(candidates, raw, strict=True)
        if isinstance(value, bytes) and len(value) == 4 * dimension
    }
    kept = {doc_id: vector for doc_id, vector in theirs.items() if vector is not None}
    if not kept:
        return {}
    told = normalise(conversation.told_as_one(query.context, query.prompt))
    async with cache._redis_errors():
        (mine,) = await embedded(cache, query, [told])
    return {doc_id: float(np.dot(mine, vector)) for doc_id, vector in kept.items()}


def followup_to_embed(query: Lookup) -> str | None:
    """What a conversation's store embeds for :func:`after_the_answer` (its question told after the assistant's
    last turn, normalised), or None: not a conversation, no assistant turn, or the lookup embedded it already."""
    if query.context is None or query.followup_vector is not None:
        return None
    told = conversation.after_answer(query.context, query.prompt)
    return normalise(told) if told is not None else None


def _judge(
    judged: LookupResult,
    prompt: str,
    rows: list[Any],
    guards: GuardSet | None,
    widths: dict[str, tuple[Margin, float]],
    margins: choose.Margins,
    context: conversation.Context | None,
) -> None:
    """Judge ``rows`` (their turns matched ``context``, the turns ``prompt`` was asked after) by their questions into
    ``judged``, by the guards: ``widths`` below the threshold when the lookup's ``margins`` are fitted, else only the
    quiet band they keep; a veto read again with what each side's turns supply (:mod:`turn_reading`)."""
    fitted = widths if margins.fitted else None
    choose.by_guards(judged, prompt, rows, guards, fitted, quiet_margin=margins.quiet)
    if context is not None:
        turn_reading.read_with_turns(judged, context, prompt, rows, {doc_id for doc_id, _ in rows}, fitted, guards)


def _tells_another(earlier: conversation.Context | None, turns: tuple[tuple[str, str], ...] | None) -> bool:
    """Whether ``earlier`` (a single question's turns) tell a story in other turns than ``turns`` (normalised): not
    the very same (judged as such), nor turns that say nothing ("Quick question." "Sure."), whose
    question stands alone and is met by the story told as one question."""
    return earlier is not None and _normalised(earlier) != turns and not conversation.says_nothing(earlier.turns)


def _served(result: LookupResult, judged: LookupResult, context: dict[str, object] | None) -> bool:
    """Whether ``judged`` (the candidates judged apart, at ``result``'s threshold) served; its candidates are
    added to ``result``, and its hit, shown with ``context`` (the turns it matched), becomes ``result``'s."""
    result.candidates += judged.candidates
    if not judged.hit:
        return False
    result.match, result.answer = judged.match, judged.answer
    result.similarity, result.distance, result.score = judged.similarity, judged.distance, judged.score
    result.rejected_by = result.rejection_reason = None
    result.context = context
    return True


def _normalised(context: conversation.Context | None) -> tuple[tuple[str, str], ...] | None:
    return None if context is None else context.exact_turns


def alone_knn(cache: CacheBase, vector: np.ndarray, spec: idx.IndexSpec, alone: Scope, k: int) -> list[Any]:
    """The KNN query among the single questions of ``alone`` (a conversation's :attr:`Lookup.alone`) by ``vector``."""
    return idx.scoped_knn(cache.spec, spec.name, alone.search_id, k, cache.ef_runtime(spec)).command(vector.tobytes())


@functools.lru_cache(maxsize=4096)
def told_scope(search_id: str) -> str:
    """The scope tag of the twins of the conversations whose single questions are searched in ``search_id``
    (their ``query.alone``): apart from the single questions, so a single question's own KNN never meets them.
    Worked out once per scope: every single question's exact read names it (:func:`twins_mark`)."""
    return sha256_hex("told\x00" + search_id)


def twins(keys: KeySpace, query: Lookup, key: str) -> list[tuple[str, str]]:
    """The keys and texts of the twins of the conversation entry ``key`` stores for ``query``: the conversation
    told as one question (:func:`conversation.told_as_one`) and, for a question that names nothing of its own
    ("How do I do that?"), told with the assistant's last turn too (:func:`conversation.told_with_answer`), as
    :func:`as_one_question` tells it; indexed where its single questions search for a story (:func:`told_scope`).
    No twin for a single question or a conversation not looked up among them."""
    if query.context is None or query.alone is None:
        return []
    told = conversation.told_as_one(query.context, query.prompt)
    with_answer = conversation.told_with_answer(query.context, query.prompt)
    scope = told_scope(query.alone.search_id)
    prefix = keys.for_tenant(query.scope.tenant).entry_prefix
    tellings = [told] if with_answer is None else [told, with_answer]
    return [(prefix + sha256_hex(f"{scope}\x00{key}\x00{n}"), text) for n, text in enumerate(tellings)]


def twins_mark(keys: KeySpace, query: Lookup) -> str | None:
    """The key that says the single questions of ``query``'s scope have conversations told as one question (their
    twins) to search (:func:`mark_twins`), read in the exact path's round trip: a single question's miss runs
    :func:`from_story`'s KNN only where there are twins. None for a conversation (it does not search them)."""
    return None if query.context is not None else keys.twins_mark(query.scope.tenant, told_scope(query.scope.search_id))


def mark_twins(pipe: Any, keys: KeySpace, query: Lookup, ttl: int | None) -> None:
    """Queue on ``pipe`` (the store's transaction) the mark of the scope whose single questions ``query``'s twins
    serve: kept as long as its longest-lived twin (no expiry for a twin without one). A mark left after its twins
    expired or were deleted costs a KNN that finds nothing, as every miss did before the mark."""
    assert query.alone is not None
    mark = keys.twins_mark(query.scope.tenant, told_scope(query.alone.search_id))
    if ttl:
        pipe.set(mark, 1, ex=ttl, nx=True)
        pipe.expire(mark, ttl, gt=True)
    else:
        pipe.set(mark, 1)


async def from_story(
    cache: CacheBase,
    result: LookupResult,
    query: Lookup,
    spec: idx.IndexSpec,
    *,
    guards: GuardSet | None,
    candidates: int,
    margins: choose.Margins,
) -> None:
    """A single question that missed, served by a conversation told as one question that asks what it asks
    (:func:`context_match.from_story`: the checks of :func:`as_one_question`, sides as there). One KNN more
    among the twins, with the vector the lookup computed: a miss costs a KNN, never an embedding; and when it
    finds twins, one round trip more for their entries (:func:`_with_entries`). A question standing alone after
    turns that tell something searches the conversations of its scope too, in the same round trip
    (:func:`_after_turns`)."""
    assert query.vector is not None
    vector = query.vector.tobytes()
    knn = idx.scoped_knn(cache.spec, spec.name, told_scope(query.scope.search_id), candidates, cache.ef_runtime(spec))
    commands = [knn.command(vector)]
    turns_key = None
    if query.conversations is not None and query.earlier is not None:
        scope = query.conversations.search_id
        commands.append(
            idx.scoped_knn(cache.spec, spec.name, scope, CONTEXT_CANDIDATES, cache.ef_runtime(spec)).command(vector)
        )
        turns_key = cache.embeddings.key_for(normalise(query.earlier.text), query.scope.tenant)
    async with cache._redis_errors():
        (told, *conversations), stored = await _searched(cache, spec, commands, turns_key)
        rows = await _with_entries(cache, told)
    matched = context_match.from_story(result, query.prompt, rows, guards) or await referent.told_resolved(
        cache, result, _stories(query.prompt, rows), query.scope.tenant, guards=guards
    )
    if matched is not None:
        result.context = matched
    elif conversations:
        started = time.perf_counter()
        await _after_turns(cache, result, query, conversations[0], stored, guards=guards, margins=margins)
        result.timings_ms["after_turns"] = round((time.perf_counter() - started) * 1000, 3)


async def _searched(
    cache: CacheBase, spec: idx.IndexSpec, commands: list[list[Any]], key: str | None
) -> tuple[list[list[tuple[str, dict[str, str]]]], object]:
    """The rows of each KNN query of ``commands`` on ``spec``'s index and the value at ``key`` (a stored
    embedding; None without a key), in one round trip on one node (on a cluster, each to its node, at once). A
    query that failed runs again alone (:meth:`CacheBase._knn`: a moved index re-created, else its error raised)."""
    if isinstance(cache.redis, RedisCluster):
        searches = asyncio.gather(*(cache._knn(spec, command) for command in commands))
        found, raw = await asyncio.gather(searches, _get(cache, key))
        return list(found), raw
    gets = [("GET", key)] if key is not None else []
    replies = await reads(cache.redis, [*(tuple(command) for command in commands), *gets], raise_on_error=False)
    raw = replies.pop() if gets else None
    if any(isinstance(reply, ResponseError) for reply in replies):
        return [await cache._knn(spec, command) for command in commands], raw
    return [idx.parse_search_reply(reply) for reply in replies], raw


async def _get(cache: CacheBase, key: str | None) -> object:
    return None if key is None else await cache.redis.get(key)


async def _after_turns(
    cache: CacheBase,
    result: LookupResult,
    query: Lookup,
    rows: list[tuple[str, dict[str, str]]],
    stored: object,
    *,
    guards: GuardSet | None,
    margins: choose.Margins,
) -> None:
    """A question standing alone after its turns that found no entry of its own, served by one asked as a
    conversation after turns that tell the same story (``rows``: the KNN by its question alone among the
    conversations of its scope, ``query.conversations``): the other direction of :func:`_after_earlier_turns`.
    Its turns are then its context, compared as a conversation's (the contexts' cosine and every check of
    :func:`context_match.match`), its question judged by the guards with the margins a matched conversation
    gets. Their turns' embedding is stored with them; the query's is a candidate's when its turns are the very
    same (an identical history embeds nothing), else the one ``stored`` in the embedding store, else computed
    (one embedding), and kept for the store that follows a miss. Unserved, a conversation after the very same turns
    may be served by its follow-up read with its referent filled in (:func:`referent.after_same_turns`)."""
    assert query.earlier is not None and query.vector is not None
    rows = [
        (doc_id, fields) for doc_id, fields in rows if fields.get(entry.CONTEXT) and fields.get(entry.CONTEXT_VECTOR)
    ]
    if not rows:
        return
    if query.context_vector is None:
        turns = _normalised(query.earlier)
        same = [f for _, f in rows if _normalised(conversation.stored(f[entry.CONTEXT])) == turns]
        vector = context_match.vector_of(same[0][entry.CONTEXT_VECTOR], len(query.vector)) if same else None
        if vector is None:
            found = cache.embeddings.from_stored(stored)
            if found is None:
                found = await cache.embeddings.embed_fresh(
                    [normalise(query.earlier.text)], query.scope.tenant, query.clears
                )
            vector = found[0]
        query.context_vector = vector
    judged = LookupResult(match=None, threshold=result.threshold, scope_id=result.scope_id)
    kept, contexts, _, widths = context_match.match(
        judged, replace(query, context=query.earlier), rows, len(query.vector)
    )
    if kept:
        _judge(judged, query.prompt, kept, guards, widths, margins, query.earlier)
    if not _served(result, judged, contexts.get(judged.answer.doc_id) if judged.answer is not None else None):
        await referent.after_same_turns(cache, result, replace(query, context=query.earlier), rows, guards=guards)


def _stories(single: str, rows: list[tuple[str, dict[str, str]]]) -> list[referent.Told]:
    """The twins ``rows`` holds (:func:`_with_entries`) as stories told as one question against ``single``."""
    told = []
    for _, fields in rows:
        story = conversation.stored(fields.get(entry.CONTEXT, ""))
        if story is not None and fields.get(entry.TOLD) and fields.get(entry.TWIN):
            told.append((story, fields.get("prompt", ""), single, fields[entry.TOLD], fields[entry.TWIN], fields))
    return told


async def _with_entries(cache: CacheBase, rows: list[tuple[str, dict[str, str]]]) -> list[tuple[str, dict[str, str]]]:
    """The twins ``rows`` holds, each with its entry's fields (one ``HMGET`` each, in one pipeline) besides its own
    similarity, story and entry key: a twin is a pointer, its answer and prompt are its entry's. A twin whose entry
    is gone (expired, deleted) is no candidate, and is unlinked; nor is one whose entry is not :func:`entry.whole`."""
    twins = [(key, fields) for key, fields in rows if fields.get(entry.TWIN) and cache.keys.is_entry_key(key)]
    if not twins:
        return []
    async with cache.redis.pipeline(transaction=False) as pipe:
        for _, fields in twins:
            pipe.hmget(fields[entry.TWIN], list(entry.RETURNED))
        replies = await pipe.execute()
    found, orphans = [], []
    for (key, fields), values in zip(twins, replies, strict=True):
        if all(value is None for value in values):
            orphans.append(key)
            continue
        read = {
            name: idx.as_text(value) for name, value in zip(entry.RETURNED, values, strict=True) if value is not None
        }
        if not entry.whole(read):  # edited by another client past serving: no candidate, left as it is
            continue
        own = {name: fields[name] for name in (entry.DISTANCE, entry.TOLD, entry.TWIN) if name in fields}
        found.append((key, {**read, **own}))
    if orphans:
        await unlink_each(cache.redis, orphans)
    return found
