"""The very same conversation with a digression one side inserts (:mod:`nearhit.cache.digression`): whole exchanges
the user opens as an aside, stating facts of their own, are left out and the rest read as the very same turns; a
digression that names a condition of the asker's, or a run not opened as an aside, is not. Invented conversations,
other words than the dev sets'. Real Redis."""

from __future__ import annotations

from nearhit.cache import SemanticCache, digression
from nearhit.cache.conversation import Context
from tests.support.lookups import Turns, ask

THREAD: Turns = [
    ("user", "Hi, my Larkspur router keeps dropping the wifi every evening, account LK-5521."),
    ("assistant", "Sorry about that. I can see a fault logged on your line since Monday."),
    ("user", "is it the router or the line?"),
    ("assistant", "The line: an engineer is working on the cabinet in your street."),
    ("user", "ok that explains it"),
    ("assistant", "It should be fixed within 48 hours."),
]
ASIDE: Turns = [
    ("user", "sorry, totally unrelated, do you still sell the mesh extenders? my brother wants one"),
    ("assistant", "We do, the Larkspur Mesh Duo is £89 for two units."),
    ("user", "he's got a 4 bed house in Leeds so maybe two"),
    ("assistant", "Two units would cover a four-bedroom house well."),
]
CONDITION: Turns = [
    ("user", "sorry, random, but I work from home and I'm disabled, I rely on the connection"),
    ("assistant", "Thanks for telling me, I've noted that on your account."),
]
UNFLAGGED: Turns = [
    ("user", "do you still sell the mesh extenders? my brother has a 4 bed house in Leeds"),
    ("assistant", "We do, the Larkspur Mesh Duo is £89 for two units."),
]
QUESTION = "so will I get any money back for the days it was down?"
ANSWER = "Yes: you get a credit for each full day without service, applied to your next bill."


async def test_a_digression_the_user_opens_as_an_aside_is_left_out(cache: SemanticCache) -> None:
    await cache.store(ask(cache, THREAD, QUESTION), ANSWER)
    asked = THREAD[:4] + ASIDE + THREAD[4:]
    result = await cache.lookup(ask(cache, asked, "So will I get any money back for the days it was down?"))
    assert result.hit and result.answer is not None and result.answer.response == ANSWER, result.rejection_reason
    assert result.context is not None and result.context["similarity"] == 1.0


async def test_a_digression_with_a_condition_of_the_askers_or_not_opened_as_an_aside_is_not(
    cache: SemanticCache,
) -> None:
    await cache.store(ask(cache, THREAD, QUESTION), ANSWER)
    for inserted in (CONDITION, UNFLAGGED):
        result = await cache.lookup(ask(cache, THREAD[:4] + inserted + THREAD[4:], QUESTION))
        assert not result.hit and result.rejected_by == "context", (inserted[0], result.rejection_reason)


def test_left_out_reads_either_side_and_only_whole_exchanges() -> None:
    thread, longer = Context(tuple(THREAD)), Context(tuple(THREAD[:2] + ASIDE + THREAD[2:]))
    assert digression.left_out(longer, thread) == thread
    assert digression.left_out(thread, longer) == thread
    assert digression.left_out(thread, thread) is None
    # The aside's last turn the user's: no whole exchange inserted.
    assert digression.left_out(Context(tuple(THREAD[:2] + ASIDE[:3] + THREAD[2:])), thread) is None
    # A turn of the thread changed besides: not the very same turns.
    changed = THREAD[:2] + ASIDE + [("user", "is it the router?")] + THREAD[3:]
    assert digression.left_out(Context(tuple(changed)), thread) is None
