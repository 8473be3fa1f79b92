from __future__ import annotations

import json
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest

from tikscope.errors import UsageError
from tikscope.sources.files import read_files
from tikscope.sources.records import AccountFacts, Extract

FIXTURES = Path(__file__).parent / "fixtures" / "files"
TODAY = date(2026, 5, 2)
PROFILE = {"display_name": "Casa Verde", "total_likes": 402118}
EXPECTED_TABLES = {
    "audience_members": [
        {
            "member_key": 0,
            "member_id": "p_leo.grows",
            "followed_at": datetime(2026, 4, 29, 9, 1, 55),
        },
        {
            "member_key": 1,
            "member_id": "p_plantlover22",
            "followed_at": datetime(2026, 4, 30, 18, 22, 10),
        },
    ],
    "following": [{"handle": "garden.diaries", "followed_at": datetime(2025, 11, 2, 12, 0)}],
    "posts": [
        {
            "post_id": "7498123456789012345",
            "media_type": "video",
            "create_time": datetime(2026, 4, 28, 9, 0),
            "share_url": "https://www.tiktokv.com/share/video/7498123456789012345/",
        }
    ],
    "post_snapshots": [
        {"post_id": "7498123456789012345", "captured_at": datetime(2026, 5, 2), "likes": 3120}
    ],
}


def read(path: Path, *, handle: str | None = None) -> list[Extract]:
    return read_files(path, handle=handle, today=TODAY, pseudonymize=lambda name: f"p_{name}")


def test_read_files_reads_the_newer_archive_layout() -> None:
    path = FIXTURES / "archive_new_layout.json"
    [extract] = read(path)
    assert extract == Extract(
        account=AccountFacts("casa_verde_shop", None, "data_archive", PROFILE),
        tables=EXPECTED_TABLES,
        replace=frozenset({"audience_members", "following"}),
        notes=(
            f"{path}: 1 comment the account wrote on other accounts' posts not imported (they "
            "are not comments on its own posts)",
        ),
    )


def test_read_files_reads_the_older_layout_with_keys_in_any_case() -> None:
    [extract] = read(FIXTURES / "archive_old_layout.json")
    assert extract == Extract(
        account=AccountFacts("casa_verde_shop", None, "data_archive", PROFILE),
        tables=EXPECTED_TABLES,
        replace=frozenset({"audience_members", "following"}),
    )


def test_read_files_reads_an_archive_inside_a_zip_whatever_its_name(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "TikTok_Data_1714.zip", "w") as archive:
        archive.write(FIXTURES / "archive_new_layout.json", "export/data.bin")
    [extract] = read(tmp_path / "TikTok_Data_1714.zip")
    assert extract.tables == EXPECTED_TABLES


def write_json(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "user_data_tiktok.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_read_files_archive_keeps_the_first_follow_of_a_repeated_follower(tmp_path: Path) -> None:
    fans = [
        {"Date": "2026-04-30 18:22:10", "UserName": "@PlantLover22"},
        {"Date": "2026-03-01 08:00:00", "UserName": "plantlover22"},
        {"UserName": "no.date"},
    ]
    path = write_json(tmp_path, {"Your Activity": {"Follower": {"FansList": fans}}})
    [extract] = read(path, handle="casa_verde_shop")
    assert extract.tables == {
        "audience_members": [
            {"member_key": 0, "member_id": "p_no.date", "followed_at": None},
            {
                "member_key": 1,
                "member_id": "p_plantlover22",
                "followed_at": datetime(2026, 3, 1, 8),
            },
        ]
    }
    assert extract.replace == frozenset({"audience_members"})


def test_read_files_archive_takes_fans_from_profile_and_settings(tmp_path: Path) -> None:
    data = {"Profile And Settings": {"Follower": {"FansList": None}}}
    [extract] = read(write_json(tmp_path, data), handle="casa_verde_shop")
    assert extract.tables == {"audience_members": []}


def test_read_files_archive_needs_a_handle_without_a_profile(tmp_path: Path) -> None:
    path = write_json(tmp_path, {"Your Activity": {"Follower": {"FansList": []}}})
    with pytest.raises(UsageError) as caught:
        read(path)
    assert str(caught.value) == f"{path} does not name its account; name it with --account HANDLE"


def test_read_files_archive_refuses_another_accounts_handle() -> None:
    with pytest.raises(UsageError) as caught:
        read(FIXTURES / "archive_new_layout.json", handle="other")
    assert str(caught.value) == (
        f"{FIXTURES / 'archive_new_layout.json'} is the archive of @casa_verde_shop, but "
        "--account says @other"
    )
