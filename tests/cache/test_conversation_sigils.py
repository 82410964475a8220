"""Code told in the earlier turns with a name marked as a reference or pointer on one side only ("&cfg" / "cfg",
"*node" / "node") is other code: the word tokens drop the mark, so every check that compares words reads the two
histories as one. Invented conversations, none of the dev sets' words; the engine on the real embedded Redis."""

from __future__ import annotations

from nearhit.cache import SemanticCache
from nearhit.cache.conversation import Context, differs
from nearhit.cache.story import alone_differs
from tests.support.lookups import ask

QUESTION = "is the table still usable once that call returns?"


def _told(code: str) -> list[tuple[str, str]]:
    return [("user", f"In Rust I build a lookup table and then call {code} from main."), ("assistant", "Got it.")]


async def test_a_name_passed_by_reference_on_one_side_only_is_not_served(cache: SemanticCache) -> None:
    await cache.store(ask(cache, _told("audit(&table)"), QUESTION), "borrowed: still usable")
    moved = await cache.lookup(ask(cache, _told("audit(table)"), QUESTION))
    assert not moved.hit and "code marks another name" in (moved.rejection_reason or "")
    again = await cache.lookup(ask(cache, _told("audit(&table)"), QUESTION))
    assert again.hit


def test_the_same_marks_are_the_same_context_and_a_pointer_added_is_not() -> None:
    mine = Context((("user", "My C loop walks *node until it is NULL, R&D wrote it."), ("assistant", "Okay.")))
    same = Context((("user", "My C loop walks *node until it's NULL; R&D wrote it."), ("assistant", "Sure.")))
    assert differs("Does it leak?", mine, same, 0.95) is None
    bare = Context((("user", "My C loop walks node until it is NULL, R&D wrote it."), ("assistant", "Okay.")))
    assert "'*node' vs nothing" in (differs("Does it leak?", mine, bare, 0.95) or "")


def test_a_question_that_stands_alone_after_the_same_code_with_a_mark_added_is_another_story() -> None:
    marked, bare = _told("audit(&table)"), _told("audit(table)")
    assert "'&table' vs nothing" in (alone_differs(marked, bare) or "")
    assert alone_differs(marked, _told("audit(&table)")) is None
