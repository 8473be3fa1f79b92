from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from test_sources_http import FakeApi, fixture
from tikscope.errors import MalformedResponseError, QuotaExhaustedError, UsageError
from tikscope.sources.research import Page, ResearchClient, date_chunks

VIDEOS = "/v2/research/video/query/"
QUERY = {"and": [{"field_name": "hashtag_name", "operation": "EQ", "field_values": ["plants"]}]}
VIDEO_FIELDS = (
    "id,video_description,create_time,region_code,share_count,view_count,like_count,comment_count,"
    "music_id,hashtag_names,username,favorites_count,video_duration"
)
OK_EMPTY = {
    "data": {"cursor": 0, "has_more": False, "search_id": "S-empty", "videos": []},
    "error": {"code": "ok", "log_id": "L-e"},
}


def utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


def client(api: FakeApi) -> ResearchClient:
    return ResearchClient(api.session("open"))


def test_research_user_info_is_flat() -> None:
    api = FakeApi()
    api.add_json("POST", "/v2/research/user/info/", fixture("research_user_info.json"))
    row = client(api).user_info("garden.diaries")
    assert api.queries() == [
        {
            "fields": "display_name,bio_description,avatar_url,is_verified,follower_count,following_count,"
            "likes_count,video_count,bio_url",
        }
    ]
    assert api.bodies() == [{"username": "garden.diaries"}]
    assert row == {
        "username": "garden.diaries",
        "display_name": "Garden Diaries",
        "bio_description": "Balcony gardening",
        "avatar_url": "https://p16-sign-va.tiktokcdn.com/gd.jpeg",
        "is_verified": False,
        "follower_count": 48210,
        "following_count": 301,
        "likes_count": 1220455,
        "video_count": 388,
        "bio_url": "https://garden-diaries.example",
    }


def test_research_followers_page() -> None:
    api = FakeApi()
    api.add_json("POST", "/v2/research/user/followers/", fixture("research_followers.json"))
    page = client(api).followers("casa_verde_shop", cursor=None)
    assert api.bodies() == [{"username": "casa_verde_shop", "max_count": 100}]
    assert page == Page(usernames=["plantlover22", "leo.grows"], cursor=1745000000, has_more=True)


def test_research_following_page_passes_the_cursor() -> None:
    api = FakeApi()
    api.add_json("POST", "/v2/research/user/following/", fixture("research_following.json"))
    page = client(api).following("plantlover22", cursor=1745000000)
    assert api.bodies() == [{"username": "plantlover22", "max_count": 100, "cursor": 1745000000}]
    assert page == Page(usernames=["casa_verde_shop"], cursor=1744000000, has_more=False)


def test_research_followers_without_the_list_is_malformed() -> None:
    api = FakeApi()
    api.add_json(
        "POST",
        "/v2/research/user/followers/",
        {"data": {"cursor": 1, "has_more": False}, "error": {"code": "ok", "log_id": "L9"}},
    )
    with pytest.raises(MalformedResponseError) as raised:
        client(api).followers("casa_verde_shop", cursor=None)
    assert str(raised.value) == (
        "/v2/research/user/followers/ data.user_followers: expected a list (a missing list is not an empty one), "
        "got nothing (request id L9)"
    )


def test_research_comments_page_has_no_author_and_top_level_parent_is_none() -> None:
    api = FakeApi()
    api.add_json("POST", "/v2/research/video/comment/list/", fixture("research_comments.json"))
    rows, cursor, has_more = client(api).comments("7359876543210987654", cursor=None)
    assert api.queries() == [
        {"fields": "id,video_id,text,like_count,reply_count,parent_comment_id,create_time"}
    ]
    assert api.bodies() == [{"video_id": "7359876543210987654", "max_count": 100}]
    assert (rows, cursor, has_more) == (
        [
            {
                "comment_id": "7360000000000000011",
                "post_id": "7359876543210987654",
                "parent_comment_id": None,
                "text": "Which plant is that?",
                "likes": 4,
                "replies": 1,
                "create_time": utc(1713501000),
            },
            {
                "comment_id": "7360000000000000012",
                "post_id": "7359876543210987654",
                "parent_comment_id": "7360000000000000011",
                "text": "A pothos",
                "likes": 1,
                "replies": 0,
                "create_time": utc(1713502000),
            },
        ],
        2,
        True,
    )


def test_research_videos_pass_cursor_and_search_id_and_accept_video_id() -> None:
    api = FakeApi()
    api.add_json(
        "POST",
        VIDEOS,
        fixture("research_video_query_page1.json"),
        fixture("research_video_query_page2.json"),
    )
    rows = client(api).videos(QUERY, start=date(2024, 4, 1), end=date(2024, 4, 20))
    assert api.queries() == [{"fields": VIDEO_FIELDS}] * 2
    first = {"query": QUERY, "start_date": "20240401", "end_date": "20240420", "max_count": 100}
    assert api.bodies() == [first, {**first, "cursor": 100, "search_id": "7361234567890123456"}]
    assert rows == [
        {
            "post_id": "7359876543210987654",
            "username": "garden.diaries",
            "create_time": utc(1713500000),
            "caption": "Spring balcony tour #plants",
            "hashtags": ["plants"],
            "sound_id": "7300000000000000001",
            "region_code": "ES",
            "duration_seconds": 42.0,
            "views": 20450,
            "likes": 1802,
            "comments": 36,
            "shares": 22,
            "favorites": 140,
        },
        {
            "post_id": "7359000000000000001",
            "username": "leo.grows",
            "create_time": utc(1713400000),
            "caption": "Cuttings in water",
            "hashtags": ["propagation", "plants"],
            "sound_id": "7300000000000000002",
            "region_code": "AR",
            "duration_seconds": 15.0,
            "views": 880,
            "likes": 64,
            "comments": 3,
            "shares": 1,
            "favorites": 9,
        },
    ]


def test_research_videos_split_long_ranges_into_30_day_chunks() -> None:
    api = FakeApi()
    api.add_json("POST", VIDEOS, OK_EMPTY, OK_EMPTY, OK_EMPTY)
    assert client(api).videos(QUERY, start=date(2024, 1, 1), end=date(2024, 3, 15)) == []
    assert [(body["start_date"], body["end_date"]) for body in api.bodies()] == [
        ("20240101", "20240130"),
        ("20240131", "20240229"),
        ("20240301", "20240315"),
    ]


def test_research_date_chunks_cover_the_range_exactly() -> None:
    assert list(date_chunks(date(2024, 1, 1), date(2024, 1, 1))) == [
        (date(2024, 1, 1), date(2024, 1, 1))
    ]
    assert list(date_chunks(date(2024, 1, 1), date(2024, 1, 30))) == [
        (date(2024, 1, 1), date(2024, 1, 30))
    ]
    assert list(date_chunks(date(2024, 1, 1), date(2024, 1, 31))) == [
        (date(2024, 1, 1), date(2024, 1, 30)),
        (date(2024, 1, 31), date(2024, 1, 31)),
    ]


def test_research_videos_reject_bad_arguments_without_calling() -> None:
    api = FakeApi()
    with pytest.raises(UsageError, match="start 2024-02-01 is after end 2024-01-01"):
        client(api).videos(QUERY, start=date(2024, 2, 1), end=date(2024, 1, 1))
    with pytest.raises(UsageError, match="needs at least one of and/or/not"):
        client(api).videos({"and": []}, start=date(2024, 1, 1), end=date(2024, 1, 2))
    assert api.requests == []


def test_research_videos_stop_on_the_daily_quota() -> None:
    api = FakeApi()
    api.add_json("POST", VIDEOS, fixture("research_video_query_page1.json"))
    api.add_json("POST", VIDEOS, fixture("research_quota_exhausted.json"), status=429)
    with pytest.raises(QuotaExhaustedError):
        client(api).videos(QUERY, start=date(2024, 4, 1), end=date(2024, 4, 20))
    assert len(api.requests) == 2
    assert api.waits == []


def test_research_videos_stop_when_the_cursor_stops_moving() -> None:
    stuck = {
        "data": {"cursor": 100, "has_more": True, "search_id": "S1", "videos": []},
        "error": {"code": "ok", "log_id": "L-stuck"},
    }
    api = FakeApi()
    api.add_json("POST", VIDEOS, stuck, stuck)
    with pytest.raises(MalformedResponseError) as raised:
        client(api).videos(QUERY, start=date(2024, 4, 1), end=date(2024, 4, 2))
    assert str(raised.value) == (
        f"{VIDEOS} data.cursor: expected a new cursor while has_more is true, got int 100 (request id L-stuck)"
    )
