"""Three-class sentiment of short comments with a linear model that ships in this package.

The model file (sentiment_model.npz, written by training/sentiment.py) holds a vocabulary of
feature strings (tikscope.text.features), their inverse document frequencies, and for each
training language and for "any language" a weight per feature and class. A comment's features are
weighted by TF-IDF, L2-normalised, and its language's weights give three logits; the label is the
largest and the score is P(positive) - P(negative), in [-1, 1]. Only numpy is needed, and the same
text in the same language always gets the same label and score.
"""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from collections.abc import Callable, KeysView, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache, partial
from itertools import chain
from operator import is_not, itemgetter
from pathlib import Path
from typing import cast

import numpy as np

from tikscope.text.features import CHAR_SIZES, PRIORS, split_features

MODEL_PATH = Path(__file__).with_name("sentiment_model.npz")
LABELS = ("negative", "neutral", "positive")
SHARED = ""
"""Key of the weights used for a language without its own."""
CACHE_WORDS = 200_000
"""Words whose n-gram ids a model keeps (a few tens of MB at most)."""
PRUNE_BELOW = 1e-3
"""Weights smaller than this are left out of the model file (they change no decision)."""


@dataclass(frozen=True)
class SentimentModel:
    """A loaded model: feature index, idf, and dense weights (features x 3) per language."""

    version: str
    index: Mapping[str, int]
    idf: np.ndarray
    weights: Mapping[str, np.ndarray]
    biases: Mapping[str, np.ndarray]
    lexicons: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    settings: str = ""
    languages: tuple[str, ...] = ()
    cache: dict[str, tuple[int, ...]] = field(default_factory=dict, compare=False, repr=False)
    """Word -> ids of its character n-grams; see `gram_ids`."""
    char_index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    """Character n-gram (without its ``c:`` prefix) -> vocabulary id, filled on first use."""
    tables: dict[str, tuple[np.ndarray, int, np.ndarray, np.ndarray] | None] = field(
        default_factory=dict, compare=False, repr=False
    )
    """The arrays of `gram_table`, made on first use."""

    @classmethod
    def from_parts(
        cls,
        names: Sequence[str],
        idf: np.ndarray,
        weights: Mapping[str, np.ndarray],
        biases: Mapping[str, np.ndarray],
        lexicons: Mapping[str, Mapping[str, str]],
        priors: Mapping[str, Sequence[float]],
        *,
        version: str,
        settings: str = "",
    ) -> SentimentModel:
        """A model from its parts: each language's full weights, SHARED for any other language.

        `priors` (hand-set weights of a few tokens, see tikscope.text.features.PRIORS) are added
        to every language's weights.
        """
        index = {name: i for i, name in enumerate(names)}
        full = {k: np.array(v, dtype=np.float32) for k, v in weights.items()}
        for token, prior in priors.items():
            if token in index:
                for matrix in full.values():
                    matrix[index[token]] += np.asarray(prior, dtype=np.float32)
        return cls(
            version=version,
            index=index,
            idf=np.asarray(idf, dtype=np.float32),
            weights=full,
            biases={k: np.asarray(v, dtype=np.float32) for k, v in biases.items()},
            lexicons={k: dict(v) for k, v in lexicons.items()},
            settings=settings,
            languages=tuple(sorted(k for k in weights if k != SHARED)),
        )

    @staticmethod
    def save(
        path: Path,
        names: Sequence[str],
        idf: np.ndarray,
        weights: Mapping[str, np.ndarray],
        biases: Mapping[str, np.ndarray],
        lexicons: Mapping[str, Mapping[str, str]],
        shares: Mapping[str, float],
        *,
        data_digest: str,
        settings: str,
    ) -> str:
        """Write a model file and return its version.

        `weights` holds SHARED's full weights and each language's own; a language's model is its
        own weights plus `shares[language]` times the shared ones. Weights are stored sparse
        (below PRUNE_BELOW left out) as float16.
        """
        arrays: dict[str, np.ndarray] = {}
        for language, matrix in weights.items():
            key = language or "shared"
            arrays[f"share_{key}"] = np.array([shares.get(language, 0.0)], dtype=np.float32)
            keep = np.flatnonzero(np.abs(matrix).max(axis=1) >= PRUNE_BELOW)
            arrays[f"rows_{key}"] = keep.astype(np.int32)
            arrays[f"weights_{key}"] = matrix[keep].astype(np.float16)
            arrays[f"bias_{key}"] = np.asarray(biases[language], dtype=np.float32)
        used = np.unique(np.concatenate([arrays[k] for k in arrays if k.startswith("rows_")]))
        renumber = np.full(len(names), -1, dtype=np.int32)
        renumber[used] = np.arange(len(used), dtype=np.int32)
        for key in [k for k in arrays if k.startswith("rows_")]:
            arrays[key] = renumber[arrays[key]]
        arrays["vocabulary"] = text_array("\n".join(names[i] for i in used))
        arrays["idf"] = np.asarray(idf, dtype=np.float16)[used]
        for language, lexicon in lexicons.items():
            arrays[f"lexicon_{language}"] = text_array(
                "\n".join(f"{word}\t{token}" for word, token in sorted(lexicon.items()))
            )
        arrays["prior_tokens"] = text_array("\n".join(PRIORS))
        arrays["prior_weights"] = np.array(list(PRIORS.values()), dtype=np.float32)
        digest = hashlib.sha256(data_digest.encode())
        for key in sorted(arrays):
            digest.update(key.encode())
            digest.update(np.ascontiguousarray(arrays[key]).tobytes())
        version = f"tikscope-sentiment-1-{digest.hexdigest()[:10]}"
        arrays["version"] = text_array(version)
        arrays["settings"] = text_array(settings)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
        path.write_bytes(buffer.getvalue())
        return version

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> SentimentModel:
        """Read a model file written by `save`."""
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        names = array_text(arrays["vocabulary"]).split("\n")
        weights: dict[str, np.ndarray] = {}
        biases: dict[str, np.ndarray] = {}
        lexicons: dict[str, dict[str, str]] = {}
        for key in sorted(arrays, key=lambda name: name != "rows_shared"):
            if key.startswith("rows_"):
                language = key.removeprefix("rows_")
                matrix = np.zeros((len(names), len(LABELS)), dtype=np.float32)
                matrix[arrays[key]] = arrays[f"weights_{language}"].astype(np.float32)
                name = SHARED if language == "shared" else language
                if name != SHARED:
                    matrix += float(arrays[f"share_{language}"][0]) * weights[SHARED]
                weights[name] = matrix
                biases[name] = arrays[f"bias_{language}"]
            elif key.startswith("lexicon_"):
                lines = array_text(arrays[key]).split("\n")
                lexicons[key.removeprefix("lexicon_")] = dict(
                    line.split("\t", 1) for line in lines if line
                )
        return cls.from_parts(
            names,
            arrays["idf"].astype(np.float32),
            weights,
            biases,
            lexicons,
            dict(
                zip(
                    array_text(arrays["prior_tokens"]).split("\n"),
                    arrays["prior_weights"].tolist(),
                    strict=True,
                )
            ),
            version=array_text(arrays["version"]),
            settings=array_text(arrays["settings"]),
        )

    def logits(self, texts: Sequence[str], language: str | None) -> np.ndarray:
        """Three logits per text (rows in the order of `texts`), all in one language."""
        key = language if language is not None and language in self.weights else SHARED
        weights = self.weights[key]
        lexicon = self.lexicons.get(key)
        get = self.index.get
        gram_ids = self.cache
        columns: list[int] = []
        counts: list[int] = []
        starts = np.zeros(len(texts), dtype=np.int64)
        split = [split_features(text, key or None, lexicon) for text in texts]
        fresh = dict.fromkeys(word for _, words in split for word in words if word not in gram_ids)
        if fresh:
            self.add_gram_ids(list(fresh))
        for row, (named, words) in enumerate(split):
            starts[row] = len(columns)
            found = Counter(
                chain(
                    map(get, named),
                    *[
                        gram_ids[word] if word in gram_ids else self.gram_ids(word)
                        for word in words
                    ],
                )
            )
            found.pop(None, None)
            columns.extend(cast("KeysView[int]", found.keys()))
            counts.extend(found.values())
        out = np.tile(self.biases[key], (len(texts), 1))
        if not columns:
            return out
        ids = np.fromiter(columns, dtype=np.int64, count=len(columns))
        values = 1 + np.log(np.fromiter(counts, dtype=np.float32, count=len(counts)))
        values *= self.idf[ids]
        nonempty = starts < len(columns)
        lengths = np.diff(np.append(starts, len(columns)))
        nonempty &= lengths > 0
        first = starts[nonempty]
        norms = np.sqrt(np.add.reduceat(values * values, first))
        values /= np.repeat(norms, lengths[nonempty])
        out[nonempty] += np.add.reduceat(values[:, None] * weights[ids], first, axis=0)
        return out

    def add_gram_ids(self, words: list[str]) -> None:
        """Cache the n-gram ids of many distinct words at once, with numpy.

        Each character of the n-grams in the vocabulary has a rank (1 to 255 or so; 0 for a
        character no n-gram of the vocabulary holds), and an n-gram's key packs its ranks into
        one integer, so the n-grams of all words are keyed with array arithmetic and found by
        binary search among the vocabulary's keys. A word's ids come out exactly as
        `gram_ids` gives them: by size, then position, n-grams outside the vocabulary left out.
        """
        table = self.gram_table()
        if table is None:
            for word in words:
                self.gram_ids(word)
            return
        alphabet, bits, keys, ids = table
        padded = [f" {word} " for word in words]
        lengths = np.fromiter(map(len, padded), dtype=np.int64, count=len(padded))
        ends = np.cumsum(lengths)
        points = np.frombuffer(
            "".join(padded).encode("utf-32-le", "surrogatepass"), dtype=np.uint32
        )
        place = np.minimum(np.searchsorted(alphabet, points), len(alphabet) - 1)
        ranks = np.where(alphabet[place] == points, place + 1, 0).astype(np.int64)
        owner = np.repeat(np.arange(len(words)), lengths)
        found_words: list[np.ndarray] = []
        found_ids: list[np.ndarray] = []
        for size in CHAR_SIZES:
            count = len(points) - size + 1
            if count <= 0:
                continue
            key = np.zeros(count, dtype=np.int64)
            known = np.arange(count) + size <= ends[owner[:count]]
            for offset in range(size):
                rank = ranks[offset : offset + count]
                known &= rank > 0
                key |= rank << (bits * offset)
            where = np.flatnonzero(known)
            key = key[where]
            spot = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
            hit = keys[spot] == key
            found_words.append(owner[where[hit]])
            found_ids.append(ids[spot[hit]])
        every_word = np.concatenate(found_words)
        order = np.argsort(every_word, kind="stable")
        flat = np.concatenate(found_ids)[order].tolist()
        bounds = np.cumsum(np.bincount(every_word, minlength=len(words))).tolist()
        if len(self.cache) + len(words) > CACHE_WORDS:
            self.cache.clear()
        begin = 0
        for word, end in zip(words, bounds, strict=True):
            self.cache[word] = tuple(flat[begin:end])
            begin = end

    def gram_table(self) -> tuple[np.ndarray, int, np.ndarray, np.ndarray] | None:
        """Sorted characters, bits per rank, sorted n-gram keys and their ids.

        See `add_gram_ids`; None when the ranks of a longest n-gram do not fit in 63 bits.
        """
        if "" not in self.tables:
            grams = [(name[2:], i) for name, i in self.index.items() if name.startswith("c:")]
            characters = sorted({character for gram, _ in grams for character in gram})
            bits = max(1, len(characters).bit_length())
            if not grams or bits * max(CHAR_SIZES) > 63:
                self.tables[""] = None
                return None
            rank = {character: r for r, character in enumerate(characters, start=1)}
            keys = np.array(
                [
                    sum(rank[character] << (bits * j) for j, character in enumerate(gram))
                    for gram, _ in grams
                ],
                dtype=np.int64,
            )
            order = np.argsort(keys)
            alphabet = np.array([ord(character) for character in characters], dtype=np.uint32)
            self.tables[""] = (alphabet, bits, keys[order], np.array([i for _, i in grams])[order])
        return self.tables[""]

    def gram_ids(self, word: str) -> tuple[int, ...]:
        """The vocabulary ids of a word's character n-grams, cached (most words recur).

        The same ids in the same order as looking up each of `features.word_grams(word)` in
        `index`, but the n-grams are cut by one `itemgetter` of slices and looked up in
        `char_index` (keys without the ``c:`` prefix), so no Python code runs per n-gram.
        """
        if len(self.cache) >= CACHE_WORDS:
            self.cache.clear()
        if not self.char_index:
            self.char_index.update(
                (name[2:], i) for name, i in self.index.items() if name.startswith("c:")
            )
        padded = f" {word} "
        found = map(self.char_index.get, slicer(len(padded))(padded))
        ids = cast("tuple[int, ...]", tuple(filter(NOT_NONE, found)))
        self.cache[word] = ids
        return ids

    def classify(self, texts: Sequence[str], language: str | None) -> list[tuple[int, float]]:
        """(label index into LABELS, score) per text, all in one language."""
        logits = self.logits(texts, language)
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        labels = probabilities.argmax(axis=1)
        scores = probabilities[:, 2] - probabilities[:, 0]
        return [
            (int(label), round(float(score), 4))
            for label, score in zip(labels, scores, strict=True)
        ]


NOT_NONE = partial(is_not, None)


@lru_cache(maxsize=256)
def slicer(length: int) -> Callable[[str], tuple[str, ...]]:
    """What cuts a padded word of `length` characters into its character n-grams.

    In the order of `features.word_grams`: by size, then by position.
    """
    spans = [slice(i, i + size) for size in CHAR_SIZES for i in range(length - size + 1)]
    if len(spans) > 1:
        return itemgetter(*spans)
    return lambda padded: tuple(padded[span] for span in spans)


def text_array(text: str) -> np.ndarray:
    """Text as a byte array, for a model file read without pickle."""
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def array_text(array: np.ndarray) -> str:
    """The text of a byte array written by `text_array`."""
    return array.tobytes().decode("utf-8")


@cache
def shipped_model() -> SentimentModel:
    """The model that ships with tikscope, loaded once per process."""
    return SentimentModel.load(MODEL_PATH)


@cache
def shipped_version() -> str:
    """The shipped model's version, read without loading its weights (stores compare it on open)."""
    with np.load(MODEL_PATH, allow_pickle=False) as data:
        return array_text(data["version"])
