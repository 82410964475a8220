"""The scope's options digest: answer-changing options scope the cache, canonically; old scope ids stay."""

from __future__ import annotations

from nearhit.cache.keys import Scope, _digest_of

TOOLS = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}]


def test_without_options_or_namespace_the_scope_id_is_the_one_earlier_versions_stored() -> None:
    scope = Scope.build(model="gpt-4o", tenant="t", system_prompt="s", history=[("user", "hi")])
    assert scope.id == _digest_of([scope.model, scope.tenant, scope.system_hash, scope.history_hash])
    assert Scope.build(model="gpt-4o", tenant="t", system_prompt="s", history=[("user", "hi")], options={}) == scope


def test_answer_changing_options_scope_and_others_do_not() -> None:
    base = Scope.build(model="m", options={"user": "u1", "top_p": 0.5, "presence_penalty": 1})
    assert base == Scope.build(model="m")
    ids = {
        Scope.build(model="m", options=options).id
        for options in (
            {},
            {"tools": TOOLS},
            {"tools": TOOLS, "tool_choice": "required"},
            {"response_format": {"type": "json_object"}},
            {"seed": 1},
            {"seed": 2},
            {"stop": ["x"]},
            {"logit_bias": {"1": 5}},
            {"tools": TOOLS, "parallel_tool_calls": False},
        )
    }
    assert len(ids) == 9
    assert Scope.build(model="m", namespace="a").id not in ids | {Scope.build(model="m", namespace="b").id}


def test_the_options_digest_ignores_key_order() -> None:
    reordered = [{"function": {"parameters": {"properties": {}, "type": "object"}, "name": "f"}, "type": "function"}]
    assert Scope.build(model="m", options={"tools": TOOLS}) == Scope.build(model="m", options={"tools": reordered})
