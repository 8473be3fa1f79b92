"""Fake Research API: users, follower graph, a minimal video query, comments (spec §3).

Ids (`id`, `video_id`, `music_id`, `parent_comment_id`) are JSON integers here, as in the spec's
Research fixtures, unlike the Business and Display APIs.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tikscope.fake.data import FakeAccount, Post, epoch_seconds, midnight
from tikscope.fake.graph import Person, Relation
from tikscope.fake.member_videos import in_range, member_videos
from tikscope.fake.server import (
    Call,
    body_int,
    invalid_params,
    open_answer,
    open_fields,
    require_open_token,
    time_page,
)

if TYPE_CHECKING:
    from starlette.responses import Response

USER_FIELDS = (
    "display_name", "bio_description", "avatar_url", "is_verified", "follower_count",
    "following_count", "likes_count", "video_count", "bio_url",
)  # fmt: skip
VIDEO_FIELDS = (
    "id", "video_description", "create_time", "region_code", "share_count", "view_count",
    "like_count", "comment_count", "music_id", "hashtag_names", "username", "effect_ids",
    "playlist_id", "voice_to_text", "is_stem_verified", "favorites_count", "video_duration",
    "hashtag_info_list", "sticker_info_list", "effect_info_list", "video_mention_list",
    "video_label", "video_tag",
)  # fmt: skip
COMMENT_FIELDS = (
    "id", "video_id", "text", "like_count", "reply_count", "parent_comment_id", "create_time",
)  # fmt: skip
MAX_RANGE_DAYS = 30


async def user_info(call: Call) -> Response:
    """`POST /v2/research/user/info/`: a public profile, flat in `data`."""
    require_open_token(call, "client")
    fields = open_fields(call, USER_FIELDS)
    account = call.server.account
    person = person_param(account, await call.json_body())
    values = person_values(account, person)
    return open_answer(call, {name: values[name] for name in fields})


def person_param(account: FakeAccount, body: dict[str, Any]) -> Person:
    """The user named by `username`."""
    username = body.get("username")
    if not isinstance(username, str) or not username:
        raise invalid_params("username is required.")
    person = account.graph.people.get(username.lower())
    if person is None:
        raise invalid_params(f"User {username!r} does not exist or is not public.")
    return person


def person_values(account: FakeAccount, person: Person) -> dict[str, Any]:
    """Every user field of one person."""
    graph = account.graph
    values: dict[str, Any] = {
        "display_name": person.display_name,
        "bio_description": person.bio,
        "avatar_url": f"https://p16-sign-va.tiktokcdn.example/avatar/{person.username}.jpeg",
        "is_verified": False,
        "follower_count": len(graph.followers.get(person.username, ())),
        "following_count": len(graph.following.get(person.username, ())),
        "likes_count": (person.key * 7_919) % 5_000,
        "video_count": (person.key * 31) % 40,
        "bio_url": "",
    }
    if person.kind == "account":
        profile = account.profile
        values |= {
            "is_verified": profile["is_verified"],
            "follower_count": profile["followers_count"],
            "following_count": profile["following_count"],
            "likes_count": profile["total_likes"],
            "video_count": profile["videos_count"],
        }
    return values


async def followers(call: Call) -> Response:
    """`POST /v2/research/user/followers/`: who follows the user, newest first."""
    return await relations(call, "user_followers")


async def following(call: Call) -> Response:
    """`POST /v2/research/user/following/`: whom the user follows, newest first."""
    return await relations(call, "user_following")


async def relations(call: Call, key: str) -> Response:
    """A page of relations made at or before `cursor` (epoch seconds)."""
    require_open_token(call, "client")
    account = call.server.account
    body = await call.json_body()
    person = person_param(account, body)
    graph = account.graph
    lists = graph.followers if key == "user_followers" else graph.following
    max_count = body_int(body, "max_count", 20, 1, 100)
    cursor = body_int(body, "cursor", epoch_seconds(midnight(account.today)), 0, None)
    items: tuple[Relation, ...] = lists.get(person.username, ())
    page, has_more = time_page(
        items, lambda item: item[0], before=cursor, inclusive=True, max_count=max_count
    )
    users = [
        {"display_name": graph.people[name].display_name, "username": name} for _, name in page
    ]
    next_cursor = page[-1][0] - 1 if page else cursor
    return open_answer(call, {key: users, "cursor": next_cursor, "has_more": has_more})


async def query_videos(call: Call) -> Response:
    """`POST /v2/research/video/query/`: videos of users named in `username` EQ/IN conditions.

    The account's own posts, and the recent videos of simulated members (`member_videos`).
    """
    require_open_token(call, "client")
    fields = open_fields(call, VIDEO_FIELDS)
    account = call.server.account
    body = await call.json_body()
    usernames = query_usernames(body.get("query"))
    start, end = date_range(body)
    max_count = body_int(body, "max_count", 20, 1, 100)
    cursor = body_int(body, "cursor", 0, 0, None)
    matches = []
    if account.config.handle in usernames:
        matches = [
            video_values(account, post)
            for post in account.posts
            if start <= datetime.fromtimestamp(post.create_time, UTC).date() <= end
        ]
    for name in sorted(usernames - {account.config.handle}):
        person = account.graph.people.get(name)
        if person is not None:
            videos = member_videos(person, account.today)
            matches += [video for video in videos if in_range(video, start, end)]
    matches.sort(key=lambda video: int(video["id"]), reverse=True)
    page = matches[cursor : cursor + max_count]
    canonical = f"{sorted(usernames)}:{start}:{end}"
    search_id = str(int(hashlib.sha256(canonical.encode()).hexdigest()[:15], 16))
    videos = [{k: v for k, v in video.items() if k in fields} for video in page]
    data = {
        "videos": videos,
        "cursor": cursor + len(page),
        "has_more": cursor + len(page) < len(matches),
        "search_id": search_id,
    }
    return open_answer(call, data)


def query_usernames(query: object) -> set[str]:
    """The usernames of a query's `and`/`or` conditions; other conditions are not supported."""
    if not isinstance(query, dict):
        raise invalid_params("query must be an object with and/or/not conditions.")
    conditions = [c for part in ("and", "or") for c in (query.get(part) or [])]
    if not conditions or query.get("not"):
        raise invalid_params("The fake supports only `and`/`or` conditions on username.")
    usernames: set[str] = set()
    for condition in conditions:
        values = condition.get("field_values") if isinstance(condition, dict) else None
        if (
            not isinstance(condition, dict)
            or condition.get("field_name") != "username"
            or condition.get("operation") not in ("EQ", "IN")
            or not isinstance(values, list)
        ):
            raise invalid_params(f"Unsupported condition {condition!r}: use username EQ/IN.")
        usernames |= {str(value).lower() for value in values}
    return usernames


def date_range(body: dict[str, Any]) -> tuple[date, date]:
    """`start_date` and `end_date` (`YYYYMMDD`), at most 30 days apart."""
    try:
        start = datetime.strptime(str(body["start_date"]), "%Y%m%d").date()
        end = datetime.strptime(str(body["end_date"]), "%Y%m%d").date()
    except (KeyError, ValueError):
        raise invalid_params("start_date and end_date are required as YYYYMMDD.") from None
    if end < start or end - start > timedelta(days=MAX_RANGE_DAYS):
        raise invalid_params("end_date must be 0 to 30 days after start_date.")
    return start, end


def video_values(account: FakeAccount, post: Post) -> dict[str, Any]:
    """Every Research API field the fake knows for a post."""
    snapshot = post.snapshot or {}
    countries = account.demographics.get("country") or [("ES", 1.0)]
    values: dict[str, Any] = {
        "id": int(post.post_id),
        "video_description": post.caption,
        "create_time": post.create_time,
        "region_code": countries[0][0],
        "username": account.config.handle,
        "hashtag_names": list(post.hashtags),
        "effect_ids": ["0"],
        "is_stem_verified": False,
    }
    if post.sound_id:
        values["music_id"] = int(post.sound_id)
    if post.duration is not None:
        values["video_duration"] = round(post.duration)
    counters = {"view_count": "views", "like_count": "likes", "comment_count": "comments",
                "share_count": "shares", "favorites_count": "favorites"}  # fmt: skip
    for field, column in counters.items():
        if snapshot.get(column) is not None:
            values[field] = int(snapshot[column])
    return values


async def list_comments(call: Call) -> Response:
    """`POST /v2/research/video/comment/list/`: a video's comments and replies, oldest first."""
    require_open_token(call, "client")
    fields = open_fields(call, COMMENT_FIELDS)
    account = call.server.account
    body = await call.json_body()
    video_id = str(body.get("video_id") or "")
    if not video_id:
        raise invalid_params("video_id is required.")
    max_count = body_int(body, "max_count", 10, 1, 100)
    cursor = body_int(body, "cursor", 0, 0, None)
    rows = []
    for comment in account.comments.get(video_id, ()):
        replies = account.replies.get(comment.comment_id, ())
        rows.append((comment, len(replies)))
        rows += [(reply, 0) for reply in replies]
    rows = [row for row in rows if row[0].status == "PUBLIC"]  # public comments only
    rows.sort(key=lambda row: (row[0].create_time, row[0].comment_id))
    page = rows[cursor : cursor + max_count]
    comments = [
        {
            name: value
            for name, value in {
                "id": int(comment.comment_id),
                "video_id": int(comment.post_id),
                "text": comment.text,
                "like_count": comment.likes,
                "reply_count": replies,
                "parent_comment_id": int(comment.parent_id or comment.post_id),
                "create_time": comment.create_time,
            }.items()
            if name in fields
        }
        for comment, replies in page
    ]
    data = {
        "comments": comments,
        "cursor": cursor + len(page),
        "has_more": cursor + len(page) < len(rows),
    }
    return open_answer(call, data)
