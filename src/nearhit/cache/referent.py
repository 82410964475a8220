"""A follow-up after the very same turns, read with what it points at filled in from them, against a question
that names it: after "I keep my sourdough starter in the fridge." "Then do a float test before you bake with it.",
"how does that work?" and "How does the float test for my sourdough starter work?" ask one thing, yet read alone
they are 0.14 alike.

The follow-up's first pointing-back word ("it", "that", "them") is replaced by the words of the other question it
lacks that the turns say (:func:`resolved`): "how does float test sourdough starter work?" (0.98). That text is
judged against the other question as two questions are: its own similarity at the lookup's threshold, no margin
under it; the guards at it; another fact, a negation or a constraint on one side, or another person or thing pointed
at, refuses. Over every conversation set's dev split no trap after the same turns is served this way down to 0.70.
Only after the very same turns: after other turns the resolution reads a changed story as the same one ("the hotel
cancelled" / "Delta cancelled": a refund "for it"), 34 synthetic traps at 0.76 (``benchmarks/referent_probe.py``).
The candidates are the lookup's rows after the same turns, however far under the threshold their questions read: a
stored "how do i turn it off?" is 0.53 alike to "How do I turn off BitLocker on Windows 11 Pro?" asked after the same
turns, 0.98 resolved. A question that stands alone after them is read as a single question asked after its turns
(kept with it as ``entry.EARLIER``), so the two sides of "how do I apply for it?" / "how do I apply for the Boiler
Upgrade Scheme?" after one story meet in the single-question paths, judged by their questions alone, where the
follow-up names nothing the entity guard can pair: those paths look here too (a conversation's lookup at the single
questions after its turns, a single question's at the conversations after its own).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np

from nearhit.cache import context_match, conversation, entry
from nearhit.cache.keys import normalise
from nearhit.cache.results import Candidate, LookupResult

if TYPE_CHECKING:
    from nearhit.cache.base import CacheBase
    from nearhit.cache.lookup import Lookup
    from nearhit.guards import GuardSet

POINTER = re.compile(
    r"\b(it|them|that|this|these|those|they|one)\b"
    r"|(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bwere )\bthere\b(?!\s*(?:'s|'re|is|are|was|were|will|be|might|may)\b)",
    re.IGNORECASE,
)
"""The words by which a follow-up points at a thing the turns named, or at a place ("do I need to tip in restaurants
there?" after "first time in Japan"); not "there" that says a thing exists ("is there a fee?", "there's a queue")."""
_END = re.compile(r"\s*[?.!]*\s*$")
_TAKES_BACK = re.compile(
    r"(?:not|no|never|non|without|nothing|none|nor|actually|wrong|mistake|meant|instead|rather)", re.I
)
"""A negation or a correction: never filled in, it would turn the follow-up around."""
SURFACE = re.compile(r"[\w'+#.-]*\w[+#]*")
"""A word as written ("Spark", "C#", "3-2-1"): a name filled in keeps its capitals for the guards."""


def resolved(context: conversation.Context, question: str, other: str) -> str | None:
    """``question`` with its first pointing-back word replaced by the words of ``other`` it lacks that the turns of
    ``context`` say (its user turns, the assistant's last turn), in ``other``'s order and writing; with no such word,
    those words before its question mark (:func:`_appended`). None when no word of ``other`` is supplied by the
    turns."""
    if POINTER.search(question) is None:
        return _appended(context, question, other)
    words = _filling(context, question, other)
    return POINTER.sub(" ".join(words), question, count=1) if words else None


def _appended(context: conversation.Context, question: str, other: str) -> str | None:
    """A follow-up that points at nothing yet leans on the turns ("what's the deadline?" after "You'll need to
    register with HMRC for Self Assessment", against "what's the deadline to register for Self Assessment if I
    started as a sole trader in May?") with the words of ``other``'s question the turns say put before its question
    mark. Only into a follow-up that names nothing ``other`` does not ("when can she start going outside?" against
    "when does she need the next vaccinations?" asks another thing), with no letter ("column A" / "column B"), no
    negation or correction word, nothing from a statement ``other`` makes before its question ("sorry it's a
    diesel, not petrol."), and no other person pointed at ("Does my wife need a visa?" / "Do I need a visa?")."""
    asked, others = conversation.told_words(question), conversation.told_words(other)
    if not all(any(conversation.same_stem(word, y) for y in others) for word in asked):
        return None
    if conversation.other_referent(question, other) is not None:
        return None
    asks = conversation.split_statements(other, after=True)[1]
    words = [word for word in _filling(context, question, other) if len(word) > 1]
    if not words or not _said_after(asks, asked, words):
        return None
    end = _END.search(question)
    cut = end.start() if end is not None else len(question)
    text = f"{question[:cut]} {' '.join(words)}{question[cut:]}"
    return None if conversation.states_more(other, text) is not None else text


def _said_after(other: str, asked: set[str], words: list[str]) -> bool:
    """Whether ``other`` says ``words`` after every word it shares with the follow-up (``asked``, its stems), where
    :func:`_appended` puts them: "what's the deadline" + "to register for Self Assessment ..." leans on the turns.
    Said before a shared word, a word tells which thing of the shared one is asked about, and the follow-up asks
    another: "How many executors?" / "How much memory per executor?" after "memory-heavy instances"."""
    tokens = SURFACE.findall(other)
    shared = [
        n
        for n, token in enumerate(tokens)
        if any(conversation.same_stem(word, y) for word in conversation.told_words(token) for y in asked)
    ]
    return not shared or min(n for n, token in enumerate(tokens) if token in words) > max(shared)


def _filling(context: conversation.Context, question: str, other: str) -> list[str]:
    """The words of ``other``'s question (not of a statement it makes first: "wait no, 10 weeks ago, not days.")
    :func:`supplied` that may fill ``question`` in, on either path: none that negates or corrects (:data:`_TAKES_BACK`),
    it would turn the follow-up around: after turns saying "IS NOT NULL", "how do I get the customers that have an
    email?" filled with "don't" asks the opposite. A "not" ("isn't") is filled with the word it negates, when that
    word is filled too: the follow-up then says neither ("where do i put it?" / "... so it isn't in the code?")."""
    asks = conversation.split_statements(other, after=True)[1]
    words = supplied(context, question, asks)
    tokens = SURFACE.findall(asks)
    return [word for word in words if not _turns_around(word, tokens, words)]


def _turns_around(word: str, tokens: list[str], filled: list[str]) -> bool:
    """Whether ``word`` of the other question (``tokens``) negates or corrects what the follow-up asks: a "not" does
    not when the word it negates (the first content word after it) is ``filled`` in too."""
    stems = conversation.told_words(word)
    if not any(_TAKES_BACK.fullmatch(stem) for stem in {word, *stems}):
        return False
    negated = next((token for token in tokens[tokens.index(word) + 1 :] if conversation.told_words(token)), None)
    return stems != {"not"} or negated not in filled


def supplied(context: conversation.Context, question: str, other: str, *, answer: bool = True) -> list[str]:
    """The words of ``other`` that ``question`` lacks and the turns of ``context`` say (its user turns and, with
    ``answer``, the assistant's last turn, told as one text), in ``other``'s order and writing."""
    said = conversation.told_words(
        conversation.told_as_one(context, conversation.last_answer(context) if answer else "")
    )
    asked = conversation.told_words(question)
    words: list[str] = []
    for token in SURFACE.findall(other):
        told = conversation.told_words(token)
        if not told or token in words:
            continue
        # A word written with hyphens or dots ("behind-the-ear", "3-2-1") is one, told by the turns when all of it is.
        if not all(any(conversation.same_stem(word, y) for y in asked) for word in told) and all(
            any(conversation.same_stem(word, y) for y in said) for word in told
        ):
            words.append(token)
    return words


async def after_same_turns(
    cache: CacheBase,
    result: LookupResult,
    query: Lookup,
    rows: list[Any],
    *,
    guards: GuardSet | None,
) -> bool:
    """A last look for a conversation that missed, at its candidates (``rows``) after the very same turns, whatever
    their similarity (a follow-up stored, a question that names its referent asked, read 0.2-0.5 alike), that one
    follow-up read with its referent filled in from the turns (either side's, :func:`resolved`) may serve: one
    embedder call for them all, none where no candidate has the same turns. ``query.context`` is the turns asked
    after (a single question's are its ``earlier``); a candidate's are its context, or the turns before a single
    question. Returns whether it embedded."""
    assert query.context is not None
    if guards is None:
        return False
    tries: list[tuple[str, dict[str, str], str, str]] = []
    for doc_id, fields in rows:
        cached, turns = fields.get("prompt", ""), conversation.stored(_turns_of(fields))
        if not cached or turns is None or not context_match.same_turns(query.context, turns):
            continue
        for mine, other in ((query.prompt, cached), (cached, query.prompt)):
            text = resolved(query.context, mine, other)
            if text is not None:
                tries.append((doc_id, fields, text, other))
    if not tries:
        return False
    texts = sorted({normalise(t) for _, _, text, other in tries for t in (text, other)})
    async with cache._redis_errors():
        vectors = dict(zip(texts, await cache.embeddings.embed(texts, query.scope.tenant), strict=True))
    alike = [float(np.dot(vectors[normalise(text)], vectors[normalise(other)])) for _, _, text, other in tries]
    judged = sorted(zip(alike, tries, strict=True), key=lambda tried: -tried[0])  # the nearest judged first
    again = {doc_id for similarity, (doc_id, *_) in judged if similarity >= result.threshold}
    # Judged again as resolved: each shows its resolved judgement, not the follow-up's own one as well.
    result.candidates = [c for c in result.candidates if c.doc_id not in again]
    for similarity, (doc_id, fields, text, other) in judged:
        if similarity < result.threshold:
            break
        why = conversation.states_more(text, other) or conversation.other_referent(text, other)
        verdict = None if why is not None else guards.first_rejection(text, other, similarity)
        if why is not None or verdict is not None:
            guard, reason = ("context", why) if verdict is None else (verdict.guard, verdict.reason)
            result.candidates.append(
                Candidate(doc_id, fields.get("prompt", ""), similarity, "rejected_by_guard", guard, reason)
            )
            continue
        result.candidates.append(Candidate(doc_id, fields.get("prompt", ""), similarity, "served"))
        result.match, result.answer = "semantic", entry.read_answer(doc_id, fields)
        result.similarity, result.distance = similarity, 1.0 - similarity
        result.rejected_by = result.rejection_reason = None
        result.context = {"turns": [list(turn) for turn in query.context.turns], "resolved": text}
        return True
    return True


def _turns_of(fields: dict[str, str]) -> str:
    """A candidate's earlier turns as JSON: a conversation's context, else those a single question was asked after."""
    return fields.get(entry.CONTEXT) or fields.get(entry.EARLIER, "")


ONE_QUESTION_THRESHOLD = conversation.ONE_QUESTION_THRESHOLD
STANDALONE_STORY_FLOOR = 0.60
"""How far under the threshold a story told as one question (its user turns, then its follow-up) may read against a
single question when its follow-up, read standalone with what it points at filled in from the turns, asks what the
single question asks (at :data:`STANDALONE_MARK`): a long story of a new house whose painted cast iron fireplace is
to be restored, then "how do I get the paint off it?", reads 0.68 told as one against "How do I get old paint off a
cast iron fireplace?", 0.98 standalone. A long story dilutes the told text's vector with what the single question
leaves unsaid; the story checks still judge what it tells. Measured (rq43): fit +22 standalone_vs_contextual
should-hits, no fit trap in reach; 0.45 would add 2 more."""
STANDALONE_MARK = 0.76
"""The follow-up read standalone against the single question, for a story told under the threshold."""


def points_back_itself(followup: str, single: str) -> bool:
    """Whether ``single`` asks ``followup``'s very words, its pointing-back word too ("I just ran git push --force on
    our shared main branch 😬 how do I undo it?" against "how do I undo it?" after "I just ran git add ."): that
    message is a story told at once, no standalone question, and what "it" names is in its own story, which the story
    told as one question judges (at the threshold), not the follow-up filled in with the words the two stories share
    ("how do I undo just ran git?"). A follow-up that points at nothing (filled in at its end, :func:`_appended`) is
    so asked when ``single`` ends with its words after words of its own ("I'm meeting my boss tomorrow to hand in my
    notice what should I say?" against "what should I say?" after "... to ask for a raise"); one that asks them first
    and then names what they ask about ("What's the difference between a points-based timeshare and a fixed-week
    timeshare?" against "What's the difference?") is a standalone question."""
    asked = " ".join(word.lower() for word in SURFACE.findall(followup))
    said = " ".join(word.lower() for word in SURFACE.findall(single))
    if not asked:
        return False
    if POINTER.search(followup):
        return f" {asked} " in f" {said} "
    return said != asked and f" {said}".endswith(f" {asked}")


def said_itself(context: conversation.Context, question: str, other: str) -> bool:
    """Whether every word filled into ``question`` from ``other`` (:func:`_filling`) is said by the turns of
    ``context`` as itself, not only as the start of another word: a "CronJob" asked after "off cron" and "a systemd
    timer" is another thing the turns' "it" may be, and a follow-up so filled in does not name the story's thing."""
    said = conversation.told_words(conversation.told_as_one(context, conversation.last_answer(context)))
    return all(conversation.told_words(word) <= said for word in _filling(context, question, other))


def exchanged_beside(told: str, single: str) -> bool:
    """Whether a word only ``single`` says stands where the story ``told`` (as one question) says a word ``single``
    does not, beside the same word on the same side, within one turn ("a marble fireplace" asked, "a cast iron
    fireplace" told): a detail exchanged, however long the story. A word only ``single`` says with no such word in its
    place ("a cast iron fireplace surround", the story's "fireplace that ...") only says more, which the story told as
    one question judges; the follow-up read standalone, filled in with ``single``'s own words, names nothing else
    (:func:`told_resolved`, ``GuardSignal.candidate_more``)."""
    said, asked = conversation.told_words(told), conversation.told_words(single)
    only = {word for word in asked if not any(conversation.same_stem(word, y) for y in said)}
    unsaid = {word for word in said if not any(conversation.same_stem(word, y) for y in asked)}
    if not only or not unsaid:
        return False
    turns = [_stems_of(line) for line in told.split("\n")]
    for line in single.split("\n"):
        words = _stems_of(line)
        for n, here in enumerate(words):
            if not here & only:
                continue
            for step in (-1, 1):  # the same word before (after) it, and the story's word after (before) that one
                if not 0 <= n + step < len(words) or not words[n + step] or words[n + step] & only:
                    continue
                if any(
                    theirs[m] == words[n + step] and 0 <= m - step < len(theirs) and theirs[m - step] & unsaid
                    for theirs in turns
                    for m in range(len(theirs))
                ):
                    return True
    return False


def _stems_of(text: str) -> list[frozenset[str]]:
    """The stems of each word of ``text`` as written, in order (none for a word that tells nothing: "a", "that")."""
    return [frozenset(conversation.told_words(token)) for token in SURFACE.findall(text)]


Told = tuple[conversation.Context, str, str, str, str, dict[str, str]]
"""A story told as one question judged under ``ONE_QUESTION_THRESHOLD``: the conversation's turns, its follow-up,
the single question, the telling, and the entry to serve (its key and fields)."""


async def told_resolved(
    cache: CacheBase, result: LookupResult, judged: list[Told], tenant: str, *, guards: GuardSet | None
) -> dict[str, object] | None:
    """A last look for a single question against a conversation told as one question under
    ``ONE_QUESTION_THRESHOLD`` yet at the threshold (``judged``, either side stored): "Using pyproject.toml with
    setuptools, how do I add a console command?" / "my package uses pyproject.toml with setuptools" ... "how do
    I do that?". A follow-up that points back ("it", "that") read with what it points at filled in by the single
    question's words the turns say (:func:`resolved`), or one that points at nothing with those words put before its
    question mark ("what's the difference?" after a bread book's "a poolish or a biga", :func:`_appended`, since
    rq47), and asking what the single question asks (at the threshold, no other fact, referent or guard on the two)
    lets the story be judged at the threshold, every story check as before. A story told under the threshold, down
    to :data:`STANDALONE_STORY_FLOOR`, is judged there when that follow-up read standalone meets the single question
    at :data:`STANDALONE_MARK` (a standalone question against a standalone question: "how do I get the paint off it?"
    after a story of a painted cast iron fireplace, read "how do I get the paint off old cast iron fireplace?",
    against "How do I get old paint off a cast iron fireplace?"). One embedder call for them all; none when no
    follow-up is filled in. Returns the context on a hit."""
    tries = []
    for told in judged:
        story, followup, single, text, _, fields = told
        if not min(STANDALONE_STORY_FLOOR, result.threshold) <= entry.similarity(fields) < ONE_QUESTION_THRESHOLD:
            continue
        filled = resolved(story, followup, single)
        if filled is not None:
            tries.append((filled, told))
    if not tries or guards is None:
        return None
    texts = sorted({normalise(t) for filled, told in tries for t in (filled, told[2])})
    async with cache._redis_errors():
        vectors = dict(zip(texts, await cache.embeddings.embed(texts, tenant), strict=True))
    for filled, (story, followup, single, text, doc_id, fields) in tries:
        similarity = float(np.dot(vectors[normalise(filled)], vectors[normalise(single)]))
        under = entry.similarity(fields) < result.threshold  # the story told under it: the standalone reading decides
        if similarity < (max(STANDALONE_MARK, result.threshold) if under else result.threshold):
            continue
        if under and points_back_itself(followup, single):
            continue
        if conversation.states_more(filled, single) or conversation.other_referent(filled, single):
            continue
        more = (
            under
            and said_itself(story, followup, single)
            and not exchanged_beside(conversation.told_as_one(story, followup), single)
        )
        if guards.first_rejection(filled, single, similarity, candidate_more=more) is not None:
            continue
        floor = min(STANDALONE_STORY_FLOOR, result.threshold)
        matched = context_match.serves_resolved(result, story, text, single, doc_id, fields, guards, floor=floor)
        if matched is not None:
            return matched
    return None
