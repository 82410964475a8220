"""The strict setting (``NEARHIT_CONVERSATION_STRICT``): a conversation hit refused whenever one side's user turns
say something the other side's do not.

An added condition ("I'm on warfarin", "it's for a listed building", "I'm 70") is half of the wrong hits served on
the conversation sets nobody tuned on, and nothing read offline tells whether it bears on the answer
(:mod:`nearhit.cache.answer_rests_on` asks the stored answer, and only refuses where it takes the span up). A user who
would rather miss than serve a wrong answer turns this on: a semantic hit where either side is a conversation (earlier
turns matched by meaning, or a question standing alone after its turns) is refused when
:func:`conversation.said_more_spans` finds a span either way, whether or not the stored answer takes it up, and
whichever stage served it (it is read once, where a hit is settled: ``SemanticCache``). A single question's text
stands for that side's user turns, against the other side's turns told as one question with its follow-up
(:func:`conversation.told_as_one`: what the cache compares a single question with). An exact hit (the very same
history) and a semantic hit after the very same user turns are never refused: nothing differs. With the conversation
judge on (``NEARHIT_CONVERSATION_JUDGE``), a conversation's hit this flags is served when the judge is sure of it
(its p at its cut or over: :func:`nearhit.cache.judge.refuse_strictly`, decision rule 55 in benchmarks/README.md).
"""

from __future__ import annotations

from dataclasses import replace

from nearhit.cache import conversation
from nearhit.cache.conversation import Context
from nearhit.cache.results import Candidate, LookupResult

__all__ = ["REFUSED_BY", "refuse", "refuses", "too_long"]

REFUSED_BY = "conversation_strict"
"""The ``rejected_by`` (and the inspector's ``guard``) of a hit the strict setting refuses."""


def refuses(question: str, turns: Context | None, asked: str, stored: Context | None) -> str | None:
    """Why the entry asked ``asked`` after ``stored`` (None: a single question) does not serve ``question`` asked
    after ``turns`` under the strict setting, quoting each span either side's user turns say and the other's do not;
    None when neither side has turns, or when neither says more (the same user turns, or a rewording)."""
    if turns is None and stored is None:
        return None
    if too_long(turns, stored):
        return (
            f"strict: the earlier turns are too long to compare (over {conversation.MAX_COMPARED_WORDS:,} words) "
            "(NEARHIT_CONVERSATION_STRICT)"
        )
    if turns is not None and stored is not None:
        mine, theirs = conversation.users_said(turns), conversation.users_said(stored)
    else:
        mine, theirs = _told(question, turns), _told(asked, stored)
    added, left_out = conversation.said_more_spans(theirs, mine), conversation.said_more_spans(mine, theirs)
    if not added and not left_out:
        return None
    said = [f"this conversation says {'; '.join(added)!r}"] if added else []
    said += [f"the stored one says {'; '.join(left_out)!r}"] if left_out else []
    return f"strict: {', and '.join(said)}, which the other side's user turns do not (NEARHIT_CONVERSATION_STRICT)"


def too_long(turns: Context | None, stored: Context | None) -> bool:
    """Whether either side's turns are over ``conversation.MAX_COMPARED_WORDS``: never compared word by word
    (difflib's time is quadratic in the words: 100,000 characters held the event loop for seconds), and no stage
    serves such a conversation more than its exact repeat, so no judge overrules the refusal either."""
    return not all(conversation.comparable(side) for side in (turns, stored) if side is not None)


def _told(question: str, turns: Context | None) -> str:
    """A side as its user turns, for a side with none against one with some: a single question is its own story; a
    conversation is its user turns then its question."""
    return question if turns is None else conversation.told_as_one(turns, question)


def refuse(result: LookupResult, why: str, by: str = REFUSED_BY) -> None:
    """Make ``result``'s hit a miss the strict setting refused (``why``: :func:`refuses`), or another check ``by``
    (the model's, :mod:`nearhit.cache.verified`): its served candidate listed as refused by ``by`` with the reason
    (added when a stage served it without listing it), the answer and the context shown for it dropped, the
    similarity kept for the inspector."""
    assert result.answer is not None
    served, found = result.answer.doc_id, False
    candidates = []
    for candidate in result.candidates:
        if candidate.doc_id == served and candidate.outcome == "served":
            candidate, found = replace(candidate, outcome="rejected_by_guard", guard=by, reason=why), True
        candidates.append(candidate)
    if not found:
        similarity = result.similarity if result.similarity is not None else 0.0
        candidates.append(Candidate(served, result.answer.prompt, similarity, "rejected_by_guard", by, why))
        candidates.sort(key=lambda candidate: -candidate.similarity)
    result.candidates = candidates
    result.match, result.answer, result.context = None, None, None
    result.rejected_by, result.rejection_reason = by, why
