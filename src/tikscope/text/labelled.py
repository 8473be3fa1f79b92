"""Reading labelled sentiment data: one text a line, its label (0, 1, 2) on the same line of a twin.

The layout is that of shared/data/sentiment (see its README): a folder per data set holding
``{split}_text.txt`` and ``{split}_labels.txt``. Training and the benchmark read it; the product
never does, and the texts never enter the repository.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tikscope.errors import FileFormatError

LABELS = ("negative", "neutral", "positive")
FOLDERS = {
    "en": "umsab-english",
    "es": "umsab-spanish",
    "pt": "umsab-portuguese",
    "fr": "umsab-french",
    "de": "umsab-german",
    "it": "umsab-italian",
    "ar": "umsab-arabic",
    "hi": "umsab-hindi",
}
"""Data set folder of each language; the first five are the product's benchmark languages."""


@dataclass(frozen=True)
class Labelled:
    """Texts of one language and split, with their labels as indexes into `LABELS`."""

    language: str
    texts: list[str]
    labels: list[int]


def read_split(root: Path, language: str, split: str) -> Labelled:
    """The `split` ("train" or "val") of `language` under `root`.

    Raises:
        FileFormatError: a file is missing, a label is not 0, 1 or 2, or the two files differ
            in length (naming the file and line).
    """
    folder = root / FOLDERS[language]
    text_path = folder / f"{split}_text.txt"
    label_path = folder / f"{split}_labels.txt"
    for path in (text_path, label_path):
        if not path.is_file():
            raise FileFormatError(f"{path}: no such file (labelled data for {language} {split})")
    texts = text_path.read_text(encoding="utf-8").split("\n")
    raw = label_path.read_text(encoding="utf-8").split("\n")
    if texts and texts[-1] == "":
        texts.pop()
    if raw and raw[-1] == "":
        raw.pop()
    labels: list[int] = []
    for number, value in enumerate(raw, start=1):
        if value.strip() not in ("0", "1", "2"):
            raise FileFormatError(f"{label_path}, line {number}: label {value!r} is not 0, 1 or 2")
        labels.append(int(value))
    if len(texts) != len(labels):
        raise FileFormatError(
            f"{text_path}: {len(texts)} lines, but {label_path} has {len(labels)} labels"
        )
    return Labelled(language, texts, labels)
