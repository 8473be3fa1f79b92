from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pytest

from test_sources_http import FakeApi, fixture
from tikscope.errors import MalformedResponseError, UsageError
from tikscope.ids import make_account_id
from tikscope.sources.business import ACCOUNT_FIELDS, VIDEO_FIELDS, BusinessClient
from tikscope.sources.records import AccountFacts, Extract
from tikscope.store.ingest import Batch, ingest

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

ACCOUNT = "/open_api/v1.3/business/get/"
VIDEOS = "/open_api/v1.3/business/video/list/"
COMMENTS = "/open_api/v1.3/business/comment/list/"
REPLIES = "/open_api/v1.3/business/comment/reply/list/"
CAPTURED = datetime(2026, 5, 3, 8, 30)
NO_INSIGHTS: dict[str, Any] = {
    "reach": None,
    "total_time_watched_seconds": None,
    "average_time_watched_seconds": None,
    "full_video_watched_rate": None,
    "new_followers": None,
    "profile_views": None,
    "source_for_you": None,
    "source_follow": None,
    "source_personal_profile": None,
    "source_search": None,
    "source_hashtag": None,
    "source_sound": None,
    "source_direct_message": None,
    "viewers_new": None,
    "viewers_returning": None,
    "viewers_follower": None,
    "viewers_non_follower": None,
    "viewers_female": None,
    "viewers_male": None,
    "viewers_other": None,
    "viewer_countries": None,
    "retention": None,
}
NO_CLICKS = dict.fromkeys(
    (
        "phone_number_clicks",
        "email_clicks",
        "address_clicks",
        "lead_submissions",
        "app_download_clicks",
    )
)


def client(api: FakeApi) -> BusinessClient:
    return BusinessClient(api.session("business"), "b-open-id")


def _utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


def pseudonym(username: str) -> str:
    return f"p_{username}"


def test_business_account_maps_profile_daily_series_audience_and_activity() -> None:
    api = FakeApi()
    api.add_json("GET", ACCOUNT, fixture("business_get.json"))
    extract = client(api).account(
        start=date(2026, 5, 1), end=date(2026, 5, 2), captured_at=CAPTURED
    )
    assert api.queries() == [
        {
            "business_id": "b-open-id",
            "start_date": "2026-05-01",
            "end_date": "2026-05-02",
            "fields": json.dumps(list(ACCOUNT_FIELDS), separators=(",", ":")),
        }
    ]
    day = {"captured_at": CAPTURED, **NO_CLICKS}

    def audience(dimension: str, value: str, share: float) -> dict[str, Any]:
        return {
            "snapshot_date": date(2026, 5, 2),
            "dimension": dimension,
            "value": value,
            "share": share,
        }

    assert extract == Extract(
        account=AccountFacts(
            handle="casa_verde_shop",
            account_type="business",
            source="business_api",
            columns={
                "display_name": "Casa Verde",
                "bio": "Plants & pots 🌿",
                "is_verified": False,
                "following_count": 88,
                "total_likes": 402118,
                "videos_count": 212,
                "open_id": "b-open-id",
            },
        ),
        tables={
            "account_daily": [
                {
                    **day,
                    "date": date(2026, 5, 1),
                    "video_views": 8120,
                    "unique_video_views": 6034,
                    "profile_views": 311,
                    "likes": 702,
                    "comments": 41,
                    "shares": 19,
                    "followers_count": 15190,
                    "daily_new_followers": 58,
                    "daily_lost_followers": 9,
                    "daily_total_followers": 49,
                    "engaged_audience": 655,
                    "bio_link_clicks": 12,
                },
                {
                    **day,
                    "date": date(2026, 5, 2),
                    "video_views": 10455,
                    "unique_video_views": 7711,
                    "profile_views": 402,
                    "likes": 951,
                    "comments": 63,
                    "shares": 30,
                    "followers_count": 15234,
                    "daily_new_followers": 61,
                    "daily_lost_followers": 17,
                    "daily_total_followers": 44,
                    "engaged_audience": 870,
                    "bio_link_clicks": 7,
                },
            ],
            "audience_snapshots": [
                audience("gender", "female", 0.71),
                audience("gender", "male", 0.27),
                audience("gender", "other", 0.02),
                audience("age", "18-24", 0.41),
                audience("age", "25-34", 0.33),
                audience("age", "55+", 0.04),
                audience("country", "ES", 0.52),
                audience("country", "MX", 0.18),
                audience("city", "Madrid", 0.14),
            ],
            "follower_activity": [
                {"date": date(2026, 5, 1), "hour": 0, "active_followers": 410},
                {"date": date(2026, 5, 1), "hour": 1, "active_followers": 260},
                {"date": date(2026, 5, 1), "hour": 20, "active_followers": 3920},
                {"date": date(2026, 5, 2), "hour": 0, "active_followers": 398},
                {"date": date(2026, 5, 2), "hour": 1, "active_followers": 251},
                {"date": date(2026, 5, 2), "hour": 20, "active_followers": 4011},
            ],
        },
    )


def test_business_account_below_100_followers_has_no_audience_tables() -> None:
    api = FakeApi()
    api.add_json("GET", ACCOUNT, fixture("business_get_small.json"))
    extract = client(api).account(
        start=date(2026, 5, 2), end=date(2026, 5, 2), captured_at=CAPTURED
    )
    assert extract == Extract(
        account=AccountFacts(
            handle="tiny.garden",
            account_type="personal",
            source="business_api",
            columns={
                "display_name": "Tiny Garden",
                "bio": "",
                "is_verified": False,
                "following_count": 12,
                "total_likes": 530,
                "videos_count": 9,
                "open_id": "b-open-id",
            },
        ),
        tables={
            "account_daily": [
                {
                    "date": date(2026, 5, 2),
                    "video_views": 310,
                    "unique_video_views": 254,
                    "profile_views": None,
                    "likes": 22,
                    "comments": 3,
                    "shares": 1,
                    "followers_count": 64,
                    "daily_new_followers": 2,
                    "daily_lost_followers": 0,
                    "daily_total_followers": 2,
                    "engaged_audience": 20,
                    "bio_link_clicks": None,
                    **NO_CLICKS,
                    "captured_at": CAPTURED,
                },
            ],
        },
    )


def test_business_account_rejects_a_reversed_range_without_calling() -> None:
    api = FakeApi()
    with pytest.raises(UsageError, match="start 2026-05-03 is after end 2026-05-01"):
        client(api).account(start=date(2026, 5, 3), end=date(2026, 5, 1), captured_at=CAPTURED)
    assert api.requests == []


def test_business_account_with_a_bad_hour_names_the_field() -> None:
    answer = fixture("business_get.json")
    answer["data"]["metrics"][1]["audience_activity"][2]["hour"] = "evening"
    api = FakeApi()
    api.add_json("GET", ACCOUNT, answer)
    with pytest.raises(MalformedResponseError) as raised:
        client(api).account(start=date(2026, 5, 1), end=date(2026, 5, 2), captured_at=CAPTURED)
    assert str(raised.value) == (
        f"{ACCOUNT} data.metrics[1].audience_activity[2].hour: expected a whole number, "
        'got str "evening" (request id 20260503081522A1B2C3D4E5F60718293A)'
    )


def expected_posts() -> list[dict[str, Any]]:
    return [
        {
            "post_id": "7498123456789012345",
            "media_type": "video",
            "create_time": datetime(2025, 4, 28, 9, 0),
            "caption": "Repotting a monstera in 30s #plants",
            "hashtags": ["plants"],
            "duration_seconds": 29.767,
            "is_ad": False,
            "share_url": "https://www.tiktok.com/@casa_verde_shop/video/7498123456789012345",
        },
        {
            "post_id": "7489000000000000001",
            "media_type": "video",
            "create_time": datetime(2025, 3, 26, 14, 40),
            "caption": "Idle >7 days: insight fields absent",
            "hashtags": [],
            "duration_seconds": None,
            "is_ad": False,
            "share_url": None,
        },
        {
            "post_id": "7480000000000000002",
            "media_type": "image",
            "create_time": datetime(2025, 3, 3, 11, 6, 40),
            "caption": "Three pots, one shelf #Shelfie #plants #shelfie",
            "hashtags": ["shelfie", "plants"],
            "duration_seconds": None,
            "is_ad": True,
            "share_url": "https://www.tiktok.com/@casa_verde_shop/photo/7480000000000000002",
        },
        {
            "post_id": "7470000000000000003",
            "media_type": "video",
            "create_time": datetime(2025, 2, 25, 16, 13, 20),
            "caption": "Live Q&A replay",
            "hashtags": [],
            "duration_seconds": 1800.125,
            "is_ad": False,
            "share_url": None,
        },
    ]


def expected_snapshots() -> list[dict[str, Any]]:
    return [
        {
            "post_id": "7498123456789012345",
            "captured_at": CAPTURED,
            "views": 48210,
            "reach": 39115,
            "likes": 3120,
            "comments": 88,
            "shares": 141,
            "favorites": 402,
            "total_time_watched_seconds": 611204.512,
            "average_time_watched_seconds": 12.678,
            "full_video_watched_rate": 0.1812,
            "new_followers": 233,
            "profile_views": 1502,
            "source_for_you": 0.8731,
            "source_follow": 0.0401,
            "source_personal_profile": 0.0612,
            "source_search": 0.0256,
            "source_hashtag": None,
            "source_sound": None,
            "source_direct_message": None,
            "viewers_new": 0.91,
            "viewers_returning": 0.09,
            "viewers_follower": 0.06,
            "viewers_non_follower": 0.94,
            "viewers_female": None,
            "viewers_male": None,
            "viewers_other": None,
            "viewer_countries": None,
            "retention": [
                {"second": 0.0, "share": 1.0},
                {"second": 3.0, "share": 0.58},
                {"second": 29.0, "share": 0.19},
            ],
        },
        {
            **NO_INSIGHTS,
            "post_id": "7489000000000000001",
            "captured_at": CAPTURED,
            "views": 1200,
            "likes": 40,
            "comments": 2,
            "shares": 0,
            "favorites": 3,
        },
        {
            "post_id": "7480000000000000002",
            "captured_at": CAPTURED,
            "views": 5120,
            "reach": 4980,
            "likes": 410,
            "comments": 12,
            "shares": 9,
            "favorites": 77,
            "total_time_watched_seconds": 20480.5,
            "average_time_watched_seconds": 4.0,
            "full_video_watched_rate": 0.31,
            "new_followers": 14,
            "profile_views": 96,
            "source_for_you": 0.6,
            "source_follow": 0.05,
            "source_personal_profile": None,
            "source_search": None,
            "source_hashtag": 0.2,
            "source_sound": 0.1,
            "source_direct_message": 0.05,
            "viewers_new": 0.7,
            "viewers_returning": 0.3,
            "viewers_follower": None,
            "viewers_non_follower": None,
            "viewers_female": 0.66,
            "viewers_male": 0.3,
            "viewers_other": 0.04,
            "viewer_countries": [
                {"country": "ES", "share": 0.61},
                {"country": "AR", "share": 0.12},
            ],
            "retention": [{"second": 0.0, "share": 1.0}, {"second": 1.5, "share": 0.72}],
        },
        {
            **NO_INSIGHTS,
            "post_id": "7470000000000000003",
            "captured_at": CAPTURED,
            "views": 900,
            "likes": 31,
            "comments": 5,
            "shares": 2,
            "favorites": 4,
        },
    ]


def test_business_videos_follow_the_cursor_and_map_every_field(
    caplog: pytest.LogCaptureFixture,
) -> None:
    api = FakeApi()
    api.add_json(
        "GET",
        VIDEOS,
        fixture("business_video_list_page1.json"),
        fixture("business_video_list_page2.json"),
    )
    tables = client(api).videos(captured_at=CAPTURED)
    fields = json.dumps(list(VIDEO_FIELDS), separators=(",", ":"))
    assert api.queries() == [
        {"business_id": "b-open-id", "fields": fields, "max_count": "20"},
        {
            "business_id": "b-open-id",
            "fields": fields,
            "max_count": "20",
            "cursor": "1745312400000",
        },
    ]
    assert tables == {"posts": expected_posts(), "post_snapshots": expected_snapshots()}
    assert caplog.messages == [
        f"{VIDEOS} data.videos[1].media_type: unknown value 'LIVE_REPLAY', stored as video"
    ]


def test_business_videos_stop_when_the_cursor_stops_moving() -> None:
    stuck = {
        "code": 0,
        "message": "OK",
        "request_id": "R-stuck",
        "data": {"cursor": 1745312400000, "has_more": True, "videos": []},
    }
    api = FakeApi()
    api.add_json("GET", VIDEOS, stuck, stuck)
    with pytest.raises(MalformedResponseError) as raised:
        client(api).videos(captured_at=CAPTURED)
    assert str(raised.value) == (
        f"{VIDEOS} data.cursor: expected a new cursor while has_more is true, "
        "got int 1745312400000 (request id R-stuck)"
    )
    assert len(api.requests) == 2


def test_business_videos_without_the_videos_list_is_an_error_not_zero_posts() -> None:
    api = FakeApi()
    api.add_json(
        "GET",
        VIDEOS,
        {
            "code": 0,
            "message": "OK",
            "request_id": "R-none",
            "data": {"cursor": 0, "has_more": False},
        },
    )
    with pytest.raises(MalformedResponseError) as raised:
        client(api).videos(captured_at=CAPTURED)
    assert str(raised.value) == (
        f"{VIDEOS} data.videos: expected a list (a missing list is not an empty one), got nothing (request id R-none)"
    )


def test_business_comments_map_comments_and_inline_replies() -> None:
    api = FakeApi()
    api.add_json("GET", COMMENTS, fixture("business_comment_list.json"))
    rows = client(api).comments(["7498123456789012345"], pseudonymize=pseudonym)
    assert api.queries() == [
        {
            "business_id": "b-open-id",
            "video_id": "7498123456789012345",
            "include_replies": "true",
            "max_count": "30",
            "cursor": "0",
        }
    ]
    assert rows == [
        {
            "comment_id": "7498200000000000011",
            "post_id": "7498123456789012345",
            "parent_comment_id": None,
            "author_id": "p_plantlover22",
            "text": "Which soil mix?",
            "likes": 14,
            "replies": 1,
            "create_time": datetime(2025, 4, 28, 9, 6, 40),
            "status": "public",
            "is_owner": False,
        },
        {
            "comment_id": "7498200000000000020",
            "post_id": "7498123456789012345",
            "parent_comment_id": "7498200000000000011",
            "author_id": "p_casa_verde_shop",
            "text": "50/50 perlite!",
            "likes": 3,
            "replies": None,
            "create_time": datetime(2025, 4, 28, 9, 36, 40),
            "status": "public",
            "is_owner": True,
        },
    ]


def test_business_comments_fetch_all_replies_when_more_exist_than_inlined() -> None:
    api = FakeApi()
    api.add_json("GET", COMMENTS, fixture("business_comment_list_more_replies.json"))
    api.add_json("GET", REPLIES, fixture("business_comment_reply_list.json"))
    rows = client(api).comments(["7498123456789012345"], pseudonymize=pseudonym)
    assert api.queries()[1] == {
        "business_id": "b-open-id",
        "video_id": "7498123456789012345",
        "comment_id": "7498200000000000031",
        "max_count": "30",
        "cursor": "0",
    }

    def reply(
        comment_id: str, author: str, text: str, likes: int, seconds: int, owner: bool
    ) -> dict[str, Any]:
        return {
            "comment_id": comment_id,
            "post_id": "7498123456789012345",
            "parent_comment_id": "7498200000000000031",
            "author_id": author,
            "text": text,
            "likes": likes,
            "replies": 0,
            "create_time": _utc(seconds),
            "status": "public",
            "is_owner": owner,
        }

    assert rows == [
        {
            "comment_id": "7498200000000000031",
            "post_id": "7498123456789012345",
            "parent_comment_id": None,
            "author_id": "p_+Qq9Rr8st/uvw",
            "text": "Where is the shop?",
            "likes": 2,
            "replies": 4,
            "create_time": _utc(1745840000),
            "status": "hidden",
            "is_owner": False,
        },
        reply("7498200000000000032", "p_casa_verde_shop", "Madrid!", 1, 1745841000, True),
        reply("7498200000000000033", "p_leo.grows", "Ships to Lisbon?", 0, 1745842000, False),
        reply("7498200000000000034", "p_casa_verde_shop", "Yes", 0, 1745843000, True),
        reply("7498200000000000035", "p_+Zz0Yy1xw/vut", "🙌", 5, 1745844000, False),
    ]
    assert api.untouched()


def test_business_comments_with_a_bad_time_name_the_field() -> None:
    answer = fixture("business_comment_list.json")
    answer["data"]["comments"][0]["reply_list"][0]["create_time"] = "yesterday"
    api = FakeApi()
    api.add_json("GET", COMMENTS, answer)
    with pytest.raises(MalformedResponseError) as raised:
        client(api).comments(["7498123456789012345"], pseudonymize=pseudonym)
    assert str(raised.value) == (
        f"{COMMENTS} data.comments[0].reply_list[0].create_time: expected a whole number, "
        'got str "yesterday" (request id 2026050308180012AB)'
    )


def test_business_rows_ingest_into_the_store(store: DuckDBPyConnection) -> None:
    api = FakeApi()
    api.add_json("GET", ACCOUNT, fixture("business_get.json"))
    api.add_json(
        "GET",
        VIDEOS,
        fixture("business_video_list_page1.json"),
        fixture("business_video_list_page2.json"),
    )
    api.add_json("GET", COMMENTS, fixture("business_comment_list.json"))
    business = client(api)
    extract = business.account(start=date(2026, 5, 1), end=date(2026, 5, 2), captured_at=CAPTURED)
    tables = {**extract.tables, **business.videos(captured_at=CAPTURED)}
    tables["comments"] = business.comments(["7498123456789012345"], pseudonymize=pseudonym)
    facts = extract.account
    tables["accounts"] = [
        {
            "handle": facts.handle,
            "account_type": facts.account_type,
            "source": facts.source,
            "time_zone": "Europe/Madrid",
            **facts.columns,
        }
    ]
    account_id = make_account_id(facts.source, facts.handle)
    batch = Batch(
        account_id=account_id,
        kind="sync",
        source="business_api",
        mode="merge",
        tables={name: pa.Table.from_pylist(rows) for name, rows in tables.items()},
    )
    result = ingest(store, batch)
    assert {name: count.inserted for name, count in result.counts.items()} == {
        "account_daily": 2,
        "audience_snapshots": 9,
        "follower_activity": 6,
        "posts": 4,
        "post_snapshots": 4,
        "comments": 2,
        "accounts": 1,
    }
    stored = store.execute(
        "SELECT retention, viewer_countries, source_sound FROM post_snapshots WHERE post_id = '7480000000000000002'"
    ).fetchone()
    assert stored == (
        [{"second": 0.0, "share": 1.0}, {"second": 1.5, "share": 0.72}],
        [{"country": "ES", "share": 0.61}, {"country": "AR", "share": 0.12}],
        0.1,
    )
