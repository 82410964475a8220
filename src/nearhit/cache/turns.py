"""Two conversations' earlier turns compared one by one, for a second chance when their contexts were refused.

A greeting or an aside embedded with the story ("Morning! Quick one while my coffee brews.") pulls the whole
turns' cosine under ``CONTEXT_THRESHOLD``, or reads as the user saying more. When :func:`conversation.differs`
refuses a candidate so (:func:`refused_by_turns`), the turns only one side says, short and carrying nothing a
guard compares (:func:`conversation.fact_free`), are left out and the kept turns compared again by the same check
(:func:`without_chatter`). Never when both sides have a turn the other lacks: that is a detail swapped ("My bike
chain has started squeaking" / "My bike's disc brakes have started squealing"), not an aside. Measured offline by
conv23 (``benchmarks/conversation_turns.py --either --one-sided``) and end to end by conv24 (benchmarks/README.md,
thirteenth session).

A conversation's entry keeps each turn's embedding (:func:`vectors_text`, half precision: a cosine compared with
``COUNTERPART`` needs no more), read back with its KNN row: the second chance adds no round trip for the cached side.
"""

from __future__ import annotations

import base64
import binascii
import functools
import itertools
import re

import numpy as np

from nearhit.cache import clause, constraints, context_match, conversation, story
from nearhit.cache.conversation import Context

_GREETS = re.compile(r"\b(hi|hiya|hello|hey|morning|afternoon|evening|thanks|thank you|cheers)\b")
"""A greeting or a thanks: a turn that says one is addressed to the assistant (:func:`_fact_free`)."""
COUNTERPART = 0.5
"""The least cosine of a turn with a turn of the same role on the other side for it to be said by both: under it,
the turn is one side's alone. Set before conv23's offline measure (0.4 and 0.6 moved one dev pair at most)."""


def refused_by_turns(reason: str | None) -> bool:
    """Whether :func:`conversation.differs` refused by what a turn one side says alone may cause: the whole turns'
    cosine, a turn the other side lacks, or a span exchanged where such a turn shifts the two texts' alignment
    (:func:`story.changed_detail`: "thank you so much, you're a lifesaver" read against the tail of the other side's
    reply). Not other facts, constraints or events: chatter left out states none. A detail truly exchanged is still
    exchanged once the chatter is left out: the kept turns go through :func:`conversation.differs` again."""
    return reason is not None and reason.startswith(
        (conversation.ABOUT_ELSE, conversation.SAID_MORE, story.CHANGED_DETAIL)
    )


def may_leave_out(query: Context, cached: Context, question: str) -> bool:
    """Whether :func:`without_chatter` may find a turn to leave out, read from the words alone (no embedding): a turn
    on either side that is chatter (:func:`_chatter`, against the other side's story and ``question``, as
    :func:`without_chatter` reads it) and has no turn of its role with the same words (normalised) on the other side,
    which would be its counterpart (the same words, the same embedding: alike past ``COUNTERPART``). None such, and
    :func:`without_chatter` leaves nothing out whatever the turns' embeddings: a second chance that cannot serve is
    not paid an embedding."""
    return _chatter_like(query, cached, question) or _chatter_like(cached, query, question)


def _chatter_like(mine: Context, theirs: Context, question: str) -> bool:
    said = set(theirs.exact_turns)
    story = "\n".join(text for role, text in theirs.turns if role == "user")
    return any(
        exact not in said and _chatter(role, text, story, question)
        for exact, (role, text) in zip(mine.exact_turns, mine.turns, strict=True)
    )


def _fact_free(role: str, turn: str) -> bool:
    """:func:`conversation.fact_free`, a negation, "actually" or "but" let through in the assistant's turn ("No problem,
    take your time.") and in a user's turn that greets or thanks (:data:`_GREETS`: "morning. coffee hasn't kicked in
    yet", "thanks, it actually helps just typing it out"): such a turn speaks to the assistant about the talk, and its
    negation with it; one that corrects or restricts the story is refused by :func:`_chatter`
    (:func:`constraints.amends`, :func:`constraints.conditions_added`)."""
    return conversation.fact_free(turn, marked=role == "user" and _GREETS.search(turn.casefold()) is None)


def without_chatter(
    query: Context, query_vectors: np.ndarray, cached: Context, cached_vectors: np.ndarray, question: str
) -> tuple[Context, Context] | None:
    """The two contexts with the chatter one side alone says left out (:func:`_chatter`), or None when there is none
    to leave out, when both sides have a turn the other lacks (chatter or not), or when a side would be left with no
    turn. ``*_vectors``: each turn's embedding, in order (unit vectors); ``question``: the one asked after ``query``
    (a candidate's is near it, or it gets no second chance)."""
    mine = _unmatched(query, query_vectors, cached, cached_vectors)
    theirs = _unmatched(cached, cached_vectors, query, query_vectors)
    if any(mine) and any(theirs):
        return None
    kept = []
    for context, alone, other in ((query, mine, cached), (cached, theirs, query)):
        story = "\n".join(text for role, text in other.turns if role == "user")
        turns = tuple(
            t for t, one in zip(context.turns, alone, strict=True) if not (one and _chatter(*t, story, question))
        )
        kept.append(Context(turns))
    if not kept[0].turns or not kept[1].turns or (kept[0] == query and kept[1] == cached):
        return None
    return kept[0], kept[1]


def readings(query: Context, cached: Context, question: str, at_most: int) -> list[tuple[Context, Context]] | None:
    """Every pair of contexts :func:`without_chatter` may return, read from the words alone (no embedding): one side
    with a non-empty set of its turns left out, each chatter (:func:`_chatter`, as :func:`without_chatter` reads it)
    with no turn of its role with the same words on the other side (its counterpart whatever the vectors, as
    :func:`may_leave_out` reads it), at least one turn kept; the other side whole. None when there are more than
    ``at_most``: a caller then reads none of them."""
    found: list[tuple[Context, Context]] = []
    for mine, other in ((query, cached), (cached, query)):
        said = set(other.exact_turns)
        story = "\n".join(text for role, text in other.turns if role == "user")
        loose = [
            n
            for n, (exact, (role, text)) in enumerate(zip(mine.exact_turns, mine.turns, strict=True))
            if exact not in said and _chatter(role, text, story, question)
        ]
        if 2 ** len(loose) - 1 > at_most - len(found):
            return None
        for size in range(1, len(loose) + 1):
            for out in itertools.combinations(loose, size):
                kept = Context(tuple(turn for n, turn in enumerate(mine.turns) if n not in out))
                if kept.turns:
                    found.append((kept, other) if mine is query else (query, kept))
    return found


@functools.lru_cache(maxsize=8192)
def _chatter(role: str, turn: str, story: str, question: str) -> bool:
    """Whether a turn one side says alone is chatter: :func:`conversation.fact_free`, neither correcting the
    ``story`` (the other side's user turns) nor binding the answer (:func:`constraints.amends`): "wait, sorry, it's a
    function component" after "my component is a class component" is short and names nothing, yet takes it back;
    nor, the user's, bearing on the ``question`` (:func:`clause.turn_bears_on`): "it's still under the
    manufacturer's warranty" before "can I do it myself?" is what the answer depends on, not small talk, nor, the
    user's, telling what the asker holds or is on (:func:`clause.turn_holds`: "last year I started taking a flexible
    drawdown income" before "how much can I pay into my pension?"), nor one the user says may change the answer
    (:func:`clause.flags_bearing`: "I'm left-handed, if that makes a difference."); nor naming a
    condition the story does not (:func:`constraints.conditions_added`: "oh also the school is strictly nut free.").
    Read once per turn, story and question: a miss reads it for the candidates of :func:`may_leave_out`, their
    readings (:func:`readings`) and :func:`without_chatter`, a long support chat's forty turns each time."""
    if not _fact_free(role, turn):  # read first: most turns are long or tell a fact, and it reads them alone
        return False
    if role == "user" and (
        clause.turn_bears_on(turn, question)
        or clause.turn_holds(turn, question)
        or clause.flags_bearing(turn)
        or clause.tells_deadline(turn)
    ):
        return False
    return constraints.amends(turn, story) is None and not constraints.conditions_added(turn, story)


def _unmatched(mine: Context, vectors: np.ndarray, theirs: Context, other: np.ndarray) -> list[bool]:
    """For each turn of ``mine``, whether no turn of ``theirs`` of its role is ``COUNTERPART`` alike."""
    alike = vectors @ other.T
    return [
        max((float(alike[i, j]) for j, (who, _) in enumerate(theirs.turns) if who == role), default=0.0) < COUNTERPART
        for i, (role, _) in enumerate(mine.turns)
    ]


def vectors_text(vectors: np.ndarray) -> str:
    """A conversation's turns' embeddings as stored with its entry (base64 of float16, one row per turn)."""
    return base64.b64encode(vectors.astype(np.float16).tobytes()).decode("ascii")


def vectors_of(text: str, turns: int, dimension: int) -> np.ndarray | None:
    """The stored turns' embeddings back (``turns`` rows of ``dimension``), or None when absent (an entry stored
    before they were kept), unreadable or of another shape."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    if not raw or len(raw) != 2 * turns * dimension:
        return None
    return context_match.unit(np.frombuffer(raw, dtype=np.float16).astype(np.float32).reshape(turns, dimension))
