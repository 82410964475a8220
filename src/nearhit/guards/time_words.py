"""Words that point a question back or forward in time ("the last Ashes series" / "the next Ashes series").

The tense guard reads verbs; a look-alike may keep its verbs and turn one word ("last" / "next", "senaste" /
"nästa"), or change both ("Who won the last ..." / "Who's favourite to win the next ..."). Each language's words
are in ``data/time_directions.txt``; a side with only words of one direction against a side with only words of
the other asks about another time.
"""

from __future__ import annotations

from functools import lru_cache

from nearhit.guards.languages import COVERED, detect
from nearhit.guards.lexicon import pairs
from nearhit.guards.text import analyse

__all__ = ["BACK", "FORWARD", "time_direction"]

BACK, FORWARD = "back", "forward"


def _directions() -> dict[str, dict[str, str]]:
    """``code: back words | forward words`` lines -> language -> word -> direction."""
    found: dict[str, dict[str, str]] = {}
    for (code, *back), forward in pairs("time_directions.txt"):
        table = found.setdefault(code.rstrip(":"), {})
        table.update(dict.fromkeys(back, BACK))
        table.update(dict.fromkeys(forward, FORWARD))
    return found


_DIRECTIONS = _directions()


@lru_cache(maxsize=4096)
def time_direction(text: str) -> str | None:
    """``BACK`` or ``FORWARD`` when every time word of ``text`` points that way, else ``None`` (none, or both)."""
    lang = detect(text)
    table = _DIRECTIONS.get("en" if lang in COVERED else lang, {})
    found = {table[token] for token in analyse(text).tokens if token in table}
    return found.pop() if len(found) == 1 else None
