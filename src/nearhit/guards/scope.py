"""The scope guard: quantifiers and scope words ("any" / "all" / "each" / "one" / "only" / "first").

An embedder scores "Can I cancel all my orders?" and "... any of my orders?" as near-identical, yet they
ask about different things. The words are grouped in classes (``data/quantifiers.txt``): a swap between
classes is a strong signal; a scope word on one side only counts when the rest of the texts is the same
frame (then it restricts or widens what is asked). "any"/"some" added alone are read as filler. "One of"
picks one ("cancel my subscriptions" / "cancel one of my subscriptions"). When something is picked or
counted on both sides (``data/selectors.txt``: "first", "max", "count"), "each"/"per" against "all"/"across"
is a swap although both are universal: one per member is not one in all. The same scope words bound to
other things are a swap too ("delete all emails from one sender" / "delete one email from all senders"), and
so is a thing taken as a whole on one side and as one of it on the other ("rename every file" / "rename a
file"). "Only" added where the other side takes something as a whole ("export all my contacts" / "only the
contacts I starred, each with a photo") restricts it: a swap. A thing quantified on both sides is also read
thing by thing: a class the other side uses elsewhere ("Each post has comments.") would hide "any comment" /
"every comment" from the class sets. A scope word a side says only outside the sentence it asks in ("so
excited, first time there!!", "we mostly work from home"), and the words bound apart when neither side's asking
sentence says a scope word ("each dict has a date key" / "each with a date key"), mark the signal
``stated_one_side``: a conversation told as one question words its story so, it does not scope what it asks
(:meth:`GuardSet.first_rejection`'s ``told``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import ClassVar

from nearhit.guards.clauses import asking_sentence
from nearhit.guards.content import class_as_written, overlap, token_classes, word_class
from nearhit.guards.degrees import degree_changed, degree_words
from nearhit.guards.lexicon import NUMBER_TABLES, STOP_STEMS, STOP_WORDS, groups, words
from nearhit.guards.text import Text, analyse, describe
from nearhit.guards.units import canonical_unit
from nearhit.guards.verdicts import GuardSignal, SignalGuard

__all__ = ["PAIR", "ScopeGuard"]

_CLASSES: dict[str, str] = {word: group[0].rstrip(":") for group in groups("quantifiers.txt") for word in group[1:]}
PAIR = frozenset(word for word, kind in _CLASSES.items() if kind == "pair")
"""The words that say two of a thing ("both", "ambos", "beide")."""
_PICKING, _EACH, _WHOLE, _AS_ONE, _GATHERING, _ONE_AT_A_TIME = (frozenset(g) for g in groups("selectors.txt"))
_BINDS_WITHIN = 3  # "all of my emails": the word a scope word binds is the first content word within these
_ONE_OF = frozenset({"a", "an"})  # "rename a file": one of what "rename every file" takes as a whole
_RECIPROCALS = frozenset({("each", "other"), ("one", "another")})
_NOT_PICKING_ONE = frozenset({"which", "any", "each", "every", "no", "the"})  # "which one of", "the one of"
_KIND_OF = frozenset({"those"})  # "one of those stickers": a kind, like "a"; "one of these tags" picks one
# Classes whose word on one side only is usually filler ("do you have any vegan options?").
_FILLER_CLASSES = frozenset({"free", "partial"})
_ONLY, _UNIVERSAL = "only", "universal"  # "all" on one side, "only" added on the other: part, not the whole
_EVERY, _INTERVAL = "every", "interval"
_JUST = "just"
_ORDINALS = frozenset(NUMBER_TABLES["ordinals"]) - {"first"}  # "first" is a class of its own
SWAP = 0.8
ADDED_SAME_FRAME = 0.6
ADDED = 0.3
FILLER = 0.1


_CARVE_OUTS = tuple(tuple(pattern.split("_")) for pattern in words("carve_outs.txt"))
_CARVE_REACH = 6  # "block all devices from my Wi-Fi except my own": the carve-out follows within these tokens


def _carve_out(text: Text) -> str | None:
    """The carve-out word after a universal word in the text ("all ... except", "every ..., including"), or
    ``None``."""
    tokens = text.tokens
    for index, token in enumerate(tokens):
        if _CLASSES.get(token) != _UNIVERSAL:
            continue
        for at in range(index + 1, min(index + 1 + _CARVE_REACH, len(tokens))):
            for pattern in _CARVE_OUTS:
                if tokens[at : at + len(pattern)] == pattern:
                    return " ".join(pattern)
    return None


def _scope_words(text: Text) -> dict[str, str]:
    """Scope class -> a word of it in the text."""
    found: dict[str, str] = {}
    for index in range(len(text.tokens)):
        if (scope := _scope_at(text, index)) is not None:
            found.setdefault(scope, _scope_word(text, index, scope))
    return found


def _scope_word(text: Text, index: int, scope: str) -> str:
    """The scope word at ``index`` as the text writes it ("every other" for an interval)."""
    token = text.tokens[index]
    return f"{token} {text.tokens[index + 1]}" if scope == _INTERVAL else token


def _said_of(text: Text, thing: str, scopes: Iterable[str]) -> str:
    """The words of ``text`` of the classes ``scopes`` that bind ``thing`` (by class), as written, for a reason:
    "'all' vs 'one' of 'messages'", not the classes compared ("'universal' vs 'single'")."""
    wanted, found = set(scopes), {}
    for index in range(len(text.tokens)):
        scope = _scope_at(text, index)
        if scope in wanted and scope not in found and _bound_at(text, index) == thing:
            found[scope] = _scope_word(text, index, scope)
    return describe(found.get(scope, scope) for scope in wanted)


def _reciprocal(tokens: tuple[str, ...], index: int) -> bool:
    """ "each other", "one another": a pronoun for the things named, no scope over them."""
    return tuple(tokens[index : index + 2]) in _RECIPROCALS


def _rate(tokens: tuple[str, ...], article: int) -> bool:
    """Whether the article at ``article`` follows an amount or a unit: "hours a day", "$5 a month" say "per"
    (each day, every month), not one of them."""
    before = tokens[article - 1] if article else ""
    return bool(before) and (before[0].isdigit() or canonical_unit(before, "") is not None)


def _rated(text: Text) -> frozenset[str]:
    """The universal class when ``text`` says a rate ("hours a day"), else nothing."""
    tokens = text.tokens
    rated = any(token in _ONE_OF and _rate(tokens, index) for index, token in enumerate(tokens))
    return frozenset({_UNIVERSAL}) if rated else frozenset()


def _restricted(text: Text) -> frozenset[str]:
    """The "only" class when ``text`` restricts with "just" before an article, a number or a scope word ("just
    the first dose", "just one bag"): it answers the other side's "only", adds none of its own ("just" also
    says a time: "I just moved")."""
    if _JUST not in text.tokens:  # most texts: nothing below can hold
        return frozenset()
    pairs = zip(text.tokens, text.tokens[1:], strict=False)
    restricts = any(word == _JUST and (nxt in _PICKED or nxt[:1].isdigit()) for word, nxt in pairs)
    return frozenset({_ONLY}) if restricts else frozenset()


_PICKED = _ONE_OF | _ORDINALS | frozenset(_CLASSES) | {"the"}  # what "just" restricts before it (:func:`_restricted`)


def _scope_at(text: Text, index: int) -> str | None:
    """The scope class of the word at ``index``, if it is one; "one" only before a content word ("one child",
    not "which one") or picking one ("one of my cards", not "one of those stickers": a kind, like "a");
    "every" before "other" or an ordinal takes one in so many ("every other row", "every third day", "every
    2nd week"): an interval, not all of them."""
    token = text.tokens[index]
    scope = _CLASSES.get(token)
    if scope is None and token != _EVERY:  # most words: no class, and only "every" takes one below
        return None
    if _reciprocal(text.tokens, index):
        return None
    if token == _EVERY and index + 1 < len(text.tokens):
        following = text.tokens[index + 1]
        if following == "other" or following in _ORDINALS or following[:1].isdigit():
            return _INTERVAL
    if token == "one":
        following = text.tokens[index + 1] if index + 1 < len(text.tokens) else ""
        before = text.tokens[index - 1] if index else ""
        after_of = text.tokens[index + 2] if index + 2 < len(text.tokens) else ""
        picks_one = following == "of" and before not in _NOT_PICKING_ONE and after_of not in _KIND_OF
        if not picks_one and (not following.isalpha() or following in STOP_WORDS):
            return None
    return scope


class ScopeGuard(SignalGuard):
    """Rejects a change of quantifier class, or a scope word added to the same question frame."""

    name: ClassVar[str] = "scope"

    def __init__(self, min_overlap: float = 0.6) -> None:
        self.min_overlap = min_overlap

    def prepare(self, text: str) -> None:
        analyse(text)

    def signal(self, query: str, candidate: str) -> GuardSignal | None:
        q, c = analyse(query), analyse(candidate)
        per_member = (
            self._ranked(q, c)
            or self._per_member(q, c)
            or self._one_by_one(q, c)
            or self._rebound(q, c)
            or self._moved(q, c)
            or self._members_of_whole(q, c)
            or self._one_against_all(q, c)
            or self._requantified(q, c)
            or self._carved(q, c)
        )
        if per_member is not None:
            return replace(per_member, stated_one_side=_unscoped(query) and _unscoped(candidate))
        classes_q, classes_c = _scope_words(q), _scope_words(c)
        only_q, only_c = classes_q.keys() - classes_c.keys(), classes_c.keys() - classes_q.keys()
        # "minutes a day" says what "each day" says: a rate answers the other side's "each", adds none of its own
        only_q, only_c = only_q - _rated(c), only_c - _rated(q)
        only_q, only_c = only_q - _restricted(c), only_c - _restricted(q)
        if not (only_q or only_c):
            return None
        reason = f"scope differs: {describe(classes_q[k] for k in only_q)} vs {describe(classes_c[k] for k in only_c)}"
        changed = only_q | only_c
        meaningful = bool(changed - _FILLER_CLASSES)
        stated = _stated_only(q, query, only_q) and _stated_only(c, candidate, only_c)
        if only_q and only_c:  # one class swapped for another
            return self._signal(SWAP if meaningful else ADDED, reason, stated_one_side=stated)
        if (_ONLY in only_q and _UNIVERSAL in classes_c) or (_ONLY in only_c and _UNIVERSAL in classes_q):
            return self._signal(SWAP, reason + " (all of it vs only part)")
        if not meaningful:
            return self._signal(FILLER, reason)
        same_frame = overlap(q, c) >= self.min_overlap
        return self._signal(ADDED_SAME_FRAME if same_frame else ADDED, reason, stated_one_side=stated)

    def _ranked(self, q: Text, c: Text) -> GuardSignal | None:
        """One side compares two things by a criterion the other ranks everything by ("is us-east-1 cheaper than
        eu-west-1" / "which region is the cheapest"): one rival is not all of them."""
        criterion = degree_changed(q.tokens, c.tokens)
        if criterion is None:
            return None
        comparative, superlative = degree_words(q.tokens, c.tokens, criterion)  # as written, not "clos"
        return self._signal(
            SWAP,
            f"scope differs: {comparative!r} against one vs {superlative!r} against all (comparative vs superlative)",
        )

    def _carved(self, q: Text, c: Text) -> GuardSignal | None:
        """Members carved out of (or named back into) a whole on one side only: "kill all buffers" / "kill all
        buffers except the one I'm in" ask for two sets."""
        carved_q, carved_c = _carve_out(q), _carve_out(c)
        if (carved_q is None) == (carved_c is None):
            return None
        said = f"{carved_q or 'the whole'} vs {carved_c or 'the whole'}"
        return self._signal(SWAP, f"scope differs: {said} (a carve-out on one side)")

    def _per_member(self, q: Text, c: Text) -> GuardSignal | None:
        """ "Each"/"per" on one side and "all"/"across" on the other, with something picked on both; with nothing
        picked, only a word that gathers the members into one total ("across", "overall") against "each"/"per"
        ("in every namespace" / "across all namespaces" read alike)."""
        picked = _PICKING & set(q.tokens) and _PICKING & set(c.tokens)
        whole, each = (_WHOLE, _EACH) if picked else (_GATHERING, _ONE_AT_A_TIME)
        each_q, each_c = each & set(q.tokens), each & set(c.tokens)
        whole_q, whole_c = whole & set(q.tokens), whole & set(c.tokens)
        if (each_q and whole_c and not each_c and not whole_q) or (each_c and whole_q and not each_q and not whole_c):
            said_q, said_c = describe(each_q | whole_q), describe(each_c | whole_c)
            return self._signal(SWAP, f"scope differs: {said_q} vs {said_c} (per member vs overall)")
        return None

    def _moved(self, q: Text, c: Text) -> GuardSignal | None:
        """One scope class bound to other things on each side, every one of them named on both sides and out of
        the class's reach on the side that does not bind it: "replace foo with bar on every line" / "replace
        every foo with bar on the current line" ("every running service" / "all services that are running"
        keeps "service" in reach: one thing)."""
        bound_q, bound_c = _bound_by(q), _bound_by(c)
        named = set(token_classes(q)) & set(token_classes(c))
        scopes = {scope for found in (*bound_q.values(), *bound_c.values()) for scope in found} - _FILLER_CLASSES
        for scope in sorted(scopes):  # "any customer ... an item" / "a customer ... any item": "any" is filler
            things_q = {thing for thing, found in bound_q.items() if scope in found}
            things_c = {thing for thing, found in bound_c.items() if scope in found}
            if not (things_q and things_c) or things_q & things_c or not (things_q | things_c) <= named:
                continue
            if things_q & _in_reach(c, scope) or things_c & _in_reach(q, scope):
                continue
            said_q = describe(class_as_written(q, thing) for thing in things_q)  # the words, not their stems
            said_c = describe(class_as_written(c, thing) for thing in things_c)
            word_q = _said_of(q, min(things_q), [scope])  # the scope word as each side writes it, not its class
            word_c = _said_of(c, min(things_c), [scope])
            return self._signal(SWAP, f"scope differs: {word_q} of {said_q} vs {word_c} of {said_c}")
        return None

    def _members_of_whole(self, q: Text, c: Text) -> GuardSignal | None:
        """A thing taken whole on one side ("delete the whole index"), all the members in it on the other ("delete
        all the documents in an index"): the members named only there, the thing named after them."""
        for mine, other in ((q, c), (c, q)):
            unit = _AS_ONE & set(mine.tokens)
            if not unit or _AS_ONE & set(other.tokens):
                continue
            bound = (_bound_at(mine, n) for n, token in enumerate(mine.tokens) if token in unit)
            whole = {thing for thing in bound if thing is not None}
            members = _bindings(other).get(_UNIVERSAL)
            if members is None or members in whole or members in token_classes(mine):
                continue
            after = token_classes(other)[other.tokens.index(_first_universal(other)) :]
            if whole & set(after):
                whole_said, members_said = (
                    (class_as_written(mine, w) for w in sorted(whole)),
                    class_as_written(other, members),
                )
                return self._signal(SWAP, f"scope differs: whole {describe(whole_said)} vs all {members_said!r} in it")
        return None

    def _one_by_one(self, q: Text, c: Text) -> GuardSignal | None:
        """ "Each"/"every" on one side only, "whole"/"entire" on the other only: members one by one against one
        thing as a unit ("Does each guest pay a fee?" / "Does the whole party pay a fee?")."""
        each_q, each_c = _distributive(q), _distributive(c)
        unit_q, unit_c = _AS_ONE & set(q.tokens), _AS_ONE & set(c.tokens)
        if each_q and unit_c and not each_c and not unit_q:
            said = f"{describe(each_q)} vs {describe(unit_c)}"
        elif each_c and unit_q and not each_q and not unit_c:
            said = f"{describe(unit_q)} vs {describe(each_c)}"
        else:
            return None
        return self._signal(SWAP, f"scope differs: {said} (one by one vs as one)")

    def _rebound(self, q: Text, c: Text) -> GuardSignal | None:
        """Two scope classes that trade the words they bind: "all emails from one sender" / "one email from
        all senders"."""
        bound_q, bound_c = _bindings(q), _bindings(c)
        for first, word in bound_q.items():
            for second, other in bound_q.items():
                if first < second and bound_c.get(first) == other and bound_c.get(second) == word and word != other:
                    word_said, other_said = class_as_written(q, word), class_as_written(q, other)
                    first_q, first_c = _said_of(q, word, [first]), _said_of(c, other, [first])
                    return self._signal(
                        SWAP, f"scope differs: {first_q} of {word_said!r} vs {first_c} of {other_said!r}"
                    )
        return None

    def _requantified(self, q: Text, c: Text) -> GuardSignal | None:
        """A thing both sides quantify, each with a scope class the other does not give it: read thing by thing,
        since a class the other side uses elsewhere hides the swap from the class sets ("Each post has comments.
        ... posts where any comment / every comment is flagged")."""
        bound_q, bound_c = _bound_by(q), _bound_by(c)
        for thing in sorted(bound_q.keys() & bound_c.keys()):  # sorted: a set's order follows the string hashing
            mine, theirs = bound_q[thing] - bound_c[thing], bound_c[thing] - bound_q[thing]
            if mine and theirs and (mine | theirs) - _FILLER_CLASSES:
                said = class_as_written(q, thing)  # "messages", not the class compared ("messag")
                mine_said, theirs_said = _said_of(q, thing, mine), _said_of(c, thing, theirs)  # "all", not "universal"
                return self._signal(SWAP, f"scope differs: {mine_said} vs {theirs_said} of {said!r}")
        return None

    def _one_against_all(self, q: Text, c: Text) -> GuardSignal | None:
        """A universal word bound to a thing on one side, "a"/"an" before that thing on the other; not when an
        amount or a pick is asked of it ("calories in each egg" / "calories in an egg": per member, as one)."""
        if _PICKING & set(q.tokens) and _PICKING & set(c.tokens):
            return None
        for mine, other in ((q, c), (c, q)):
            every = _bindings(mine).get("universal")
            if every is None or "universal" in _scope_words(other):
                continue
            for index, token in enumerate(other.tokens[1:], 1):
                if (
                    word_class(token, other.stems[index]) == every
                    and other.tokens[index - 1] in _ONE_OF
                    and not _rate(other.tokens, index - 1)
                ):
                    said = class_as_written(mine, every)
                    return self._signal(SWAP, f"scope differs: all of {said!r} vs one {token!r}")
        return None


def _stated_only(text: Text, raw: str, classes: set[str]) -> bool:
    """Whether ``text`` says its words of ``classes`` (a scope only it says) and none in the sentence it asks in
    (:func:`asking_sentence`): the story's wording, not the question's scope; no such class, nothing to read."""
    if not classes:
        return True
    found = [token for index, token in enumerate(text.tokens) if _scope_at(text, index) in classes]
    if not found:
        return False
    asked = analyse(asking_sentence(raw))
    return not any(_scope_at(asked, index) in classes for index in range(len(asked.tokens)))


def _unscoped(raw: str) -> bool:
    """Whether the sentence ``raw`` asks in (:func:`asking_sentence`) says no scope word: the scope words bound
    apart lie in its story."""
    return not _scope_words(analyse(asking_sentence(raw)))


def _distributive(text: Text) -> frozenset[str]:
    """The words of ``text`` that take members one by one ("each", "every"; not "every other", an interval)."""
    return frozenset(
        token for index, token in enumerate(text.tokens) if token in _EACH and _scope_at(text, index) == _UNIVERSAL
    )


def _bound_at(text: Text, index: int) -> str | None:
    """The content word (by class) the word at ``index`` binds: the first within a few words after it."""
    tokens, stems = text.tokens, text.stems
    for n in range(index + 1, min(index + 1 + _BINDS_WITHIN, len(tokens))):
        if tokens[n].isalpha() and stems[n] not in STOP_STEMS and tokens[n] not in _CLASSES:
            return word_class(tokens[n], stems[n])
    return None


def _first_universal(text: Text) -> str:
    """The first universal scope word of ``text`` (one is there)."""
    return next(token for token in text.tokens if _CLASSES.get(token) == _UNIVERSAL)


def _in_reach(text: Text, scope: str) -> set[str]:
    """Every word (by class) within a few words after a scope word of class ``scope``."""
    classes = token_classes(text)
    return {
        classes[n]
        for index in range(len(text.tokens))
        if _scope_at(text, index) == scope
        for n in range(index + 1, min(index + 1 + _BINDS_WITHIN, len(text.tokens)))
    }


def _bound_by(text: Text) -> dict[str, set[str]]:
    """Content word (by class) -> the scope classes of the scope words that bind it."""
    found: dict[str, set[str]] = {}
    tokens, stems = text.tokens, text.stems
    for index in range(len(tokens)):
        scope = _scope_at(text, index)
        if scope is None:
            continue
        for n in range(index + 1, min(index + 1 + _BINDS_WITHIN, len(tokens))):
            if tokens[n].isalpha() and stems[n] not in STOP_STEMS and tokens[n] not in _CLASSES:
                found.setdefault(word_class(tokens[n], stems[n]), set()).add(scope)
                break
    return found


def _bindings(text: Text) -> dict[str, str]:
    """Scope class -> the content word it binds (by class): the first within a few words after it."""
    found: dict[str, str] = {}
    tokens, stems = text.tokens, text.stems
    for index, token in enumerate(tokens):
        scope = _CLASSES.get(token)
        if scope is None or scope in found or _reciprocal(tokens, index):
            continue
        for n in range(index + 1, min(index + 1 + _BINDS_WITHIN, len(tokens))):
            if tokens[n].isalpha() and stems[n] not in STOP_STEMS and tokens[n] not in _CLASSES:
                found[scope] = word_class(tokens[n], stems[n])
                break
    return found
