"""Loading labelled pairs: the bundled sets, conversations, and precise errors for bad files."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from nearhit.errors import InvalidInput
from nearhit.evaluation import dataset
from nearhit.evaluation.dataset import Side, load, load_jsonl
from tests.support.benchmarks import load_script

DATA = Path(__file__).with_name("data")


def write(tmp_path: Path, *lines: object) -> Path:
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return path


def test_builtin_sets_load_with_their_categories() -> None:
    questions, conversations = load("questions"), load("conversations")
    assert len(questions) == 600 and sum(p.same_answer for p in questions) == 300
    assert len(conversations) == 240
    assert {p.category for p in conversations} >= {"context_swap", "irrelevant_history"}
    assert all(p.a.history and p.b.history for p in conversations)


def test_conversation_sides_split_into_prompt_and_earlier_turns() -> None:
    pairs = load_jsonl(DATA / "eval_pairs.jsonl")
    swap = next(p for p in pairs if p.id == "conv-swap")
    assert swap.a.prompt == "cancel it"
    assert swap.a.history[0] == ("user", "I have a Flixora subscription I barely use.")
    assert len(swap.a.history) == 2
    assert next(p for p in pairs if p.id == "egg").a == Side("How long should I boil an egg?")


def test_lang_is_read_when_given(tmp_path: Path) -> None:
    path = write(tmp_path, {"a": "x", "b": "y", "same_answer": True, "category": "c", "lang": "en-es"})
    assert load_jsonl(path)[0].lang == "en-es"
    assert load("questions")[0].lang is None


def test_the_answer_given_to_a_is_read_when_given(tmp_path: Path) -> None:
    given = {"a": [{"role": "user", "content": "x"}], "b": "y", "same_answer": True, "category": "c"}
    path = write(tmp_path, {**given, "a_answer": "Use the blue form."}, {**given, "id": 2, "a_answer": None}, given)
    assert [pair.a_answer for pair in load_jsonl(path)] == ["Use the blue form.", None, None]


def test_id_defaults_and_subtype_is_accepted_as_category(tmp_path: Path) -> None:
    path = write(tmp_path, {"a": "x", "b": "y", "same_answer": True, "subtype": "s"})
    (pair,) = load_jsonl(path)
    assert (pair.id, pair.category) == ("pair-1", "s")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"b": "y", "same_answer": True, "category": "c"}, ":2: missing field 'a'"),
        ({"a": "x", "b": "y", "category": "c"}, ":2: missing field 'same_answer'"),
        ({"a": "x", "b": "y", "same_answer": True}, ":2: missing field 'category'"),
        ({"a": "x", "b": "y", "same_answer": "yes", "category": "c"}, ":2: field 'same_answer' must be true or false"),
        ({"a": "  ", "b": "y", "same_answer": True, "category": "c"}, ":2: field 'a' is empty"),
        # Nothing visible: refused by the cache after the run began, with no file or line named.
        ({"a": "\u200b\u2060", "b": "y", "same_answer": True, "category": "c"}, ":2: field 'a' is empty"),
        (
            {"a": "x", "b": [{"role": "user", "content": "\ufeff"}], "same_answer": True, "category": "c"},
            ":2: the last message of 'b' must be a non-empty user message",
        ),
        (
            {"a": 3, "b": "y", "same_answer": True, "category": "c"},
            ":2: field 'a' must be a string or a non-empty list",
        ),
        (
            {"a": "x", "b": [{"role": "user"}], "same_answer": True, "category": "c"},
            ":2: 'b' message 1 has no 'content' string",
        ),
        (
            {"a": "x", "b": [{"role": "assistant", "content": "hi"}], "same_answer": True, "category": "c"},
            ":2: the last message of 'b' must be a non-empty user message",
        ),
        ('{"a": "x", "b": ', ":2: not valid JSON"),
        ("[1, 2]", ":2: expected a JSON object, got list"),
        ({"id": "one", "a": "x", "b": "y", "same_answer": True, "category": "c"}, ":2: id 'one' already used at"),
        (
            {"a": "x", "b": "y", "same_answer": True, "category": "c", "lang": 7},
            ":2: field 'lang' must be a non-empty string such as 'es'",
        ),
        (
            {"a": "x", "b": "y", "same_answer": True, "category": "c", "a_answer": ["Paris."]},
            ":2: field 'a_answer' cannot be a cached answer: response must be a string, not list",
        ),
        (
            {"a": "x", "b": "y", "same_answer": True, "category": "c", "a_answer": " \u200b"},
            ":2: field 'a_answer' cannot be a cached answer: response is empty",
        ),
        (  # the cache's own limit on an answer, refused before the run rather than at its store
            {"a": "x", "b": "y", "same_answer": True, "category": "c", "a_answer": "x" * 1_000_001},
            ":2: field 'a_answer' cannot be a cached answer: response is 1,000,001 characters; the limit is 1,000,000",
        ),
    ],
)
def test_bad_lines_name_the_line_and_the_field(tmp_path: Path, line: object, message: str) -> None:
    path = write(tmp_path, {"id": "one", "a": "x", "b": "y", "same_answer": True, "category": "c"}, line)
    with pytest.raises(InvalidInput) as caught:
        load_jsonl(path)
    assert f"{path}{message}" in str(caught.value)


def test_missing_or_empty_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read dataset"):
        load(str(tmp_path / "nope.jsonl"))
    with pytest.raises(InvalidInput, match="no pairs"):
        load_jsonl(write(tmp_path, ""))


def test_a_gzipped_file_reads_as_its_plain_text_and_one_cut_short_is_named(tmp_path: Path) -> None:
    plain = write(tmp_path, {"id": "one", "a": "x", "b": "y", "same_answer": True, "category": "c"})
    packed = tmp_path / "pairs.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert load(str(packed)) == load(str(plain))
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(packed.read_bytes()[:-9])
    with pytest.raises(InvalidInput, match=f"cannot read dataset '{cut}'"):
        load(str(cut))


def test_the_sets_bundled_unread_are_kept_gzipped() -> None:
    """A grep over the sources must not print a held-out pair (helpers' greps did, twice): those sets are gzipped, and
    so are the validation sets, read once per decision and never tuned on (between two groups of writer sets, all the
    sets not tuned on may be validation)."""
    misses = load_script("conversation_misses")
    kept = misses.HELD_OUT + misses.VALIDATION
    assert kept and all(dataset.BUNDLED_FILES[name].endswith(".jsonl.gz") for name in kept)
    assert all((dataset.DATA_DIR / dataset.BUNDLED_FILES[name]).is_file() for name in kept)
    assert len(load(kept[0])) == 198


def test_a_set_name_that_is_no_set_lists_the_sets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`nearhit eval -d nearhit-v999` said "[Errno 2] No such file or directory: 'nearhit-v999'"."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidInput) as caught:
        load("nearhit-v999")
    message = str(caught.value)
    assert message.startswith("unknown dataset 'nearhit-v999': no built-in set") and "no such file" in message
    assert (
        "'nearhit-v2' to 'nearhit-v43'" in message and "'nearhit-conversations' to 'nearhit-conversations-v" in message
    )
    (tmp_path / "mine").write_text(json.dumps({"a": "x", "b": "y", "same_answer": True, "category": "c"}) + "\n")
    assert len(load("mine")) == 1  # a file of that name is read as before


def test_a_file_of_no_end_fails_naming_the_line_not_filling_the_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``nearhit eval -d /dev/zero`` (or a file of no newline) was read whole before the first line was parsed."""
    pair = json.dumps({"a": "x", "b": "y", "same_answer": True, "category": "c"}) + "\n"
    endless = tmp_path / "endless.jsonl"
    endless.write_bytes(pair.encode() + b"\0" * (8 * 2**20 + 1))  # no newline: the bound, and one more
    with pytest.raises(InvalidInput, match=re.escape(f"{endless}:2: the line is longer than 8,388,608 bytes")):
        load_jsonl(endless)
    monkeypatch.setattr(dataset, "MAX_FILE_BYTES", 5 * len(pair))
    large = tmp_path / "large.jsonl"
    large.write_text("".join(pair.replace('"c"}', f'"c", "id": {n}}}') for n in range(10)))
    with pytest.raises(InvalidInput, match=re.escape(f"{large}:5: the file is larger than")):
        load_jsonl(large)
    not_text = tmp_path / "latin1.jsonl"
    not_text.write_bytes(pair.encode() + b'{"a": "caf\xe9"}\n')
    with pytest.raises(InvalidInput, match=re.escape(f"{not_text}:2: not UTF-8 text")):
        load_jsonl(not_text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"\\ud800 capital?"', "lone surrogate (U+D800)"),  # JSON may escape one; nothing can store or embed it
        ("9" * 5_000, "the limit is 32 digits"),  # int() refuses past 4,300 digits: a ValueError traceback
        ('"x", "a": "y"', "'a' is given twice"),  # the last one was read
        ("NaN", "NaN"),
    ],
    ids=["lone surrogate", "5,000-digit number", "key given twice", "NaN"],
)
def test_a_line_json_allows_but_no_text_can_be_is_refused_naming_the_line(
    tmp_path: Path, text: str, message: str
) -> None:
    """A lone surrogate in a pair reached the cache and failed there (``UnicodeEncodeError``, exit 1 with a
    traceback, after the run had started); a 5,000-digit id failed in the parser the same way. Each line is read
    as the API reads a body (:func:`nearhit.jsonbody.loads`): refused before the run, naming the file and line."""
    good = json.dumps({"a": "x", "b": "y", "same_answer": True, "category": "c"})
    path = tmp_path / "odd.jsonl"
    path.write_text(good + "\n" + f'{{"a": {text}, "b": "y", "same_answer": true, "category": "c"}}\n')
    with pytest.raises(InvalidInput, match=re.escape(f"{path}:2: not valid JSON: ") + ".*" + re.escape(message)):
        load_jsonl(path)
