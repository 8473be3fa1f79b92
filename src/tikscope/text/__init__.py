"""Language and sentiment of comment texts, offline (see docs/sentiment.md).

`score_texts` is what the store calls when comments are written; `scorer_version` names the model
and detector, and is stored with every comment they scored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tikscope.text.language import detect_many, detector_version
from tikscope.text.sentiment import LABELS, SentimentModel, shipped_model, shipped_version

__all__ = ["LABELS", "Scored", "SentimentModel", "score_texts", "scorer_version", "shipped_model"]


@dataclass(frozen=True)
class Scored:
    """A text's language, sentiment label and score (P(positive) - P(negative), -1 to 1)."""

    language: str
    sentiment: str
    score: float


def scorer_version(model: SentimentModel | None = None) -> str:
    """The sentiment model's version and the language detector's, as stored with each comment."""
    return f"{model.version if model else shipped_version()}; {detector_version()}"


def score_texts(
    texts: Sequence[str],
    languages: Sequence[str | None] | None = None,
    *,
    model: SentimentModel | None = None,
) -> list[Scored]:
    """Language (detected where `languages` gives none) and sentiment of each text, in order."""
    model = model or shipped_model()
    known = languages if languages is not None else [None] * len(texts)
    unknown = [position for position, language in enumerate(known) if not language]
    detected = iter(detect_many([texts[position] for position in unknown]))
    found = [language or next(detected) for language in known]
    groups: dict[str, list[int]] = {}
    for position, language in enumerate(found):
        groups.setdefault(language, []).append(position)
    results: list[Scored | None] = [None] * len(texts)
    for language, positions in groups.items():
        labels = model.classify([texts[p] for p in positions], language)
        for position, (label, score) in zip(positions, labels, strict=True):
            results[position] = Scored(language, LABELS[label], score)
    return [result for result in results if result is not None]
