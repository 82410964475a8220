"""Which language a prompt is in, offline and in microseconds, for the guards that read a few languages only.

A prompt is English when the guards' English word lists know its words at least as well as another
language's function words do (``data/languages.txt``); a non-Latin script names its script. Languages the
rules do not read (Turkish, Finnish, Hungarian...) are listed too, with the letters only they use
(``data/letters.txt``), so that one word shared with a read language ("ne") does not place them there. A prompt
too short to tell ("SKU-123", "reset PIN") is ``und`` and treated as covered. With no function word of
another language, a prompt of several words is English when at least half its words are English (the
guards' lists or a general vocabulary, ``data/english_vocabulary.txt``: "llc vs sole prop difference?"),
else ``unknown`` (not covered: the rules cannot read it either). Close languages share most function words:
a tie goes to the language with words of its own, then to an unread one, and two texts detected apart may be
one language: ``pair_language`` judges the pair. A tie between read languages (Danish and Norwegian write most
words alike) is read in each by the rules that only refuse more with more words.
Unit and currency words ("euro", "celsius") are international: no evidence for English.
Checked against py3langid (0.7 s to load, and short English questions come out as "nn", "la", "gl"):
word lists are faster and more predictable on one-line questions.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from nearhit.guards.lexicon import (
    ABBREVIATIONS,
    ANTONYMS,
    DATE_WORDS,
    FILLERS,
    NEGATORS,
    NEGATORS_BY_LANGUAGE,
    NUMBER_WORDS,
    STOP_STEMS,
    STOP_WORDS,
    SYNONYMS,
    by_language,
    groups,
    pairs,
    words,
)
from nearhit.guards.text import Text, analyse

__all__ = [
    "COVERED",
    "READ",
    "UNDETERMINED",
    "UNKNOWN",
    "detect",
    "english_beside",
    "function_words_of",
    "negators_of",
    "opposites_of",
    "pair_language",
    "pivots_of",
    "prepositions_of",
    "superlatives_of",
]

UNDETERMINED = "und"
UNKNOWN = "unknown"
COVERED = frozenset({"en", UNDETERMINED})
"""Languages the guards' rules read fully (``und``: too little text to tell, the rules still compare it)."""

_CONTRACTION_PARTS = frozenset({"s", "t", "d", "ll", "ve", "re", "m"})  # "it's", "we're": no evidence
_ENGLISH = (
    STOP_WORDS
    | NEGATORS
    | FILLERS
    | words("question_openers.txt")
    | DATE_WORDS
    | NUMBER_WORDS
    | frozenset(ABBREVIATIONS)
)
_ENGLISH -= _CONTRACTION_PARTS
# Weak evidence only: a general vocabulary knows many loanwords and names, so it never outweighs the
# function words of another language; it only tells English jargon from an unknown language.
_VOCABULARY = words("english_vocabulary.txt")
_ENGLISH_STEMS = (STOP_STEMS | frozenset(SYNONYMS) | frozenset(ANTONYMS)) - _CONTRACTION_PARTS
# A word English also uses ("no", "do", "was") is no evidence for the other language.
_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    line[0].rstrip(":"): frozenset(line[1:]) - _ENGLISH - _ENGLISH_STEMS for line in groups("languages.txt")
}
_FUNCTION_WORDS_OF = by_language("languages.txt")
_LANGUAGES_OF_WORD: dict[str, tuple[str, ...]] = {
    word: tuple(lang for lang, known in _FUNCTION_WORDS.items() if word in known)
    for word in frozenset().union(*_FUNCTION_WORDS.values())
}
"""Each function word's languages: a text's words are looked up once, not once per language."""
_LETTERS = by_language("letters.txt")
_ANY_LETTER = frozenset().union(*_LETTERS.values())
_ANY_NEGATOR = frozenset().union(*NEGATORS_BY_LANGUAGE.values())
_PIVOTS = by_language("pivots.txt")


def _opposites() -> dict[str, dict[str, frozenset[str]]]:
    """Language -> word -> its opposites, from ``data/antonyms_by_language.txt``."""
    table: dict[str, dict[str, set[str]]] = {}
    for (code, *left), right in pairs("antonyms_by_language.txt"):  # "es: más | menos"
        lefts, rights = frozenset(w.casefold() for w in left), frozenset(w.casefold() for w in right)  # "ß": "ss"
        words = table.setdefault(code.rstrip(":"), {})
        for word in lefts:
            words.setdefault(word, set()).update(rights)
        for word in rights:
            words.setdefault(word, set()).update(lefts)
    return {code: {w: frozenset(o) for w, o in words.items()} for code, words in table.items()}


_OPPOSITES = _opposites()
_PREPOSITIONS = by_language("prepositions.txt")
_SUPERLATIVES = {
    code.rstrip(":"): (frozenset(before), tuple(endings)) for (code, *before), endings in pairs("superlatives.txt")
}
_MIN_STEM = 2  # letters before a superlative's ending: "beste" is one, "ste" alone is none
READ = COVERED | (frozenset(_FUNCTION_WORDS_OF) & frozenset(NEGATORS_BY_LANGUAGE) & frozenset(_PIVOTS))
"""Languages whose function words, negators and direction words the guards know (``data/``): their content
words, negations and "X to Y" are compared as in English."""
_MIN_WORDS = 3  # fewer alphabetic words than this: undetermined unless a list matches
_ENGLISH_SHARE = 0.5  # of the words known as English, for a prompt with no other language's function words
_LATIN = "LATIN"  # scripts are named by the first word of a letter's Unicode name
_LAST_LATIN = "\u024f"


def _script(text: str) -> str | None:
    """The dominant non-Latin script of the letters, or ``None`` when most letters are Latin."""
    if text.isascii():  # letters of Basic Latin only, or none
        return None
    counts: dict[str, int] = {}
    for char in text:
        if char.isalpha():
            if char <= _LAST_LATIN:  # Basic Latin to Latin Extended-B: no name to look up
                counts[_LATIN] = counts.get(_LATIN, 0) + 1
                continue
            name = unicodedata.name(char, "")
            script = name.split(" ", 1)[0] if name else "UNKNOWN"
            counts[script] = counts.get(script, 0) + 1
    if not counts:
        return None
    script = max(counts, key=lambda s: counts[s])
    return None if script == _LATIN else script.casefold()


@lru_cache(maxsize=4096)
def detect(text: str) -> str:
    """A listed language's code (``en``, ``es``, ``pl``, ``tr``...: ``data/languages.txt``), a script name
    (``cyrillic``, ``cjk``...), ``und`` or ``unknown``."""
    return _detect(text, analyse(text))


def _detect(text: str, analysed: Text) -> str:
    script = _script(text)
    return script if script is not None else _by_words(analysed)


_NO_SCORES = dict.fromkeys(_FUNCTION_WORDS, 0)  # copied for each text: faster than made again


@lru_cache(maxsize=4096)
def _function_word_scores(analysed: Text) -> dict[str, int]:
    """Each listed language's count of its function words among the text's words, English's aside (cached:
    the detector, a pair and the negation guard ask for a text's; read it, never change it)."""
    tokens = [t for t in analysed.tokens if t.isalpha()]
    scores = _NO_SCORES.copy()  # every language, in the file's order (ties go to the first)
    for token in tokens:
        langs = _LANGUAGES_OF_WORD.get(token)
        if langs is None or token in analysed.capitals:  # "EU", "DI": a name, not Portuguese "eu" or Italian "di"
            continue
        for lang in langs:
            scores[lang] += 1
    # A word with a letter only some languages use (Turkish "ı", Polish "ł", "å" of the three Scandinavian ones)
    # counts as a function word; not one another language lists ("hvornår" is Danish, no sign of Swedish).
    written = "".join(tokens)
    if _ANY_LETTER.isdisjoint(written):  # none of the listed letters (most texts): the loop below adds nothing
        return scores
    present = set(written)
    for lang, letters in _LETTERS.items():  # read word by word only where the text has some (most have none)
        if lang in scores and not letters.isdisjoint(present):
            scores[lang] += sum(t not in _LANGUAGES_OF_WORD and not letters.isdisjoint(t) for t in tokens)
    return scores


@lru_cache(maxsize=4096)
def _by_words(analysed: Text) -> str:
    """The language of a Latin-script text by its words: the same for a prompt (:func:`detect`) and its
    analysis (:func:`_language_of`), so worked out once for both."""
    # One pass over the words: the English ones, and those only the general vocabulary knows (read at the end).
    tokens: list[str] = []
    english = vocabulary = 0
    for t, s in zip(analysed.tokens, analysed.stems, strict=True):
        if t.isalpha():
            tokens.append(t)
            if t in _ENGLISH or s in _ENGLISH_STEMS:
                english += 1
            elif t in _VOCABULARY:
                vocabulary += 1
    scores = _function_word_scores(analysed)
    # A tie between languages goes to one the rules cannot read: one shared word ("ne" is French and
    # Turkish) must not place a prompt where the rules would compare it.
    best = _best(scores, _own_words(analysed))
    if scores[best] and scores[best] >= english:  # a tie goes to the language the rules cannot read
        return best
    # Letters English does not use ("ł", "ñ", "ó") ask for more English function words than plain ASCII does.
    if not "".join(tokens).isascii() and english < _ENGLISH_SHARE * len(tokens):
        return best if scores[best] else UNKNOWN
    if len(tokens) < _MIN_WORDS:
        return "en" if english else UNDETERMINED
    return "en" if english + vocabulary >= _ENGLISH_SHARE * len(tokens) else UNKNOWN


def _best(scores: dict[str, int], own: dict[str, int] | None = None) -> str:
    """The language with the most function words; a tie goes to the tied languages with the most words of
    their own (``own``: "hvad" is Danish alone, "en" Danish, Spanish, French and Dutch), then to one the rules
    cannot read (``READ``), then to the first listed: the first of the highest in order. ``scores`` has
    every language, in the file's order (as :func:`_function_word_scores` counts them)."""
    top = max(scores.values())
    if not top and not own:  # no function word at all (most prompts): every language tied, the same answer
        return _NONE_BEST
    tied = [lang for lang, score in scores.items() if score == top]
    if own and len(tied) > 1:
        most = max(own.get(lang, 0) for lang in tied)
        tied = [lang for lang in tied if own.get(lang, 0) == most]
    return next((lang for lang in tied if lang not in READ), tied[0])


_NONE_BEST = next((lang for lang in _FUNCTION_WORDS if lang not in READ), next(iter(_FUNCTION_WORDS)))
"""What :func:`_best` picks when no language has a word: the first listed the rules cannot read."""


def _own_words(analysed: Text) -> dict[str, int]:
    """Each language's count of the text's function words that no other listed language has."""
    own: dict[str, int] = {}
    for token in analysed.tokens:
        langs = () if token in analysed.capitals else _LANGUAGES_OF_WORD.get(token, ())
        if len(langs) == 1:
            own[langs[0]] = own.get(langs[0], 0) + 1
    return own


@lru_cache(maxsize=4096)
def pair_language(query: str, candidate: str) -> str | None:
    """The one language two texts detected apart are written in, or ``None`` when they are in two.

    A pair is judged, not two texts: close languages share most function words ("la", "que", "como" are
    Spanish, Italian and Portuguese), so a short question of one often counts as many words of its neighbour
    and its detection is a tie. The language the two texts point to together (their function words pooled)
    is theirs when it is among each side's best: a side with a word of its own ("cuántos" against "quantos")
    keeps the pair in two, and so does a side with no word of the pooled language. English is never weighed
    (its words are the guards' lists, which hold words other languages write too: "in", "was", "um"; a side
    detected English keeps the pair in two). Never more permissive than the stricter side: when either
    side's language, or the pooled one, is not read (``READ``), that is the pair's language."""
    detected = (detect(query), detect(candidate))
    if "en" in detected or _script(query) is not None or _script(candidate) is not None:
        return None  # English reads every word; a script tells the language without words to weigh
    evidence = [_function_word_scores(analyse(text)) for text in (query, candidate)]
    pooled = {lang: evidence[0][lang] + evidence[1][lang] for lang in _FUNCTION_WORDS}
    together = _best(pooled)
    if any(not scores[together] or scores[together] < max(scores.values()) for scores in evidence):
        return None
    strict = [lang for lang in (*detected, together) if lang not in READ]
    return strict[0] if strict else together


@lru_cache(maxsize=4096)
def english_beside(text: str, english: str) -> bool:
    """Whether a text the detector cannot place (``unknown``) is English, read beside an English one: terse
    English ("eczema vs psoriasis", "matcha whisk technique lumps") names words no list knows, which the
    English side writes. It is when, with no other language's function word or letter, at least half its
    words are English or written on the English side (a text in another language shares names only)."""
    analysed, beside = analyse(text), analyse(english)
    pairs = [(t, s) for t, s in zip(analysed.tokens, analysed.stems, strict=True) if t.isalpha()]
    if not pairs or not "".join(t for t, _ in pairs).isascii() or any(_function_word_scores(analysed).values()):
        return False
    written = set(beside.tokens) | set(beside.stems)
    known = sum(
        t in _ENGLISH or s in _ENGLISH_STEMS or t in _VOCABULARY or not written.isdisjoint((t, s)) for t, s in pairs
    )
    return known >= _ENGLISH_SHARE * len(pairs)


@lru_cache(maxsize=4096)
def _language_of(text: Text) -> str:
    """The language of a text already analysed (the guards' rules ask for each text's words)."""
    return _detect(text.folded, text)


@lru_cache(maxsize=4096)
def function_words_of(text: Text) -> frozenset[str]:
    """The function words of the text's language when it is another than English (they carry no subject),
    its prepositions among them (not all are in the detector's lists). Its own only, not those of a language
    tied with it (``_read_as``): more words without a subject would be more permissive. Cached: every
    content-word pass of a text asks."""
    if (lang := _language_of(text)) == "en":
        return frozenset()
    return _FUNCTION_WORDS_OF.get(lang, frozenset()) | _PREPOSITIONS.get(lang, frozenset())


@lru_cache(maxsize=4096)
def _tied_with(text: Text, lang: str) -> frozenset[str]:
    """The languages whose function words the text counts as many of as of its own (``lang``'s): a tie the
    detector broke, which a pair may break the other way (``pair_language``)."""
    scores = _function_word_scores(text)
    return frozenset(other for other, score in scores.items() if score and score == scores.get(lang))


@lru_cache(maxsize=4096)
def negators_of(text: Text) -> frozenset[str]:
    """The words that negate in the text's language: English's, and its own (with those of a language its
    function words fit as well: "non" in an Italian question detected as Spanish); in a text no list places,
    those of every language listed (the strict side: such a pair is already held to the uncovered threshold).
    Cached: the negation guard and the content words ask for a text's several times per pair."""
    lang = _language_of(text)
    if lang == UNKNOWN:
        return NEGATORS | _ANY_NEGATOR
    tied = _tied_with(text, lang) if lang != "en" else frozenset()
    own = frozenset().union(*(NEGATORS_BY_LANGUAGE.get(other, frozenset()) for other in tied | {lang}))
    # An English negator the language writes as a function word of its own is that word: Portuguese "no" is
    # "in the" ("no Python"), not "no" (a tie with a language where it negates keeps it: Spanish "no").
    return (NEGATORS - (_FUNCTION_WORDS_OF.get(lang, frozenset()) - own)) | own


@lru_cache(maxsize=4096)
def _read_as(text: Text) -> tuple[str, ...]:
    """The text's language, then the read languages its function words fit as well (a Danish / Norwegian /
    Swedish tie the detector broke by the files' order): a rule that only refuses more with more words (the
    opposites, the direction words) reads the text in each, so a tie never hides a word it would read."""
    lang = _language_of(text)
    if lang == "en" or lang not in READ:
        return (lang,)
    return (lang, *sorted(other for other in _tied_with(text, lang) - {lang} if other in READ))


def opposites_of(text: Text) -> dict[str, frozenset[str]]:
    """Word -> its opposites ("más" -> "menos") in the text's language when it is a read one other than
    English (English's are stemmed, in ``ANTONYMS``), and in the read languages tied with it."""
    langs = _read_as(text)
    if len(langs) == 1:
        return _OPPOSITES.get(langs[0], {})
    merged: dict[str, frozenset[str]] = {}
    for lang in langs:
        for word, opposites in _OPPOSITES.get(lang, {}).items():
            merged[word] = merged.get(word, frozenset()) | opposites
    return merged


def pivots_of(text: Text) -> frozenset[str]:
    """The words that say where something goes ("to", "a", "nach") in the text's language and the read
    languages tied with it (English's when too short to tell)."""
    langs = _read_as(text)
    if langs[0] not in _PIVOTS:
        return _PIVOTS["en"]
    return frozenset().union(*(_PIVOTS.get(lang, frozenset()) for lang in langs))


def prepositions_of(text: Text) -> frozenset[str]:
    """The prepositions of the text's language (English's when too short to tell)."""
    return _PREPOSITIONS.get(_language_of(text), _PREPOSITIONS["en"])


@lru_cache(maxsize=4096)
def superlatives_of(text: Text) -> frozenset[str]:
    """The definite superlatives ("den billigaste": "billigast") of a text read as a language listed in
    ``data/superlatives.txt`` (or tied with one), their final vowel dropped."""
    found: set[str] = set()
    for lang in _read_as(text):
        before, endings = _SUPERLATIVES.get(lang, (frozenset(), ()))
        for previous, token in zip(text.tokens, text.tokens[1:], strict=False):
            ending = next((e for e in endings if token.endswith(e)), None)
            if previous in before and ending and token.isalpha() and len(token) - len(ending) >= _MIN_STEM:
                found.add(token[:-1])
    return frozenset(found)
