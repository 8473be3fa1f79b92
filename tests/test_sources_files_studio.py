from __future__ import annotations

import shutil
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest

from tikscope.errors import UsageError
from tikscope.sources.files import read_files
from tikscope.sources.files.common import normalize_word
from tikscope.sources.files.studio_daily import follower_changes
from tikscope.sources.files.studio_words import HEADERS, REQUIRED_FIELDS
from tikscope.sources.records import AccountFacts, Extract

FIXTURES = Path(__file__).parent / "fixtures" / "files"
TODAY = date(2026, 5, 2)
CAPTURED = datetime(2026, 5, 2)
HANDLE = "casa_verde_shop"
DIFFERENCE_NOTE = (
    "{name}: column '{column}' not imported (it is not the store's daily_total_followers); the "
    "change per day is the difference of followers_count between days. The "
    "column matched that day's change on 0 of 3 days, the next day's on 2"
)


def read(path: Path, *, today: date = TODAY, handle: str | None = HANDLE) -> list[Extract]:
    return read_files(path, handle=handle, today=today, pseudonymize=lambda name: f"p_{name}")


def daily(day: int, month: int, values: tuple[int, ...]) -> dict[str, object]:
    names = ("video_views", "profile_views", "likes", "comments", "shares", "followers_count",
             "unique_video_views", "new_viewers", "returning_viewers")  # fmt: skip
    return {"date": date(2026, month, day), **dict(zip(names, values, strict=True)),
            "captured_at": CAPTURED}  # fmt: skip


EXPECTED_TABLES = {
    "account_daily": [
        daily(28, 4, (7300, 280, 610, 35, 12, 15150, 5100, 3900, 1200)),
        daily(29, 4, (8120, 311, 702, 41, 19, 15190, 5600, 4100, 1500)),
        daily(30, 4, (10455, 402, 951, 63, 30, 15234, 7020, 5000, 2020)),
    ],
    "follower_activity": [
        {"date": date(2026, 4, 30), "hour": 19, "active_followers": 3920},
        {"date": date(2026, 4, 30), "hour": 20, "active_followers": 4011},
    ],
    "audience_snapshots": [
        {"snapshot_date": TODAY, "dimension": "gender", "value": "female", "share": 0.55},
        {"snapshot_date": TODAY, "dimension": "gender", "value": "male", "share": 0.41},
        {"snapshot_date": TODAY, "dimension": "gender", "value": "other", "share": 0.04},
        {"snapshot_date": TODAY, "dimension": "country", "value": "ES", "share": 0.52},
        {"snapshot_date": TODAY, "dimension": "country", "value": "MX", "share": 0.18},
        {"snapshot_date": TODAY, "dimension": "country", "value": "Others", "share": 0.30},
    ],
    "posts": [
        {
            "post_id": "7498123456789012345",
            "media_type": "video",
            "create_time": datetime(2026, 4, 28),
            "share_url": "https://www.tiktok.com/@casa_verde_shop/video/7498123456789012345",
            "caption": "Repotting a monstera #plants",
            "hashtags": ["plants"],
        },
        {
            "post_id": "7455000000000000001",
            "media_type": "video",
            "create_time": datetime(2025, 12, 30),
            "share_url": "https://www.tiktok.com/@casa_verde_shop/video/7455000000000000001",
            "caption": "Propagation tips",
            "hashtags": [],
        },
    ],
    "post_snapshots": [
        {"post_id": "7498123456789012345", "captured_at": CAPTURED,
         "likes": 3120, "comments": 88, "shares": 141, "views": 48210},
        {"post_id": "7455000000000000001", "captured_at": CAPTURED,
         "likes": 900, "comments": 12, "shares": 20, "views": 15000},
    ],
}  # fmt: skip


def test_read_files_reads_an_english_studio_export_with_every_note() -> None:
    folder = FIXTURES / "studio_en"
    [extract] = read(folder)
    assert extract.account == AccountFacts(HANDLE, None, "studio_export", {})
    assert extract.tables == EXPECTED_TABLES
    assert extract.replace == frozenset()
    assert extract.notes == (
        DIFFERENCE_NOTE.format(
            name=folder / "FollowerHistory.csv",
            column="Difference in followers from previous day",
        ),
        f"{folder / 'Overview.csv'}: no data yet ('undefined') for 2026-05-01: left out",
        f"{folder / 'Viewers.csv'}: 'undefined' total viewers (new and returning not final "
        "either) for 2026-05-01: left out",
        "Studio writes dates without a year: read as 2026-04-28 to 2026-04-30 (the latest not "
        "after 2026-05-02)",
        "account_daily: 2026-04-30 may not be final yet (Studio needs about 48 h); import a "
        "later export to correct them",
        f"{folder / 'FollowerActivity.csv'}: 1 hour with no data yet left out",
        "Content.csv lists only TikTok's top posts (about 15), not every post",
        "Content.csv gives no time of day for some posts: their create_time is 00:00",
    )


@pytest.mark.parametrize("language", ["es", "pt", "fr", "de"])
def test_read_files_reads_studio_exports_in_each_language(language: str) -> None:
    [extract] = read(FIXTURES / f"studio_{language}")
    assert extract.tables == EXPECTED_TABLES


def test_read_files_reads_the_four_studio_zips_and_takes_the_handle_from_their_names() -> None:
    # A year later: the period end in the Overview zip name still places the dates in 2026.
    [extract] = read(FIXTURES / "studio_en_zips", today=date(2027, 3, 1), handle=None)
    assert extract.account.handle == HANDLE
    assert extract.tables["account_daily"] == [
        row | {"captured_at": datetime(2027, 3, 1)} for row in EXPECTED_TABLES["account_daily"]
    ]
    assert extract.tables["posts"] == EXPECTED_TABLES["posts"]
    assert (
        "account_daily: 2026-04-30 may not be final yet (Studio needs about 48 h); import a "
        "later export to correct them"
    ) in extract.notes


def test_read_files_reads_one_studio_zip_given_alone() -> None:
    zip_path = next((FIXTURES / "studio_en_zips").glob("Overview_*.zip"))
    [extract] = read(zip_path, handle=None)
    assert extract.account.handle == HANDLE
    assert list(extract.tables) == ["account_daily"]
    assert [row["video_views"] for row in extract.tables["account_daily"]] == [7300, 8120, 10455]


def test_read_files_detects_renamed_studio_files_by_their_header(tmp_path: Path) -> None:
    for index, source in enumerate(sorted((FIXTURES / "studio_de").iterdir())):
        shutil.copy(source, tmp_path / f"shared file ({index}).txt")
    with zipfile.ZipFile(tmp_path / "whatsapp.zip", "w") as archive:
        archive.writestr("IMG_0001.dat", (tmp_path / "shared file (0).txt").read_bytes())
    (tmp_path / "shared file (0).txt").unlink()
    [extract] = read(tmp_path)
    assert extract.tables == EXPECTED_TABLES


def test_read_files_matches_headers_in_any_case_and_without_accents(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(
        '"DATA","visualizacoes de video","CURTIDAS"\n"31 de dezembro","10","2"\n"1 de janeiro","20","3"',
        encoding="utf-8",
    )
    [extract] = read(tmp_path / "a.csv", today=date(2026, 1, 3))
    assert extract.tables == {
        "account_daily": [
            {"date": date(2025, 12, 31), "video_views": 10, "likes": 2,
             "captured_at": datetime(2026, 1, 3)},
            {"date": date(2026, 1, 1), "video_views": 20, "likes": 3,
             "captured_at": datetime(2026, 1, 3)},
        ]
    }  # fmt: skip


def test_read_files_gives_a_studio_series_across_new_year_consecutive_years(tmp_path: Path) -> None:
    rows = ["30 de diciembre", "31 de diciembre", "1 de enero", "2 de enero"]
    lines = ['"Fecha","Seguidores"'] + [f'"{day}","{100 + i}"' for i, day in enumerate(rows)]
    (tmp_path / "FollowerHistory.csv").write_text("\ufeff" + "\n".join(lines), encoding="utf-8")
    [extract] = read(tmp_path, today=date(2026, 1, 3))
    days = [row["date"] for row in extract.tables["account_daily"]]
    assert days == [date(2025, 12, 30), date(2025, 12, 31), date(2026, 1, 1), date(2026, 1, 2)]


def test_read_files_keeps_undefined_cells_as_none_and_drops_empty_days(tmp_path: Path) -> None:
    (tmp_path / "Overview.csv").write_text(
        '"Date","Video Views","Profile Views","Likes","Comments","Shares"\n'
        '"April 29","8120","undefined","702","41","19"\n'
        '"April 30","undefined","undefined","undefined","undefined","undefined"',
        encoding="utf-8-sig",
    )
    [extract] = read(tmp_path)
    assert extract.tables["account_daily"] == [
        {"date": date(2026, 4, 29), "video_views": 8120, "profile_views": None, "likes": 702,
         "comments": 41, "shares": 19, "captured_at": CAPTURED}
    ]  # fmt: skip


def test_read_files_drops_a_viewers_day_whose_total_is_undefined(tmp_path: Path) -> None:
    (tmp_path / "Viewers.csv").write_text(
        '"Date","Total Viewers","New Viewers","Returning Viewers"\n'
        '"April 25","5100","undefined","1200"\n'
        '"April 26","undefined","0","0"',
        encoding="utf-8-sig",
    )
    [extract] = read(tmp_path)
    assert extract.tables["account_daily"] == [
        {"date": date(2026, 4, 25), "unique_video_views": 5100, "new_viewers": None,
         "returning_viewers": 1200, "captured_at": CAPTURED}
    ]  # fmt: skip
    assert extract.notes[0] == (
        f"{tmp_path / 'Viewers.csv'}: 'undefined' total viewers (new and returning not final "
        "either) for 2026-04-26: left out"
    )


def test_follower_changes_recomputes_the_change_from_the_totals() -> None:
    followers = {
        date(2026, 4, 28): 15150,
        date(2026, 4, 29): 15190,
        date(2026, 4, 30): 15234,
        date(2026, 5, 2): 15300,
        date(2026, 5, 3): None,
    }
    assert follower_changes(followers) == {
        date(2026, 4, 28): None,
        date(2026, 4, 29): 40,
        date(2026, 4, 30): 44,
        date(2026, 5, 2): None,
        date(2026, 5, 3): None,
    }


def test_read_files_says_when_the_difference_column_is_the_same_day_change(tmp_path: Path) -> None:
    (tmp_path / "h.csv").write_text(
        '"Date","Followers","Difference in followers from previous day"\n'
        '"April 20","100","0"\n"April 21","110","10"\n"April 22","105","-5"',
        encoding="utf-8-sig",
    )
    [extract] = read(tmp_path / "h.csv")
    assert [row["followers_count"] for row in extract.tables["account_daily"]] == [100, 110, 105]
    assert "daily_total_followers" not in extract.tables["account_daily"][0]
    assert extract.notes[0].endswith(
        "The column matched that day's change on 2 of 3 days, the next day's on 0"
    )


def test_read_files_studio_needs_a_handle_when_the_zip_names_do_not_say(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "studio_en" / "Overview.csv", tmp_path)
    with pytest.raises(UsageError) as caught:
        read(tmp_path, handle=None)
    assert str(caught.value) == (
        "the Studio files do not say which account they are (the zip names are not TikTok's); "
        "name it with --account HANDLE"
    )


def test_read_files_refuses_a_handle_other_than_the_zip_names() -> None:
    with pytest.raises(UsageError) as caught:
        read(FIXTURES / "studio_en_zips", handle="@Someone")
    assert str(caught.value) == "the zip names say @casa_verde_shop, but --account says @someone"


def test_studio_words_each_language_names_every_field_once() -> None:
    for language, kinds in HEADERS.items():
        assert kinds.keys() == HEADERS["en"].keys(), language
        for kind, fields in kinds.items():
            assert fields.keys() == HEADERS["en"][kind].keys(), (language, kind)
            assert set(REQUIRED_FIELDS[kind]) <= fields.keys()
    for kind in HEADERS["en"]:
        meaning: dict[str, str] = {}
        for kinds in HEADERS.values():
            for field, words in kinds[kind].items():
                for word in words:
                    assert meaning.setdefault(normalize_word(word), field) == field, (kind, word)
