"""Look-alikes and rewordings in other languages on the DEV splits, served per category and language (issue 13).

Looks up, as ``nearhit eval`` does in pair mode (each ``a`` stored in a scope of its own), every dev pair of the
language categories (``multilingual_*``, ``cross_lingual*``, ``same_language_paraphrase``) of the sets named, and
prints how many the default served per category, then per detected language for the two that rules in one
language move: its look-alikes (``multilingual_trap``) and its rewordings (``same_language_paraphrase``). Only dev
items are read.

    PYTHONPATH=src:benchmarks .venv/bin/python benchmarks/language_traps.py questions nearhit nearhit-v2 ... nearhit-v29
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter

from nearhit.evaluation import Pair
from nearhit.guards.languages import detect
from served_traps import look_up

_BY_LANGUAGE = ("multilingual_trap", "same_language_paraphrase")


def _language_pair(pair: Pair) -> bool:
    return pair.category.startswith(("multilingual", "cross_lingual")) or pair.category == "same_language_paraphrase"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="+", help="built-in question sets; their dev splits only")
    args = parser.parse_args()
    served: Counter[tuple[str, ...]] = Counter()
    total: Counter[tuple[str, ...]] = Counter()
    for name in args.sets:
        for found in asyncio.run(look_up(name, False, _language_pair)):
            own = found.served is not None and not found.neighbour
            keys = [(found.pair.category,)]
            if found.pair.category in _BY_LANGUAGE:
                keys.append((found.pair.category, detect(found.pair.a.prompt)))
            for key in keys:
                total[key] += 1
                served[key] += own
    print("| category | language | served |\n|---|---|---|")
    for key in sorted(total, key=lambda k: (k[0], len(k), k[1:])):
        print(f"| {key[0]} | {key[1] if len(key) > 1 else 'all'} | {served[key]}/{total[key]} |")


if __name__ == "__main__":
    main()
