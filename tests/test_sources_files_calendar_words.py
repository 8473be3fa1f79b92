from __future__ import annotations

import pytest

from tikscope.sources.files.calendar_words import cldr_names, word_tokens
from tikscope.sources.files.dates import WrittenDate, parse_written_date
from tikscope.sources.files.studio_words import MONTHS_MISSING_FROM_CLDR, UI_LOCALES

FRENCH_MONTHS = (
    ("janvier", "janv."), ("février", "févr."), ("mars",), ("avril", "avr."), ("mai",),
    ("juin",), ("juillet", "juil."), ("août",), ("septembre", "sept."), ("octobre", "oct."),
    ("novembre", "nov."), ("décembre", "déc."),
)  # fmt: skip


def test_cldr_names_of_one_locale_do_not_leak_into_another() -> None:
    # Babel 2.18 alone gives French stand-alone months as `1月` after Japanese (babel#1234).
    cldr_names.cache_clear()
    assert cldr_names("ja", "months")[8] == ("9月",)
    assert cldr_names("fr", "months") == FRENCH_MONTHS
    assert cldr_names("ru", "months")[10] == ("ноября", "нояб.", "ноябрь")
    assert cldr_names("en", "days")[0] == ("Monday", "Mon")


def test_calendar_words_month_names_mean_one_month() -> None:
    meaning: dict[tuple[str, ...], int] = {}
    named = [(locale, cldr_names(locale, "months")) for locale in UI_LOCALES]
    named += [(language, tuple((name,) for name in months))
              for language, months in MONTHS_MISSING_FROM_CLDR.items()]  # fmt: skip
    for locale, months in named:
        assert len(months) == 12, locale
        for number, names in enumerate(months, start=1):
            for name in names:
                words = tuple(word_tokens(name))
                assert meaning.setdefault(words, number) == number, (locale, name)


@pytest.mark.parametrize("locale", UI_LOCALES)
def test_parse_written_date_reads_every_month_name_of_every_ui_locale(locale: str) -> None:
    for number, names in enumerate(cldr_names(locale, "months"), start=1):
        for name in names:
            assert parse_written_date(f"13 {name}") == WrittenDate(None, number, 13), name
