"""A conversation's candidates kept or refused by their earlier turns, before the question's own judges.

An entry stored with a context (the turns its answer depended on) may answer only a query whose context
matches it (:func:`conversation.differs`); an entry without one answers only a query without one, or a
conversation that, told as one question, asks what it asks (:func:`as_one_question`; the other way round:
:func:`from_story`). An entry of a question
that stands alone after earlier turns keeps them too: the same story with a detail changed is another question
(:func:`nearhit.cache.story.alone_differs`). The context's embedding is stored as text (:func:`vector_text`).
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Collection
from dataclasses import replace
from typing import Literal

import numpy as np

from nearhit.cache import asides, conversation, digression, entry, story
from nearhit.cache.answer_rests_on import refuses
from nearhit.cache.lookup import Lookup
from nearhit.cache.near_copy import another_question
from nearhit.cache.results import Candidate, LookupResult, Margin
from nearhit.decision import load_model
from nearhit.guards import GuardSet

Rows = list[tuple[str, dict[str, str]]]


SAME_TURNS_MARGIN = 0.16
"""How far below the threshold a conversation's question may be served by an entry with the very same earlier
turns (normalised): asked about the same thing, a short follow-up reworded ("How much is it a month?", "What's
the monthly price for that one?") says little of its own ("it", "that one"), so it reads less alike than two
full questions do; the guards still judge it. Chosen leave-one-set-out on the conversation dev splits
(``benchmarks/same_turns_probe.py``; benchmarks/README, eighth session, conv14). Only for a follow-up that
states nothing the other does not (:func:`conversation.states_more`): one that brings a correction or a new
fact is another question, however alike it reads."""
AFTER_ANSWER_THRESHOLD = 0.88
"""How alike two follow-ups after the very same turns must read, each told after the assistant's last turn
(:func:`conversation.after_answer`), for one asked more than ``SAME_TURNS_MARGIN`` below the threshold to be
served (down to ``AFTER_ANSWER_FLOOR``, the guards still judging the two follow-ups): "does it block reads
while it runs?" / "will SELECTs on that table get stuck while it's running?" read 0.5 apart and far more alike
after "Adding a nullable column ... is a quick catalog-only change." Of the conversation dev splits' pairs after
the same turns that the checks and guards let through, 0.88 reaches 11 should-hits more and no trap (the
nearest, a topic shift, at 0.82; leave-one-set-out chose 0.81–0.83: benchmarks/followup_with_turn.py,
fourteenth session, conv26)."""
AFTER_ANSWER_FLOOR = 0.30
"""How near, alone, a follow-up must still be for :data:`AFTER_ANSWER_THRESHOLD` to serve it: below it the
lookup does not embed the told follow-up."""
AFTER_ANSWER_STORY_FLOOR = 0.82
"""Under :data:`AFTER_ANSWER_THRESHOLD`, down to this, two follow-ups told after the answer are served when their
stories told as one question (the user's turns, then the follow-up: :func:`conversation.told_as_one`, what a
conversation's twin holds) read at least :data:`STORY_THRESHOLD` alike: "should I see a doctor about it?" / "is it
worth getting it checked by a GP at this point or just wait?" (0.43 alone, 0.86 after the answer, 0.88 told). A
question swapped after the same turns reads apart on one of the two: "how do I keep it from dropping when idle?" /
"how do I close it when I'm done?" 0.83 after the answer, 0.74 told; "when can I drive again?" / "when can I get back
to running?" 0.91 told, 0.72 after the answer. Chosen on the conversation dev splits' pairs after the same turns
(``benchmarks/followup_told.py``, twenty-second session, q62): leave-one-set-out the folds chose 0.75 and 0.82 at
the edge of the traps; shipped 0.82 and 0.85, 0.05 or more from every trap the checks and guards let through on
either reading."""
STORY_THRESHOLD = 0.85
"""See :data:`AFTER_ANSWER_STORY_FLOOR`."""
MATCHED_MODEL = "conversation_v1.json"
"""The fitted decision for a candidate whose earlier turns matched (by meaning or the very same), in
``nearhit/decision/data``: a logistic regression fitted leave-one-set-out on the conversation dev splits with
the context checks, the guards and :func:`conversation.states_more` as vetoes (``benchmarks/conversation_fit.py``).
Of the signals tried (the contexts', the user turns' and the stories' similarities, the guards on the turns, the
turn counts) only the questions' similarity served no trap more on the sets left out, so the model is one
feature, and its pass mark a margin under the threshold (the model's ``margin``)."""


def match(
    result: LookupResult, query: Lookup, rows: Rows, dimension: int, *, whole: bool = True
) -> tuple[Rows, dict[str, dict[str, object]], int, dict[str, tuple[Margin, float]]]:
    """Keep the candidates whose earlier turns are the query's; the others are rejected by ``context`` (added
    to ``result``'s candidates). Returns the kept rows, per kept entry the context it matched, how many were
    rejected, and the margin below the threshold of those whose earlier turns are the query's own. ``whole``: the
    contexts as told, no turn left out (:func:`conversation.differs`)."""
    kept: Rows = []
    matched: dict[str, dict[str, object]] = {}
    margins: dict[str, tuple[Margin, float]] = {}
    rejected = 0
    for doc_id, fields in rows:
        cached = conversation.stored(fields.get(entry.CONTEXT, ""))
        similarity = 0.0
        reason: str | None
        asked = query
        if query.context is None and cached is None:
            reason = _alone_differs(query, fields)
            if reason is None:
                kept.append((doc_id, fields))
                continue
        elif query.context is None or cached is None:
            reason = "one side has earlier turns the answer depended on, the other has none"
        elif not (conversation.comparable(query.context) and conversation.comparable(cached)):
            reason = f"earlier turns too long to compare (over {conversation.MAX_COMPARED_WORDS:,} words)"
        else:
            assert query.context_vector is not None
            mine, shared = query.context, digression.left_out(query.context, cached)
            if shared is not None:
                # The very same turns once one side's digression is left out: compared and judged as such.
                mine, cached, similarity = shared, shared, 1.0
                asked = replace(query, context=shared)
            else:
                stored = vector_of(fields.get(entry.CONTEXT_VECTOR, ""), dimension)
                similarity = float(np.dot(query.context_vector, stored)) if stored is not None else 0.0
            asked_before = fields.get("prompt", "")
            reason = query.reads.differs(query.prompt, mine, cached, similarity, asked_before, whole=whole)
            reason = reason or conversation.other_referent(query.prompt, asked_before)
            if reason is None and mine == cached:
                reason = another_question(query.prompt, asked_before, mine.text)
            # The stored answer is read against the turns as told, none left out (a second chance's chatter).
            told, told_cached = query.context_as_told or mine, conversation.stored(fields.get(AS_TOLD, "")) or cached
            reason = reason or refuses(query.prompt, told, told_cached, asked_before, fields.get("response", ""))
        if reason is None:
            kept.append((doc_id, fields))
            matched[doc_id] = {"turns": [list(t) for t in cached.turns] if cached else [], "similarity": similarity}
            if cached is not None and query.context is not None:
                margin = _margin(asked, cached, fields.get("prompt", ""), result.threshold - entry.similarity(fields))
                if margin[1]:
                    margins[doc_id] = margin
            continue
        rejected += 1
        candidate_similarity = entry.similarity(fields)
        result.candidates.append(
            Candidate(doc_id, fields.get("prompt", ""), candidate_similarity, "rejected_by_guard", "context", reason)
        )
        if result.rejected_by is None and candidate_similarity >= result.threshold:
            result.rejected_by, result.rejection_reason = "context", reason
            result.similarity, result.distance = candidate_similarity, 1.0 - candidate_similarity
    return kept, matched, rejected, margins


AS_TOLD = "context_as_told"
"""A trial row's key (never an entry's field) for the candidate's turns as told, where a second chance compares them
with a turn left out (:func:`nearhit.cache.conversation_lookup.turn_by_turn`): the stored answer
(:mod:`nearhit.cache.answer_rests_on`) is read against the whole of both sides' turns, as at the first look. A turn
left out as chatter the stored answer takes up ("he's got a daughter from his first marriage" / "his daughter may
make you ineligible") is what the answer rests on (benchmarks/README.md, ca54)."""


def servable_floor(threshold: float, quiet: float) -> float:
    """The similarity under which no candidate of a conversation can be served by its question (the guards' judgement
    at the first look, or a second chance judged as one): the threshold less the widest margin a matched conversation
    may be served by (:data:`SAME_TURNS_MARGIN`, :func:`matched_margin`) or the guards' ``quiet`` band."""
    return threshold - max(SAME_TURNS_MARGIN, matched_margin(), quiet)


def split_under(rows: Rows, floor: float) -> tuple[Rows, Rows]:
    """``rows`` (the KNN's, nearest first) cut after the last one at or above ``floor``: those the first look judges,
    and the farther ones, none of which it can serve, whose turns are judged later (:func:`match`, before a miss's
    second chances), or never on a hit (:func:`listed_uncompared`)."""
    at = max((n + 1 for n, (_, fields) in enumerate(rows) if entry.similarity(fields) >= floor), default=0)
    return rows[:at], rows[at:]


NOT_COMPARED = "not compared: under every margin, past the candidate served"
"""Why a row the first look left for later is listed ``not_needed`` on a hit (:func:`listed_uncompared`)."""


def listed_uncompared(result: LookupResult, rows: Rows) -> None:
    """List the rows a hit at the first look left for later (:func:`split_under`) without comparing their turns:
    each is farther than the candidate served and under every margin, so no reading of its turns changes what is
    served (as :func:`choose.by_decision` lists the rows past a hit). ``context_rejections`` counts none of them."""
    listed(result, rows, "not_needed", NOT_COMPARED)


def listed(
    result: LookupResult, rows: Rows, outcome: Literal["below_threshold", "not_needed"], reason: str | None = None
) -> None:
    """Add ``rows`` to ``result``'s candidates with one ``outcome``, the candidates kept nearest first: the rows a
    first look left for later, listed on a hit (:func:`listed_uncompared`) or once a miss judged them."""
    result.candidates += [
        Candidate(doc_id, fields.get("prompt", ""), entry.similarity(fields), outcome, reason=reason)
        for doc_id, fields in rows
    ]
    result.candidates.sort(key=lambda candidate: -candidate.similarity)


def _alone_differs(query: Lookup, fields: dict[str, str]) -> str | None:
    """Why a question that stands alone after its earlier turns is not the cached one's (both asked after
    turns: :func:`story.alone_differs`), or None. Two such questions that point at another of the things the
    turns named, or are one another with one word exchanged or reordered ("the per-head cost for Venue A" / "...
    Venue B", "super effective against Dragon" / "Dragon super effective against":
    :func:`conversation.other_referent`), ask another question whatever the turns say, as two follow-ups do."""
    stored = conversation.stored(fields.get(entry.EARLIER, ""))
    if query.earlier is None or stored is None:
        return None
    asked = fields.get("prompt", "")
    return (
        story.alone_differs(query.earlier.turns, stored.turns)
        or conversation.other_referent(query.prompt, asked)
        or refuses(query.prompt, query.earlier, stored, asked, fields.get("response", ""))
    )


def _margin(query: Lookup, cached: conversation.Context, asked: str, under: float) -> tuple[Margin, float]:
    """How far below the threshold the query's question may be served by a cached one whose earlier turns matched
    (``under``: how far below it this one is): the fitted decision's margin (:data:`MATCHED_MODEL`) for a follow-up
    that states nothing ``asked`` does not, read only where it decides; the same-turns margin where it is wider."""
    fitted = matched_margin()
    if not 0.0 < under <= fitted or _states_more(query.prompt, asked):
        fitted = 0.0
    same_turns = SAME_TURNS_MARGIN if _asks_alike(query, cached, asked) else 0.0
    return ("same_turns", same_turns) if same_turns > fitted else ("conversation", fitted)


def reach(query: Lookup, cached: conversation.Context, asked: str, under: float) -> tuple[Margin, float]:
    """How far below the threshold :func:`match` would let the candidate whose turns are ``cached`` be served, were its
    turns kept (``asked``: its question; ``under``: how far below the threshold it is): the margin of :func:`_margin`,
    read as :func:`match` reads it (a digression left out first), before any check of the turns."""
    assert query.context is not None
    shared = digression.left_out(query.context, cached)
    if shared is not None:
        query, cached = replace(query, context=shared), shared
    return _margin(query, cached, asked, under)


def matched_margin() -> float:
    """How far under the threshold :data:`MATCHED_MODEL` serves: where its score, a function of the questions'
    similarity alone, reaches its pass mark (for the default threshold 0.76, a similarity of 0.604)."""
    return load_model(MATCHED_MODEL).margin


def _asks_alike(query: Lookup, cached: conversation.Context, asked: str) -> bool:
    """Whether the query's follow-up may be served ``SAME_TURNS_MARGIN`` below the threshold: after the very same
    turns, stating nothing the cached question ``asked`` does not; or after them and a statement moved out of
    its question that ``asked`` says ("My card covers rentals." "Is the waiver needed?" after the same turns
    as "Do I need the waiver if my card covers rentals?"), the two together stating nothing more."""
    assert query.context is not None
    if same_turns(query.context, cached):
        return not _states_more(query.prompt, asked)
    moved = _moved_out(query.context, cached, asked)
    return moved is not None and conversation.states_more(f"{moved}\n{query.prompt}", asked) is None


def _states_more(question: str, asked: str) -> bool:
    """Whether ``question`` states more than ``asked`` (:func:`conversation.states_more`), each read without the
    moods said around it (:func:`asides.without_asides`): "on-call this week 😩" before the same question after the
    same turns tells no other time."""
    mine, theirs = (
        asides.without_asides(question, asked, moods=True),
        asides.without_asides(asked, question, moods=True),
    )
    return conversation.states_more(mine, theirs) is not None


def _moved_out(query: conversation.Context, cached: conversation.Context, asked: str) -> str | None:
    """The user's turns the query adds after the cached turns (the same, normalised) when ``asked`` says all of
    them (:func:`conversation.said_in`): statements split off the question, else None."""
    tail = query.turns[len(cached.turns) :]
    if (
        not tail
        or any(role != "user" for role, _ in tail)
        or query.exact_turns[: len(cached.turns)] != cached.exact_turns
    ):
        return None
    said = "\n".join(text for _, text in tail)
    return said if conversation.said_in(said, asked) else None


def same_turns(query: conversation.Context, cached: conversation.Context) -> bool:
    """The very same turns, normalised (:attr:`conversation.Context.exact_turns`), read only where their number is
    the same and the turns as written differ."""
    if len(query.turns) != len(cached.turns):
        return False
    return query.turns == cached.turns or query.exact_turns == cached.exact_turns


SUBJECT_GUARD = "entities"
"""Left out when a conversation told as one question is judged: a story told over turns words its subject
apart from the same story told at once; the names in it are compared by :func:`conversation.differs_from_one`."""
ROLES_GUARD = "direction"
"""Left out there too: it reads who does what to whom from the words' order, and a story told over turns orders
them apart from one message ("driving our UK-registered car to Paris" ... "do I need one of those crit'air
stickers?" / "Do I need a Crit'Air sticker to drive into Paris in a UK-registered car?": roles swapped, 0.93).
On the conversation dev splits, every pair also told in one message both ways (``benchmarks/told_guard_probe.py
direction``), it refuses 28 should-hit tellings and no trap the other checks let through."""
TOLD_APART = frozenset({SUBJECT_GUARD, ROLES_GUARD})


def as_one_question(
    result: LookupResult,
    told: str,
    rows: Rows,
    guards: GuardSet | None,
    answer: str = "",
    answered: Collection[str] = (),
    asked: str = "",
) -> dict[str, object] | None:
    """Serve the nearest single question (an entry without a context) that the conversation ``told`` as one
    question (:func:`conversation.told_as_one`) asks too: at least ``ONE_QUESTION_THRESHOLD`` similar, the
    same facts, no negation or constraint on one side only, and no guard but the subject's and the roles'
    (``TOLD_APART``) vetoing (with the guards on: as for a single question, the conversation's own checks hold
    without them; a date one side tells as an aside, :func:`conversation.dated_aside`, or a scope word one
    side says only in its story, ``GuardSignal.stated_one_side``, vetoes nothing). Returns
    the context to show for a hit (the question as told and its similarity), else None; ``result`` keeps
    what it had when nothing is served, and every candidate judged, or found under the threshold, is added to
    its candidates. ``answer``: the conversation's last assistant turn (:func:`conversation.tells_no_more`);
    ``answered``: its user turns that answer the assistant's question or open the talk it asks about
    (:func:`conversation.asked_for`, read by :func:`conversation.asks_no_more`); ``asked``: the assistant's questions
    those answers fill (:func:`conversation.answered_questions`, read by :func:`conversation.differs_from_one`)."""
    judging = told_guards(guards)
    for doc_id, fields in rows:
        if fields.get(entry.CONTEXT):
            continue
        if _serves(result, told, fields.get("prompt", ""), doc_id, fields, judging, answer, answered, asked):
            return {"turns": [], "similarity": entry.similarity(fields), "told_as_one": told}
    return None


def from_story(result: LookupResult, single: str, rows: Rows, guards: GuardSet | None) -> dict[str, object] | None:
    """The other direction of :func:`as_one_question`: serve a single question the answer of a conversation whose
    twin (its story told as one question, ``entry.TOLD``) ``rows`` hold (each twin's similarity with its entry's
    fields: :func:`nearhit.cache.conversation_lookup.from_story`), judged as that conversation would be
    against this single question (the same threshold, story checks and guards, with the same sides). The
    answer served is the conversation's entry (the twin's ``entry.TWIN``), so feedback and deletes name it."""
    judging = told_guards(guards)
    for _, fields in rows:
        told, owner = fields.get(entry.TOLD, ""), fields.get(entry.TWIN, "")
        story = conversation.stored(fields.get(entry.CONTEXT, ""))
        answer = conversation.last_answer(story) if story is not None else ""
        answered = conversation.asked_for(story) if story is not None else set()
        asked = conversation.answered_questions(story) if story is not None else ""
        if told and owner and _serves(result, told, single, owner, fields, judging, answer, answered, asked):
            return {"turns": [], "similarity": entry.similarity(fields), "told_as_one": told}
    return None


def serves_resolved(
    result: LookupResult,
    story: conversation.Context,
    told: str,
    single: str,
    doc_id: str,
    fields: dict[str, str],
    guards: GuardSet | None,
    *,
    floor: float | None = None,
) -> dict[str, object] | None:
    """Judge again, at the threshold, the conversation of turns ``story`` told as one question (``told``), refused
    only by ``ONE_QUESTION_THRESHOLD``, whose follow-up read with its referent filled in asks what ``single`` asks
    (``doc_id`` / ``fields``: the entry served, as :func:`as_one_question` or :func:`from_story` read it); at ``floor``
    instead, under the threshold, where that follow-up read standalone decides
    (:data:`nearhit.cache.referent.STANDALONE_STORY_FLOOR`). A number or a date only the story's earlier turns
    state is then its backstory, no other fact (``differs_from_one(..., backstory=True)``), unless the message that
    asks states one ``single`` does not (:func:`conversation.states_with_question`). Returns the context shown on a
    hit."""
    answer, answered = conversation.last_answer(story), conversation.asked_for(story)
    asked = conversation.answered_questions(story)
    judging = told_guards(guards)
    backstory = not conversation.states_with_question(story, single)
    if _serves(
        result,
        told,
        single,
        doc_id,
        fields,
        judging,
        answer,
        answered,
        asked,
        resolved=True,
        resolved_floor=floor,
        backstory=backstory,
    ):
        return {"turns": [], "similarity": entry.similarity(fields), "told_as_one": told, "resolved": True}
    return None


def told_guards(guards: GuardSet | None) -> GuardSet:
    """The guards a conversation told as one question is judged by: all but those a story told over turns
    reads apart from one message (``TOLD_APART``)."""
    return GuardSet([guard for guard in guards.guards if guard.name not in TOLD_APART] if guards else [])


def _serves(
    result: LookupResult,
    told: str,
    single: str,
    doc_id: str,
    fields: dict[str, str],
    guards: GuardSet,
    answer: str = "",
    answered: Collection[str] = (),
    asked: str = "",
    *,
    resolved: bool = False,
    resolved_floor: float | None = None,
    backstory: bool = False,
) -> bool:
    """Whether the conversation ``told`` as one question and the ``single`` question ask the same (see
    :func:`as_one_question`); the candidate is added to ``result`` as judged, and on a hit ``result`` is served
    ``doc_id``'s answer (from ``fields``). ``resolved``: the conversation's follow-up, what it points at filled in
    from its turns, asks what ``single`` asks (:func:`nearhit.cache.referent.told_resolved`): judged at the
    threshold, as a single question asked in pieces is, or at ``resolved_floor`` when given. A single question that
    says the story in other words (:func:`conversation.worded_otherwise`) is judged at
    ``conversation.WORDED_OTHERWISE_FLOOR``. ``backstory``: numbers and dates only the story tells are no other fact
    (:func:`serves_resolved`)."""
    similarity = entry.similarity(fields)
    cached = fields.get("prompt", "")
    least = result.threshold if resolved_floor is None else resolved_floor  # a resolved story under the threshold
    floor = max(conversation.ONE_QUESTION_THRESHOLD, result.threshold)  # its own floor, never under the threshold
    if (
        resolved
        or conversation.tells_no_more(told, single, answer)
        or conversation.asks_no_more(told, single, answer, answered)
    ):
        floor = min(floor, least if resolved else result.threshold)  # the single question asked in pieces: as one
    elif conversation.worded_otherwise(told, single, answer):
        floor = min(floor, max(conversation.WORDED_OTHERWISE_FLOOR, result.threshold))  # its rewording read too
    if similarity < floor:  # shown, so a miss says how near the story came
        under = f"told as one question: {similarity:.3f} < {floor}"
        result.candidates.append(Candidate(doc_id, cached, similarity, "below_threshold", reason=under))
        return False
    read = conversation.replies_read(told, answered)  # an answer's "no" said twice, read once
    reason = conversation.differs_from_one(read, single, answer, asked, backstory=backstory)
    aside = reason is None and conversation.dated_aside(read, single)
    verdict = None
    if reason is None:
        verdict = guards.first_rejection(read, single, similarity, dates_one_side=aside, told=True)
    if reason is not None or verdict is not None:
        guard_name, why = ("context", reason) if verdict is None else (verdict.guard, verdict.reason)
        result.candidates.append(Candidate(doc_id, cached, similarity, "rejected_by_guard", guard_name, why))
        return False
    result.candidates.append(Candidate(doc_id, cached, similarity, "served"))
    result.match, result.answer = "semantic", entry.read_answer(doc_id, fields)
    result.similarity, result.distance = similarity, 1.0 - similarity
    result.rejected_by = result.rejection_reason = None
    return True


def vector_text(vector: np.ndarray) -> str:
    """A context's embedding as stored with its entry (base64 of float32)."""
    return base64.b64encode(vector.astype(np.float32).tobytes()).decode("ascii")


@functools.lru_cache(maxsize=1024)
def vector_of(text: str, dimension: int) -> np.ndarray | None:
    """The stored embedding back, or None when absent, unreadable or of another size. Read once per stored text
    (bounded: a popular entry is a candidate of many lookups); the array is read-only (``np.frombuffer``)."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    if not raw or len(raw) != 4 * dimension:
        return None
    return unit(np.frombuffer(raw, dtype=np.float32))


def unit(vector: np.ndarray) -> np.ndarray | None:
    """``vector`` if it is finite and of norm 1 (as every embedding nearhit stores), else None: another client's
    edit to infinities or to a long vector made a dot product past any threshold (``inf``: "the same context")."""
    norms = np.einsum("...i,...i->...", vector, vector, dtype=np.float64)
    return vector if np.all(np.abs(norms - 1.0) <= UNIT_TOLERANCE) else None


UNIT_TOLERANCE = 0.01
"""How far a stored vector's squared norm may be from 1: float16 turn vectors round to within ~1e-3."""
