"""Two stories told in the same turns under the same reply that says nothing ("OK."): the whole turns' cosine reads
the reply as much as the story, so under the threshold the user's words judge. Sharing at most half their content
words and no quantity, they are about something else; a story retold in other words keeps its quantity ("£6,500" /
"6.5k") and is served; a reply that says something ("The thermostat may be worn.") was given to one story and the
turns are judged as before (``conversation._other_story_bare_replies``, cx52; invented conversations,
``data/conversation_bare_replies.jsonl``, none of the dev sets' words; each ``a`` stored and its ``b`` looked up
through the engine on the real embedded Redis)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nearhit.cache import SemanticCache
from nearhit.cache.conversation import ABOUT_ELSE, CONTEXT_THRESHOLD, RETOLD_FLOOR, Context, differs
from nearhit.evaluation.dataset import Pair, load_jsonl
from tests.support.lookups import stored_then_asked

PAIRS = load_jsonl(Path(__file__).parent / "data" / "conversation_bare_replies.jsonl")
QUESTION = "How do I see the error log?"
LIGHTTPD = "The blog is served by lighttpd set up directly on an Alpine host, no containers."
PODMAN = "The blog runs in a Podman container called press on an Alpine host."


@pytest.mark.parametrize("pair", PAIRS, ids=[pair.id for pair in PAIRS])
async def test_another_story_under_a_bare_reply_is_refused_and_one_retold_with_its_quantity_served(
    cache: SemanticCache, pair: Pair
) -> None:
    await stored_then_asked(cache, pair)


def _told(user: str, reply: str = "OK.") -> Context:
    return Context((("user", user), ("assistant", reply)))


def test_only_the_same_replies_that_say_nothing_leave_the_story_to_the_user_s_words() -> None:
    retold = (RETOLD_FLOOR + CONTEXT_THRESHOLD) / 2
    assert ABOUT_ELSE in (differs(QUESTION, _told(PODMAN), _told(LIGHTTPD), retold) or "")
    assert "add nothing" in (differs(QUESTION, _told(PODMAN), _told(LIGHTTPD), retold) or "")
    # "Okay." on one side and "OK." on the other are other words: the retold floor judges, as before.
    assert differs(QUESTION, _told(PODMAN, "Okay."), _told(LIGHTTPD), retold) is None
    # A reply that says something, the same on both sides, was given to one story: judged as before.
    said = "Lighttpd logs to a file by default."
    assert differs(QUESTION, _told(PODMAN, said), _told(LIGHTTPD, said), retold) is None
    # At or over the threshold the story checks alone judge, as before.
    assert differs(QUESTION, _told(PODMAN), _told(LIGHTTPD), CONTEXT_THRESHOLD + 0.01) is None
