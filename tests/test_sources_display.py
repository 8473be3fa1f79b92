from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from test_sources_http import FakeApi, fixture
from tikscope.errors import MalformedResponseError, RateLimitedError
from tikscope.sources.display import DisplayClient, DisplayUser
from tikscope.sources.http import RetryPolicy
from tikscope.sources.records import AccountFacts

USER = "/v2/user/info/"
LIST = "/v2/video/list/"
QUERY = "/v2/video/query/"
CAPTURED = datetime(2026, 5, 3, 9, 0)
VIDEO_FIELDS = "id,create_time,video_description,duration,share_url,view_count,like_count,comment_count,share_count"


def test_display_user_maps_the_profile_and_followers() -> None:
    api = FakeApi()
    api.add_json("GET", USER, fixture("display_user_info.json"))
    user = DisplayClient(api.session("open")).user()
    assert api.queries() == [
        {
            "fields": "open_id,union_id,avatar_url,display_name,bio_description,profile_deep_link,is_verified,"
            "username,follower_count,following_count,likes_count,video_count",
        }
    ]
    assert user == DisplayUser(
        facts=AccountFacts(
            handle="casa_verde_shop",
            account_type="personal",
            source="display_api",
            columns={
                "display_name": "Casa Verde",
                "open_id": "-000xYzAbCdEf1234",
                "union_id": "c9b1e2d3-aaaa-bbbb-cccc-1234567890ab",
                "bio": "Plants & pots",
                "is_verified": False,
                "following_count": 88,
                "total_likes": 402118,
                "videos_count": 212,
            },
        ),
        followers_count=15234,
    )


def test_display_user_asks_only_for_the_fields_of_granted_scopes() -> None:
    answer = fixture("display_user_info.json")
    for name in ("follower_count", "following_count", "likes_count", "video_count"):
        del answer["data"]["user"][name]
    api = FakeApi()
    api.add_json("GET", USER, answer)
    user = DisplayClient(api.session("open"), scopes=["user.info.profile", "video.list"]).user()
    assert api.queries() == [
        {
            "fields": "open_id,union_id,avatar_url,display_name,bio_description,profile_deep_link,is_verified,username",
        }
    ]
    assert user.facts.columns == {
        "display_name": "Casa Verde",
        "open_id": "-000xYzAbCdEf1234",
        "union_id": "c9b1e2d3-aaaa-bbbb-cccc-1234567890ab",
        "bio": "Plants & pots",
        "is_verified": False,
    }
    assert user.followers_count is None


def test_display_user_without_username_says_which_scope() -> None:
    answer = fixture("display_user_info.json")
    del answer["data"]["user"]["username"]
    api = FakeApi()
    api.add_json("GET", USER, answer)
    with pytest.raises(MalformedResponseError) as raised:
        DisplayClient(api.session("open")).user()
    assert str(raised.value) == (
        f"{USER} data.user.username: expected the username (scope user.info.profile), got nothing "
        "(request id 20260503090000C0FFEE1234567890AB)"
    )


def post(
    post_id: str, seconds: int, caption: str, hashtags: list[str], duration: float, url: str
) -> dict[str, Any]:
    return {
        "post_id": post_id,
        "media_type": "video",
        "create_time": datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None),
        "caption": caption,
        "hashtags": hashtags,
        "duration_seconds": duration,
        "share_url": url,
    }


def snapshot(post_id: str, views: int, likes: int, comments: int, shares: int) -> dict[str, Any]:
    return {
        "post_id": post_id,
        "captured_at": CAPTURED,
        "views": views,
        "likes": likes,
        "comments": comments,
        "shares": shares,
    }


def test_display_videos_page_through_the_list() -> None:
    api = FakeApi()
    api.add_json(
        "POST",
        LIST,
        fixture("display_video_list_page1.json"),
        fixture("display_video_list_page2.json"),
    )
    tables = DisplayClient(api.session("open")).videos(captured_at=CAPTURED)
    assert api.queries() == [{"fields": VIDEO_FIELDS}] * 2
    assert api.bodies() == [{"max_count": 20}, {"max_count": 20, "cursor": 1745312400000}]
    assert tables == {
        "posts": [
            post(
                "7498123456789012345",
                1745830800,
                "Repotting a monstera in 30s #plants",
                ["plants"],
                30.0,
                "https://www.tiktok.com/@casa_verde_shop/video/7498123456789012345?utm_campaign=tt4d_open_api",
            ),
            post(
                "7480000000000000002",
                1741000000,
                "Three pots, one shelf #Shelfie",
                ["shelfie"],
                0.0,
                "https://www.tiktok.com/@casa_verde_shop/video/7480000000000000002?utm_campaign=tt4d_open_api",
            ),
        ],
        "post_snapshots": [
            snapshot("7498123456789012345", 48210, 3120, 88, 141),
            snapshot("7480000000000000002", 5120, 410, 12, 9),
        ],
    }


def test_display_videos_rate_limited_past_the_retries() -> None:
    api = FakeApi()
    api.add_json("POST", LIST, *[fixture("display_rate_limited.json")] * 2, status=429)
    client = DisplayClient(api.session("open", policy=RetryPolicy(attempts=2)))
    with pytest.raises(RateLimitedError) as raised:
        client.videos(captured_at=CAPTURED)
    assert str(raised.value) == (
        "POST /v2/video/list/: TikTok answered rate_limit_exceeded: The API rate limit was exceeded. "
        "Please try again later. (log id 20260503090002DEADBEEF00000001); gave up after 2 attempts"
    )
    assert api.waits == [120.0]


def test_display_query_asks_twenty_distinct_ids_per_call() -> None:
    ids = [f"74981234567890123{index:02d}" for index in range(45)] + [
        "7498123456789012345",
        "7498123456789012344",
    ]
    empty = {"data": {"videos": []}, "error": {"code": "ok", "message": "", "log_id": "L-empty"}}
    api = FakeApi()
    api.add_json("POST", QUERY, fixture("display_video_query.json"), empty, empty)
    tables = DisplayClient(api.session("open")).query(ids, captured_at=CAPTURED)
    assert [len(body["filters"]["video_ids"]) for body in api.bodies()] == [20, 20, 6]
    assert api.bodies()[0]["filters"]["video_ids"][:2] == [
        "7498123456789012300",
        "7498123456789012301",
    ]
    assert api.queries() == [{"fields": VIDEO_FIELDS}] * 3
    assert tables == {
        "posts": [
            post(
                "7498123456789012345",
                1745830800,
                "Repotting a monstera in 30s #plants",
                ["plants"],
                30.0,
                "https://www.tiktok.com/@casa_verde_shop/video/7498123456789012345?utm_campaign=tt4d_open_api",
            ),
        ],
        "post_snapshots": [snapshot("7498123456789012345", 48900, 3150, 90, 142)],
    }
