"""Benchmark: the shipped sentiment model's macro-F1 per language, and its speed on one core.

Reads the `val` splits of the labelled data (default ../shared/data/sentiment, see its README;
the model was fitted on `train` and its settings chosen on `val`) and prints, per language:

- macro-F1 of tikscope's model, with the language given (as the benchmark's data set says);
- macro-F1 with the language detected from each text (as comments are scored in the store);
- VADER on the same texts, when the vaderSentiment package is installed (compound >= 0.05
  positive, <= -0.05 negative, the VADER authors' thresholds), and the published figures the
  data's README and the issue give for VADER and fastText.

Then comments per second on one core (the process is pinned to one CPU): sentiment alone, and
language detection plus sentiment, over all val texts repeated.

Usage:

    .venv/bin/python benchmarks/sentiment.py [DATA] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from tikscope.text import score_texts, shipped_model
from tikscope.text.features import word_grams
from tikscope.text.labelled import LABELS, Labelled, read_split
from tikscope.text.language import detect, detect_many, detector_version

sys.path.insert(0, str(Path(__file__).resolve().parent))
from web_overview import machine

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "sentiment"
LANGUAGES = ("en", "es", "pt", "fr", "de")
GOALS = {"en": 60, "es": 60, "pt": 60, "fr": 55, "de": 55}
# Published macro-F1 on the UMSAB *test* splits (data README: Barbieri et al. 2022), and VADER's
# approximate figures on this kind of data (issue 14).
FASTTEXT = {"en": 50.9, "es": 50.1, "pt": 55.1, "fr": 54.8, "de": 59.6}
VADER_PUBLISHED = {"en": "~56", "es": "~36", "pt": "~37", "fr": "–", "de": "–"}


def macro_f1(truth: list[int], predicted: list[int]) -> float:
    """Mean F1 over the three classes, in percent."""
    t = np.asarray(truth)
    p = np.asarray(predicted)
    scores = []
    for label in range(len(LABELS)):
        true_positive = float(np.sum((t == label) & (p == label)))
        precision = true_positive / max(1, int(np.sum(p == label)))
        recall = true_positive / max(1, int(np.sum(t == label)))
        scores.append(0 if true_positive == 0 else 2 * precision * recall / (precision + recall))
    return 100 * float(np.mean(scores))


def vader_f1(part: Labelled) -> float | None:
    """VADER's macro-F1 on `part`, or None when vaderSentiment is not installed."""
    try:
        from vaderSentiment.vaderSentiment import (  # type: ignore[import-not-found]
            SentimentIntensityAnalyzer,
        )
    except ImportError:
        return None
    analyzer = SentimentIntensityAnalyzer()
    predicted = []
    for text in part.texts:
        compound = analyzer.polarity_scores(text)["compound"]
        predicted.append(2 if compound >= 0.05 else 0 if compound <= -0.05 else 1)
    return macro_f1(part.labels, predicted)


def accuracy_table(data: Path) -> None:
    """Print macro-F1 per language beside VADER and fastText."""
    print("| language | tikscope (language given) | tikscope (language detected) | "
          "VADER measured | VADER published | fastText published | goal |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- |")
    index = {label: i for i, label in enumerate(LABELS)}
    for language in LANGUAGES:
        part = read_split(data, language, "val")
        given = score_texts(part.texts, [language] * len(part.texts))
        detected = score_texts(part.texts)
        f1_given = macro_f1(part.labels, [index[item.sentiment] for item in given])
        f1_detected = macro_f1(part.labels, [index[item.sentiment] for item in detected])
        vader = vader_f1(part)
        shown_vader = "–" if vader is None else f"{vader:.1f}"
        published = f"{VADER_PUBLISHED[language]} | {FASTTEXT[language]} | {GOALS[language]}"
        print(
            f"| {language} | **{f1_given:.1f}** | {f1_detected:.1f} | {shown_vader} | {published} |"
        )


def speed(data: Path, repeat: int) -> None:
    """Print comments per second on one core, with and without language detection.

    Each pass scores the val texts of the five languages once, with the word caches emptied
    first, so repeated passes do not flatter the figures.
    """
    texts: list[str] = []
    for language in LANGUAGES:
        texts.extend(read_split(data, language, "val").texts)
    model = shipped_model()
    detect("warm up the detector")
    languages = [detect(text) for text in texts]
    wall = {"sentiment": 0.0, "detection": 0.0, "both": 0.0}
    cpu = dict(wall)

    def timed(name: str, work: Callable[[], object]) -> None:
        word_grams.cache_clear()
        model.cache.clear()
        started, started_cpu = time.perf_counter(), time.process_time()
        work()
        wall[name] += time.perf_counter() - started
        cpu[name] += time.process_time() - started_cpu

    for _ in range(repeat):
        timed("sentiment", lambda: score_texts(texts, languages))
        timed("detection", lambda: detect_many(texts))
        timed("both", lambda: score_texts(texts))
    total = len(texts) * repeat
    print(f"\n{len(texts):,} comments x {repeat} passes, one core, model {model.version}, "
          f"{detector_version()} (per second of wall time; per second of CPU time):")  # fmt: skip
    for name, label in (
        ("sentiment", "sentiment (language known)"),
        ("detection", "language detection alone"),
        ("both", "detection + sentiment"),
    ):
        print(f"- {label}: {total / wall[name]:,.0f}; {total / cpu[name]:,.0f} comments/s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}")
    print(f"model settings: {shipped_model().settings}\n")
    accuracy_table(arguments.data)
    speed(arguments.data, arguments.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
