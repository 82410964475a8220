"""Hostile Unicode through the readings: every exception a mutated dev text raises, deduplicated by where it raised.

Texts are the prompts and turns of the dev splits of the question sets open for tuning (``tests.support.golden``'s
``SETS``) and of ``nearhit-conversations`` up to ``-v233`` (never a test split, never a newer set). Each text is
mutated several ways (seeded): letters swapped for a Turkish dotted/dotless i (İ ı), a long s (ſ), the Kelvin sign
(U+212A), ß/ẞ, ligatures (ﬁ ﬂ); digits swapped for fullwidth, Arabic-Indic, superscript, circled and Ethiopic digits;
zero-width joiners and non-joiners, soft hyphens and direction marks inserted; combining accents after letters and
digits; whole words upper-cased; and all of these at once. Each mutant goes through the public readings:
``guards.text.analyse`` (its tokens, stems, entities, capitals), ``tokens_of``, ``expand_short_forms``,
``folded_words``, the default ``GuardSet`` on (mutant, original) both ways (``first_rejection``, ``signals``,
``quiet``, ``prepare``), ``numbers.quantities``/``all_dates``, ``calendar_days.calendar_dates``,
``cache.constraints`` (conditions, alternatives, ``differ``), and for a conversation pair the readings a lookup
makes: ``conversation.read_side`` on the stored form of a context of mutated turns, ``differs`` both ways against
the original context, ``differs_from_one``/``told_as_one``/``standalone``/``needs_no_context``.

Each exception is recorded with its type, the traceback's last frame, the reading that raised and a mutated text;
the report lists one line per distinct last frame (with how many texts raised there). No embedding, no Redis.

    PYTHONPATH=src:. python benchmarks/unicode_fuzz.py                    # every text, 8 mutants each
    PYTHONPATH=src:. python benchmarks/unicode_fuzz.py --limit 2000 --mutants 3 --seed 7
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
import random
import re
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from nearhit import evaluation
from nearhit.cache import constraints, conversation
from nearhit.evaluation.dataset import BUNDLED_FILES, OUR_CONVERSATIONS, Pair
from nearhit.evaluation.runner import request
from nearhit.guards import GuardSet
from nearhit.guards.calendar_days import calendar_dates
from nearhit.guards.numbers import all_dates, quantities
from nearhit.guards.text import analyse, expand_short_forms, folded_words, tokens_of

QUESTION_SETS = ("questions", "nearhit", *(f"nearhit-v{number}" for number in range(2, 44)))
NEWEST_CONVERSATIONS = 305
"""The newest conversation set read: none after it (held out)."""


def conversation_sets() -> list[str]:
    names = []
    for name in BUNDLED_FILES:
        if not name.startswith(OUR_CONVERSATIONS):
            continue
        number = name.removeprefix(OUR_CONVERSATIONS).removeprefix("-v")
        if number == "" or int(number) <= NEWEST_CONVERSATIONS:
            names.append(name)
    return names


LETTERS = {"i": "İı", "I": "İı", "s": "ſ", "k": "\u212a", "K": "\u212a", "ß": "ẞ", "S": "ẞ"}
LIGATURES = {"fi": "ﬁ", "fl": "ﬂ", "ss": "ß"}
DIGITS = {
    "fullwidth": "０１２３４５６７８９",
    "arabic": "٠١٢٣٤٥٦٧٨٩",
    "superscript": "⁰¹²³⁴⁵⁶⁷⁸⁹",
    "circled": "⓪①②③④⑤⑥⑦⑧⑨",
    "ethiopic": "0፩፪፫፬፭፮፯፰፱",  # digits to str.isdigit, no decimal digits (int("፩") raises), kept by NFKC
}
INVISIBLE = ("\u200d", "\u200c", "\u00ad", "\u200f", "\u200e", "\u200b")
COMBINING = ("\u0301", "\u0300", "\u0308", "\u0307", "\u0327", "\u0303")
WORD = re.compile(r"[^\W\d_]{2,}")


def _letters(text: str, rng: random.Random) -> str:
    return "".join(rng.choice(LETTERS[c]) if c in LETTERS and rng.random() < 0.5 else c for c in text)


def _ligatures(text: str, rng: random.Random) -> str:
    for plain, joined in LIGATURES.items():
        text = re.sub(plain, lambda m, j=joined: j if rng.random() < 0.6 else m.group(0), text)
    return text


def _digits(text: str, rng: random.Random) -> str:
    kind = DIGITS[rng.choice(list(DIGITS))]
    return "".join(kind[int(c)] if "0" <= c <= "9" and rng.random() < 0.7 else c for c in text)


def _invisible(text: str, rng: random.Random) -> str:
    return "".join(c + rng.choice(INVISIBLE) if c.isalnum() and rng.random() < 0.15 else c for c in text)


def _combining(text: str, rng: random.Random) -> str:
    return "".join(c + rng.choice(COMBINING) if c.isalnum() and rng.random() < 0.15 else c for c in text)


def _upper(text: str, rng: random.Random) -> str:
    return WORD.sub(lambda m: m.group(0).upper() if rng.random() < 0.4 else m.group(0), text)


def _everything(text: str, rng: random.Random) -> str:
    for mutate in (_upper, _ligatures, _letters, _digits, _combining, _invisible):
        text = mutate(text, rng)
    return text


MUTATIONS: dict[str, Callable[[str, random.Random], str]] = {
    "letters": _letters,
    "ligatures": _ligatures,
    "digits": _digits,
    "invisible": _invisible,
    "combining": _combining,
    "upper": _upper,
    "upper+letters": lambda text, rng: _letters(_upper(text, rng), rng),
    "everything": _everything,
}


@dataclass
class Found:
    kind: str
    reading: str
    text: str
    count: int = 0
    mutations: set[str] = field(default_factory=set)


@dataclass
class Report:
    texts: int = 0
    mutants: int = 0
    calls: int = 0
    found: dict[str, Found] = field(default_factory=dict)
    raised: int = 0

    def call(self, reading: str, text: str, mutation: str, run: Callable[[], Any]) -> None:
        self.calls += 1
        try:
            run()
        except Exception as error:  # the point: every exception is recorded
            self.raised += 1
            last = traceback.extract_tb(error.__traceback__)[-1]
            where = f"{last.filename.rsplit('/src/', 1)[-1]}:{last.lineno} in {last.name}"
            found = self.found.setdefault(where, Found(f"{type(error).__name__}: {error}"[:160], reading, text))
            found.count += 1
            found.mutations.add(mutation)


GUARDS = GuardSet.default()


def single(report: Report, mutant: str, original: str, mutation: str) -> None:
    """The readings of one text, and the guards on it against its original."""

    def analysed() -> None:
        text = analyse(mutant)
        _ = text.tokens, text.stems, text.entities, text.capitals, text.folded
        quantities(text.tokens)
        all_dates(text, mutant)

    readings: dict[str, Callable[[], Any]] = {
        "analyse": analysed,
        "tokens_of": lambda: tokens_of(mutant),
        "expand_short_forms": lambda: expand_short_forms(mutant),
        "folded_words": lambda: folded_words(mutant),
        "calendar_dates": lambda: calendar_dates(mutant),
        "constraints": lambda: (
            constraints.conditions_of(mutant),
            constraints.alternatives_of(mutant),
            constraints.differ(mutant, original),
        ),
        "guards.prepare": lambda: GUARDS.prepare(mutant),
        "guards (mutant asked)": lambda: (
            GUARDS.first_rejection(mutant, original, 0.95),
            GUARDS.signals(mutant, original),
            GUARDS.quiet(mutant, original),
        ),
        "guards (mutant cached)": lambda: (
            GUARDS.first_rejection(original, mutant, 0.95),
            GUARDS.signals(original, mutant),
        ),
    }
    for name, run in readings.items():
        report.call(name, mutant, mutation, run)


SKIPPED = {
    "read_side",
    "read",
    "decode",
    "scope_filter",
    "tenant_filter",
    "tenant_hash_tag",
    "tenant_tag",
    "sha256_hex",
}
"""Functions of the swept modules that read no prose: a stored form, a file, a tenant's name, a key."""


def public_readings() -> list[tuple[str, Callable[..., Any], int]]:
    """Every public function of the guards' and the cache's modules whose required arguments are all texts
    (``str``), with how many it takes: the readings a lookup reaches through the ones named above, each called
    directly (``--sweep``)."""
    import nearhit.cache
    import nearhit.guards

    found = []
    for package in (nearhit.guards, nearhit.cache):
        for module_info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{module_info.name}")
            for name, function in vars(module).items():
                if name.startswith("_") or name in SKIPPED or not inspect.isfunction(function):
                    continue
                if function.__module__ != module.__name__ or inspect.iscoroutinefunction(function):
                    continue
                required = [
                    p
                    for p in inspect.signature(function).parameters.values()
                    if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                ]
                if required and all(p.annotation == "str" for p in required):
                    found.append((f"{module_info.name}.{name}", function, len(required)))
    return found


def sweep(
    report: Report, readings: list[tuple[str, Callable[..., Any], int]], mutant: str, original: str, mutation: str
) -> None:
    for name, function, arity in readings:
        arguments = (
            [(mutant, original, mutant)[:arity], (original, mutant, original)[:arity]] if arity > 1 else [[mutant]]
        )
        for given in arguments:
            report.call(name, mutant, mutation, lambda f=function, a=given: f(*a))


SERVICE: Any = SimpleNamespace(max_prompt_chars=1_000_000)


def turns(report: Report, pair: Pair, mutated: Pair, mutation: str) -> None:
    """A conversation pair's readings as a store and a lookup make them: the mutated ``b`` against the original
    ``a`` (and the other way), the stored form of the mutated turns read in the background."""
    shown = " | ".join(content for _, content in mutated.b.history) + " || " + mutated.b.prompt

    def looked_up() -> None:
        asked, cached = request(SERVICE, "t", mutated.b), request(SERVICE, "t", pair.a)
        if asked.context is not None:
            conversation.read_side(asked.context.to_json())
            conversation.standalone(mutated.b.prompt, mutated.b.history)
            conversation.needs_no_context(mutated.b.prompt, mutated.b.history)
        if asked.context is None or cached.context is None:
            return
        conversation.differs(mutated.b.prompt, asked.context, cached.context, 0.95, pair.a.prompt)
        conversation.differs(pair.a.prompt, cached.context, asked.context, 0.95, mutated.b.prompt)
        conversation.differs(mutated.b.prompt, asked.context, cached.context, 0.6, pair.a.prompt)
        told = conversation.told_as_one(asked.context, mutated.b.prompt)
        conversation.differs_from_one(told, pair.a.prompt, "", mutated.b.prompt)
        told = conversation.told_as_one(cached.context, pair.a.prompt)
        conversation.differs_from_one(told, mutated.b.prompt, "", pair.a.prompt)

    report.call("conversation lookup", shown, mutation, looked_up)


def _mutated_side(side: Any, mutate: Callable[[str], str]) -> Any:
    return type(side)(mutate(side.prompt), tuple((role, mutate(content)) for role, content in side.history))


def pairs(names: list[str]) -> Iterator[tuple[str, Pair]]:
    for name in names:
        for pair in evaluation.load(name, "dev"):
            yield name, pair


def run(args: argparse.Namespace) -> Report:
    report = Report()
    names = [
        *(QUESTION_SETS if args.sets != "conversations" else ()),
        *(conversation_sets() if args.sets != "questions" else ()),
    ]
    kinds = list(MUTATIONS)
    started = time.monotonic()
    seen: set[str] = set()
    swept = public_readings() if args.sweep else []
    for pair_number, (_, pair) in enumerate(pairs(names)):
        if args.limit and report.texts >= args.limit:
            break
        if pair_number < args.skip:
            continue
        if args.seconds and time.monotonic() - started > args.seconds:
            print(f"stopped after {args.seconds:g} s, at pair {pair_number}", file=sys.stderr)
            break
        rng = random.Random(f"{args.seed}:{pair.id}")
        chosen = kinds if args.mutants >= len(kinds) else rng.sample(kinds, args.mutants)
        texts = [pair.a.prompt, pair.b.prompt, *(c for _, c in pair.a.history), *(c for _, c in pair.b.history)]
        for text in texts:
            if text in seen:
                continue
            seen.add(text)
            report.texts += 1
            if report.texts % 1000 == 0:
                print(
                    f"{report.texts} texts, {report.mutants} mutants, {report.calls} calls, {report.raised} raised "
                    f"at {len(report.found)} places ({time.monotonic() - started:.0f} s)",
                    file=sys.stderr,
                    flush=True,
                )
            for mutation in chosen:
                mutant = MUTATIONS[mutation](text, rng)
                if mutant == text:
                    continue
                report.mutants += 1
                single(report, mutant, text, mutation)
                if swept:
                    sweep(report, swept, mutant, text, mutation)
        if pair.b.history:
            for mutation in chosen:
                seeded = random.Random(f"{args.seed}:{pair.id}:{mutation}:{pair_number}")
                b = _mutated_side(pair.b, lambda text, s=seeded, m=mutation: MUTATIONS[m](text, s))
                turns(report, pair, Pair(pair.id, pair.category, pair.a, b, pair.same_answer), mutation)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="stop after this many distinct texts (0: all)")
    parser.add_argument("--mutants", type=int, default=len(MUTATIONS), help="mutations per text (a seeded sample)")
    parser.add_argument("--sets", choices=("all", "questions", "conversations"), default="all", help="which sets")
    parser.add_argument("--sweep", action="store_true", help="also every public reading of str arguments")
    parser.add_argument("--seconds", type=float, default=0, help="stop after this long (0: no limit), and report")
    parser.add_argument("--skip", type=int, default=0, help="pass over this many pairs first (another slice)")
    parser.add_argument("--seed", default="0", help="the mutations' seed")
    args = parser.parse_args()
    report = run(args)
    print(
        f"{report.texts} texts, {report.mutants} mutants, {report.calls} calls; {report.raised} raised "
        f"at {len(report.found)} places"
    )
    for where, found in sorted(report.found.items(), key=lambda item: -item[1].count):
        print(f"\n{where}  x{found.count}  [{found.reading}; {', '.join(sorted(found.mutations))}]")
        print(f"  {found.kind}")
        print(f"  {found.text[:300]!r}")


if __name__ == "__main__":
    main()
