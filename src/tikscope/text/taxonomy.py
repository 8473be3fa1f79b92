"""Interests from hashtags and words, through the taxonomy that ships with tikscope.

`taxonomy.toml` (beside this module; docs/taxonomy.md) lists parent categories, their interests,
and for each interest the words and phrases that name it in English, Spanish, Portuguese, French
and German. `interests_of` maps a member's hashtags and texts (bio, captions) to interests:

- text is case-folded and stripped of diacritics ("Fußball" is "fussball", "Jardinería" is
  "jardineria"), then split into words (letters, digits, underscores; ``#`` and ``'`` separate);
- a phrase matches the same words in a row, never part of a word ("cat" is not in "catalog");
- a hashtag matches a phrase written without spaces (#plantcare is "plant care"), and so does a
  single word of a text (a bio's "#plantcare" reads as the word "plantcare").

Interests are named by their key with spaces ("plant care"), as the simulator names them; the
taxonomy's `version` is stored with every interest derived from it.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

LANGUAGES = ("en", "es", "pt", "fr", "de")
"""Every interest names its words in each of these languages."""
WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Taxonomy:
    """The interest taxonomy, indexed for matching.

    Attributes:
        version: stored with the interests derived from this taxonomy.
        parents: parent category key -> its label ("food" -> "Food & drink").
        parent_of: interest -> its parent category key.
        names: interest -> language -> its words and phrases as the taxonomy writes them.
        phrases: folded words of a phrase -> the interests it names.
        joined: a phrase written without spaces (a hashtag) -> the interests it names.
        longest: words in the longest phrase.
    """

    version: str
    parents: dict[str, str]
    parent_of: dict[str, str]
    names: dict[str, dict[str, tuple[str, ...]]]
    phrases: dict[tuple[str, ...], frozenset[str]]
    joined: dict[str, frozenset[str]]
    longest: int

    def interests_of(self, texts: Iterable[str], hashtags: Iterable[str] = ()) -> list[str]:
        """The interests named in `texts` (whole words) and `hashtags`, sorted.

        Args:
            texts: bios, captions: any free text.
            hashtags: hashtag names, with or without ``#``.
        """
        found: set[str] = set()
        for tag in hashtags:
            found |= self.joined.get("".join(words_of(tag)), frozenset())
        for text in texts:
            words = words_of(text)
            for start in range(len(words)):
                found |= self.joined.get(words[start], frozenset())
                for size in range(1, min(self.longest, len(words) - start) + 1):
                    found |= self.phrases.get(tuple(words[start : start + size]), frozenset())
        return sorted(found)


def fold(text: str) -> str:
    """`text` case-folded and without diacritics: "Fußball Café" -> "fussball cafe"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words_of(text: str) -> list[str]:
    """The folded words of `text`, in order."""
    return WORD.findall(fold(text))


@cache
def shipped_taxonomy() -> Taxonomy:
    """The taxonomy that ships with tikscope (read once)."""
    text = resources.files("tikscope.text").joinpath("taxonomy.toml").read_text("utf-8")
    return parse_taxonomy(text)


def parse_taxonomy(text: str) -> Taxonomy:
    """A taxonomy from its TOML text (see `taxonomy.toml` for the shape).

    Raises:
        ValueError: the text is not a taxonomy: no version, an interest without one of
            `LANGUAGES`, or an interest under two parents.
    """
    data = tomllib.loads(text)
    version = data.pop("version", None)
    if not isinstance(version, str) or not version:
        raise ValueError("the taxonomy has no version")
    parents: dict[str, str] = {}
    parent_of: dict[str, str] = {}
    names: dict[str, dict[str, tuple[str, ...]]] = {}
    phrases: dict[tuple[str, ...], set[str]] = {}
    for parent, entries in data.items():
        parents[parent] = str(entries.pop("label", parent))
        for key, written in entries.items():
            interest = key.replace("_", " ")
            if interest in parent_of:
                first = parent_of[interest]
                raise ValueError(f"interest {interest!r} is under {first!r} and {parent!r}")
            missing = [language for language in LANGUAGES if not written.get(language)]
            if missing:
                raise ValueError(f"interest {interest!r} has no words in {', '.join(missing)}")
            parent_of[interest] = parent
            names[interest] = {language: tuple(written[language]) for language in LANGUAGES}
            for phrase in [interest, *(p for words in names[interest].values() for p in words)]:
                words = tuple(words_of(phrase))
                if words:
                    phrases.setdefault(words, set()).add(interest)
    joined: dict[str, set[str]] = {}
    for words, interests in phrases.items():
        joined.setdefault("".join(words), set()).update(interests)
    return Taxonomy(
        version=version,
        parents=parents,
        parent_of=parent_of,
        names=names,
        phrases={words: frozenset(found) for words, found in phrases.items()},
        joined={words: frozenset(found) for words, found in joined.items()},
        longest=max((len(words) for words in phrases), default=1),
    )
