"""The fake TikTok server over real sockets: shapes per the spec, pagination, limits, faults, tokens."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import typer  # noqa: TID251 - the `dev` group is tested on its own app, before main wires it
from typer.testing import CliRunner  # noqa: TID251

from tikscope.cli.dev import register
from tikscope.errors import UsageError
from tikscope.fake import FakeConfig, Fault, fake_business_id, parse_fault, serve_in_thread
from tikscope.fake.server import time_page

CONFIG = FakeConfig(posts=40, days=90, members=300)
TODAY = CONFIG.serving_day
HANDLE = CONFIG.handle
BUSINESS_ID = fake_business_id(HANDLE)
REDIRECT = "http://127.0.0.1:1/callback"
BUSINESS = "/open_api/v1.3"
PROFILE_FIELDS = [
    "is_business_account", "profile_image", "username", "profile_deep_link", "display_name",
    "bio_description", "is_verified", "following_count", "followers_count", "total_likes",
    "videos_count", "audience_ages", "audience_genders", "audience_countries", "audience_cities",
]  # fmt: skip
VIDEO_FIELDS = [
    "item_id", "create_time", "thumbnail_url", "share_url", "embed_url", "caption", "media_type",
    "is_ad", "video_duration", "likes", "comments", "shares", "favorites", "reach", "video_views",
    "total_time_watched", "average_time_watched", "full_video_watched_rate", "new_followers",
    "profile_views", "video_view_retention", "impression_sources", "audience_genders",
    "audience_countries", "audience_types",
]  # fmt: skip
USERNAME = re.compile(rf"^(member_\d{{6}}|viewer_[0-9a-f]{{10}}|{HANDLE})$")


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    with serve_in_thread(CONFIG) as url:
        yield url


@pytest.fixture
def client(origin: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=origin, timeout=10) as http:
        assert http.post("/_fake/reset").status_code == 200
        yield http


def authorize(client: httpx.Client, scope: str = "") -> str:
    response = client.get(
        "/v2/auth/authorize/",
        params={"client_key": "app", "redirect_uri": REDIRECT, "state": "xyz", "scope": scope},
    )
    return parse_qs(urlsplit(response.headers["location"]).query)["code"][0]


def business_tokens(client: httpx.Client) -> dict[str, Any]:
    body = {"client_id": "app", "client_secret": "secret", "grant_type": "authorization_code",
            "auth_code": authorize(client), "redirect_uri": REDIRECT}  # fmt: skip
    answer = client.post(f"{BUSINESS}/tt_user/oauth2/token/", json=body).json()
    assert answer["code"] == 0
    return dict(answer["data"])


def business_refresh(client: httpx.Client, refresh_token: str) -> dict[str, Any]:
    body = {"client_id": "app", "client_secret": "secret", "grant_type": "refresh_token",
            "refresh_token": refresh_token}  # fmt: skip
    return dict(client.post(f"{BUSINESS}/tt_user/oauth2/refresh_token/", json=body).json())


def open_token_call(client: httpx.Client, **form: str) -> httpx.Response:
    return client.post(
        "/v2/oauth/token/", data={"client_key": "app", "client_secret": "secret", **form}
    )


def user_tokens(client: httpx.Client) -> dict[str, Any]:
    code = authorize(client, "user.info.basic,video.list")
    response = open_token_call(
        client, grant_type="authorization_code", code=code, redirect_uri=REDIRECT
    )
    assert response.status_code == 200
    return dict(response.json())


def client_token(client: httpx.Client) -> str:
    return str(open_token_call(client, grant_type="client_credentials").json()["access_token"])


def business_get(client: httpx.Client, token: str, path: str, **params: Any) -> httpx.Response:
    query = {"business_id": BUSINESS_ID, **params}
    for name in ("fields", "filters"):
        if name in query:
            query[name] = json.dumps(query[name])
    return client.get(f"{BUSINESS}{path}", params=query, headers={"Access-Token": token})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def fractions(value: Any) -> list[float]:
    """Every `percentage` anywhere in a JSON value."""
    if isinstance(value, dict):
        found = [value["percentage"]] if "percentage" in value else []
        return found + [share for item in value.values() for share in fractions(item)]
    if isinstance(value, list):
        return [share for item in value for share in fractions(item)]
    return []


def all_business_videos(client: httpx.Client, token: str, max_count: int) -> list[dict[str, Any]]:
    videos: list[dict[str, Any]] = []
    params: dict[str, Any] = {"fields": VIDEO_FIELDS, "max_count": max_count}
    while True:
        data = business_get(client, token, "/business/video/list/", **params).json()["data"]
        assert len(data["videos"]) <= max_count
        videos += data["videos"]
        if not data["has_more"]:
            return videos
        params["cursor"] = data["cursor"]


def test_fake_authorize_redirects_with_code_and_state(client: httpx.Client) -> None:
    response = client.get(
        "/v2/auth/authorize/",
        params={"client_key": "app", "redirect_uri": REDIRECT, "state": "s 1", "scope": "video.list",
                "response_type": "code"},
    )  # fmt: skip
    location = urlsplit(response.headers["location"])
    query = parse_qs(location.query)
    assert response.status_code == 302
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    assert sorted(query) == ["auth_code", "code", "scopes", "state"]
    assert query["code"] == query["auth_code"]
    assert (query["state"], query["scopes"]) == (["s 1"], ["video.list"])


def test_fake_business_token_exchange_once(client: httpx.Client) -> None:
    code = authorize(client)
    body = {"client_id": "app", "client_secret": "s", "grant_type": "authorization_code",
            "auth_code": code, "redirect_uri": REDIRECT}  # fmt: skip
    first = client.post(f"{BUSINESS}/tt_user/oauth2/token/", json=body)
    again = client.post(f"{BUSINESS}/tt_user/oauth2/token/", json=body).json()
    data = first.json()["data"]
    assert first.json()["request_id"] == first.headers["x-tt-logid"]
    assert sorted(data) == ["access_token", "expires_in", "open_id", "refresh_token",
                            "refresh_token_expires_in", "scope", "token_type"]  # fmt: skip
    assert (data["expires_in"], data["open_id"], data["token_type"]) == (
        86400,
        BUSINESS_ID,
        "Bearer",
    )
    assert (again["code"], again["data"]) == (40110, {})


def test_fake_business_get_profile_demographics_and_metrics(client: httpx.Client) -> None:
    token = business_tokens(client)["access_token"]
    start = TODAY - timedelta(days=60)
    fields = [*PROFILE_FIELDS, "video_views", "followers_count", "engaged_audience",
              "audience_activity", "phone_number_clicks"]  # fmt: skip
    response = business_get(
        client, token, "/business/get/", fields=fields, start_date=start.isoformat(),
        end_date=(TODAY + timedelta(days=5)).isoformat(),
    )  # fmt: skip
    answer = response.json()
    data = answer["data"]
    metrics = data.pop("metrics")
    assert (answer["code"], answer["message"], response.headers["x-tt-logid"]) == (
        0, "OK", answer["request_id"],
    )  # fmt: skip
    assert sorted(data) == sorted(PROFILE_FIELDS)
    assert (data["username"], data["is_business_account"], data["videos_count"]) == (
        HANDLE,
        True,
        40,
    )
    assert [item["gender"] for item in data["audience_genders"]] == ["Female", "Male", "Other"]
    assert all(0 <= share <= 1 for share in fractions(data))
    assert [m["date"] for m in metrics] == [
        (start + timedelta(days=n)).isoformat() for n in range(60)
    ]
    assert sorted(metrics[-1]) == ["audience_activity", "date", "engaged_audience",
                                   "followers_count", "video_views"]  # fmt: skip
    assert metrics[-1]["followers_count"] == data["followers_count"]
    hours = [item["hour"] for item in metrics[0]["audience_activity"]]
    assert hours == [str(hour) for hour in range(24)]


def test_fake_business_get_refuses_more_than_60_days_back(client: httpx.Client) -> None:
    token = business_tokens(client)["access_token"]
    too_early = (TODAY - timedelta(days=61)).isoformat()
    refused = business_get(client, token, "/business/get/", start_date=too_early).json()
    default = business_get(client, token, "/business/get/", fields=["likes"]).json()
    comma_list = client.get(
        f"{BUSINESS}/business/get/", params={"business_id": BUSINESS_ID, "fields": "likes,shares"},
        headers={"Access-Token": token},
    ).json()  # fmt: skip
    earliest = (TODAY - timedelta(days=60)).isoformat()
    assert (refused["code"], refused["data"]) == (40002, {})
    assert f"start_date must be on or after {earliest}" in refused["message"]
    assert [m["date"] for m in default["data"]["metrics"]] == [
        (TODAY - timedelta(days=n)).isoformat() for n in range(7, 0, -1)
    ]
    assert comma_list["code"] == 40002


def test_fake_business_video_list_pages_cover_every_post_once(client: httpx.Client) -> None:
    token = business_tokens(client)["access_token"]
    videos = all_business_videos(client, token, max_count=7)
    too_many = business_get(client, token, "/business/video/list/", max_count=21).json()
    ids = [video["item_id"] for video in videos]
    times = [video["create_time"] for video in videos]
    assert len(ids) == len(set(ids)) == 40
    assert times == sorted(times, reverse=True)
    assert all(isinstance(v, str) and len(v) == 19 for v in ids)
    assert all(type(t) is int and t < datetime(2026, 11, 22, tzinfo=UTC).timestamp() for t in times)
    assert all(set(video) <= set(VIDEO_FIELDS) for video in videos)
    assert {video["media_type"] for video in videos} <= {"VIDEO", "IMAGE", "CAROUSEL"}
    assert all(0 <= share <= 1 for share in fractions(videos))
    assert all(
        isinstance(point["second"], str)
        for v in videos
        for point in v.get("video_view_retention", [])
    )
    assert too_many["code"] == 40002


def test_fake_business_video_list_filters_by_ids(client: httpx.Client) -> None:
    token = business_tokens(client)["access_token"]
    wanted = [video["item_id"] for video in all_business_videos(client, token, 20)[3:5]]
    answer = business_get(
        client, token, "/business/video/list/", fields=["item_id"], filters={"video_ids": wanted}
    ).json()
    assert [video["item_id"] for video in answer["data"]["videos"]] == wanted


def test_fake_business_comments_and_replies(client: httpx.Client) -> None:
    token = business_tokens(client)["access_token"]
    video = "7108099880143936917"
    first = business_get(
        client, token, "/business/comment/list/", video_id=video, include_replies="true",
        max_count=2,
    ).json()["data"]  # fmt: skip
    second = business_get(
        client, token, "/business/comment/list/", video_id=video, include_replies="true",
        max_count=2, cursor=first["cursor"],
    ).json()["data"]  # fmt: skip
    comments = first["comments"] + second["comments"]
    threaded = next(comment for comment in comments if comment["replies"])
    replies = business_get(
        client, token, "/business/comment/reply/list/", video_id=video,
        comment_id=threaded["comment_id"],
    ).json()["data"]  # fmt: skip
    assert (first["has_more"], first["cursor"], second["has_more"]) == (True, 2, False)
    assert len(comments) == len({comment["comment_id"] for comment in comments}) == 3
    assert [c["create_time"] for c in comments] == sorted(
        (c["create_time"] for c in comments), reverse=True
    )
    assert all(USERNAME.match(c["username"]) for c in comments + replies["comments"])
    assert all(c["video_id"] == video and "parent_comment_id" not in c for c in comments)
    assert threaded["reply_list"] == replies["comments"]
    assert {r["parent_comment_id"] for r in replies["comments"]} == {threaded["comment_id"]}
    assert len(replies["comments"]) == threaded["replies"] == 3


def test_fake_display_user_info_and_videos(client: httpx.Client) -> None:
    tokens = user_tokens(client)
    headers = bearer(tokens["access_token"])
    user = client.get("/v2/user/info/", params={"fields": "open_id,username,follower_count"},
                      headers=headers).json()  # fmt: skip
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        body = {"max_count": 20} if cursor is None else {"max_count": 20, "cursor": cursor}
        page = client.post("/v2/video/list/?fields=id,create_time,view_count,like_count",
                           json=body, headers=headers).json()  # fmt: skip
        seen += page["data"]["videos"]
        cursor = page["data"]["cursor"]
        if not page["data"]["has_more"]:
            break
    queried = client.post("/v2/video/query/?fields=id,title", headers=headers,
                          json={"filters": {"video_ids": [seen[0]["id"], "123"]}}).json()  # fmt: skip
    too_many = client.post("/v2/video/query/?fields=id", headers=headers,
                           json={"filters": {"video_ids": [str(n) for n in range(21)]}})  # fmt: skip
    assert sorted(tokens) == ["access_token", "expires_in", "open_id", "refresh_expires_in",
                              "refresh_token", "scope", "token_type"]  # fmt: skip
    assert (tokens["expires_in"], tokens["scope"]) == (7200, "user.info.basic,video.list")
    assert user == {"data": {"user": {"open_id": BUSINESS_ID, "username": HANDLE,
                                      "follower_count": 300}},
                    "error": {"code": "ok", "message": "", "log_id": user["error"]["log_id"]}}  # fmt: skip
    assert len({video["id"] for video in seen}) == len(seen) == 40
    assert all(sorted(video) == ["create_time", "id", "like_count", "view_count"] for video in seen)
    assert [video["id"] for video in queried["data"]["videos"]] == [seen[0]["id"]]
    assert (too_many.status_code, too_many.json()["error"]["code"]) == (400, "invalid_params")


def test_fake_research_followers_and_following(client: httpx.Client) -> None:
    headers = bearer(client_token(client))
    info = client.post("/v2/research/user/info/?fields=display_name,follower_count,video_count",
                       json={"username": HANDLE}, headers=headers).json()["data"]  # fmt: skip
    followers: list[str] = []
    cursors: list[int] = []
    body: dict[str, Any] = {"username": HANDLE, "max_count": 100}
    while True:
        data = client.post("/v2/research/user/followers/", json=body, headers=headers).json()[
            "data"
        ]
        followers += [user["username"] for user in data["user_followers"]]
        cursors.append(data["cursor"])
        if not data["has_more"]:
            break
        body["cursor"] = data["cursor"]
    following = client.post("/v2/research/user/following/", headers=headers,
                            json={"username": HANDLE, "max_count": 100}).json()["data"]  # fmt: skip
    member = client.post("/v2/research/user/following/", headers=headers,
                         json={"username": followers[0], "max_count": 100}).json()["data"]  # fmt: skip
    assert info == {
        "display_name": "Casa Verde (simulated)",
        "follower_count": 300,
        "video_count": 40,
    }
    assert len(followers) == len(set(followers)) == 300
    assert all(re.match(r"^member_\d{6}$", name) for name in followers)
    assert cursors == sorted(cursors, reverse=True)
    assert (len(following["user_following"]), following["has_more"]) == (87, False)
    assert HANDLE in [user["username"] for user in member["user_following"]]


def test_fake_research_video_query_and_comments(client: httpx.Client) -> None:
    headers = bearer(client_token(client))
    query = {"and": [{"field_name": "username", "operation": "EQ", "field_values": [HANDLE]}]}
    start = (TODAY - timedelta(days=31)).strftime("%Y%m%d")
    end = (TODAY - timedelta(days=1)).strftime("%Y%m%d")
    path = "/v2/research/video/query/?fields=id,create_time,username,view_count"
    first = client.post(path, headers=headers, json={"query": query, "start_date": start,
                        "end_date": end, "max_count": 5}).json()["data"]  # fmt: skip
    second = client.post(path, headers=headers, json={"query": query, "start_date": start,
                         "end_date": end, "max_count": 5, "cursor": first["cursor"],
                         "search_id": first["search_id"]}).json()["data"]  # fmt: skip
    too_long = client.post(path, headers=headers, json={"query": query, "end_date": end,
                           "start_date": (TODAY - timedelta(days=32)).strftime("%Y%m%d")})  # fmt: skip
    comments = client.post(
        "/v2/research/video/comment/list/?fields=id,video_id,parent_comment_id,reply_count",
        headers=headers, json={"video_id": "7108099880143936917", "max_count": 100},
    ).json()["data"]  # fmt: skip
    ids = [video["id"] for video in first["videos"] + second["videos"]]
    assert (len(first["videos"]), first["cursor"], first["has_more"]) == (5, 5, True)
    assert ids == sorted(set(ids), reverse=True) and all(type(i) is int for i in ids)
    assert {video["username"] for video in first["videos"]} == {HANDLE}
    assert first["search_id"] == second["search_id"]
    assert (too_long.status_code, too_long.json()["error"]["code"]) == (400, "invalid_params")
    assert len(comments["comments"]) == 6 and comments["has_more"] is False
    assert sum(c["parent_comment_id"] == 7108099880143936917 for c in comments["comments"]) == 3


def test_fake_tokens_expire_and_refresh_rotates(client: httpx.Client) -> None:
    business = business_tokens(client)
    user = user_tokens(client)
    renewed = business_refresh(client, business["refresh_token"])["data"]
    reused = business_refresh(client, business["refresh_token"])
    user_renewed = open_token_call(
        client, grant_type="refresh_token", refresh_token=user["refresh_token"]
    )
    user_reused = open_token_call(
        client, grant_type="refresh_token", refresh_token=user["refresh_token"]
    )
    wrong_kind = client.get(
        "/v2/user/info/?fields=open_id", headers=bearer(renewed["access_token"])
    )
    client.post("/_fake/clock", json={"advance_seconds": 7201})
    display_expired = client.get("/v2/user/info/?fields=open_id",
                                 headers=bearer(user_renewed.json()["access_token"]))  # fmt: skip
    business_alive = business_get(client, renewed["access_token"], "/business/get/").json()
    client.post("/_fake/clock", json={"advance_seconds": 86400})
    business_expired = business_get(client, renewed["access_token"], "/business/get/").json()
    assert renewed["refresh_token"] != business["refresh_token"]
    assert (reused["code"], reused["data"]) == (40105, {})
    assert user_renewed.status_code == 200
    assert user_reused.status_code == 400
    assert sorted(user_reused.json()) == ["error", "error_description", "log_id"]
    assert user_reused.json()["error"] == "invalid_grant"
    assert (wrong_kind.status_code, wrong_kind.json()["error"]["code"]) == (
        401,
        "scope_not_authorized",
    )
    assert (display_expired.status_code, display_expired.json()["error"]["code"]) == (
        401, "access_token_invalid",
    )  # fmt: skip
    assert (business_alive["code"], business_expired["code"]) == (0, 40105)


def test_fake_rate_limit_fails_every_nth_api_request(client: httpx.Client) -> None:
    token = business_tokens(client)["access_token"]
    headers = bearer(user_tokens(client)["access_token"])
    assert client.post("/_fake/faults", json={"faults": ["rate-limit:3"]}).json() == {
        "faults": ["rate-limit:3"]
    }
    codes = [business_get(client, token, "/business/get/").json()["code"] for _ in range(3)]
    v2 = [client.get("/v2/user/info/?fields=open_id", headers=headers) for _ in range(3)]
    stats = client.get("/_fake/stats").json()
    assert codes == [0, 0, 40100]
    assert [r.status_code for r in v2] == [200, 200, 429]
    assert v2[2].json()["error"]["code"] == "rate_limit_exceeded"
    assert stats == {
        "requests": 10,
        "by_path": {
            f"{BUSINESS}/business/get/": 3, f"{BUSINESS}/tt_user/oauth2/token/": 1,
            "/v2/auth/authorize/": 2, "/v2/oauth/token/": 1, "/v2/user/info/": 3,
        },
        "faults_served": {"rate-limit": 2},
    }  # fmt: skip


def test_fake_server_error_and_truncated_faults(client: httpx.Client) -> None:
    token = business_tokens(client)["access_token"]
    client.post("/_fake/faults", json={"faults": ["server-error:2", "truncated:3"]})
    answers = [
        business_get(client, token, "/business/get/", fields=PROFILE_FIELDS) for _ in range(6)
    ]
    full = answers[0].content
    assert [r.status_code for r in answers] == [200, 500, 200, 503, 200, 500]
    assert len(answers[2].content) == len(full) // 2  # same request, same answer, cut in half
    assert answers[2].content.startswith(b'{"code":0,"message":"OK"')
    with pytest.raises(json.JSONDecodeError):
        answers[2].json()
    assert answers[1].json()["code"] == 50002
    assert client.get("/_fake/stats").json()["faults_served"] == {"server-error": 3, "truncated": 1}


def test_fake_slow_fault_delays_every_request(client: httpx.Client) -> None:
    client.post("/_fake/faults", json={"faults": ["slow:0.3"]})
    started = time.monotonic()
    client.get("/v2/auth/authorize/", params={"client_key": "a", "redirect_uri": REDIRECT})
    assert time.monotonic() - started >= 0.3


def test_fake_expire_tokens_fault_forces_one_refresh(client: httpx.Client) -> None:
    tokens = business_tokens(client)
    client.post("/_fake/faults", json={"faults": ["expire-tokens"]})
    rejected = business_get(client, tokens["access_token"], "/business/get/").json()
    renewed = business_refresh(client, tokens["refresh_token"])["data"]
    accepted = business_get(client, renewed["access_token"], "/business/get/").json()
    assert (rejected["code"], accepted["code"]) == (40105, 0)
    assert client.get("/_fake/stats").json()["faults_served"] == {"expire-tokens": 1}


def test_fake_revoke_refresh_fault_refuses_refresh(client: httpx.Client) -> None:
    business = business_tokens(client)
    user = user_tokens(client)
    client.post("/_fake/faults", json={"faults": ["revoke-refresh"]})
    refused = business_refresh(client, business["refresh_token"])
    open_refused = open_token_call(
        client, grant_type="refresh_token", refresh_token=user["refresh_token"]
    )
    assert refused["code"] == 40105
    assert (open_refused.status_code, open_refused.json()["error"]) == (400, "invalid_grant")


def test_fake_quota_fault_stops_research_until_next_utc_day(client: httpx.Client) -> None:
    headers = bearer(client_token(client))
    client.post("/_fake/faults", json={"faults": ["quota:2"]})
    body = {"username": HANDLE}
    answers = [
        client.post("/v2/research/user/followers/", json=body, headers=headers) for _ in range(3)
    ]
    display = user_tokens(client)["access_token"]
    not_research = client.get("/v2/user/info/?fields=open_id", headers=bearer(display))
    client.post("/_fake/clock", json={"advance_seconds": 86400})
    next_day = client.post(
        "/v2/research/user/followers/", json=body, headers=bearer(client_token(client))
    )
    assert [r.status_code for r in answers] == [200, 200, 429]
    assert answers[2].json()["error"]["code"] == "daily_quota_limit_exceeded"
    assert (not_research.status_code, next_day.status_code) == (200, 200)


def test_fake_control_endpoints_validate_and_reset(client: httpx.Client) -> None:
    bad = client.post("/_fake/faults", json={"faults": ["explode:1"]})
    client.post("/_fake/faults", json={"faults": ["rate-limit:2", "slow:0"]})
    listed = client.get("/_fake/faults").json()
    client.post("/_fake/reset")
    assert bad.status_code == 400 and "unknown fault 'explode'" in bad.json()["error"]
    assert listed == {"faults": ["rate-limit:2", "slow:0"]}
    assert client.get("/_fake/faults").json() == {"faults": []}
    assert client.get("/_fake/stats").json() == {"requests": 0, "by_path": {}, "faults_served": {}}


def test_fake_faults_given_at_start_count_from_the_first_request() -> None:
    with serve_in_thread(CONFIG, ["rate-limit:2"]) as url, httpx.Client(base_url=url) as http:
        token = client_token(http)  # OAuth calls are not counted
        answers = [http.post("/v2/research/user/info/?fields=display_name",
                             json={"username": HANDLE}, headers=bearer(token)) for _ in range(4)]  # fmt: skip
    assert [r.status_code for r in answers] == [200, 429, 200, 429]


def session_answers(url: str) -> list[Any]:
    with httpx.Client(base_url=url) as http:
        token = business_tokens(http)["access_token"]
        client = bearer(client_token(http))
        return [
            business_get(http, token, "/business/get/", fields=PROFILE_FIELDS).json(),
            business_get(
                http, token, "/business/video/list/", fields=VIDEO_FIELDS, max_count=20
            ).json(),
            http.post(
                "/v2/research/user/followers/", json={"username": HANDLE}, headers=client
            ).json(),
        ]


def test_fake_same_config_same_answers_and_today_cuts_data() -> None:
    earlier = FakeConfig(posts=40, days=90, members=300, today=date(2026, 11, 1))
    with serve_in_thread(CONFIG) as first, serve_in_thread(CONFIG) as second:
        answers = session_answers(first), session_answers(second)
    with serve_in_thread(earlier) as url:
        past = session_answers(url)
    assert answers[0] == answers[1]
    assert past[0]["data"]["videos_count"] < answers[0][0]["data"]["videos_count"]
    cutoff = datetime(2026, 11, 1, tzinfo=UTC).timestamp()
    assert all(video["create_time"] < cutoff for video in past[1]["data"]["videos"])


def test_fake_time_page_never_splits_equal_times() -> None:
    items = [10, 9, 9, 9, 8, 7, 7]
    pages: list[list[int]] = []
    before, has_more = 11, True
    while has_more:
        page, has_more = time_page(items, lambda t: t, before=before, inclusive=False, max_count=2)
        pages.append(page)
        before = page[-1]
    assert pages == [[10], [9, 9, 9], [8], [7, 7]]


def test_fake_parse_fault_spellings() -> None:
    assert [parse_fault(text) for text in ("rate-limit:3", "slow:0.5", "expire-tokens")] == [
        Fault("rate-limit", 3.0), Fault("slow", 0.5), Fault("expire-tokens"),
    ]  # fmt: skip
    for wrong in ("rate-limit", "quota:x", "expire-tokens:2", "server-error:0", "boom"):
        with pytest.raises(UsageError):
            parse_fault(wrong)


def test_fake_cli_registers_dev_fake_tiktok() -> None:
    app = typer.Typer()
    app.command()(lambda: None)
    register(app)
    runner = CliRunner()
    shown = runner.invoke(app, ["dev", "fake-tiktok", "--help"])
    refused = runner.invoke(app, ["dev", "fake-tiktok", "--fault", "boom"])
    assert shown.exit_code == 0 and "--fault" in shown.output and "--today" in shown.output
    assert isinstance(refused.exception, UsageError)
