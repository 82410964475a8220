"""Case kept where it carries meaning: in code spans and command-line flags. Folded with the prose, "curl -I"
(headers only) and "curl -i" (headers and body) were one exact key, and the second was served the first's
answer before any guard read them."""

from __future__ import annotations

import pytest

from nearhit.cache import Scope, SemanticCache
from nearhit.guards import GuardSet

SCOPE = Scope.build(model="gpt-4o", tenant="acme")

# Each pair differs only in the case of a flag or of a code span; the answers differ.
PAIRS = [
    ("What does `curl -I` do?", "What does `curl -i` do?"),
    ("What does ls -R print?", "What does ls -r print?"),
    ("When should I use grep -E?", "When should I use grep -e?"),
    ("Is `String` a primitive in Java?", "Is `string` a primitive in Java?"),
    ("What does git branch -D do?", "What does git branch -d do?"),
    ("Why does pip install --User fail?", "Why does pip install --user fail?"),
    ("What does chmod -R +X do to files?", "What does chmod -R +x do to files?"),
]


@pytest.mark.parametrize(("stored", "asked"), PAIRS)
async def test_a_flag_or_code_span_in_another_case_is_another_entry(
    cache: SemanticCache, stored: str, asked: str
) -> None:
    cache.guards = GuardSet.default()
    await cache.store(stored, "the stored answer", SCOPE)
    result = await cache.lookup(asked, SCOPE, threshold=0.0)
    assert result.match is None, (stored, asked)  # was an exact hit
    assert result.rejected_by == "code" and result.similarity is not None  # the semantic path refuses it too
    assert (await cache.lookup(stored, SCOPE)).match == "exact"


async def test_the_prose_around_a_flag_still_folds(cache: SemanticCache) -> None:
    await cache.store("What does `curl -I` do?", "Fetches the headers only.", SCOPE)
    await cache.store("What does ls -R print?", "Every subdirectory, recursively.", SCOPE)
    for asked in ("WHAT DOES `curl -I` DO", "  what Does `curl  -I` do?"):
        result = await cache.lookup(asked, SCOPE)
        assert result.match == "exact" and result.answer is not None
        assert result.answer.response == "Fetches the headers only."
    assert (await cache.lookup("WHAT DOES LS -R PRINT?", SCOPE)).match == "exact"
