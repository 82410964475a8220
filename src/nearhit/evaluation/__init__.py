"""Measuring wrong hits: labelled pairs through the real cache path, metrics, and threshold calibration.

No click here: the CLI (``nearhit eval`` / ``nearhit calibrate``) and the benchmarks are thin layers on top.
"""

from nearhit.evaluation.dataset import ATTRIBUTION, BUILTIN, FOW_CACHE, Pair, Side, load
from nearhit.evaluation.metrics import (
    Outcome,
    Scores,
    by_category,
    by_language,
    latency,
    rejections,
    scores,
    summary,
    wilson,
)
from nearhit.evaluation.replay import PassReport, replay
from nearhit.evaluation.runner import evaluate, guard_sets, judge_with, look_up, scratch
from nearhit.evaluation.scratch_index import scratch_cache
from nearhit.evaluation.splits import SPLITS, select, split_of
from nearhit.evaluation.sweep import CurvePoint, curve, pick, thresholds

__all__ = [
    "ATTRIBUTION",
    "BUILTIN",
    "FOW_CACHE",
    "SPLITS",
    "CurvePoint",
    "Outcome",
    "Pair",
    "PassReport",
    "Scores",
    "Side",
    "by_category",
    "by_language",
    "curve",
    "evaluate",
    "guard_sets",
    "judge_with",
    "latency",
    "load",
    "look_up",
    "pick",
    "rejections",
    "replay",
    "scores",
    "scratch",
    "scratch_cache",
    "select",
    "split_of",
    "summary",
    "thresholds",
    "wilson",
]
