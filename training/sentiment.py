"""Train the comment sentiment model that ships in src/tikscope/text/sentiment_model.npz.

Usage (from the repository root, with the `train` extra installed)::

    python training/sentiment.py [DATA] [--output PATH] [--min-df 2]

DATA defaults to ../shared/data/sentiment (see its README: three classes, a `train` and a `val`
split per language). The model is fitted on `train` only; `val` picks its settings and reports
macro-F1 per language. The texts are never written anywhere.

The model: the features of tikscope.text.features (for English also VADER's lexicon, read from
the installed vaderSentiment package and stored in the model file), weighted by TF-IDF (sublinear
term frequency, L2-normalised, idf over the pooled training texts), and multinomial logistic
regressions: one on every training language pooled (used for a language without data of its own)
and one per language. A language's weights are its own plus a share of the pooled ones; the
regularisation C, that share and an offset of the negative and positive intercepts are chosen per
language on `val` (as the data's README says to tune), so val figures are optimistic: the
benchmark and docs/sentiment.md say so. scikit-learn fits it; inference needs only numpy.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import math
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from tikscope.text.features import PRIORS, features
from tikscope.text.labelled import FOLDERS, Labelled, read_split
from tikscope.text.sentiment import MODEL_PATH, SentimentModel

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "sentiment"
BENCHMARK_LANGUAGES = ("en", "es", "pt", "fr", "de")
GRID = [0.5, 1.0, 2.0]
SHARES = [0.0, 0.5, 1.0]
OFFSETS = [-0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3]


def vocabulary(documents: list[list[str]], min_df: int) -> tuple[list[str], np.ndarray]:
    """Features in at least `min_df` documents, sorted, and their smoothed inverse document freq."""
    counts: Counter[str] = Counter()
    for document in documents:
        counts.update(set(document))
    names = sorted(name for name, count in counts.items() if count >= min_df)
    total = len(documents)
    idf = np.array([math.log((1 + total) / (1 + counts[name])) + 1 for name in names])
    return names, idf.astype(np.float32)


def matrix(documents: list[list[str]], index: dict[str, int], idf: np.ndarray) -> sparse.csr_matrix:
    """TF-IDF rows (sublinear tf, L2-normalised), as the model computes them at inference."""
    rows, columns, values = [], [], []
    for row, document in enumerate(documents):
        counts = Counter(index[name] for name in document if name in index)
        if not counts:
            continue
        ids = np.fromiter(counts.keys(), dtype=np.int64)
        weights = (1 + np.log(np.fromiter(counts.values(), dtype=np.float64))) * idf[ids]
        weights /= np.linalg.norm(weights)
        rows.extend([row] * len(ids))
        columns.extend(ids.tolist())
        values.extend(weights.tolist())
    return sparse.csr_matrix((values, (rows, columns)), shape=(len(documents), len(idf)))


def vader_lexicon() -> dict[str, str]:
    """English words of VADER's lexicon (MIT, Hutto and Gilbert 2014) -> a valence-bin token."""
    from vaderSentiment import vaderSentiment  # type: ignore[import-not-found]

    path = Path(vaderSentiment.__file__).with_name("vader_lexicon.txt")
    lexicon = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, value, *_ = line.split("\t")
        valence = float(value)
        if abs(valence) >= 0.5 and word.isalpha():
            lexicon[word] = (
                ("_v+2_" if valence >= 2 else "_v+1_")
                if valence > 0
                else ("_v-2_" if valence <= -2 else "_v-1_")
            )
    return lexicon


@dataclass
class Prepared:
    """The training and val texts as TF-IDF rows over one pooled vocabulary."""

    names: list[str]
    idf: np.ndarray
    train: dict[str, tuple[sparse.csr_matrix, np.ndarray]]
    val: dict[str, tuple[sparse.csr_matrix, np.ndarray]]


def prepare(
    train: list[Labelled], val: list[Labelled], min_df: int, lexicons: dict[str, dict[str, str]]
) -> Prepared:
    """Features of every text, the vocabulary of the pooled training texts, and the matrices."""
    documents = {
        part.language: [features(t, part.language, lexicons.get(part.language)) for t in part.texts]
        for part in train
    }
    names, idf = vocabulary([d for docs in documents.values() for d in docs], min_df)
    index = {name: i for i, name in enumerate(names)}
    prepared_train = {
        part.language: (matrix(documents[part.language], index, idf), np.asarray(part.labels))
        for part in train
    }
    prepared_val = {}
    for part in val:
        lexicon = lexicons.get(part.language)
        rows = [features(text, part.language, lexicon) for text in part.texts]
        prepared_val[part.language] = (matrix(rows, index, idf), np.asarray(part.labels))
    return Prepared(names, idf, prepared_train, prepared_val)


def logistic(x: sparse.csr_matrix, labels: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray]:
    """Weights (features x 3) and biases of a multinomial logistic regression."""
    model = LogisticRegression(C=c, max_iter=1000, tol=1e-4)
    model.fit(x, labels)
    return model.coef_.T.astype(np.float64), model.intercept_.astype(np.float64)


def macro_f1(labels: np.ndarray, logits: np.ndarray) -> float:
    """Macro-F1 in percent of the largest logit."""
    return 100 * float(f1_score(labels, logits.argmax(axis=1), average="macro", labels=[0, 1, 2]))


def fit(
    prepared: Prepared, grid: list[float], share_grid: list[float], offsets: list[float]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, float], dict[str, str]]:
    """Own weights, biases, share of the pooled weights and settings per language.

    The pooled model is under "": its weights are every language's to share.

    The shared model is fitted on every training language; each language's own model on its
    texts. A language's weights are its own plus `share` times the shared ones; C, the share and
    an offset of the negative and positive biases are chosen per language on `val`.
    """
    pooled_x = sparse.vstack([x for x, _ in prepared.train.values()]).tocsr()
    pooled_y = np.concatenate([y for _, y in prepared.train.values()])
    shared_c = grid[len(grid) // 2]
    shared_w, shared_b = logistic(pooled_x, pooled_y, shared_c)
    priors = np.zeros_like(shared_w)
    index = {name: i for i, name in enumerate(prepared.names)}
    for token, prior in PRIORS.items():
        if token in index:
            priors[index[token]] = prior
    weights = {"": shared_w}
    biases = {"": shared_b}
    chosen = {"": f"C={shared_c}"}
    shares: dict[str, float] = {}
    for language, (x, y) in prepared.train.items():
        best: tuple[float, np.ndarray, np.ndarray, float, str] | None = None
        for c in grid:
            own_w, own_b = logistic(x, y, c)
            for share in share_grid:
                b = own_b + share * shared_b
                if language not in prepared.val:
                    best = best or (0.0, own_w, b, share, f"C={c} share={share}")
                    continue
                val_x, val_y = prepared.val[language]
                base = val_x @ (own_w + share * shared_w + priors) + b
                for negative, positive in itertools.product(offsets, offsets):
                    shift = np.array([negative, 0.0, positive])
                    score = macro_f1(val_y, base + shift)
                    if best is None or score > best[0] + 1e-9:
                        settings = f"C={c} share={share} offsets={negative:+.2f},{positive:+.2f}"
                        best = (score, own_w, b + shift, share, settings)
        assert best is not None
        weights[language], biases[language], shares[language] = best[1], best[2], best[3]
        chosen[language] = best[4]
        print(f"{language}: {chosen[language]} -> val macro-F1 {best[0]:.1f}", flush=True)
    return weights, biases, shares, chosen


def main(argv: list[str] | None = None) -> int:
    """Train, report val macro-F1 per language, and write the model file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--output", type=Path, default=MODEL_PATH)
    parser.add_argument("--min-df", type=int, default=2)
    parser.add_argument("--languages", default=",".join(FOLDERS))
    arguments = parser.parse_args(argv)
    languages = arguments.languages.split(",")
    train = [read_split(arguments.data, language, "train") for language in languages]
    val = [
        read_split(arguments.data, language, "val")
        for language in BENCHMARK_LANGUAGES
        if language in languages
    ]
    lexicons = {"en": vader_lexicon()}
    prepared = prepare(train, val, arguments.min_df, lexicons)
    print(f"{len(prepared.names):,} features", flush=True)
    weights, biases, shares, chosen = fit(prepared, GRID, SHARES, OFFSETS)
    digest = hashlib.sha256()
    for part in train:
        digest.update("\n".join(part.texts).encode())
    settings = f"min_df={arguments.min_df}; " + "; ".join(
        f"{language or 'other'}: {value}" for language, value in chosen.items()
    )
    version = SentimentModel.save(
        arguments.output, prepared.names, prepared.idf, weights, biases, lexicons, shares,
        data_digest=digest.hexdigest()[:12], settings=settings,
    )  # fmt: skip
    print(
        f"wrote {arguments.output} ({arguments.output.stat().st_size:,} bytes), version {version}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
