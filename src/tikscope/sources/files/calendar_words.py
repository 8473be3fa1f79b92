"""Month and weekday names of every Studio UI language, from the Unicode CLDR through Babel.

Studio writes dates in its interface's language (`28 ноября`, `9月13日`, `16 tháng 8`). The
names come from CLDR for each locale of `studio_words.UI_LOCALES`, wide and abbreviated, in the
format context (`ноября`) and the stand-alone one (`ноябрь`); `studio_words` adds only what
TikTok writes and CLDR lacks. Names are matched as runs of words (`tháng 8` is two, `9月` is a
number and a word), first as written (case folded), then without accents (`marco` for `março`)
where that leaves the name one meaning.
"""

from __future__ import annotations

import copy
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from tikscope.sources.files.studio_words import (
    DATE_FILLER_WORDS,
    MONTHS_MISSING_FROM_CLDR,
    UI_LOCALES,
)

CONTEXTS = ("format", "stand-alone")
WIDTHS = ("wide", "abbreviated")


@dataclass(frozen=True)
class Found:
    """A name found in a date's words: what it means, how many words it took, its languages."""

    value: int
    length: int
    languages: frozenset[str]


Meaning = tuple[int, frozenset[str]]
"""A name's value and the languages (`en`, `ru`, ...) that write it."""


@dataclass(frozen=True)
class Phrases:
    """Names of some things (months, weekdays) as runs of words, each with its meaning.

    Attributes:
        exact: the words as written (folded by `word_tokens`) -> meaning.
        plain: the words without accents -> meaning, for the names whose plain words mean
            one value only.
        longest: the most words in a name.
    """

    exact: dict[tuple[str, ...], Meaning]
    plain: dict[tuple[str, ...], Meaning]
    longest: int

    def find(self, tokens: Sequence[str], start: int) -> Found | None:
        """The longest name at `tokens[start:]`; None if none is."""
        for length in range(min(self.longest, len(tokens) - start), 0, -1):
            words = tuple(tokens[start : start + length])
            meaning = self.exact.get(words)
            if meaning is None:
                meaning = self.plain.get(tuple(strip_marks(word) for word in words))
            if meaning is not None:
                return Found(meaning[0], length, meaning[1])
        return None


def word_tokens(text: str) -> list[str]:
    """The runs of letters (with their marks) and the runs of digits in `text`, case folded.

    `9月13日` is `9`, `月`, `13`, `日`; `1er mai` is `1`, `er`, `mai`; Thai and Bengali vowel
    signs stay in their words.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    tokens: list[str] = []
    kind_before = ""
    for char in folded:
        category = unicodedata.category(char)
        kind = "digit" if category == "Nd" else "word" if category[0] in "LM" else ""
        if kind and kind == kind_before:
            tokens[-1] += char
        elif kind:
            tokens.append(char)
        kind_before = kind
    return tokens


def strip_marks(word: str) -> str:
    """A word without its accents and other combining marks."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def build_phrases(names: Iterable[tuple[str, int, str]]) -> Phrases:
    """The phrase tables of (language, value, name) triples; a name keeps its first value."""
    exact: dict[tuple[str, ...], Meaning] = {}
    plain_values: dict[tuple[str, ...], set[int]] = {}
    plain_languages: dict[tuple[str, ...], set[str]] = {}
    for language, value, name in names:
        words = tuple(word_tokens(name))
        if not words or all(word.isdecimal() for word in words):
            continue  # a bare number (a narrow name) would read any day as a month
        known_value, languages = exact.get(words, (value, frozenset()))
        if known_value == value:
            exact[words] = (value, languages | {language})
        plain = tuple(strip_marks(word) for word in words)
        plain_values.setdefault(plain, set()).add(value)
        plain_languages.setdefault(plain, set()).add(language)
    plain_meanings = {
        words: (min(values), frozenset(plain_languages[words]))
        for words, values in plain_values.items()
        if len(values) == 1
    }
    longest = max((len(words) for words in exact), default=0)
    return Phrases(exact, plain_meanings, longest)


def language_of(locale: str) -> str:
    """The language of a Babel locale id: `pt` for `pt_PT`."""
    return locale.split("_")[0]


@cache
def cldr_names(locale: str, key: str) -> tuple[tuple[str, ...], ...]:
    """Each month (`key="months"`, January first) or weekday (`"days"`, Monday first) of a locale.

    Each holds its wide and abbreviated names in the format and stand-alone contexts, each once.
    """
    from babel import localedata

    # NOTE: not babel.dates.get_month_names: Babel 2.18 memoizes resolved aliases into locale
    # data that locales share (python-babel/babel#1234), so after Japanese the stand-alone
    # months of French come back as `1月`. A private copy of the locale's data avoids it.
    data = localedata.LocaleDataDict(copy.deepcopy({key: localedata.load(locale)[key]}))
    names: dict[int, list[str]] = {}
    for context in CONTEXTS:
        for width in WIDTHS:
            for number, name in data[key][context][width].items():
                names.setdefault(number, []).append(name)
    return tuple(tuple(dict.fromkeys(names[number])) for number in sorted(names))


@cache
def month_phrases() -> Phrases:
    """Every month name of every UI language -> its number 1-12."""
    names = [
        (language_of(locale), number, name)
        for locale in UI_LOCALES
        for number, month_names in enumerate(cldr_names(locale, "months"), start=1)
        for name in month_names
    ]
    names += [
        (language, number, name)
        for language, months in MONTHS_MISSING_FROM_CLDR.items()
        for number, name in enumerate(months, start=1)
    ]
    return build_phrases(names)


@cache
def weekday_phrases() -> Phrases:
    """Every weekday name of every UI language -> its number 0-6 (Monday 0)."""
    return build_phrases(
        (language_of(locale), number, name)
        for locale in UI_LOCALES
        for number, day_names in enumerate(cldr_names(locale, "days"))
        for name in day_names
    )


@cache
def filler_phrases() -> Phrases:
    """Words a date may hold besides its day, month and year (`de`, `er`, `日`) -> 0."""
    return build_phrases(
        (language, 0, word) for language, words in DATE_FILLER_WORDS.items() for word in words
    )
