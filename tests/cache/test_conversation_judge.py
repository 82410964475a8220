"""The trained conversation judge (``NEARHIT_CONVERSATION_JUDGE``, :mod:`nearhit.cache.judge`): asked about a
conversation's nearest rows when its lookup and second chances served nothing, it serves the most probable at its cut,
unless a "wrong" verdict or the strict setting refuses it; unset, nothing changes. The model here is mostly a tiny
real ONNX graph (made with the ``onnx`` package's helper API) whose one logit is a constant set per test, read by
onnxruntime with the bundled tokenizer; the last tests run the shipped judge (``bundled``). The real embedded Redis
and the local embedder."""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from onnx import TensorProto, helper, save

from nearhit import evaluation
from nearhit.cache import SemanticCache, conversation, judge
from nearhit.cache.judge import ConversationJudge
from nearhit.cache.judge_input import MAX_TOKENS, pair_ids, rendered
from nearhit.cache.results import LookupResult
from nearhit.cache.strict import REFUSED_BY
from nearhit.config import Settings, load_settings
from nearhit.embeddings.local import _TOKENIZER_PATH, open_tokenizer
from nearhit.errors import ConfigError
from nearhit.evaluation import Pair, Side
from nearhit.service import bootstrap
from tests.support.benchmarks import load_script
from tests.support.lookups import Turns, ask, asked_alone, assert_served

cross_encoder_judge = load_script("cross_encoder_judge")

YES, NO = 8.0, -8.0
AFTER = ("assistant", "That sounds lovely, well done.")
STORED: Turns = [("user", "I've made a small beech box with a sliding lid as a gift."), AFTER]
STORED_QUESTION = "What finish should I use on it?"
# Reworded past what the rules serve, the same story and question: a should-hit the engine misses.
REWORDED: Turns = [("user", "hey!! so i built this little wooden container out of beech, lid slides open"), AFTER]
REWORDED_QUESTION = "which coating would you recommend?"
# The stored turns with a condition added, asked another way: missed by the rules, refused by the strict setting.
NEPHEW: Turns = [("user", "I've made a small beech box with a sliding lid as a gift for my nephew, who's 1."), AFTER]
NEPHEW_QUESTION = "Is teak oil fine?"


def judge_folder(folder: Path, logit: float) -> Path:
    """A judge's folder: a graph whose logit is ``logit`` for every pair (it reads the mask's shape, so a batch gives
    one logit a pair), saved as ``judge.int8.onnx``, beside the bundled tokenizer."""
    folder.mkdir(parents=True, exist_ok=True)
    tokens = ["batch", "tokens"]
    inputs = [
        helper.make_tensor_value_info(name, TensorProto.INT64, tokens) for name in ("input_ids", "attention_mask")
    ]
    output = helper.make_tensor_value_info("logit", TensorProto.FLOAT, ["batch", 1])
    nodes = [
        helper.make_node("Cast", ["attention_mask"], ["mask"], to=TensorProto.FLOAT),
        helper.make_node("ReduceSum", ["mask", "axes"], ["summed"], keepdims=1),
        helper.make_node("Mul", ["summed", "zero"], ["nothing"]),
        helper.make_node("Add", ["nothing", "constant"], ["logit"]),
    ]
    constants = [
        helper.make_tensor("axes", TensorProto.INT64, [1], [1]),
        helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0]),
        helper.make_tensor("constant", TensorProto.FLOAT, [], [logit]),
    ]
    graph = helper.make_graph(nodes, "judge", inputs, [output], constants)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    save(model, str(folder / "judge.int8.onnx"))
    shutil.copy(_TOKENIZER_PATH, folder / "tokenizer.json")
    return folder


def judged_by(cache: SemanticCache, folder: Path, logit: float, cut: float = 0.95) -> None:
    cache.conversation_judge = ConversationJudge(judge_folder(folder, logit), cut)


async def _looked_up(cache: SemanticCache, asked: Turns = REWORDED, question: str = REWORDED_QUESTION) -> LookupResult:
    return await cache.lookup(ask(cache, asked, question))


async def test_unset_the_reworded_conversation_is_missed(guarded_cache: SemanticCache) -> None:
    # What the judge is for: the engine's rules miss this should-hit (the other tests would pass vacuously if not).
    assert guarded_cache.conversation_judge is None
    await guarded_cache.store(ask(guarded_cache, STORED, STORED_QUESTION), "Food-safe oil.")
    result = await _looked_up(guarded_cache)
    assert not result.hit and "judge" not in result.timings_ms


async def test_a_yes_serves_the_conversation_with_stage_judge(guarded_cache: SemanticCache, tmp_path: Path) -> None:
    cache = guarded_cache
    judged_by(cache, tmp_path, YES)
    key = await cache.store(ask(cache, STORED, STORED_QUESTION), "Food-safe oil.")
    before = (await cache.stats()).counters
    result = await _looked_up(cache)
    assert result.match == "semantic" and result.answer is not None and result.answer.doc_id == key
    assert result.answer.response == "Food-safe oil."
    assert result.context is not None and result.context["judge"] == {"p": pytest.approx(1.0, abs=1e-3), "cut": 0.95}
    assert result.context["turns"] == [list(turn) for turn in STORED]
    (served,) = [c for c in result.candidates if c.outcome == "served"]
    assert served.doc_id == key and served.margin == "judge" and served.score == pytest.approx(1.0, abs=1e-3)
    assert "judge" in result.timings_ms
    shown = result.to_dict()
    assert shown["context"]["judge"]["cut"] == 0.95 and shown["candidates"][0]["margin"] == "judge"
    after = (await cache.stats()).counters
    for counter in ("semantic_hits", "conversation_hits"):  # telemetry counts it as a conversation's semantic hit
        assert after[counter] == before.get(counter, 0) + 1


async def test_a_single_question_stored_is_a_candidate_of_a_conversation(
    guarded_cache: SemanticCache, tmp_path: Path
) -> None:
    """A question stored without turns lives among the scope's single questions, which the conversation's own KNN does
    not read: the judge reads the ones nearest its question too (fit's standalone_vs_contextual, chatter pairs)."""
    cache = guarded_cache
    key = await cache.store(ask(cache, [], "What finish should I use on a small beech box I made as a gift?"), "Oil.")
    assert not (await _looked_up(cache)).hit  # missed without the judge
    judged_by(cache, tmp_path, YES)
    result = await _looked_up(cache)
    assert result.hit and result.answer is not None and result.answer.doc_id == key
    assert result.context is not None and result.context["turns"] == [] and "judge" in result.context


async def test_a_no_leaves_the_miss(guarded_cache: SemanticCache, tmp_path: Path) -> None:
    cache = guarded_cache
    judged_by(cache, tmp_path, NO)
    await cache.store(ask(cache, STORED, STORED_QUESTION), "Food-safe oil.")
    result = await _looked_up(cache)
    assert not result.hit and "judge" in result.timings_ms  # judged, and nothing served
    assert not [c for c in result.candidates if c.outcome == "served"]


async def test_strict_refuses_unless_the_judge_is_sure(guarded_cache: SemanticCache, tmp_path: Path) -> None:
    """Strict mode with a judge (decision rule 55): a hit strict mode flags is served when the judge's p for it is at
    its cut or over, shown as overruled; under it, refused, the reason naming the p. The rules' hit is judged once."""
    cache = guarded_cache
    cache.conversation_strict = True
    await cache.store(ask(cache, STORED, STORED_QUESTION), "Food-safe oil.")
    judged_by(cache, tmp_path / "no", NO)
    refused = await _looked_up(cache, NEPHEW, STORED_QUESTION)  # the rules serve it; strict flags the nephew
    assert not refused.hit and refused.rejected_by == REFUSED_BY, (refused.rejected_by, refused.candidates)
    assert refused.rejection_reason is not None and "nephew" in refused.rejection_reason
    assert "the conversation judge is not sure: p 0.000 < 0.95" in refused.rejection_reason
    judged_by(cache, tmp_path / "yes", YES)
    served = await _looked_up(cache, NEPHEW, STORED_QUESTION)
    assert served.hit and served.context is not None, served.candidates
    assert "nephew" in served.context[judge.OVERRULED]["strict"] and served.context[judge.OVERRULED]["p"] >= 0.95
    judge_served = await _looked_up(cache, NEPHEW, NEPHEW_QUESTION)  # the rules miss it, the judge serves it
    assert judge_served.hit and judge_served.context is not None and judge.STAGE in judge_served.context
    assert judge.OVERRULED in judge_served.context
    cache.conversation_judge = None
    alone = await _looked_up(cache, NEPHEW, STORED_QUESTION)
    assert not alone.hit and alone.rejected_by == REFUSED_BY  # no judge: strict mode as it was


WINGET = "how do I install winget?"
WINGET_ON_SERVER = "how do I install winget? oh and the box is Windows Server 2019, no Store on it"


@pytest.mark.parametrize(
    ("stored", "asked", "who"),
    [(WINGET, WINGET_ON_SERVER, "this question adds"), (WINGET_ON_SERVER, WINGET, "the stored question adds")],
    ids=["added", "left-out"],
)
async def test_the_veto_reads_two_single_questions_where_one_adds_to_the_other(
    guarded_cache: SemanticCache, tmp_path: Path, stored: str, asked: str, who: str
) -> None:
    """Decision rule 63: a hit between two single questions where one says more (the fit trap
    nhc246-constraint_added-003, which the rules serve) is refused under the judge's veto; over it, served with the
    p shown. Without a judge, or under the wrong-hit bound, it is served as before."""
    cache = guarded_cache
    key = await cache.store(ask(cache, [], stored), "winget ships with App Installer from the Store.")
    assert_served(await cache.lookup(ask(cache, [], asked)), key)  # no judge: the rules' hit stands
    cache.conversation_judge = ConversationJudge(judge_folder(tmp_path / "no", NO), 0.95, veto=0.2)
    refused = await cache.lookup(ask(cache, [], asked))
    assert not refused.hit and refused.rejected_by == judge.STAGE, (refused.rejected_by, refused.candidates)
    assert refused.rejection_reason is not None and refused.rejection_reason.startswith(f"{who} 'oh and the box is")
    assert refused.rejection_reason.endswith("; the conversation judge: p 0.000 < veto 0.2")
    assert judge.VETO in refused.timings_ms
    cache.max_wrong_rate = 0.5
    try:
        assert (await cache.lookup(ask(cache, [], asked))).rejected_by != judge.STAGE  # the bound's own gate
    finally:
        cache.max_wrong_rate = None
    cache.conversation_judge = ConversationJudge(judge_folder(tmp_path / "yes", YES), 0.95, veto=0.2)
    served = await cache.lookup(ask(cache, [], asked))
    assert_served(served, key)
    assert served.context is not None and served.context[judge.VETO]["p"] == pytest.approx(1.0, abs=1e-3)


async def test_the_veto_does_not_read_two_single_questions_that_say_the_same(
    guarded_cache: SemanticCache, tmp_path: Path
) -> None:
    cache = guarded_cache
    cache.conversation_judge = ConversationJudge(judge_folder(tmp_path, NO), 0.95, veto=0.2)
    key = await cache.store(ask(cache, [], "How do I install winget on Windows 11?"), "From the Store.")
    served = await cache.lookup(ask(cache, [], "how can I install winget on windows 11"))
    assert_served(served, key)
    assert served.match == "semantic" and judge.VETO not in served.timings_ms


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        (WINGET, "how do I install winget?"),  # the same words
        ("how do I fix a dripping kitchen tap?", "how do I repair a dripping kitchen tap?"),  # a word each way
        ("which wood finish suits a beech box?", "which finish suits a box made of beech?"),  # reordered
        ("What's the processor name?", "What is the processor name?"),  # a contraction spelt out
    ],
)
def test_a_rewording_adds_nothing(question: str, asked: str) -> None:
    assert judge.adds_to(question, asked) == "" and judge.adds_to(asked, question) == ""
    assert judge.adds_to(WINGET_ON_SERVER, WINGET).startswith("this question adds 'oh and the box")


def test_questions_too_long_to_compare_add_nothing() -> None:
    """Past ``MAX_COMPARED_WORDS`` words the sides are not compared word by word (difflib's time is quadratic: two
    6,000-word questions held the event loop ~0.9 s on every such hit), so the veto does not read them."""
    long = " ".join(f"detail{n} about the beech box" for n in range(conversation.MAX_COMPARED_WORDS // 4))
    assert judge.adds_to(f"{long} {WINGET_ON_SERVER}", f"{long} {WINGET}") == ""
    short = " ".join(long.split()[: conversation.MAX_COMPARED_WORDS // 2])
    assert judge.adds_to(f"{short} {WINGET_ON_SERVER}", f"{short} {WINGET}").startswith("this question adds")


async def test_an_entry_labelled_wrong_is_never_served_by_the_judge(
    guarded_cache: SemanticCache, tmp_path: Path
) -> None:
    cache = guarded_cache
    judged_by(cache, tmp_path, YES)
    key = await cache.store(ask(cache, STORED, STORED_QUESTION), "Food-safe oil.")
    served = await _looked_up(cache)
    assert served.hit and served.embedding is not None and served.similarity is not None
    await cache.label(key, served.embedding, served.similarity, False, "feedback")
    refused = await _looked_up(cache)
    assert not refused.hit, refused.candidates


def test_the_judge_reads_a_pair_as_the_training_script_encodes_it(tmp_path: Path) -> None:
    """One renderer: the served judge's token ids of a pair are the training script's (its ``encoded``, given the
    same tokenizer through the ``transformers`` calls it makes), a long history cut from the left in both."""

    class TransformersLike:
        """The calls ``cross_encoder_judge.encoded`` makes of a ``transformers`` tokenizer, on the bundled vocabulary:
        its ``encode`` neither pads nor truncates (the bundled ``tokenizer.json`` would pad to 128)."""

        def __init__(self) -> None:
            self._tokenizer = open_tokenizer(_TOKENIZER_PATH)
            self._tokenizer.no_padding()
            self._tokenizer.no_truncation()
            self.cls_token_id, self.sep_token_id = (self._tokenizer.token_to_id(t) for t in ("[CLS]", "[SEP]"))

        def encode(self, text: str, add_special_tokens: bool) -> list[int]:
            return list(self._tokenizer.encode(text, add_special_tokens=add_special_tokens).ids)

    served = ConversationJudge(judge_folder(tmp_path, YES), 0.5)
    trained = TransformersLike()
    long: Turns = [("user", f"detail number {n} about the beech box") for n in range(60)]
    for stored, asked in (
        ([*STORED, ("user", STORED_QUESTION)], [*REWORDED, ("user", REWORDED_QUESTION)]),
        ([*long, ("user", STORED_QUESTION)], [*REWORDED, ("user", REWORDED_QUESTION)]),
    ):
        ids = served.ids(stored, asked)
        assert ids == cross_encoder_judge.encoded(trained, stored, asked, MAX_TOKENS)
        assert 0 not in ids and len(ids) <= MAX_TOKENS  # no padding inside a pair
    # The long side is cut from the left: its question survives, just before the first [SEP].
    ids = served.ids([*long, ("user", STORED_QUESTION)], [("user", REWORDED_QUESTION)])
    question = trained.encode(f"user: {STORED_QUESTION}", add_special_tokens=False)
    first_sep = ids.index(trained.sep_token_id)
    assert len(ids) == MAX_TOKENS and ids[first_sep - len(question) : first_sep] == question
    assert ids[1:3] != trained.encode("user: detail", add_special_tokens=False)[:2]  # its oldest turns went


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda folder: folder / "absent", "not a folder"),
        (lambda folder: folder, "no judge.int8.onnx or model.onnx"),
        (lambda folder: (folder / "model.onnx").write_text("not a model") and folder, "not a model onnxruntime loads"),
    ],
)
def test_a_folder_that_cannot_serve_is_a_start_up_error_naming_it(make: object, said: str, tmp_path: Path) -> None:
    shutil.copy(_TOKENIZER_PATH, tmp_path / "tokenizer.json")
    folder = make(tmp_path)  # type: ignore[operator]
    with pytest.raises(ConfigError, match=said) as raised:
        judge.build(str(folder), 0.9)
    assert str(tmp_path) in str(raised.value)


def test_a_folder_without_its_tokenizer_and_a_judge_without_a_cut_are_refused(tmp_path: Path) -> None:
    folder = judge_folder(tmp_path / "j", YES)
    (folder / "tokenizer.json").unlink()
    with pytest.raises(ConfigError, match=r"no tokenizer\.json") as raised:
        judge.build(str(folder), 0.9)
    assert str(folder) in str(raised.value)
    with pytest.raises(ConfigError, match="NEARHIT_CONVERSATION_JUDGE_CUT"):
        load_settings(conversation_judge=str(folder))


async def test_the_service_fails_to_start_on_a_bad_folder(settings: Settings, tmp_path: Path) -> None:
    bad = settings.model_copy(update={"conversation_judge": str(tmp_path / "nowhere"), "conversation_judge_cut": 0.9})
    with pytest.raises(ConfigError, match="nowhere"):
        await bootstrap.open_cache(bad)


async def test_eval_follows_the_setting(settings: Settings, tmp_path: Path) -> None:
    """``nearhit eval`` opens its scratch cache from the settings: the judge serves the pair the engine misses."""
    pair = Pair(
        "j1",
        "reworded_history",
        Side(STORED_QUESTION, tuple(STORED)),
        Side(REWORDED_QUESTION, tuple(REWORDED)),
        True,
        a_answer="Food-safe oil.",
    )
    folder = judge_folder(tmp_path, YES)
    for update, served in (
        ({}, None),
        ({"conversation_judge": str(folder), "conversation_judge_cut": 0.95}, "semantic"),
    ):
        async with evaluation.scratch_cache(settings.model_copy(update={"guards": True, **update})) as cache:
            assert (cache.conversation_judge is not None) is bool(update)
            runs = await evaluation.evaluate(cache, [pair], guard_sets={"default": cache.guards})
        assert [outcome.match for outcome in runs["default"]] == [served]


# The shipped judge (``NEARHIT_CONVERSATION_JUDGE=bundled``) on a pair of a tune set (-v152, never trained on): a
# question stored alone, asked as a follow-up its turns complete. The engine's rules miss it; the model serves it.
# The same turns about another product (Jellyfin, not Navidrome) are a context swap it leaves missed.
SHARE_QUESTION = "How do I share a song or album from Navidrome with a friend who doesn't have an account?"
FRIEND: Turns = [("user", "My friend doesn't have a Navidrome account"), ("assistant", "Do you want to give them one?")]
FOLLOW_UP = "No, just send them an album. how do I do that?"


async def test_the_bundled_judge_loads_at_its_own_cut_and_serves_a_follow_up_the_rules_miss(
    guarded_cache: SemanticCache,
) -> None:
    cache = guarded_cache
    key = await cache.store(ask(cache, [], SHARE_QUESTION), "Use a share link.")
    assert not (await cache.lookup(ask(cache, FRIEND, FOLLOW_UP))).hit  # the rules alone miss it
    bundled = judge.build(judge.BUNDLED, None)
    assert bundled is not None and bundled.folder == judge.BUNDLED_FOLDER
    assert bundled.cut == judge.own_cut(judge.BUNDLED_FOLDER) == 0.97
    cache.conversation_judge = bundled
    result = await cache.lookup(ask(cache, FRIEND, FOLLOW_UP))
    assert result.hit and result.answer is not None and result.answer.doc_id == key
    assert result.context is not None and result.context["judge"]["p"] >= bundled.cut
    jellyfin = [("user", "My friend doesn't have a Jellyfin account"), FRIEND[1]]
    swapped = await cache.lookup(ask(cache, jellyfin, FOLLOW_UP))
    assert not swapped.hit and "judge" in swapped.timings_ms


def test_a_folder_names_its_own_cut_and_a_bad_one_is_refused(tmp_path: Path) -> None:
    folder = judge_folder(tmp_path / "j", YES)
    (folder / judge.OWN_CUT).write_text('{"cut": 0.97}')
    built = judge.build(str(folder), None)
    assert built is not None and built.cut == 0.97
    assert load_settings(conversation_judge=str(folder)).conversation_judge == str(folder)  # no cut needed
    overridden = judge.build(str(folder), 0.9)
    assert overridden is not None and overridden.cut == 0.9  # the setting wins over the file
    bad = (
        ('{"cut": 1.5}', "not a probability"),
        ('{"about": "x"}', "names no cut"),
        ("{", "not JSON"),
        ("[]", "no object"),
    )
    for text, said in bad:
        (folder / judge.OWN_CUT).write_text(text)
        with pytest.raises(ConfigError, match=said):
            judge.own_cut(folder)


def test_a_folder_names_its_own_veto_and_the_setting_overrides_or_turns_it_off(tmp_path: Path) -> None:
    folder = judge_folder(tmp_path / "j", YES)
    (folder / judge.OWN_CUT).write_text('{"cut": 0.97}')
    unnamed = judge.build(str(folder), None)
    assert unnamed is not None and unnamed.veto is None  # a file without a veto: none
    (folder / judge.OWN_CUT).write_text('{"cut": 0.97, "veto": 0.2}')
    for setting, veto in ((None, 0.2), (0.05, 0.05), (0.0, None)):
        built = judge.build(str(folder), None, setting)
        assert built is not None and built.veto == veto, setting
    (folder / judge.OWN_CUT).write_text('{"cut": 0.97, "veto": "low"}')
    with pytest.raises(ConfigError, match="veto is 'low', not a probability"):
        judge.own_veto(folder)
    assert load_settings(conversation_judge=str(folder), conversation_judge_veto=0).conversation_judge_veto == 0


def test_the_training_script_exports_a_side_as_the_cache_reads_it() -> None:
    """Trained on sides as sent, the judge met another reading in the cache (p off by up to 0.6): the system message
    is the scope's, and a last message that tells before it asks is its facts, then its question."""
    side = Side(
        "they're quite hard. should I freeze them before I make the gin?",
        (("system", "You help with foraging."), ("user", "Picked sloes this weekend, no frost yet."), AFTER),
    )
    assert cross_encoder_judge.as_served(side) == [
        ("user", "Picked sloes this weekend, no frost yet."),
        AFTER,
        ("user", "they're quite hard."),
        ("user", "should I freeze them before I make the gin?"),
    ]


# The judge's veto (``NEARHIT_CONVERSATION_JUDGE_VETO``): the story retold a little differently, the same question,
# which the rules serve; a judge that says "another answer" refuses it under the veto. The very same turns with the
# question reworded are the guards' to read: the veto does not ask the judge there.
RETOLD: Turns = [("user", "I made a small beech box with a sliding lid as a gift."), AFTER]
RULES_QUESTION = "What finish do I use on it?"


def vetoed_by(cache: SemanticCache, folder: Path, logit: float, veto: float = 0.05) -> None:
    cache.conversation_judge = ConversationJudge(judge_folder(folder, logit), 0.95, veto=veto)


async def vetoed_only_under(
    cache: SemanticCache, tmp_path: Path, look: Callable[[], Awaitable[LookupResult]]
) -> LookupResult:
    """``look``'s hit is the rules' (served with a judge but no veto), refused by a judge's "no" under its veto (the
    result returned, for its reason), and kept by a "yes", the judge's p shown."""
    judged_by(cache, tmp_path / "no", NO)
    assert (await look()).hit
    vetoed_by(cache, tmp_path / "no", NO)
    refused = await look()
    assert not refused.hit and refused.rejected_by == "judge" and judge.VETO in refused.timings_ms
    vetoed_by(cache, tmp_path / "yes", YES)
    kept = await look()
    assert kept.hit and kept.context is not None and kept.context[judge.VETO]["p"] == pytest.approx(1.0, abs=1e-3)
    return refused


async def test_a_no_under_the_veto_refuses_the_rules_hit(guarded_cache: SemanticCache, tmp_path: Path) -> None:
    cache = guarded_cache
    key = await cache.store(ask(cache, STORED, STORED_QUESTION), "Food-safe oil.")
    judged_by(cache, tmp_path / "no", NO)  # a judge without a veto leaves the rules' hit alone
    assert (await _looked_up(cache, RETOLD, STORED_QUESTION)).hit
    vetoed_by(cache, tmp_path / "no", NO)
    before = (await cache.stats()).counters
    result = await _looked_up(cache, RETOLD, STORED_QUESTION)
    assert not result.hit and result.rejected_by == "judge", (result.rejected_by, result.candidates)
    assert result.rejection_reason is not None and "< veto 0.05" in result.rejection_reason
    (refused,) = [c for c in result.candidates if c.doc_id == key]
    assert refused.outcome == "rejected_by_guard" and refused.guard == "judge"
    assert judge.VETO in result.timings_ms and result.answer is None and result.context is None
    after = (await cache.stats()).counters
    assert after["misses"] == before.get("misses", 0) + 1
    assert after.get("semantic_hits", 0) == before.get("semantic_hits", 0)


async def test_a_yes_over_the_veto_keeps_the_hit_and_shows_its_p(guarded_cache: SemanticCache, tmp_path: Path) -> None:
    cache = guarded_cache
    await cache.store(ask(cache, STORED, STORED_QUESTION), "Food-safe oil.")
    vetoed_by(cache, tmp_path, YES)
    result = await _looked_up(cache, RETOLD, STORED_QUESTION)
    assert result.hit and result.context is not None
    assert result.context[judge.VETO] == {"p": pytest.approx(1.0, abs=1e-3), "veto": 0.05}
    assert "judge" not in result.context  # the rules served it, not the judge


async def test_the_veto_reads_no_exact_hit_same_turns_or_single_question(
    guarded_cache: SemanticCache, tmp_path: Path
) -> None:
    cache = guarded_cache
    await cache.store(ask(cache, STORED, STORED_QUESTION), "Food-safe oil.")
    await cache.store(ask(cache, [], "What finish should I use on a beech box?"), "Oil.")
    vetoed_by(cache, tmp_path, NO)
    exact = await _looked_up(cache, STORED, STORED_QUESTION)
    assert exact.match == "exact" and judge.VETO not in exact.timings_ms
    same_turns = await _looked_up(cache, STORED, RULES_QUESTION)
    assert same_turns.match == "semantic" and judge.VETO not in same_turns.timings_ms
    single = await _looked_up(cache, [], "Which finish should I use on a beech box?")
    assert single.hit and judge.VETO not in single.timings_ms


# A question that stands alone after its turns (no context matched by meaning, ``Lookup.earlier``): the rules serve it
# after another version of the same story; the veto reads it too since decision rule 61.
OLD_VERSION: Turns = [("user", "Still on Benthos 3.65 at work, can't upgrade yet."), ("assistant", "Okay, v3 syntax.")]
NEW_VERSION: Turns = [("user", "We're on Benthos 4.24 at work."), ("assistant", "Okay, v4 syntax then.")]
PROCESSOR = "What's the processor name to run a Bloblang mapping?"


async def test_the_veto_reads_a_question_asked_alone_after_other_turns(
    guarded_cache: SemanticCache, tmp_path: Path
) -> None:
    cache = guarded_cache
    await cache.store(asked_alone(cache, OLD_VERSION, PROCESSOR), "Use the bloblang processor.")
    await vetoed_only_under(cache, tmp_path, lambda: cache.lookup(asked_alone(cache, NEW_VERSION, PROCESSOR)))
    # The same turns: what differs is the question, the guards' to read; no turns at all: a single question.
    vetoed_by(cache, tmp_path / "no", NO)
    same = await cache.lookup(asked_alone(cache, OLD_VERSION, "What is the processor name to run a Bloblang mapping?"))
    assert same.hit and judge.VETO not in same.timings_ms
    await cache.store(ask(cache, [], "Which processor runs a Bloblang mapping in Benthos?"), "bloblang")
    single = await cache.lookup(ask(cache, [], "What processor runs a Bloblang mapping in Benthos?"))
    assert single.hit and judge.VETO not in single.timings_ms


# The same story with one detail exchanged (decision rule 64): the rules serve it; under the veto of an exchanged
# detail (0.5) it is refused, though over the lower veto set here; a retelling's hit at the same p is kept.
SPICES: Turns = [
    ("user", "Just finished a small beech box with a sliding lid, it's going to hold kitchen spices."),
    AFTER,
]
UNSURE, LEANS_SAME = -0.62, 0.41  # logits of p ~0.35 and ~0.60


async def test_the_veto_refuses_a_detail_exchanged_unless_the_judge_leans_to_the_same_answer(
    guarded_cache: SemanticCache, tmp_path: Path
) -> None:
    cache = guarded_cache
    await cache.store(ask(cache, STORED, STORED_QUESTION), "Food-safe oil.")
    vetoed_by(cache, tmp_path / "unsure", UNSURE, veto=0.2)
    retold = await _looked_up(cache, RETOLD, STORED_QUESTION)
    assert retold.hit and retold.context is not None, (retold.rejected_by, retold.rejection_reason)
    assert retold.context[judge.VETO] == {"p": pytest.approx(0.35, abs=0.01), "veto": 0.2}
    exchanged = await _looked_up(cache, SPICES, STORED_QUESTION)
    assert not exchanged.hit and exchanged.rejected_by == "judge", (exchanged.rejected_by, exchanged.candidates)
    reason = exchanged.rejection_reason or ""
    mine, stored = "just finished ... it's going to hold kitchen spices", "i've made ... as a gift"
    assert reason.startswith(f"this conversation's turns say {mine!r} where the stored one's say {stored!r}; "), reason
    assert reason.endswith(f"< veto {judge.EXCHANGED_VETO:g}"), reason
    vetoed_by(cache, tmp_path / "leans", LEANS_SAME, veto=0.2)
    kept = await _looked_up(cache, SPICES, STORED_QUESTION)
    assert kept.hit and kept.context is not None
    assert kept.context[judge.VETO] == {"p": pytest.approx(0.6, abs=0.01), "veto": judge.EXCHANGED_VETO}


@pytest.mark.parametrize(
    ("mine", "theirs", "exchanged"),
    [
        ("making it with canned tomatoes, 4 of us", "making it with fresh tomatoes, 4 of us", [("canned", "fresh")]),
        ("we're on the v3 syntax at work", "we're on the v4 syntax at work", [("v3", "v4")]),
        # Around a word both keep (decision rule 66): "a ... stick" / "tacky ... glue" are a delete and an insert
        ("gluing it with a glue stick", "gluing it with Aleene's tacky glue", [("stick", "aleene tacky")]),
        ("the oven is conventional, no fan", "the oven is fan-assisted", [("conventional no", "assisted")]),
        ("I made a small beech box", "hey!! so i built this little wooden container out of beech", []),  # retold
        ("making it with canned tomatoes", "making it with canned tomatoes for my mum, who's diabetic", []),  # added
        ("making it with canned tomatoes", "Making it with canned tomatoes!", []),  # the same words
    ],
)
def test_a_detail_exchanged_is_told_from_a_retelling(mine: str, theirs: str, exchanged: list[tuple[str, str]]) -> None:
    assert conversation.exchanged_spans(mine, theirs) == exchanged


# After the very same turns, a question that corrects them in the same message (decision rule 65): the rules serve
# the plain question the corrected one's answer; the veto reads such a hit, as it reads two single questions.
RICE: Turns = [("user", "Cooking 3 cups of rice for nasi lemak."), ("assistant", "OK.")]
CORRECTED = "3 cups is wrong, sorry, it's 1 cup. how many pandan leaves and how much coconut milk?"
PLAIN = "how many pandan leaves and how much coconut milk?"


async def test_the_veto_reads_a_question_that_adds_to_the_other_after_the_same_turns(
    guarded_cache: SemanticCache, tmp_path: Path
) -> None:
    cache = guarded_cache
    await cache.store(ask(cache, RICE, CORRECTED), "Four pandan leaves and 400 ml of coconut milk.")
    refused = await vetoed_only_under(cache, tmp_path, lambda: _looked_up(cache, RICE, PLAIN))
    reason = refused.rejection_reason or ""
    assert reason.startswith('the stored question adds "3 cups is wrong sorry it\'s 1 cup"; '), reason


def test_a_veto_needs_a_judge_and_sits_under_its_cut(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="NEARHIT_CONVERSATION_JUDGE_VETO is set without NEARHIT_CONVERSATION_JUDGE"):
        load_settings(conversation_judge="none", conversation_judge_veto=0.05)  # "none": the default judge off
    folder = judge_folder(tmp_path, YES)
    with pytest.raises(ConfigError, match=r"must be above 0 and under the cut 0\.9"):
        judge.build(str(folder), 0.9, 0.95)
    built = judge.build(str(folder), 0.9, 0.05)
    assert built is not None and built.veto == 0.05
    (folder / judge.OWN_CUT).write_text('{"cut": 0.97, "veto": 0.2}')
    with pytest.raises(ConfigError, match=r"the veto 0\.2 that .*judge\.json names is not under the cut 0\.15"):
        judge.build(str(folder), 0.15)  # the cut set lower than the file's veto: the file is named, not the setting


async def test_the_bundled_judge_vetoes_at_its_own_veto_a_constraint_the_rules_let_through(
    guarded_cache: SemanticCache,
) -> None:
    """A trap of a tune set (nhc149-constraint_added-006, never trained on): a para rider's grade is what the
    answer rests on; the rules serve the stored answer, the shipped judge refuses it under its veto (p ~0.01)."""
    cache = guarded_cache
    await cache.store(ask(cache, [("user", "I want to compete with British Dressage."), GREAT], LEVEL), "Intro.")
    para: Turns = [("user", "I want to compete with British Dressage - I'm a para rider, classified grade II."), GREAT]
    assert (await cache.lookup(ask(cache, para, LEVEL))).hit  # the rules alone serve it
    bundled = judge.build(judge.BUNDLED, None)
    assert bundled is not None and bundled.veto == judge.own_veto(judge.BUNDLED_FOLDER) == 0.2
    cache.conversation_judge = bundled
    result = await cache.lookup(ask(cache, para, LEVEL))
    assert not result.hit and result.rejected_by == "judge", result.candidates
    assert result.rejection_reason is not None and result.rejection_reason.endswith("< veto 0.2")


GREAT = ("assistant", "Great goal.")
LEVEL = "what test level should I start at?"


GOAL = ("assistant", "Great goal! Eight weeks is enough time to prepare well.")
TEN_K: Turns = [("user", "I'm training for my first 10k, the race is in 8 weeks."), GOAL]
TEN_K_AGAIN: Turns = [("user", "I'm training for my first 10k and the race is 8 weeks away."), GOAL]
RUNS = "How many days a week should I run?"
# A conversation sent again (stored turns, asked turns, the question both ask): word for word, with a comma or a case
# changed, small talk added, or lightly reworded.
SENT_AGAIN: list[tuple[Turns, Turns, str]] = [
    (TEN_K, TEN_K, RUNS),
    (TEN_K, TEN_K_AGAIN, RUNS),
    (TEN_K, [("user", "hi! i'm training for my first 10k, race is in 8 weeks"), GOAL], RUNS),
    (STORED, STORED, STORED_QUESTION),
    (STORED, [("user", "I've made a small beech box with a sliding lid as a gift"), AFTER], STORED_QUESTION),
    ([("user", "I'm on Python 3.11 with FastAPI")], [("user", "using fastapi, python 3.11")], STORED_QUESTION),
]


def _p_same(bundled: ConversationJudge, stored: Turns, asked: Turns, question: str) -> float:
    [p] = bundled.probabilities([([*stored, ("user", question)], [*asked, ("user", question)])])
    return p


def test_the_bundled_judge_reads_a_conversation_sent_again_as_the_same_answer() -> None:
    """The writers' traps change one detail and their should-hits reword, so a judge trained on their pairs alone read
    a conversation after itself as a trap: the first bundled one gave these p 0.02-0.12, and its veto refused a
    repeat with a comma changed. The shipped one is trained with such repeats (``--self-positives``): each is over
    its veto."""
    bundled = judge.build(judge.BUNDLED, None)
    assert bundled is not None and bundled.veto is not None
    for stored, asked, question in SENT_AGAIN:
        assert _p_same(bundled, stored, asked, question) >= bundled.veto, asked


def test_a_short_story_reworded_after_another_reply_is_over_the_veto() -> None:
    """The forty-ninth session's judge gave it p 0.066 (an xfail until the fifty-second session's judge)."""
    bundled = judge.build(judge.BUNDLED, None)
    assert bundled is not None and bundled.veto is not None
    assert _p_same(bundled, [TEN_K[0], AFTER], [TEN_K_AGAIN[0], AFTER], RUNS) >= bundled.veto


async def test_the_bundled_judge_lets_a_lightly_reworded_history_hit(guarded_cache: SemanticCache) -> None:
    cache = guarded_cache
    cache.conversation_judge = judge.build(judge.BUNDLED, None)
    await cache.store(ask(cache, TEN_K, RUNS), "Three to four days a week.")
    result = await cache.lookup(ask(cache, TEN_K_AGAIN, RUNS))
    assert result.match == "semantic" and result.context is not None, result.candidates
    assert result.context[judge.VETO]["p"] >= result.context[judge.VETO]["veto"]  # judged, and over the veto


class _Spied:
    """The judge's tokenizer, counting the characters of each text it encodes."""

    def __init__(self, tokenizer: object) -> None:
        self.tokenizer = tokenizer
        self.encoded: list[int] = []

    def encode(self, text: str, add_special_tokens: bool = True) -> object:
        self.encoded.append(len(text))
        return self.tokenizer.encode(text, add_special_tokens=add_special_tokens)  # type: ignore[attr-defined]


def test_a_long_history_is_encoded_by_its_tail_with_the_same_ids() -> None:
    """A side's ids are its last ``MAX_TOKENS`` or more (all the pair keeps of it), encoded from its end: the same ids
    as the whole side's, whatever it holds (accents, CJK, a 120-letter word, a control character between two
    letters, which BERT joins), and a history of 100,000 characters is not encoded whole (it took ~300 ms a side)."""
    bundled = ConversationJudge(judge.BUNDLED_FOLDER, 0.98)
    whole = open_tokenizer(judge.BUNDLED_FOLDER / "tokenizer.json")
    words = [
        "Café",
        "naïve",
        "don't",
        "£1,000",
        "日本語",
        "x" * 120,
        "e.g.",
        "a\x1fb",
        "🙂",
        "tab\there",
        "line\nbreak",
    ]
    spied = _Spied(bundled._tokenizer)
    bundled._tokenizer = spied
    for turns in (3, 40, 1_200):
        side: Turns = [
            ("user" if n % 2 == 0 else "assistant", " ".join(words[(n + k) % len(words)] for k in range(1 + n % 9)))
            for n in range(turns)
        ]
        stored, asked = [*side, ("user", "What now?")], [*side[1:], ("user", "And then?")]
        ids = [whole.encode(rendered(s), add_special_tokens=False).ids for s in (stored, asked)]
        cls, sep = whole.token_to_id("[CLS]"), whole.token_to_id("[SEP]")
        spied.encoded.clear()
        assert bundled.ids(stored, asked) == pair_ids(*ids, cls, sep, MAX_TOKENS)
        tail = bundled.side_ids(rendered(stored))  # the very tokens the whole side ends with, not only those kept
        assert len(tail) >= min(MAX_TOKENS, len(ids[0])) and tail == ids[0][len(ids[0]) - len(tail) :]
        if turns == 1_200:  # its end only
            assert len(rendered(stored)) > 10 * judge.TAIL_CHARS and max(spied.encoded) <= 4 * judge.TAIL_CHARS


async def test_the_judge_never_serves_a_stored_conversation_too_long_to_compare(
    guarded_cache: SemanticCache, tmp_path: Path
) -> None:
    """A stored conversation over ``MAX_COMPARED_WORDS`` is served only its exact repeat, by the judge too: it reads
    160 tokens of a pair, and strict mode would then compare the whole turns (seconds of difflib on the event loop).
    A judge that says yes to everything serves the same story told short, not told at length."""
    cache = guarded_cache
    judged_by(cache, tmp_path, YES)
    aside = "The lid slides in a groove I cut with a router, and the corners are finger joints I glued up. "
    long: Turns = [turn for n in range(60) for turn in (("user", f"{aside}({n})"), AFTER)] + STORED
    await cache.store(ask(cache, long, STORED_QUESTION), "Food-safe oil.")
    assert not (await _looked_up(cache)).hit
    await cache.store(ask(cache, STORED, STORED_QUESTION), "Food-safe oil, told short.")
    served = await _looked_up(cache)
    assert served.hit and served.answer is not None and served.answer.response == "Food-safe oil, told short."
