"""Studio export files as they really come: shapes seen in real exports (fixtures in
`fixtures/files/studio_shapes`)."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pytest

from tikscope.errors import FileFormatError
from tikscope.sources.files import read_files
from tikscope.sources.records import Extract

FIXTURES = Path(__file__).parent / "fixtures" / "files"
SHAPES = FIXTURES / "studio_shapes"
TODAY = date(2026, 5, 2)
CAPTURED = datetime(2026, 5, 2)
OVERVIEW = ("video_views", "profile_views", "likes", "comments", "shares")


def read(path: Path, *, today: date = TODAY) -> Extract:
    [extract] = read_files(
        path, handle="casa_verde_shop", today=today, pseudonymize=lambda name: name
    )
    return extract


def overview(day: date, values: tuple[int, ...], captured_at: datetime) -> dict[str, object]:
    return {"date": day, **dict(zip(OVERVIEW, values, strict=True)), "captured_at": captured_at}


def test_read_files_reads_english_dates_day_first() -> None:
    extract = read(SHAPES / "overview_day_first.csv", today=date(2025, 12, 2))
    assert extract.tables["account_daily"] == [
        overview(date(2025, 11, 28), (8120, 311, 702, 41, 19), datetime(2025, 12, 2)),
        overview(date(2025, 11, 29), (10455, 402, 951, 63, 30), datetime(2025, 12, 2)),
    ]


def test_read_files_stores_new_followers_as_the_net_daily_change() -> None:
    extract = read(SHAPES / "overview_new_followers.csv")
    rows = extract.tables["account_daily"]
    assert [(row["date"], row["daily_total_followers"]) for row in rows] == [
        (date(2026, 4, 28), 21),
        (date(2026, 4, 29), -3),
        (date(2026, 4, 30), 0),
    ]
    assert not any("not imported" in note for note in extract.notes)


def test_read_files_reads_a_content_file_without_time_and_notes_the_7_day_views() -> None:
    path = SHAPES / "content_without_time.csv"
    extract = read(path)
    assert extract.tables["posts"] == [
        {
            "post_id": "7498123456789012345",
            "media_type": "video",
            "create_time": datetime(2026, 4, 28),
            "share_url": "https://www.tiktok.com/@casa_verde_shop/video/7498123456789012345",
            "caption": "Repotting a monstera #plants",
            "hashtags": ["plants"],
        }
    ]
    assert extract.tables["post_snapshots"] == [
        {"post_id": "7498123456789012345", "captured_at": CAPTURED,
         "likes": 3120, "comments": 88, "shares": 141}
    ]  # fmt: skip
    assert (
        f"{path}: column 'Views in the last 7 days' not imported (views of the last 7 days "
        "only; post_snapshots.views holds lifetime views)"
    ) in extract.notes


def test_read_files_takes_the_export_day_from_an_overview_zip_for_a_content_file_without_time(
    tmp_path: Path,
) -> None:
    # Imported a year later: the Overview zip name says the period ends 2026-05-01, so the
    # export day is 2026-05-02.
    zip_path = next((FIXTURES / "studio_en_zips").glob("Overview_*.zip"))
    shutil.copy(zip_path, tmp_path)
    shutil.copy(SHAPES / "content_without_time.csv", tmp_path)
    extract = read(tmp_path, today=date(2027, 3, 1))
    assert extract.tables["posts"][0]["create_time"] == datetime(2026, 4, 28)
    assert extract.tables["post_snapshots"][0]["captured_at"] == datetime(2026, 5, 2)


@pytest.mark.parametrize("language", ["ru", "vi", "ja", "es", "pt", "fr", "de"])
def test_read_files_reads_dates_in_the_ui_language_under_english_headers(language: str) -> None:
    # December into January: the years are inferred from the export day, one apart.
    extract = read(SHAPES / f"overview_dates_{language}.csv", today=date(2026, 1, 3))
    assert extract.tables["account_daily"] == [
        overview(date(2025, 12, 30), (7300, 280, 610, 35, 12), datetime(2026, 1, 3)),
        overview(date(2025, 12, 31), (8120, 311, 702, 41, 19), datetime(2026, 1, 3)),
        overview(date(2026, 1, 1), (10455, 402, 951, 63, 30), datetime(2026, 1, 3)),
    ]


def test_read_files_accepts_a_negative_daily_count() -> None:
    extract = read(SHAPES / "overview_negative_comments.csv")
    assert extract.tables["account_daily"] == [
        overview(date(2026, 4, 28), (7300, 280, 610, 35, 12), CAPTURED),
        overview(date(2026, 4, 29), (8120, 311, 702, -1, 19), CAPTURED),
    ]


@pytest.mark.parametrize(
    ("header", "row", "column"),
    [
        ('"Date","Followers"', '"April 29","-5"', "Followers"),
        ('"Date","Total Viewers"', '"April 29","-5"', "Total Viewers"),
        ('"Date","Hour","Active followers"', '"April 29","19","-5"', "Active followers"),
        ('"Video link","Post time","Total likes"',
         '"https://www.tiktok.com/@a/video/7498123456789012345","April 28","-5"', "Total likes"),
    ],
)  # fmt: skip
def test_read_files_refuses_a_negative_total(
    tmp_path: Path, header: str, row: str, column: str
) -> None:
    path = tmp_path / "export.csv"
    path.write_text(f"{header}\n{row}", encoding="utf-8")
    with pytest.raises(FileFormatError) as caught:
        read(path)
    assert str(caught.value) == (
        f"{path}:2: column '{column}': a negative number, but this is a total or a count of "
        "people (only daily changes can be negative) (got '-5')"
    )


def test_read_files_names_each_column_it_does_not_import() -> None:
    path = SHAPES / "overview_extra_column.csv"
    extract = read(path)
    assert extract.tables["account_daily"] == [
        {"date": date(2026, 4, 29), "video_views": 8120, "likes": 702, "captured_at": CAPTURED},
        {"date": date(2026, 4, 30), "video_views": 10455, "likes": 951, "captured_at": CAPTURED},
    ]
    assert extract.notes[0] == (
        f"{path}: column 'Estimated rewards' not imported (tikscope does not know it)"
    )


def test_read_files_names_a_repeated_column_it_does_not_import(tmp_path: Path) -> None:
    path = tmp_path / "Overview.csv"
    path.write_text('"Date","Video Views","Likes","LIKES"\n"April 29","8120","702","1"')
    extract = read(path)
    assert extract.tables["account_daily"][0]["likes"] == 702
    assert extract.notes[0] == f"{path}: column 'LIKES' not imported (it repeats column 'Likes')"
