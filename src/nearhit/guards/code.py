"""The code guard: symbols, flags and operators, which the word tokenizer drops, must agree.

"chmod +x" and "chmod -x", "git reset --soft" and "--hard", "a == b" and "a = b", "C++" and "C#" differ
in one symbol and are near-identical to an embedder. Code tokens are read from the raw text: backticked
spans, flags, operators, language names with symbols and dotted or underscored identifiers. Any
difference when both sides have code is a strong signal; code on one side only is weak (a rewording in
words: "make it executable" for "chmod +x"), unless the other side writes the same identifier as another
word form ("map()" / "mapping", "sorted()" / "sort"): a name in code is matched exactly, never stemmed.
The same tokens in another order within a backticked span differ too ("margin: 0 auto" / "auto 0").
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import ClassVar

from nearhit.guards.stemming import stem
from nearhit.guards.text import analyse, describe
from nearhit.guards.verdicts import GuardSignal, SignalGuard

__all__ = ["CodeGuard", "code_spans", "code_tokens"]

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
_LANGUAGE_RE = re.compile(r"^[a-z](?:\+\+|#)$")  # a language's name with a symbol: one name in either case
# What every code token needs at least one of (a symbol of ``_CODE_RE``'s or a backtick, a dot or underscore
# before a letter, "??" or "?."): a text with none (most prompts) has no code token, and no regex above is run.
_MAYBE_CODE_RE = re.compile(r"[-+#_(=!<>*/%&|^~:`]|\.[A-Za-z_]|\?[?.]")
STRONG = 0.9
ONE_SIDED = 0.3


@lru_cache(maxsize=4096)
def code_tokens(text: str) -> Counter[str]:
    """The code tokens of a prompt, case kept (``-R`` is not ``-r``)."""
    text = unicodedata.normalize("NFKC", text)
    found: Counter[str] = Counter()
    if _MAYBE_CODE_RE.search(text) is None:
        return found
    for span in _BACKTICKED_RE.findall(text):
        found.update(span.split())
    prose = _BACKTICKED_RE.sub(" ", f" {text} ")
    found.update(
        _LANGUAGE_RE.sub(lambda name: name.group(0).upper(), m.group(0))  # "c++" is "C++"; "-r" is not "-R"
        for m in _CODE_RE.finditer(prose)
        if not _PROSE_RE.match(prose, m.start() - 1)
    )
    return found


@lru_cache(maxsize=4096)
def code_spans(text: str) -> Counter[str]:
    """The backticked spans of a prompt, spaces normalised: their order of tokens is part of what they say."""
    text = unicodedata.normalize("NFKC", text)
    if "`" not in text:  # no span to find (most prompts)
        return Counter()
    return Counter(" ".join(span.split()) for span in _BACKTICKED_RE.findall(text))


class CodeGuard(SignalGuard):
    """Rejects when the code tokens of both sides differ: one symbol changes what the code does."""

    name: ClassVar[str] = "code"

    def prepare(self, text: str) -> None:
        code_tokens(text)

    def signal(self, query: str, candidate: str) -> GuardSignal | None:
        code_q, code_c = code_tokens(query), code_tokens(candidate)
        if code_q == code_c:
            spans_q, spans_c = code_spans(query), code_spans(candidate)
            if spans_q != spans_c:  # the same symbols in another order: "margin: 0 auto" / "auto 0", "a - b" / "b - a"
                return self._signal(
                    STRONG, f"code reordered: {describe(spans_q - spans_c)} vs {describe(spans_c - spans_q)}"
                )
            return None
        only_q, only_c = code_q - code_c, code_c - code_q
        reason = f"code differs: {describe(only_q)} vs {describe(only_c)}"
        if code_q and code_c:
            return self._signal(STRONG, reason)
        (coded, code_text), words = ((only_q, query), candidate) if only_q else ((only_c, candidate), query)
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
    """An identifier of ``code`` that ``tokens`` have only as another form of the word (same stem)."""
    names = {name.casefold() for token in code for name in _IDENTIFIER_RE.findall(token)} - set(tokens)
    for name in sorted(n for n in names if len(n) > 2):
        other = next((token for token in tokens if stem(token) == stem(name)), None)
        if other is not None:
            return name, other
    return None
