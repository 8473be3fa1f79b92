from __future__ import annotations

from datetime import date, datetime, time

import pytest

from tikscope.sources.files.dates import (
    WrittenDate,
    infer_years,
    parse_iso_timestamp,
    parse_written_date,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("April 29", WrittenDate(None, 4, 29)),
        ("Apr 29", WrittenDate(None, 4, 29)),
        ("May 1st", WrittenDate(None, 5, 1)),
        ("29 de abril", WrittenDate(None, 4, 29)),
        ("16 de agosto", WrittenDate(None, 8, 16)),
        ("30 de dic.", WrittenDate(None, 12, 30)),
        ("1 de março", WrittenDate(None, 3, 1)),
        ("1 de MARCO", WrittenDate(None, 3, 1)),
        ("30 de dez.", WrittenDate(None, 12, 30)),
        ("29 avril", WrittenDate(None, 4, 29)),
        ("1er mai", WrittenDate(None, 5, 1)),
        ("15 août", WrittenDate(None, 8, 15)),
        ("3 fevr.", WrittenDate(None, 2, 3)),
        ("29. April", WrittenDate(None, 4, 29)),
        ("1. März", WrittenDate(None, 3, 1)),
        ("30. Dez.", WrittenDate(None, 12, 30)),
        ("28 November", WrittenDate(None, 11, 28)),
        ("November 28", WrittenDate(None, 11, 28)),
        ("Mon, Apr 29", WrittenDate(None, 4, 29)),
        ("28 ноября", WrittenDate(None, 11, 28)),
        ("13 ноября 2024 г.", WrittenDate(2024, 11, 13)),
        ("16 tháng Tám", WrittenDate(None, 8, 16)),
        ("16 tháng Mười Một", WrittenDate(None, 11, 16)),
        ("16 tháng 8", WrittenDate(None, 8, 16)),
        ("ngày 16 tháng 8 năm 2024", WrittenDate(2024, 8, 16)),
        ("9月13日", WrittenDate(None, 9, 13)),
        ("2024年9月13日 14:05", WrittenDate(2024, 9, 13, time(14, 5))),
        ("9月13日(金)", WrittenDate(None, 9, 13)),
        ("９月１３日", WrittenDate(None, 9, 13)),
        ("9월 13일", WrittenDate(None, 9, 13)),
        ("13 Kasım", WrittenDate(None, 11, 13)),
        ("3 มี.ค.", WrittenDate(None, 3, 3)),
        ("3 ม.ค.", WrittenDate(None, 1, 3)),
        ("mar., 29 nov.", WrittenDate(None, 11, 29)),
        ("29 września", WrittenDate(None, 9, 29)),
        ("February 29", WrittenDate(None, 2, 29)),
        ("April 29, 2024", WrittenDate(2024, 4, 29)),
        ("April 28 14:05", WrittenDate(None, 4, 28, time(14, 5))),
        ("2024-05-01", WrittenDate(2024, 5, 1)),
        ("2024-05-01 10:00", WrittenDate(2024, 5, 1, time(10, 0))),
        ("2024-05-01 10:00:59", WrittenDate(2024, 5, 1, time(10, 0, 59))),
    ],
)
def test_parse_written_date_reads_every_language(text: str, expected: WrittenDate) -> None:
    assert parse_written_date(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "undefined", "Apirl 29", "April", "29", "April 32", "February 30", "April 29 30",
     "April May 1", "2024-13-01", "2024-05-01 25:00", "April 28 10:61", "29 de abril de la",
     "9月", "13日", "tháng 8", "Mon, 29", "29 ноября de", "9月13日 ноября"],
)  # fmt: skip
def test_parse_written_date_rejects_what_is_not_a_date(text: str) -> None:
    assert parse_written_date(text) is None


def md(*pairs: tuple[int, int]) -> list[WrittenDate]:
    return [WrittenDate(None, month, day) for month, day in pairs]


def test_infer_years_latest_date_is_not_after_anchor() -> None:
    assert infer_years(md((4, 29), (4, 30), (5, 1)), date(2026, 5, 2)) == [2026, 2026, 2026]
    assert infer_years(md((4, 29), (4, 30), (5, 3)), date(2026, 5, 2)) == [2025, 2025, 2025]


def test_infer_years_gives_a_series_across_new_year_consecutive_years() -> None:
    dates = md((12, 30), (12, 31), (1, 1), (1, 2))
    assert infer_years(dates, date(2026, 1, 3)) == [2025, 2025, 2026, 2026]


def test_infer_years_reads_a_descending_series() -> None:
    dates = md((1, 2), (1, 1), (12, 31), (12, 30))
    assert infer_years(dates, date(2026, 1, 3)) == [2026, 2026, 2025, 2025]


def test_infer_years_keeps_a_year_long_series_in_order_when_imported_late() -> None:
    # 365 days ending in January, imported in March: a date-by-date guess would put February
    # of the first year after the January at the end.
    dates = md((2, 10), (6, 1), (12, 31), (1, 15))
    assert infer_years(dates, date(2026, 3, 1)) == [2025, 2025, 2025, 2026]


def test_infer_years_takes_each_date_alone_when_the_column_is_not_a_series() -> None:
    dates = md((3, 1), (1, 1), (2, 1), (1, 5), (4, 1))
    assert infer_years(dates, date(2026, 3, 15)) == [2026, 2026, 2026, 2026, 2025]


def test_infer_years_keeps_written_years() -> None:
    dates = [WrittenDate(2020, 4, 29), *md((12, 31), (1, 1))]
    assert infer_years(dates, date(2026, 1, 3)) == [2020, 2025, 2026]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-04-29", datetime(2026, 4, 29)),
        ("2026-04-30T18:22:10", datetime(2026, 4, 30, 18, 22, 10)),
        ("2026-04-30 18:22:10", datetime(2026, 4, 30, 18, 22, 10)),
        ("2026-04-30T18:22:10Z", datetime(2026, 4, 30, 18, 22, 10)),
        ("2026-04-30T20:22:10+02:00", datetime(2026, 4, 30, 18, 22, 10)),
        ("30/04/2026", None),
        ("yesterday", None),
        ("0001-01-01T00:00:00+01:00", None),
    ],
)
def test_parse_iso_timestamp_gives_naive_utc(text: str, expected: datetime | None) -> None:
    assert parse_iso_timestamp(text) == expected


def test_infer_years_tells_two_days_across_new_year_from_two_days_back() -> None:
    assert infer_years(md((12, 31), (1, 1)), date(2026, 1, 3)) == [2025, 2026]
    assert infer_years(md((1, 2), (1, 1)), date(2026, 1, 3)) == [2026, 2026]
