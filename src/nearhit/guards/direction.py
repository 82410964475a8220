"""The direction guard: the same things in swapped roles ("from A to B" vs "from B to A").

Role markers (``data/role_markers.txt``) give the words after them a role: source ("from"), target
("to", "into", "in" as in "feet in metres"), the thing replaced ("instead of", "rather than"), the
thing compared against ("than"). A word with no marker before it is the head. The two things one comparative
compares, exchanged around "than" ("is Rust faster than Go" / "is Go faster than Rust"), trade roles however
few words they are (``degrees.than_swapped``). When two words shared by
both texts trade roles, the texts ask opposite things: "use butter instead of oil", "miles to km",
"Python 2 to 3". Numbers and short codes count as words here (versions, units).

Without a marker, word order gives the roles: the same content words with two of them trading places
around a word that stays ("can my landlord evict me" / "can I evict my landlord", "can a cat eat dog
food" / "can a dog eat cat food") swap who does what to whom, unless one side is in the passive voice
(``data/passive.txt``), which puts the thing acted on first ("Redis stores vectors" / "vectors are stored
in Redis"). The same tokens with two names or labels exchanged far apart ("9am in Tokyo, what time is it in
London") swap them however few content words there are. A verb of leaving gives what is left the source role
and a "for" after it the target ("leave Milan for Zurich" is "from Milan to Zurich").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import ClassVar

from nearhit.guards.content import PERSONS, class_as_written, content_sequence, content_words
from nearhit.guards.degrees import than_swapped
from nearhit.guards.languages import pivots_of, prepositions_of
from nearhit.guards.lexicon import DATE_STEMS, STOP_STEMS, SYNONYMS, groups, pairs, words
from nearhit.guards.stemming import stem as stem_of
from nearhit.guards.text import Text, analyse, as_written, phrase_openings
from nearhit.guards.units import UNIT_NAMES, canonical_unit
from nearhit.guards.verdicts import GuardSignal, SignalGuard

__all__ = ["DirectionGuard"]

# marker (one or two words) -> (role, strength of a swap in that role)
_MARKERS: dict[tuple[str, ...], tuple[str, float]] = {}
for _line in groups("role_markers.txt"):
    _role, _strength, *_words = _line
    for _marker in " ".join(_words).split(","):
        _MARKERS[tuple(_marker.split())] = (_role, float(_strength))
_SURFACES = frozenset({"square", "sq", "cubic"})  # part of the unit that follows
_WINDOW = 4  # a marker gives its role to at most this many following tokens
HEAD = ("head", 1.0)
_TARGET = _MARKERS[("to",)]
_COUNTING = frozenset({("how", "many"), ("how", "much")})
# The words a marker or a count opens with: at any other word (most), neither is looked for.
_OPENING_WORDS = frozenset(marker[0] for marker in (*_MARKERS, *_COUNTING))
_PER = frozenset({("in",), ("per",)})
_IN = ("in",)
_REPLACED = _MARKERS[("instead", "of")]
_SOURCE = _MARKERS[("from",)]
_LEAVING = frozenset(marker for marker, (role, _) in _MARKERS.items() if role == "left")
_REPLACEMENT = frozenset({"with", "by", "for"})  # "replace X with Y", "swap X for Y": Y is the head
# "substitute X for Y" puts X in Y's place (X the head, Y replaced); "substitute X with Y" is "replace X with Y".
_SUBSTITUTE = frozenset({"substitute", "substituting"})


def _roles(text: Text) -> dict[str, set[tuple[str, float]]]:
    """word (by synonym class) -> the roles it takes in the text.

    "How many X (are) in Y" asks for Y in X: the counted X takes the target role and Y the head, so it
    reads like "Y in X" and "convert Y to X". An amount given after the counted words ("how many X for
    500 Y", "how many X is 500 Y") is the head too: the X asked for and the Y given trade roles when swapped.
    """
    roles: dict[str, set[tuple[str, float]]] = {}
    current, since, counting, substituting, leaving = HEAD, 0, False, False, False
    tokens, stems = text.tokens, text.stems
    index = 0
    while index < len(tokens):
        marker = None
        if tokens[index] in _OPENING_WORDS:
            pair = tuple(tokens[index : index + 2])
            if pair in _COUNTING:
                current, since, counting = _TARGET, 0, True
                index += 2
                continue
            marker = pair if pair in _MARKERS else (tokens[index],) if (tokens[index],) in _MARKERS else None
        if marker == _IN and not (counting or _measure_before(tokens, index)):
            # "a list in Python", "my account in Uber": a setting, not what a thing becomes. It ends a role, but
            # where a thing goes or comes from it places that end ("into /etc/ in the container"): kept.
            current, since = (current if current[0] in _ENDS else HEAD), 0
            index += 1
            continue
        if current == _REPLACED and tokens[index] in _REPLACEMENT:
            current, since = HEAD, 0
            index += 1
            continue
        if tokens[index] in _SUBSTITUTE:
            ahead = tokens[index + 1 : index + 2 + _WINDOW]
            link = next((word for word in ahead if word in _REPLACEMENT), None)
            current, since, substituting = (HEAD, 0, True) if link == "for" else (_REPLACED, 0, False)
            index += 1
            continue
        if substituting and tokens[index] == "for":
            current, since, substituting = _REPLACED, 0, False
            index += 1
            continue
        if leaving and tokens[index] == "for":  # "leave Milan for Zurich": where the one leaving goes
            current, since, leaving = _TARGET, 0, False
            index += 1
            continue
        if marker in _LEAVING:
            if "for" in tokens[index + 1 : index + 2 + _WINDOW]:  # "leave the heater on" leaves nothing
                current, since, leaving = _SOURCE, 0, True
                index += 1
                continue
            marker = None
        if marker is not None:
            current = HEAD if counting and marker in _PER else _MARKERS[marker]
            since, counting = 0, False
            index += len(marker)
            continue
        if counting and since and tokens[index].isdigit():
            # "How many X do I get for 500 Y": the amount given ends what is counted; Y is the head.
            current, counting = HEAD, False
        since += 1
        if since > _WINDOW and not counting:
            current, leaving = HEAD, False
        stem = stems[index]
        if tokens[index] in PERSONS:  # "to you from GoDaddy": the people are parties too
            roles.setdefault(PERSONS[tokens[index]], set()).add(current)
            index += 1
            continue
        token = tokens[index]  # a unit's name only for a unit word (most are none: no call for them)
        unit = (
            canonical_unit(token, tokens[index - 1] if index else "")
            if token in UNIT_NAMES and len(token) > 1
            else None
        )
        if unit is not None:
            roles.setdefault(unit, set()).add(current)
        elif stem.isalnum() and (stem.isdigit() or stem not in STOP_STEMS) and stem not in _SURFACES:
            roles.setdefault(SYNONYMS.get(stem, stem), set()).add(current)
        index += 1
    return roles


def _measure_before(tokens: tuple[str, ...], index: int) -> bool:
    """Whether the word before ``index`` is an amount, a unit or a thing counted: "in" after one asks what it
    is in another ("5 feet in metres", "50 yen in dollars"); elsewhere it sets a place or a tool ("a list in
    Python")."""
    if index == 0:
        return False
    before, earlier = tokens[index - 1], tokens[index - 2] if index > 1 else ""
    return before[0].isdigit() or earlier[:1].isdigit() or canonical_unit(before, earlier) is not None


def _sides_of_pivots(text: Text, shared: frozenset[str]) -> set[tuple[str, str]]:
    """(x, y) for shared words x just before and y just after some "to"/"into" in the text (within the
    window a marker's role reaches: "to vote in a Texas election" is a clause, not a direction)."""
    pairs: set[tuple[str, str]] = set()
    pivots = pivots_of(text)
    for index, token in enumerate(text.tokens):
        if token in pivots:
            before = {s for s in text.stems[max(0, index - _WINDOW) : index] if s in shared}
            after = {s for s in text.stems[index + 1 : index + 1 + _WINDOW] if s in shared}
            pairs.update((x, y) for x in before for y in after if x != y)
    return pairs


def _pivot_swap(q: Text, c: Text) -> str | None:
    """Two subject words on opposite sides of "to"/"into" (or the language's own), swapped."""
    shared = frozenset(content_words(q).values()) & frozenset(content_words(c).values())
    if len(shared) < 2:
        return None
    pairs_q = _sides_of_pivots(q, shared)
    swapped = sorted((x, y) for x, y in _sides_of_pivots(c, shared) if (y, x) in pairs_q) if pairs_q else []
    if swapped:
        x, y = as_written(q, swapped[0])  # the words ("savings"), not the stems compared ("sav")
        return f"direction reversed: {y!r} to {x!r} vs {x!r} to {y!r}"
    return None


ORDER_SWAP = 0.9
_MIN_SHARED_ORDER = 0.75  # of each side's content words, for the shared ones' order to say the roles
_MIN_GAP = 3  # tokens between two swapped neighbours ("in Tokyo when it's 9am in New York")
_JOINERS = frozenset({"and", "or", "vs", "versus", "between", "nor"})  # "A and B" orders nothing
# One word that gives a role ("to", "from", "than", "as", "over"...): two runs exchanged around it trade roles
# however close they are ("`string` assignable to `string | number`").
_ROLE_WORDS = frozenset(
    marker[0] for marker, (role, strength) in _MARKERS.items() if len(marker) == 1 and strength == 1 and role != "left"
)


def _order_swap(q: Text, c: Text) -> str | None:
    """Two runs of shared content words that trade places, the rest in order: with a shared word between
    them ("my landlord evict me" / "I evict my landlord"), or far apart in a clause of their own."""
    seq_q, seq_c = content_sequence(q), content_sequence(c)
    common = {w for w, _ in seq_q} & {w for w, _ in seq_c}
    if len(common) < 3:
        return None
    kept_q, kept_c = [(w, i) for w, i in seq_q if w in common], [(w, i) for w, i in seq_c if w in common]
    words_q, words_c = [w for w, _ in kept_q], [w for w, _ in kept_c]
    if sorted(words_q) != sorted(words_c) or len(set(words_q)) != len(words_q):
        return None
    if min(len(kept_q) / len(seq_q), len(kept_c) / len(seq_c)) < _MIN_SHARED_ORDER:
        return None
    moved = [n for n, (x, y) in enumerate(zip(words_q, words_c, strict=True)) if x != y]
    if not moved:
        return None
    first, last = moved[0], moved[-1] + 1
    span_q, span_c = words_q[first:last], words_c[first:last]
    size = len(span_q)
    for left in range(1, size):
        for right in range(1, size - left + 1):
            x, middle, y = span_q[:left], span_q[left : size - right], span_q[size - right :]
            if span_c != y + middle + x:
                continue
            x_run = (kept_q[first][1], kept_q[first + left - 1][1] + 1)
            y_run = (kept_q[first + size - right][1], kept_q[first + size - 1][1] + 1)
            at_c = (kept_c[first + size - left][1], kept_c[first][1])  # where x, then y, open in c
            if _apart(q, x_run[0], y_run[0]) != _apart(c, *at_c):
                # a clause fronted on one side only ("If a pod keeps restarting, how do I ..." / "How do I ...
                # why a pod keeps restarting"): moved whole; apart on both sides, the two traded phrases
                continue
            if _swapped_in_place(q, c, x_run, y_run) or (
                middle
                and not _keeps_preposition(q, c, x_run[0], kept_c[first + size - left][1])
                and not _keeps_preposition(q, c, y_run[0], kept_c[first][1])
            ):
                # The words as written ("spaces"), not the classes compared ("spac"):
                said_x = " ".join(q.tokens[at] for _, at in kept_q[first : first + left])
                said_y = " ".join(q.tokens[at] for _, at in kept_q[first + size - right : first + size])
                return f"roles swapped: {said_x!r} and {said_y!r} trade places"
    return None


_RUN = 3  # tokens a run exchanged may have: a name or a label ("New York", "task a"), not a clause


def _transposed(q: Text, c: Text) -> str | None:
    """``c`` is ``q`` token for token with two runs exchanged, however few content words the texts have
    ("9am in Tokyo, what time is it in London" / "9am in London, ... in Tokyo", "column A ... from column D"
    / "column D ... from column A", "convert a String into a &str" / "convert a &str into a String"): each run
    a few tokens naming something (a content word, a number, a one-letter label), the two far apart or a role
    marker between them ("X assignable to Y"), and not two items of a list (:func:`_swapped_in_place`). A run
    may take in tokens both texts share around the change ("`string` ... to `string | number`")."""
    a, b = q.tokens, c.tokens
    if len(a) != len(b) or a == b or sorted(a) != sorted(b):
        return None
    start = next(n for n, (x, y) in enumerate(zip(a, b, strict=True)) if x != y)
    end = len(a) - next(n for n, (x, y) in enumerate(zip(a[::-1], b[::-1], strict=True)) if x != y)
    prepositions = prepositions_of(q)
    for x_start in range(start, max(-1, start - _RUN - 1), -1):  # the narrowest runs first
        for x_end in range(x_start + 1, min(x_start + _RUN, end) + 1):
            x = a[x_start:x_end]
            if not _names_something(x, prepositions):
                continue
            for y_end in range(end, min(len(a), end + _RUN) + 1):
                for y_start in range(y_end - 1, max(x_end, y_end - _RUN - 1), -1):
                    y = a[y_start:y_end]
                    if _names_something(y, prepositions) and _swapped_in_place(
                        q, c, (x_start, x_end), (y_start, y_end), marked=True
                    ):
                        return f"roles swapped: {' '.join(x)!r} and {' '.join(y)!r} trade places"
    return None


def _names_something(run: Sequence[str], prepositions: frozenset[str]) -> bool:
    """A content word, a number or a one-letter label ("column A", "task_b") among these tokens, and no
    preposition opening them: "on Ubuntu" / "with systemd" exchanged is a phrase moved with its marker."""
    return run[0] not in prepositions and any(
        token.isdigit() or stem_of(token) not in STOP_STEMS or (len(token) == 1 and token not in PERSONS)
        for token in run
    )


_BE, _PARTICIPLES = next(
    (frozenset(be), frozenset(parts)) for (code, *be), parts in pairs("passive.txt") if code == "en:"
)
_PASSIVE_REACH = 4  # "are vectors stored", "is the user's password hashed": the subject sits in between


def _passive(text: Text) -> bool:
    """Whether the text is in the passive voice: a form of "be" with a participle a few words after it."""
    tokens = text.tokens
    for i, token in enumerate(tokens):
        if token in _BE:
            after = tokens[i + 1 : i + 1 + _PASSIVE_REACH]
            if any(word in _PARTICIPLES or (len(word) > 4 and word.endswith("ed")) for word in after):
                return True
    return False


def _apart(text: Text, at_x: int, at_y: int) -> bool:
    """Whether two token positions lie in different phrases of ``text`` (a comma or a dash between them)."""
    low, high = sorted((at_x, at_y))
    return any(low < opening <= high for opening in phrase_openings(text.folded))


def _keeps_preposition(q: Text, c: Text, at_q: int, at_c: int) -> bool:
    """Whether the word at ``at_q`` in ``q`` and ``at_c`` in ``c`` follows the same preposition in both, an
    article or possessive between them aside ("on a wheel" / "on the wheel": a phrase moved whole)."""
    before_q, before_c = _preposition_before(q, at_q), _preposition_before(c, at_c)
    return before_q == before_c and before_q in prepositions_of(q)


def _preposition_before(text: Text, at: int) -> str:
    """The word before the noun phrase that starts at ``at``, past its determiners ("" at the start)."""
    at -= 1
    while at >= 0 and text.tokens[at] in _DETERMINERS:
        at -= 1
    return text.tokens[at] if at >= 0 else ""


def _swapped_in_place(
    q: Text, c: Text, x_run: tuple[int, int], y_run: tuple[int, int], *, marked: bool = False
) -> bool:
    """Whether ``c`` is ``q`` word for word with the two runs of tokens exchanged, far apart and not two
    items of a list ("in Tokyo when it's 9am in New York"; not "milk, eggs and flour", whose last item
    follows "and"/"or"); a clause moved with its marker is a rewording. ``marked``: close is enough when a
    word that gives a role lies between them ("a String into a &str")."""
    tokens = q.tokens
    between = tokens[x_run[1] : y_run[0]]
    close = marked and bool((_ROLE_WORDS | pivots_of(q)).intersection(between))
    if not between or between[-1] in _JOINERS or (len(between) < _MIN_GAP and not close):
        return False
    swapped = (
        tokens[: x_run[0]] + tokens[y_run[0] : y_run[1]] + between + tokens[x_run[0] : x_run[1]] + tokens[y_run[1] :]
    )
    return swapped == c.tokens


CONVERSE = 0.8
# stem -> (relation, end): the two ends of a relation between parties ("landlord" / "tenant", "sender" /
# "recipient"), from ``data/converses.txt``.
_CONVERSES: dict[str, tuple[int, int]] = {
    stem_of(word): (relation, end)
    for relation, sides in enumerate(pairs("converses.txt"))
    for end, side in enumerate(sides)
    for word in side
}


AGENT_CHANGE = 0.8
# Pronouns that name who acts when they come right before the verb; "you" is left out (a generic "you"
# rewords "I": "how do you reset a password"), and "I"/"we" count as one party.
_AGENTS = {
    "i": "speaker",
    "we": "speaker",
    "he": "other",
    "she": "other",
    "they": "other",
    "someone": "someone",
    "somebody": "someone",
    "anyone": "someone",
    "anybody": "someone",
}


# Determiners and possessives that open a noun phrase: "my landlord keep my deposit" reads as a clause
# (a noun after one of these, a verb, then another noun phrase or a pronoun), "the password reset email" not.
_DETERMINERS = frozenset({"a", "an", "the", "my", "your", "his", "her", "our", "their", "its", "this", "that"})
# The speaker (or a third party) as the one acted on, right after the verb: "my tenant served me".
_PATIENTS = {"me": "speaker", "us": "speaker", "him": "other", "them": "other"}
# Before a verb, these make it a request to the assistant or an infinitive, not a clause with an agent:
# "can you help me", "please send me", "how to tell me".
_NOT_AGENTS = frozenset({"you", "to", "please", "can", "could", "will", "would", "do", "does", "let", "should"})
_PASSIVE_SUBJECTS = {"i": "speaker", "we": "speaker"}


def _word(text: Text, party: str) -> str:
    """A party a reason names, as ``text`` writes it ("spouse", not "spous"); "speaker" or "other" as it is."""
    return class_as_written(text, party)


def _verb_said(text: Text, verb: str) -> str:
    """A verb a reason names (its :func:`_verb` of a stem), as ``text`` writes it: "sue", not "su"."""
    return next((token for token, stem in zip(text.tokens, text.stems, strict=True) if _verb(stem) == verb), verb)


def _agent_change(q: Text, c: Text) -> str | None:
    """The same verb with another party acting ("if I hit a parked car" / "if someone hit my parked car",
    "can my landlord keep my deposit" / "can I keep my landlord's deposit"), or a party that acts on one side
    and is acted on on the other ("how do I sue my employer" / "my employer sued me", "how do I fire
    someone" / "I was fired"): who does what to whom has changed."""
    agents_q, agents_c = _agents(q), _agents(c)
    for verb, agent_c in agents_c.items():
        agent_q = agents_q.get(verb)
        if agent_q is not None and agent_q != agent_c:
            said_q, said_c, said_verb = _word(q, agent_q), _word(c, agent_c), _verb_said(q, verb)
            return f"who acts differs: {said_q} vs {said_c} before {said_verb!r}"
    patients_q, patients_c = _patients(q), _patients(c)
    for verb in sorted(agents_q.keys() & patients_c.keys()):
        if agents_q[verb] == patients_c[verb] and patients_q.get(verb) != patients_c[verb]:
            return f"who acts differs: {_word(q, agents_q[verb])} acts vs is acted on ({_verb_said(q, verb)!r})"
    for verb in sorted(agents_c.keys() & patients_q.keys()):
        if agents_c[verb] == patients_q[verb] and patients_c.get(verb) != patients_q[verb]:
            return f"who acts differs: {_word(q, patients_q[verb])} is acted on vs acts ({_verb_said(q, verb)!r})"
    for verb, party in sorted(_parties_acted_on(c).items()):
        if patients_q.get(verb) == "speaker" and party in _ends_named(q):
            return f"who acts differs: the speaker is acted on vs the {_party_word(c, party)} ({_verb_said(q, verb)!r})"
    for verb, party in sorted(_parties_acted_on(q).items()):
        if patients_c.get(verb) == "speaker" and party in _ends_named(c):
            return f"who acts differs: the {_party_word(q, party)} is acted on vs the speaker ({_verb_said(q, verb)!r})"
    giving_q, giving_c = _gives(q, agents_q), _gives(c, agents_c)
    receiving_q, receiving_c = "speaker" in patients_q.values(), "speaker" in patients_c.values()
    if (giving_q and receiving_c and not giving_c and not receiving_q) or (
        giving_c and receiving_q and not giving_q and not receiving_c
    ):
        return "who acts differs: the speaker gives on one side and receives on the other"
    return None


def _gives(text: Text, agents: dict[str, str]) -> bool:
    """Whether the speaker acts on something towards another party: a verb the speaker is the agent of,
    with "to" and a noun phrase within a few words after it ("how do I issue a form to a contractor")."""
    tokens, stems = text.tokens, text.stems
    for index, stem in enumerate(stems):
        if agents.get(_verb(stem)) != "speaker" or index == 0 or _AGENTS.get(tokens[index - 1]) != "speaker":
            continue
        for n in range(index + 1, min(index + 1 + _WINDOW + 1, len(tokens) - 1)):
            if tokens[n] == "to" and tokens[n + 1] in _DETERMINERS:
                return True
    return False


def _verb(stem: str) -> str:
    """A verb's stem with a past ending the stemmer leaves ("sued"/"sue", "tied"/"tie") taken off."""
    if stem.endswith("ed") and len(stem) > 4:
        stem = stem[:-2]
    elif stem.endswith("ed"):
        stem = stem[:-1]
    return stem.rstrip("e") or stem


def _is_verb_slot(text: Text, index: int) -> bool:
    """Whether the token at ``index`` can be a verb: a word, not a function word."""
    return 0 <= index < len(text.tokens) and text.tokens[index].isalpha() and text.stems[index] not in STOP_STEMS


def _agents(text: Text) -> dict[str, str]:
    """verb (stem) -> the party acting: a pronoun right before it, or a noun opened by a determiner when a
    noun phrase or a pronoun follows the verb (a clause, not a compound noun)."""
    found: dict[str, str] = {}
    tokens, stems = text.tokens, text.stems
    for index in range(1, len(tokens)):
        if not _is_verb_slot(text, index):
            continue
        before = tokens[index - 1]
        party = _AGENTS.get(before)
        if party is not None and index >= 2 and tokens[index - 2] in _BE and _participle(tokens[index]):
            continue  # "why was I charged": a question in the passive, the pronoun is acted on
        if party is None and index >= 2 and tokens[index - 2] in _DETERMINERS and _is_verb_slot(text, index - 1):
            following = tokens[index + 1] if index + 1 < len(tokens) else ""
            if following in _DETERMINERS or following in _PATIENTS:
                party = SYNONYMS.get(stems[index - 1], stems[index - 1])
        if party is not None:
            found.setdefault(_verb(stems[index]), party)
    return found


def _patients(text: Text) -> dict[str, str]:
    """verb (stem) -> the party acted on: a pronoun right after a verb that has an agent of its own ("my
    tenant served me", not "can you send me"), or the subject of a passive ("I was fired")."""
    found: dict[str, str] = {}
    tokens, stems = text.tokens, text.stems
    for index in range(1, len(tokens) - 1):
        party = _PATIENTS.get(tokens[index + 1])
        if party is not None and _is_verb_slot(text, index) and index >= 1 and tokens[index - 1] not in _NOT_AGENTS:
            found.setdefault(_verb(stems[index]), party)
    for index, token in enumerate(tokens[:-2]):
        party = _PASSIVE_SUBJECTS.get(token)
        # "I was fired", "was I charged": the pronoun next to a form of "be", a participle after them.
        if party is None or not (tokens[index + 1] in _BE or (index and tokens[index - 1] in _BE)):
            continue
        start = index + 2 if tokens[index + 1] in _BE else index + 1
        participle = next((n for n in range(start, min(start + 2, len(tokens))) if _is_verb_slot(text, n)), None)
        if participle is not None and _participle(tokens[participle]):
            found.setdefault(_verb(stems[participle]), party)
    return found


def _parties_acted_on(text: Text) -> dict[str, int]:
    """verb (stem) -> the relation of the party noun right after it, past a determiner ("charge my guest"),
    when the verb has an agent of its own (as :func:`_patients` reads "me")."""
    found: dict[str, int] = {}
    tokens, stems = text.tokens, text.stems
    for index in range(1, len(tokens) - 2):
        at = _CONVERSES.get(stems[index + 2])
        if (
            at is not None
            and tokens[index + 1] in _DETERMINERS
            and _is_verb_slot(text, index)
            and tokens[index - 1] not in _NOT_AGENTS
        ):
            found.setdefault(_verb(stems[index]), at[0])
    return found


def _party_word(text: Text, relation: int) -> str:
    """The first token of ``text`` naming an end of ``relation``."""
    return next(t for t, s in zip(text.tokens, text.stems, strict=True) if _CONVERSES.get(s, (-1,))[0] == relation)


def _participle(token: str) -> bool:
    return token in _PARTICIPLES or (len(token) > 4 and token.endswith("ed"))


OWNER_CHANGE = 0.8
_PARTIES = frozenset({"i", "me", "we", "us"})
_WORD_RE = re.compile(r"[^\W\d_]+(?:'s\b)?")
_TIMES = DATE_STEMS | {stem_of(word) for word in words("time_spans.txt")}
_OWNED_REACH = 3  # "my cat's flea treatment": the thing owned is the first content word within these


def _owners(text: Text) -> dict[str, str]:
    """Thing owned -> its owner, for each "X's Y" (by synonym class): "my cat's flea treatment" -> flea: cat.
    A time is no owner ("last year's final", "today's weather")."""
    found: dict[str, str] = {}
    if "'s" not in text.folded:  # no "X's" (most texts): no owner
        return found
    words = _WORD_RE.findall(text.folded)
    for index, word in enumerate(words):
        if not word.endswith("'s") or len(word) < 4:
            continue
        owner = stem_of(word[:-2])
        following = (stem_of(w) for w in words[index + 1 : index + 1 + _OWNED_REACH])
        owned = next((w for w in following if w not in STOP_STEMS), None)
        if owned is not None and owner not in STOP_STEMS and owner not in _TIMES:
            found.setdefault(SYNONYMS.get(owned, owned), SYNONYMS.get(owner, owner))
    return found


def _owner_change(q: Text, c: Text) -> str | None:
    """The same thing owned by another of the words both texts name ("give my dog my cat's flea treatment" /
    "give my cat my dog's flea treatment"), or owned on one side by a word the other side names after it as
    a party of its own while the speaker takes that part ("can my employer sponsor my spouse" / "can my
    spouse's employer sponsor me")."""
    owners_q, owners_c = _owners(q), _owners(c)
    if not (owners_q or owners_c):  # nothing owned on either side (most pairs): both reads below find nothing
        return None
    named_q, named_c = content_sequence(q), content_sequence(c)
    words_q, words_c = {w for w, _ in named_q}, {w for w, _ in named_c}
    for owned in sorted(owners_q.keys() & owners_c.keys()):
        owner_q, owner_c = owners_q[owned], owners_c[owned]
        if owner_q != owner_c and {owner_q, owner_c} <= words_q & words_c:
            said_q, said_c, said_owned = _word(q, owner_q), _word(c, owner_c), _word(q, owned)
            return f"owner differs: {said_q!r} vs {said_c!r} of {said_owned!r}"
    sides = ((owners_q, owners_c, q, c, named_c), (owners_c, owners_q, c, q, named_q))
    for owners, other, text, plain, sequence in sides:
        # The speaker takes the owner's place as a party ("sponsor my spouse" / "my spouse's employer sponsor
        # me"); without that, the owner named apart is a rewording ("the number my landlord gave").
        if not _PARTIES.intersection(text.tokens) - set(plain.tokens):
            continue
        at = dict(reversed(sequence))  # word -> its first token
        for owned, owner in sorted(owners.items()):
            if owned in other or owner not in at or owned not in at or at[owner] <= at[owned] + 1:
                continue
            # "the logs of a pod", "the yield keyword in Python": a preposition between them owns as "'s" does.
            if not prepositions_of(plain) & set(plain.tokens[at[owned] : at[owner]]):
                said_owned, said_owner = _word(text, owned), _word(text, owner)
                return f"owner differs: {said_owned!r} of {said_owner!r} on one side, apart on the other"
    return None


class DirectionGuard(SignalGuard):
    """Rejects when two things shared by both texts trade roles: transfer A to B is not B to A."""

    name: ClassVar[str] = "direction"

    def prepare(self, text: str) -> None:
        content_sequence(analyse(text))

    def signal(self, query: str, candidate: str) -> GuardSignal | None:
        q, c = analyse(query), analyse(candidate)
        reversed_pivot = _pivot_swap(q, c)
        if reversed_pivot is not None:
            return self._signal(1.0, reversed_pivot)
        rivals = than_swapped(q.tokens, c.tokens)
        if rivals is not None:
            return self._signal(1.0, f"roles swapped: {rivals[0]!r} and {rivals[1]!r} compared the other way round")
        swapped_order = _order_swap(q, c) if _passive(q) == _passive(c) else None
        if swapped_order is not None:
            return self._signal(ORDER_SWAP, swapped_order)
        agent = _agent_change(q, c)
        if agent is not None:
            return self._signal(AGENT_CHANGE, agent)
        owner = _owner_change(q, c)
        if owner is not None:
            return self._signal(OWNER_CHANGE, owner)
        roles_q, roles_c = _roles(q), _roles(c)
        # Only words with one role on each side: a word on both sides of a marker says nothing.
        single_q = {w: next(iter(r)) for w, r in roles_q.items() if len(r) == 1}
        single_c = {w: next(iter(r)) for w, r in roles_c.items() if len(r) == 1}
        moved = {w: (single_q[w], single_c[w]) for w in single_q.keys() & single_c.keys() if single_q[w] != single_c[w]}
        best: tuple[float, str] | None = None
        ordered = sorted(moved.items())  # a set's order follows the process's string hashing: ties named the same way
        for x, (x_q, x_c) in ordered:
            for y, (y_q, y_c) in ordered:
                if x < y and x_q == y_c and y_q == x_c:
                    strength = min(x_q[1], y_q[1])
                    said_x, said_y = class_as_written(q, x), class_as_written(q, y)  # "kilojoules", not "kilojoul"
                    reason = (
                        f"roles swapped: {said_x!r} {x_q[0]} and {said_y!r} {y_q[0]} "
                        f"vs {said_x!r} {x_c[0]} and {said_y!r} {y_c[0]}"
                    )
                    if best is None or strength > best[0]:
                        best = (strength, reason)
        if best is None:
            best = _one_way_flip(q, c)
        if best is None and (transposed := _transposed(q, c)) is not None:
            best = (ORDER_SWAP, transposed)
        if best is None and _passive(q) == _passive(c) and (exchanged := _slots_exchanged(q, c)) is not None:
            best = (SLOT_EXCHANGE, exchanged)
        if best is None and (converse := _converse(q, c)) is not None:
            best = (CONVERSE, converse)
        return self._signal(*best) if best else None


SLOT_EXCHANGE = 0.8


def _slots(text: Text) -> dict[str, str]:
    """Each content word said once -> the word that opens its slot: the token before it, past its determiners
    ("give my landlord" -> "give", "as a tenant" -> "as", the start of the text "^")."""
    sequence = content_sequence(text)
    said = Counter(word for word, _ in sequence)  # counted once: ``list.count`` per word was quadratic
    found: dict[str, str] = {}
    for word, index in sequence:
        if said[word] != 1:
            continue
        at = index - 1
        while at >= 0 and text.tokens[at] in _DETERMINERS:
            at -= 1
        found[word] = text.tokens[at] if at >= 0 else "^"
    return found


def _slots_exchanged(q: Text, c: Text) -> str | None:
    """Two words both texts name, each in the slot the other holds on the other side, however the rest is
    reworded or moved ("As a tenant, ... give my landlord" / "As a landlord ... give my tenant", "drive in Spain
    with my UK licence" / "drive in the UK with my Spanish licence"): who or what fills which role has changed.
    Two items of a list ("the top row and the first column" / "the first column and the top row") are no roles:
    a slot opened by "and"/"or", or one right after it, is left out."""
    slots_q, slots_c = _slots(q), _slots(c)
    shared = sorted(slots_q.keys() & slots_c.keys())
    for n, x in enumerate(shared):
        for y in shared[n + 1 :]:
            opener_x, opener_y = slots_q[x], slots_q[y]
            if opener_x == opener_y or opener_x != slots_c[y] or opener_y != slots_c[x]:
                continue
            if not (_listed(q, x) or _listed(q, y) or _listed(c, x) or _listed(c, y)):
                return f"roles swapped: {x!r} after {opener_x!r} and {y!r} after {opener_y!r}, exchanged"
    return None


def _listed(text: Text, word: str) -> bool:
    """Whether ``word`` is an item of a list in ``text``: "and"/"or" among the three tokens before it."""
    index = next(at for named, at in content_sequence(text) if named == word)
    return any(token in _JOINERS for token in text.tokens[max(0, index - 3) : index])


ONE_WAY_FLIP = 0.8
_ENDS = {"source", "target"}


def _one_way_flip(q: Text, c: Text) -> tuple[float, str] | None:
    """One shared word that is where things go on one side and where they come from on the other
    ("flights from London" / "flights to London"): the word right after its marker on both sides, so a
    verb further on ("from barking" / "to stop barking") is not read as a place."""
    ends_q, ends_c = _ends(q), _ends(c)
    for word in sorted(ends_q.keys() & ends_c.keys()):
        if ends_q[word] != ends_c[word]:
            return ONE_WAY_FLIP, f"direction reversed: {word!r} {ends_q[word]} vs {ends_c[word]}"
    return None


def _ends(text: Text) -> dict[str, str]:
    """The first content word (or the speaker) after each "from"/"to" marker -> "source" or "target"."""
    found: dict[str, str] = {}
    tokens, stems = text.tokens, text.stems
    for index, token in enumerate(tokens):
        marker = _MARKERS.get((token,))
        if marker is None or marker[0] not in _ENDS or ((token,) == _IN and not _measure_before(tokens, index)):
            continue
        # The speaker right after the marker is an end too ("from me to a colleague" / "transferred to me").
        after = index + 1
        if after < len(tokens) and tokens[after] in PERSONS:
            following: int | None = after
        else:
            following = next((n for n in range(after, len(tokens)) if stems[n] not in STOP_STEMS), None)
        if following is None or following > index + 2:
            continue
        word = PERSONS.get(tokens[following]) or SYNONYMS.get(stems[following], stems[following])
        found.setdefault(word, marker[0])
    return found


def _ends_named(text: Text) -> dict[int, set[int]]:
    """relation -> the ends of it the text names (a party noun of ``data/converses.txt``). An owner ("a
    teacher's aide") names another party's thing, not the party asking or asked about: left out."""
    found: dict[int, set[int]] = {}
    for token, stem in zip(text.tokens, text.stems, strict=True):
        if (at := _CONVERSES.get(stem)) is not None and f"{token}'s" not in text.folded:
            found.setdefault(at[0], set()).add(at[1])
    return found


def _converse(q: Text, c: Text) -> str | None:
    """One end of a relation named on one side and only its other end on the other ("ask my manager for a
    reference" / "write a reference for my employee", "what does the employer pay" / "the employee"): the
    question is asked from the other party's place."""
    ends_q = _ends_named(q)
    if not ends_q:  # no party noun (most texts)
        return None
    ends_c = _ends_named(c)
    for relation in sorted(ends_q.keys() & ends_c.keys()):
        if len(ends_q[relation]) == 1 and len(ends_c[relation]) == 1 and ends_q[relation] != ends_c[relation]:
            said_q, said_c = _party_word(q, relation), _party_word(c, relation)
            return f"roles swapped: {said_q!r} on one side, its converse {said_c!r} on the other"
    return None
