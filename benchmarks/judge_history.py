"""What a long history costs the conversation judge (``NEARHIT_CONVERSATION_JUDGE=bundled``): one judgement of a pair
of sides of about N characters each (turns of a chat, the question last), p50 over ``--runs``, with each side encoded
from its end (:meth:`ConversationJudge.side_ids`, as the judge runs) and encoded whole (as it ran before the
fifty-first session). The judge reads at most 160 tokens of a pair either way, and the two give the same p (checked
on every row). A judgement sits on a hit's path where the veto reads a rules' hit, and beside the LLM call on a miss.

    python benchmarks/judge_history.py [--runs 20] [--threads 1]

``--threads``: the judge's intra-op threads (nearhit runs it on one); a second thread on two cores is measured by it.
"""

from __future__ import annotations

import argparse
import statistics
import time

from nearhit.cache import judge
from nearhit.cache.judge_input import Turns, rendered

STORY = "I keep my sourdough starter on the counter and feed it rye flour twice a day, but it smells off lately."
REPLY = "That smell is usually hooch: pour it off, feed it at a 1:1:1 ratio and keep it a little warmer."
SIZES = (200, 1_000, 5_000, 20_000, 50_000, 100_000)
"""Characters of a side; 100,000 is the most a request's history may hold (``validate.MAX_HISTORY_CHARS``)."""


def side(chars: int, question: str) -> Turns:
    turns: list[tuple[str, str]] = []
    while len(rendered(turns)) < chars:
        turns += [("user", f"{STORY} ({len(turns)})"), ("assistant", REPLY)]
    return [*turns, ("user", question)]


def p50_ms(conversation_judge: judge.ConversationJudge, pair: tuple[Turns, Turns], runs: int) -> tuple[float, float]:
    times, p = [], 0.0
    for _ in range(runs):
        started = time.perf_counter()
        [p] = conversation_judge.probabilities([pair])
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), p


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="judgements a row (default 20)")
    parser.add_argument("--threads", type=int, default=1, help="the judge's intra-op threads (default 1, as nearhit)")
    options = parser.parse_args()
    tails = judge.ConversationJudge(judge.BUNDLED_FOLDER, 0.98, threads=options.threads)
    wholes = judge.ConversationJudge(judge.BUNDLED_FOLDER, 0.98, threads=options.threads)
    wholes._tails = False  # the judge as it encoded a side before: whole
    print(f"one judgement, p50 of {options.runs} (ms), the bundled judge on {options.threads} thread(s)\n")
    print("| characters a side | the side's end encoded | the side encoded whole | p |")
    print("|---|---|---|---|")
    for chars in SIZES:
        pair = side(chars, "What should I do now?"), side(chars, "So what now?")
        tail_ms, p = p50_ms(tails, pair, options.runs)
        whole_ms, p_whole = p50_ms(wholes, pair, options.runs)
        assert p == p_whole, (chars, p, p_whole)
        print(f"| {chars:,} | {tail_ms:.1f} | {whole_ms:.1f} | {p:.3f} |")


if __name__ == "__main__":
    main()
