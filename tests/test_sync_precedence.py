"""A poorer source (a Studio import) never overwrites what a richer one (an API sync) wrote."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tikscope.sources.records import AccountFacts, Extract, Row
from tikscope.sync.batches import account_id_of, write_extract
from tikscope.sync.imports import import_path
from tikscope.sync.precedence import outranked_tables

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

STUDIO = Path(__file__).parent / "fixtures" / "files" / "studio_en"
HANDLE = "casa_verde_shop"
TODAY = date(2026, 5, 2)
SYNCED_AT = datetime(2026, 5, 2, 6)
POST = "7498123456789012345"
STUDIO_ONLY_POST = "7455000000000000001"
BUSINESS_POST: Row = {
    "post_id": POST,
    "media_type": "video",
    "create_time": datetime(2026, 4, 28, 9, 13, 20),
    "caption": "Repotting a monstera in 30s, soil mix in the comments #plants #monstera",
    "hashtags": ["plants", "monstera"],
    "duration_seconds": 29.767,
    "is_ad": False,
    "share_url": f"https://www.tiktok.com/@{HANDLE}/video/{POST}",
}
BUSINESS_DAY: Row = {
    "date": date(2026, 4, 29),
    "video_views": 8000,
    "unique_video_views": 5500,
    "profile_views": None,  # not a registered business account: TikTok omits it
    "likes": 700,
    "comments": 40,
    "shares": 19,
    "followers_count": 15190,
    "captured_at": SYNCED_AT,
}
DAILY_COLUMNS = (
    "date, video_views, unique_video_views, profile_views, likes, followers_count, new_viewers, "
    "returning_viewers, captured_at"
)


def business_extract() -> Extract:
    facts = AccountFacts(HANDLE, "business", "business_api", {"display_name": "Casa Verde"})
    return Extract(facts, {"posts": [BUSINESS_POST], "account_daily": [BUSINESS_DAY]})


def business_sync(store: DuckDBPyConnection) -> int | None:
    result = write_extract(
        store, business_extract(), kind="sync", source="business_api http://127.0.0.1:1"
    )
    return result.run_id


def studio_import(store: DuckDBPyConnection, tmp_path: Path) -> tuple[str, ...]:
    [imported] = import_path(store, STUDIO, handle=HANDLE, today=TODAY, key_file=tmp_path / "key")
    return imported.notes


def posts(store: DuckDBPyConnection) -> list[tuple[object, ...]]:
    return store.execute(
        "SELECT post_id, media_type, create_time, caption, hashtags, duration_seconds, share_url "
        "FROM posts ORDER BY post_id"
    ).fetchall()


def daily(store: DuckDBPyConnection) -> list[tuple[object, ...]]:
    return store.execute(f"SELECT {DAILY_COLUMNS} FROM account_daily ORDER BY date").fetchall()


EXPECTED_POSTS = [
    (STUDIO_ONLY_POST, "video", datetime(2025, 12, 30), "Propagation tips", [], None,
     f"https://www.tiktok.com/@{HANDLE}/video/{STUDIO_ONLY_POST}"),
    (POST, "video", datetime(2026, 4, 28, 9, 13, 20), BUSINESS_POST["caption"],
     ["plants", "monstera"], 29.767, BUSINESS_POST["share_url"]),
]  # fmt: skip
STUDIO_DAY = datetime(2026, 5, 2)
EXPECTED_DAILY = [
    (date(2026, 4, 28), 7300, 5100, 280, 610, 15150, 3900, 1200, STUDIO_DAY),
    # the Business API's values stay; Studio fills what it alone knows (profile views, viewers)
    (date(2026, 4, 29), 8000, 5500, 311, 700, 15190, 4100, 1500, SYNCED_AT),
    (date(2026, 4, 30), 10455, 7020, 402, 951, 15234, 5000, 2020, STUDIO_DAY),
]


def test_studio_import_after_business_sync_keeps_api_values_and_fills_gaps(
    store: DuckDBPyConnection, tmp_path: Path
) -> None:
    business_run = business_sync(store)
    notes = studio_import(store, tmp_path)
    assert notes[-1] == (
        "account_daily, posts: an API sync wrote these first, so this import only filled empty "
        "cells and added rows; it replaced no value"
    )
    assert posts(store) == EXPECTED_POSTS
    assert daily(store) == EXPECTED_DAILY
    run_of_post = store.execute("SELECT run_id FROM posts WHERE post_id = ?", [POST]).fetchall()
    assert run_of_post == [(business_run,)]  # untouched: still the sync's row
    snapshots = store.execute("SELECT post_id, views FROM post_snapshots ORDER BY ALL").fetchall()
    assert snapshots == [(STUDIO_ONLY_POST, 15000), (POST, 48210)]


def test_studio_import_before_business_sync_ends_the_same(
    store: DuckDBPyConnection, tmp_path: Path
) -> None:
    studio_import(store, tmp_path)
    assert posts(store)[1][2:5] == (datetime(2026, 4, 28), "Repotting a monstera #plants",
                                    ["plants"])  # fmt: skip
    business_sync(store)
    assert posts(store) == EXPECTED_POSTS
    assert daily(store) == EXPECTED_DAILY  # the sync's NULL profile views erased nothing


def test_studio_import_twice_after_business_sync_still_keeps_api_values(
    store: DuckDBPyConnection, tmp_path: Path
) -> None:
    business_sync(store)
    studio_import(store, tmp_path)
    studio_import(store, tmp_path)
    assert (posts(store), daily(store)) == (EXPECTED_POSTS, EXPECTED_DAILY)
    business_sync(store)
    assert (posts(store), daily(store)) == (EXPECTED_POSTS, EXPECTED_DAILY)


def studio_extract(caption: str) -> Extract:
    post = {"post_id": POST, "media_type": "video", "create_time": datetime(2026, 4, 28),
            "caption": caption, "hashtags": []}  # fmt: skip
    return Extract(AccountFacts(HANDLE, None, "studio_export"), {"posts": [post]})


def test_a_later_import_still_corrects_what_an_import_wrote(store: DuckDBPyConnection) -> None:
    write_extract(store, studio_extract("Repotting"), kind="import", source="first.zip")
    write_extract(store, studio_extract("Repotting a monstera"), kind="import", source="next.zip")
    assert posts(store)[0][3] == "Repotting a monstera"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("studio_export", {"posts", "account_daily"}),
        ("data_archive", {"posts", "account_daily"}),
        ("display_api", {"posts", "account_daily"}),
        ("research_api", {"posts", "account_daily"}),
        ("business_api", set()),
    ],
)
def test_outranked_tables_are_those_a_richer_source_wrote(
    store: DuckDBPyConnection, source: str, expected: set[str]
) -> None:
    business_sync(store)
    tables = ["posts", "account_daily", "comments", "audience_members", "accounts", "sync_state"]
    assert outranked_tables(store, account_id_of(store, HANDLE), source, tables) == expected


def test_outranked_tables_puts_imports_below_display_syncs(store: DuckDBPyConnection) -> None:
    facts = AccountFacts(HANDLE, "personal", "display_api")
    write_extract(store, Extract(facts, {"posts": [BUSINESS_POST]}), kind="sync",
                  source="display_api http://127.0.0.1:1")  # fmt: skip
    account_id = account_id_of(store, HANDLE)
    assert outranked_tables(store, account_id, "studio_export", ["posts"]) == {"posts"}
    assert outranked_tables(store, account_id, "research_api", ["posts"]) == set()
    assert outranked_tables(store, account_id, "business_api", ["posts"]) == set()


def comment(author_id: str, likes: int) -> Row:
    return {"comment_id": "7498200000000000011", "post_id": POST, "parent_comment_id": None,
            "author_id": author_id, "text": "50/50 perlite!", "likes": likes, "replies": 1,
            "create_time": datetime(2026, 4, 28, 9, 30)}  # fmt: skip


def test_research_comments_never_replace_the_business_api_author(
    store: DuckDBPyConnection,
) -> None:
    business = Extract(business_extract().account, {"comments": [comment("p_real", 4)]})
    write_extract(store, business, kind="sync", source="business_api http://127.0.0.1:1")
    research = Extract(AccountFacts(HANDLE, None, "research_api"),
                       {"comments": [comment("p_unknown", 5)]})  # fmt: skip
    write_extract(store, research, kind="sync", source="research_api http://127.0.0.1:1")
    rows = store.execute("SELECT author_id, likes FROM comments").fetchall()
    assert rows == [("p_real", 4)]
