"""Two conversations' last questions read by the guards as their turns let them be read: after "I've got a residents
parking permit ... and I've just changed my car", "how do I change the car on it?" asks what "how do I change the car
on the permit?" asks, yet read alone the entity guard finds "permit" on one side only; and "cool thanks 😊 how do I
make it 3 rows 4 cols?" asks what "how do i make it 3 rows 4 cols?" asks, yet the guard reads "cool" as a subject.

When the guards veto the nearest candidate whose turns matched the query's (:func:`nearhit.cache.context_match.match`),
each question is read again (:func:`read_with_turns`): without a span of small talk before or after its question
(:func:`asides.without_asides`) or the words that only stress or close its asking ("can I actually trust it?", "...
or not?": :func:`conversation.asked_plainly`), and with the words of the other question it lacks that its user's
turns say filled in (in place of its first pointing-back word, or else before its question mark). That pair is judged
by the guards at the candidate's similarity; another fact, a negation or a constraint on one side, or another person
or thing pointed at, still refuses. A word the other question names that this side's turns never say is not filled
in, so a follow-up about another thing still differs.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from nearhit.cache import asides, context_match, conversation, entry, negated
from nearhit.cache.referent import POINTER, supplied
from nearhit.cache.results import Candidate, LookupResult, Margin
from nearhit.decision.choice import NEAREST_ONLY
from nearhit.guards import GuardSet
from nearhit.guards.intent import IntentGuard, asked_after_a_question_word, asks_either, asks_one_kind
from nearhit.guards.negation import NegationGuard
from nearhit.guards.verdicts import GuardVerdict

_END = re.compile(r"\s*[?.!]*\s*$")
_ONE_SIDED = "negation on one side only"
"""How the negation guard words a negation one question says and the other does not (not opposite words)."""


def filled(context: conversation.Context, question: str, other: str) -> str:
    """``question`` with the words of ``other`` it lacks that the user's turns of ``context`` say filled in, in
    ``other``'s order and writing: in place of its first pointing-back word ("it", "they"), or else before its
    question mark. Not a word the assistant alone names, nor one the user names beside another thing ("the chain or
    the cassette", "Mia and Leo": what "it" stands for is not known), nor a letter, a label ("column A" / "column
    B"); and only into a question that names nothing ``other`` does not: one with a word of its own names its own
    thing ("the petrol one" / "the diesel one", both named in the turns)."""
    asked, others = conversation.told_words(question), conversation.told_words(other)
    if not all(any(conversation.same_stem(word, y) for y in others) for word in asked):
        return question
    users = conversation.users_said(context)
    words = [
        word
        for word in supplied(context, question, other, answer=False)
        if len(word) > 1 and not _beside_another(word, users, others)
    ]
    if not words:
        return question
    if POINTER.search(question) is not None:
        return POINTER.sub(" ".join(words), question, count=1)
    end = _END.search(question)
    cut = end.start() if end is not None else len(question)
    return f"{question[:cut]} {' '.join(words)}{question[cut:]}"


def _beside_another(word: str, said: str, others: set[str]) -> bool:
    """Whether ``said`` names ``word`` beside another thing ``others`` (the other question's words) lacks, "X and Y",
    "X or Y": a pointing-back word may stand for either ("my daughters Mia and Leo" ... "can I give her some?")."""
    near = re.compile(
        rf"([\w'-]+)\s+(?:and|or)\s+(?:an?\s+|the\s+|my\s+)?{re.escape(word)}\b|\b{re.escape(word)}\s+(?:and|or)\s+(?:an?\s+|the\s+|my\s+)?([\w'-]+)",
        re.IGNORECASE,
    )
    for found in near.finditer(said):
        beside = conversation.told_words(found.group(1) or found.group(2) or "")
        if beside and not any(conversation.same_stem(x, y) for x in beside for y in others):
            return True
    return False


def read_with_turns(
    result: LookupResult,
    context: conversation.Context,
    prompt: str,
    rows: list[tuple[str, dict[str, str]]],
    matched: Collection[str],
    widths: Mapping[str, tuple[Margin, float]] | None,
    guards: GuardSet | None,
) -> bool:
    """Serve the nearest candidate the guards vetoed, when its turns matched (``matched``: the ids
    :func:`context_match.match` kept) and the two questions, each read with its turns (:func:`filled`, small talk
    aside), pass the guards at its similarity and point at the same thing (:func:`conversation.other_referent`,
    :func:`conversation.states_more`). Only the nearest the guards vetoed: none farther than a veto is served.
    ``widths``: the margins it was judged with, which one it is served by under the threshold. Returns whether it
    served."""
    if result.hit or guards is None:
        return False
    at, vetoed = next(
        ((n, c) for n, c in enumerate(result.candidates) if c.outcome == "rejected_by_guard" and c.guard != "context"),
        (None, None),
    )
    if at is None or vetoed is None or vetoed.reason == NEAREST_ONLY or vetoed.doc_id not in matched:
        return False
    fields = dict(rows).get(vetoed.doc_id)
    # The candidate's turns: a conversation's context, or those a single question was asked after.
    told = (fields.get(entry.CONTEXT) or fields.get(entry.EARLIER, "")) if fields is not None else ""
    theirs = conversation.stored(told)
    if fields is None or theirs is None:
        return False
    plain, plain_other = conversation.asked_plainly(prompt), conversation.asked_plainly(vetoed.prompt)
    mine_alone, theirs_alone = (
        asides.without_asides(plain, plain_other),
        asides.without_asides(plain_other, plain),
    )
    mine = filled(context, mine_alone, theirs_alone)
    other = filled(theirs, theirs_alone, mine_alone)
    same = context_match.same_turns(context, theirs)
    if (mine, other) == (prompt, vetoed.prompt) and not same:
        return False
    if conversation.other_referent(mine, other) or conversation.states_more(mine, other):
        return False
    if _vetoes(guards, mine, other, vetoed.similarity, same):
        return False
    under: Margin | None = None
    if vetoed.similarity < result.threshold:
        name, width = (widths or {}).get(vetoed.doc_id, ("quiet", 0.0))
        under = name if vetoed.similarity >= result.threshold - width else "quiet"
    result.candidates[at] = Candidate(vetoed.doc_id, vetoed.prompt, vetoed.similarity, "served", margin=under)
    result.match, result.answer = "semantic", entry.read_answer(vetoed.doc_id, fields)
    result.similarity, result.distance = vetoed.similarity, 1.0 - vetoed.similarity
    result.rejected_by = result.rejection_reason = None
    return True


def _vetoes(guards: GuardSet, mine: str, other: str, similarity: float, same: bool) -> GuardVerdict | None:
    """The guards' veto on the two questions read with their turns; after the very same turns (``same``) the intent
    guard's "should" or "must" against a how-to, how-much or when is none when a question word opens the modal
    (:func:`asked_after_a_question_word`), nor is its whether against a whether one question asks as a choice of two
    (:func:`asks_either`), nor the negation guard's negation on one side only when it negates words the other
    question never says (:func:`negated.negates_unsaid`: "... without it feeling jerky"), the guards after it still
    judging."""
    verdict = guards.first_rejection(mine, other, similarity)
    if verdict is None or not same or not _excused(verdict, mine, other):
        return verdict
    rest = GuardSet([guard for guard in guards.guards if guard.name != verdict.guard], quiet_margin=guards.quiet_margin)
    return _vetoes(rest, mine, other, similarity, same)


def _excused(verdict: GuardVerdict, mine: str, other: str) -> bool:
    """Whether a guard's veto after the very same turns is a reading error (see :func:`_vetoes`)."""
    if verdict.guard == IntentGuard.name:
        return asked_after_a_question_word(mine, other) or asks_either(mine, other) or asks_one_kind(mine, other)
    if verdict.guard == NegationGuard.name and verdict.reason.startswith(_ONE_SIDED):
        return negated.negates_unsaid(mine, other) or negated.negates_unsaid(other, mine)
    return False
