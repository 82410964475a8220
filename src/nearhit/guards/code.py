"""The code guard: symbols, flags and operators, which the word tokenizer drops, must agree.

"chmod +x" and "chmod -x", "git reset --soft" and "--hard", "a == b" and "a = b", "C++" and "C#" differ
in one symbol and are near-identical to an embedder. Code tokens are read from the raw text: backticked
spans, flags, operators, language names with symbols and dotted or underscored identifiers. Any
difference when both sides have code is a strong signal; code on one side only is weak (a rewording in
words: "make it executable" for "chmod +x"), unless the other side writes the same identifier as another
word form ("map()" / "mapping", "sorted()" / "sort"): a name in code is matched exactly, never stemmed.
The same tokens in another order within a backticked span differ too ("margin: 0 auto" / "auto 0").

What counts as the same code is one rule (issue 13, fourteenth session): a token the other side writes respelt is
no difference, a name with or without its leading dot or its "()", or in words (``Node.js`` / "nodejs", `` `git` ``
/ "git"); a flag or an operator has no other spelling, and code keeps its case. A token added to otherwise the same
words is strong even when the other side has no code ("pytest" / "pytest -x"). Words shaped as names in code
(camelCase, a capital inside, ALL CAPS, ".append") are names in prose too ("NASA", "iPhone"), so only one replaced
by another in the same frame counts ("HSET" / "HSETNX"), unless it is the other's initials ("TS" / "TypeScript").
Code written without backticks is read as a span would be (nineteenth session): "2>&1", "=A1&B1", "T[keyof T]" are
one token each, the other side's only when written with the same words in the same order and no code of its own.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import ClassVar

from nearhit.guards.lexicon import ABBREVIATIONS
from nearhit.guards.stemming import stem
from nearhit.guards.text import analyse, describe
from nearhit.guards.verdicts import GuardSignal, SignalGuard

__all__ = ["CodeGuard", "code_spans", "code_tokens", "name_tokens", "prose_words"]

_IDENTIFIER_RE = re.compile(r"[A-Za-z_]\w*")
_BACKTICKED_RE = re.compile(r"`+([^`]+)`+")
_CODE_RE = re.compile(
    r"(?<![\w+-])(?:--?|\+)[A-Za-z][\w-]*"  # flags and modes: -x, --hard, +x
    r"|\b[A-Za-z](?:\+\+|#)(?!\w)"  # C++, C#, F#
    r"|\b[A-Za-z_]\w*(?:[._][A-Za-z_]\w*)+(?:\(\))?"  # os.path.join, snake_case, config.yaml, f()
    r"|\b\w+\(\)"  # call()
    r"|[=!<>+\-*/%&|^~:]{2,}"  # ==, !=, <=, ->, &&, ::, ++, +=
    r"|(?<=\s)\?\?=?(?=\s)|(?<=\w)\?\.(?=[A-Za-z_])"  # a ?? b, user?.name
    r"|(?<=\s)[=<>+*/%^~|&-](?=\s)"  # a lone operator between spaces: a = b, a + b
)
# "&" or "-" between two words outside a code span ("cigs & booze", "kotlin - launch & async") is prose's
# "and" or a dash; between variables or numbers ("a & b", "x - 1") it is an operator.
_PROSE_RE = re.compile(r"(?<=[^\W\d_]{2}) [&-] (?=[^\W\d_]{2})")
# Code written without backticks (issue 13, nineteenth session): a run with no space that glues a symbol prose does
# not glue to a letter or digit ("2>&1", "^\d+$", "=A1&B1", "x=5", "List<T>", "$HOME"), or an index in brackets on a
# name ("T[keyof T]", "arr[:, 0]"), is one token, as it would be in a backticked span. Not "$5" (money), nor letters
# joined by "&" ("D&D", "AT&T": prose's initials); a sentence's last mark is not part of the token, unless the token
# needs it ("$?").
_UNFENCED_RE = re.compile(
    r"(?<!\S)[^\s`]*?(?:\w\[[^\]\n]{0,40}\]|[\w\]][<>=&|^\\\[\]{}]|[<>=&|^\\\[{]\w|(?<!\$)\$[^\d\s$])[^\s`]*"
)
_INITIALS_RE = re.compile(r"[^\W\d_]+&[^\W\d_]+")
_END_MARKS = ".,;:!?"
_LANGUAGE_RE = re.compile(r"^[a-z](?:\+\+|#)$")  # a language's name with a symbol: one name in either case
# What every code token needs at least one of (a symbol of ``_CODE_RE``'s or a backtick, a dot or underscore
# before a letter, "??" or "?."): a text with none (most prompts) has no code token, and no regex above is run.
_MAYBE_CODE_RE = re.compile(r"[-+#_(=!<>*/%&|^~:`\\$\[{]|\.[A-Za-z_]|\?[?.]")
# Words shaped as names in code: camelCase, a capital inside a capitalised word, ALL CAPS of two or more, a
# method or attribute on its own (".append"; also a file's extension, ".txt", so a name, not a code token).
# A word's first capital is read once for the two shapes that start with one; a run of lower case is taken whole
# (possessive: a capital cannot be inside it).
_NAME_RE = re.compile(
    r"\b(?:[a-z]++[A-Z]\w*|[A-Z](?:[a-z]++[A-Z]\w*|[A-Z\d_]*[A-Z\d](?![\w'])))|(?<![\w.])\.[A-Za-z_]\w*"
)
_WORD_RE = re.compile(r"[^\W_]+")
_CAMEL_WORD_RE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")  # "TypeScript" is "Type", "Script"
_NAMED_RE = re.compile(r"[^\W\d][\w.-]*")  # a name (letters joined by "_", "." or "-"), no operator in it
RESPELT_WORDS = 4
"""A code token is matched against runs of up to this many words of the other side ("train test split")."""
FRAME_CHANGES = 2
"""The most words, other than the names, that may differ for a name replaced to be read as a change in one frame
("a LEFT JOIN" / "an INNER JOIN"): a question reworded around an abbreviation ("TS" / "TypeScript") changes more."""
STRONG = 0.9
ONE_SIDED = 0.3


_NONE: Counter[str] = Counter()
"""What a prompt with no code has (most): one empty count for all, as the caches below hand theirs out (read them,
never change them); a ``Counter`` made is ~1 µs, and two of these compare as the same object."""


@lru_cache(maxsize=4096)
def code_tokens(text: str) -> Counter[str]:
    """The code tokens of a prompt, case kept (``-R`` is not ``-r``)."""
    text = unicodedata.normalize("NFKC", text)
    if _MAYBE_CODE_RE.search(text) is None:
        return _NONE
    found: Counter[str] = Counter()
    for span in _BACKTICKED_RE.findall(text):
        found.update(span.split())
    prose = _unfence(_BACKTICKED_RE.sub(" ", f" {text} "), found)
    found.update(
        _LANGUAGE_RE.sub(lambda name: name.group(0).upper(), m.group(0))  # "c++" is "C++"; "-r" is not "-R"
        for m in _CODE_RE.finditer(prose)
        if not _PROSE_RE.match(prose, m.start() - 1)
    )
    return found


def _unfence(prose: str, found: Counter[str]) -> str:
    """``prose`` with its code written without backticks cut out (a run with a symbol glued in, an index on a
    name), each counted in ``found`` as one token."""

    def cut(match: re.Match[str]) -> str:
        token = match.group(0)
        while token[-1] in _END_MARKS and _UNFENCED_RE.fullmatch(token[:-1]):  # "2>&1." ends a sentence; "$?" is code
            token = token[:-1]
        if _INITIALS_RE.fullmatch(token):
            return match.group(0)
        found[token] += 1
        return " "

    return _UNFENCED_RE.sub(cut, prose)


@lru_cache(maxsize=4096)
def name_tokens(text: str) -> Counter[str]:
    """The words of a prompt shaped as names of code outside its code tokens (``useEffect``, ``HashMap``,
    ``HSETNX``, ``LEFT``): most are names in prose too ("NASA", "iPhone"), so only a change counts."""
    text = unicodedata.normalize("NFKC", text)
    codes = code_tokens(text)
    names = _NAME_RE.findall(_BACKTICKED_RE.sub(" ", text) if "`" in text else text)  # a span needs a backtick
    if not names:
        return _NONE
    if not codes:  # no code token to be part of (most prompts)
        return Counter(names)
    return Counter(name for name in names if not any(name in token for token in codes))


@lru_cache(maxsize=4096)
def prose_words(text: str) -> tuple[str, ...]:
    """The words of a prompt outside its code (backticked spans and code tokens), case folded, split at every
    symbol: what a code token may be respelt as ("nextjs" for ``Next.js``, "train/test" for ``train_test``)."""
    text = unicodedata.normalize("NFKC", text)
    prose = _BACKTICKED_RE.sub(" | ", f" {text} ")
    if _MAYBE_CODE_RE.search(prose) is not None:
        prose = _CODE_RE.sub(" | ", _unfence(prose, Counter()))
    return tuple(_WORD_RE.findall(prose.casefold()))


@lru_cache(maxsize=4096)
def code_spans(text: str) -> Counter[str]:
    """The backticked spans of a prompt, spaces normalised: their order of tokens is part of what they say."""
    text = unicodedata.normalize("NFKC", text)
    if "`" not in text:  # no span to find (most prompts)
        return _NONE
    return Counter(" ".join(span.split()) for span in _BACKTICKED_RE.findall(text))


class CodeGuard(SignalGuard):
    """Rejects when the code tokens of both sides differ: one symbol changes what the code does."""

    name: ClassVar[str] = "code"

    def prepare(self, text: str) -> None:
        name_tokens(text)  # and its code tokens

    def signal(self, query: str, candidate: str) -> GuardSignal | None:
        found = self._code_signal(query, candidate)
        if found is not None and found.strength >= STRONG:
            return found
        renamed = _names_changed(query, candidate)
        if renamed is not None:
            return self._signal(STRONG, f"name changed: {describe(renamed[0])} vs {describe(renamed[1])}")
        return found

    def _code_signal(self, query: str, candidate: str) -> GuardSignal | None:
        code_q, code_c = code_tokens(query), code_tokens(candidate)
        if code_q is code_c or code_q == code_c:  # the same object: two prompts with no code (most pairs)
            spans_q, spans_c = code_spans(query), code_spans(candidate)
            # The same symbols in another order: "margin: 0 auto" / "auto 0", "a - b" / "b - a".
            if spans_q is not spans_c and spans_q != spans_c:
                return self._signal(
                    STRONG, f"code reordered: {describe(spans_q - spans_c)} vs {describe(spans_c - spans_q)}"
                )
            return None
        only_q, only_c = _unmatched(code_q - code_c, code_c - code_q, query, candidate)
        if not only_q and not only_c:  # the same code respelt: `git push` / "git push", .append / append()
            return None
        reason = f"code differs: {describe(only_q)} vs {describe(only_c)}"
        if code_q and code_c:
            return self._signal(STRONG, reason)
        (coded, code_text), words = ((only_q, query), candidate) if only_q else ((only_c, candidate), query)
        if set(prose_words(code_text)) == set(prose_words(words)) or _all_words(code_text) == _all_words(words):
            return self._signal(STRONG, f"code added to the same words: {describe(coded)}")
        renamed = _other_form(coded, analyse(words).tokens)
        if renamed is not None:
            return self._signal(STRONG, f"identifier {renamed[0]!r} written as {renamed[1]!r}")
        replaced = _operator_replaced(coded, code_text, words)
        if replaced is not None:
            return self._signal(STRONG, f"operator {replaced[0]!r} vs {replaced[1]!r} between the same operands")
        return self._signal(ONE_SIDED, reason)


# An operator said in words is the operator ("salary / 26" / "salary divided by 26"), not another one.
_SPOKEN = {
    "/": {"divided by", "over"},
    "*": {"times", "multiplied by"},
    "+": {"plus"},
    "-": {"minus"},
    "%": {"mod", "modulo"},
    "==": {"equals"},
    "!=": {"not equals"},
    "<": {"less than"},
    ">": {"greater than", "more than"},
}


def _key(token: str) -> str:
    """A code token without what a respelling changes: a name's leading dot and a call's "()". Its case and its
    quotes are its meaning: `` `String` `` is not `` `string` `` (nor two exact keys), `` `no` `` not `` `'no'` ``,
    ``*`` not ``.*``."""
    name = token.removeprefix(".").removesuffix("()")
    return name if _NAMED_RE.fullmatch(name) else token


def _respelt(token: str, other_keys: set[str], other_words: tuple[str, ...], other_code: bool) -> bool:
    """Whether the other side writes ``token`` too, in another spelling (one of ``other_keys``), or, a name, in
    words (a run of ``other_words``, any case): ``.equals`` / ``equals()``, ``Node.js`` / "nodejs", `` `git` `` /
    "git". A flag or an operator is respelt by no other spelling: "--force" is not "force"; code with a symbol glued
    in only by its words where the other side has no code (:func:`_worded`): where both have, code is compared as
    code (``=A1&B1`` / ``=A1+B1``, however the prose around names A1 and B1)."""
    key = _key(token)
    if key in other_keys:
        return True
    if _NAMED_RE.fullmatch(key) is None:  # a flag or an operator is never written in words
        return not other_code and _worded(key, other_words)
    letters = "".join(_WORD_RE.findall(key.casefold()))
    return any(
        "".join(other_words[start : start + size]) == letters
        for size in range(1, RESPELT_WORDS + 1)
        for start in range(len(other_words) - size + 1)
        if other_words[start].startswith(letters[:1])
    )


def _glued(token: str) -> bool:
    """Whether ``token`` is code with a symbol glued in (``List<T>``, ``2>&1``), not a flag (``--depth=1``)."""
    return not token.startswith("-") and _UNFENCED_RE.fullmatch(token) is not None


def _worded(token: str, other_words: tuple[str, ...]) -> bool:
    """Whether ``token``, code written with a symbol glued in (not a flag), has its words among ``other_words`` in
    the same order, in some form: ``List<String>`` / "a list of strings", ``SameSite=Lax`` / "samesite lax"; not
    ``T[keyof T]`` / "keyof T" (the order is what the symbols say)."""
    if not _glued(token):
        return False
    words = iter([stem(word) for word in other_words])
    found = _WORD_RE.findall(token.casefold())
    return bool(found) and all(stem(word) in words for word in found)  # in order: a subsequence of the words


def _all_words(text: str) -> set[str]:
    """Every word of a text, its code's too, case folded: the same on both sides, only symbols tell them apart."""
    return set(_WORD_RE.findall(unicodedata.normalize("NFKC", text).casefold()))


def _unmatched(
    only_q: Counter[str], only_c: Counter[str], query: str, candidate: str
) -> tuple[Counter[str], Counter[str]]:
    """The code tokens of each side that the other side does not write, respelt or in words."""
    keys_q, keys_c = {_key(t) for t in only_q}, {_key(t) for t in only_c}
    words_q, words_c = prose_words(query), prose_words(candidate)
    return (
        Counter({t: n for t, n in only_q.items() if not _respelt(t, keys_c, words_c, bool(code_tokens(candidate)))}),
        Counter({t: n for t, n in only_c.items() if not _respelt(t, keys_q, words_q, bool(code_tokens(query)))}),
    )


def _names_changed(query: str, candidate: str) -> tuple[Counter[str], Counter[str]] | None:
    """The code-shaped names each side has and the other does not write, if both sides have one and the words
    around them are the same: a name replaced in one frame (``HSET`` / ``HSETNX``, "LEFT JOIN" / "INNER JOIN").
    A name only added or dropped, or one in a reworded question ("TS" for "TypeScript"), is prose's."""
    names_q, names_c = name_tokens(query), name_tokens(candidate)
    if not names_q or not names_c or names_q == names_c:
        return None
    only_q, only_c = _unmatched(names_q - names_c, names_c - names_q, query, candidate)
    only_q = Counter({name: n for name, n in only_q.items() if not _abbreviates(name, candidate)})
    only_c = Counter({name: n for name, n in only_c.items() if not _abbreviates(name, query)})
    if not only_q or not only_c:
        return None
    frame_q = set(prose_words(query)) - {_key(name).casefold() for name in only_q}
    frame_c = set(prose_words(candidate)) - {_key(name).casefold() for name in only_c}
    return (only_q, only_c) if len(frame_q ^ frame_c) <= FRAME_CHANGES else None


def _abbreviates(name: str, other: str) -> bool:
    """Whether ``name`` is a short form the other text spells out: its initials ("TS" / "TypeScript", "PR" / "pull
    request") or a listed abbreviation (``data/abbreviations.txt``)."""
    letters = "".join(_WORD_RE.findall(name.casefold()))
    expansion = ABBREVIATIONS.get(letters)
    words = [word.casefold() for word in _CAMEL_WORD_RE.findall(other)]
    if expansion is not None and set(expansion) <= set(words):
        return True
    size = len(letters)
    return any(
        "".join(word[0] for word in words[start : start + size]) == letters for start in range(len(words) - size + 1)
    )


def _operator_replaced(code: Counter[str], code_text: str, other: str) -> tuple[str, str] | None:
    """An operator of ``code`` whose operands the other text joins with another word ("a == b" / "a is b"),
    not the operator's own name in words."""
    for token in code:
        if _IDENTIFIER_RE.search(token):
            continue
        for match in re.finditer(rf"(\w+)\s*{re.escape(token)}\s*(\w+)", code_text):
            left, right = map(re.escape, match.groups())
            found = re.search(rf"\b{left}\s+(\S+(?:\s+\S+)?)\s+{right}\b", other)
            if (
                found is not None
                and found.group(1) != token
                and found.group(1).casefold() not in _SPOKEN.get(token, ())
            ):
                return token, found.group(1)
    return None


def _other_form(code: Counter[str], tokens: tuple[str, ...]) -> tuple[str, str] | None:
    """An identifier of ``code`` that ``tokens`` have only as another form of the word (same stem). Not one inside
    code with a symbol glued in: ``Vec<String>`` is not "strings" written as code."""
    names = {name.casefold() for token in code if not _glued(token) for name in _IDENTIFIER_RE.findall(token)}
    names -= set(tokens)
    for name in sorted(n for n in names if len(n) > 2):
        other = next((token for token in tokens if stem(token) == stem(name)), None)
        if other is not None:
            return name, other
    return None
