"""A digression one side inserts into the very same conversation: whole exchanges the user opens as an aside.

fow-cache's long conversations (40 turns and more) repeat the stored conversation turn for turn on the asked side,
with a run of exchanges inserted midway that the user flags as off the thread ("Sorry, side question. Do I still
need a GHIC card now?", "sorry totally off topic, do you know when the leisure centre pool reopens?") before the
question goes back to it ("So am I covered for the ski trip or do I need the add-on?"). The digression states facts
of its own (a month, an age, a card), so neither the whole turns' check nor the chatter left out one turn at a time
(:mod:`nearhit.cache.turns`) lets it through, although the answer depends on none of it. Ours are short (two to
four turns) and never have this shape: the rule moves no pair of them.
"""

from __future__ import annotations

import functools
import re

from nearhit.cache import constraints
from nearhit.cache.conversation import Context

_ASIDE_OPENING = re.compile(
    r"^\W*(?:(?:sorry|ok|oh|also)\W+)*(?:side\s+(?:question|note|thing)|(?:totally\s+|completely\s+)?"
    r"(?:random|unrelated|off[\s-]topic)|by\s+the\s+way|btw|separate\s+(?:thing|question))\b",
    re.IGNORECASE,
)
"""How a user opens a turn that leaves the thread: a second thought flagged as such, at the turn's start."""


def left_out(query: Context, cached: Context) -> Context | None:
    """``cached`` when ``query`` is it turn for turn (normalised) with a digression inserted (:func:`_digression`),
    or the query's context when ``cached`` is the one with the digression; else None. The side returned is what both
    sides say: the digression left out, the two read as the very same turns."""
    if _digression(query, cached):
        return cached
    if _digression(cached, query):
        return query
    return None


@functools.lru_cache(maxsize=4096)
def _opens_aside(turn: str) -> bool:
    """Whether a user turn opens as an aside (:data:`_ASIDE_OPENING`): read once per turn, not per candidate."""
    return _ASIDE_OPENING.search(turn) is not None


def _digression(longer: Context, shorter: Context) -> bool:
    """Whether ``longer`` is ``shorter`` with one run of whole exchanges inserted (a user turn first, an assistant
    turn last) whose first turn opens as an aside (:data:`_ASIDE_OPENING`), none of whose user turns binds or
    corrects the story (:func:`constraints.amends`, the aside's own "sorry, totally unrelated" read past) or names a
    condition of the asker's (:func:`constraints.differ`). What the user tells inside a flagged digression is not
    read as bearing on the question (:func:`nearhit.cache.clause.turn_bears_on` takes "I've been driving to the one
    in the next town" for something the asker has): the user said it is off the thread."""
    if len(longer.turns) <= len(shorter.turns) or not shorter.turns:
        return False
    # The run inserted starts at or before the shorter side's end, with a user turn opening as an aside.
    if not any(role == "user" and _opens_aside(text) for role, text in longer.turns[: len(shorter.turns) + 1]):
        return False
    ours, theirs = longer.exact_turns, shorter.exact_turns  # normalised once per context, not per candidate
    start = next((i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b), len(theirs))
    end = start + len(ours) - len(theirs)
    if ours[end:] != theirs[start:]:
        return False
    inserted = longer.turns[start:end]
    if inserted[0][0] != "user" or inserted[-1][0] != "assistant" or not _ASIDE_OPENING.search(inserted[0][1]):
        return False
    story = shorter.users
    said = [_ASIDE_OPENING.sub("", text) for role, text in inserted if role == "user"]
    return constraints.differ("\n".join(said), "") is None and all(
        constraints.amends(turn, story) is None for turn in said
    )
