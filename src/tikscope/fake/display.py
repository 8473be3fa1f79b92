"""Fake Display API v2: user info, video list and video query (spec §2.3)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tikscope.fake.data import FakeAccount, Post, epoch_seconds, midnight
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
    "open_id", "union_id", "avatar_url", "avatar_url_100", "avatar_large_url", "display_name",
    "bio_description", "profile_deep_link", "is_verified", "username", "follower_count",
    "following_count", "likes_count", "video_count",
)  # fmt: skip
VIDEO_FIELDS = (
    "id", "create_time", "cover_image_url", "share_url", "video_description", "duration",
    "height", "width", "title", "embed_html", "embed_link", "like_count", "comment_count",
    "share_count", "view_count",
)  # fmt: skip
COUNTERS = {"like_count": "likes", "comment_count": "comments", "share_count": "shares",
            "view_count": "views"}  # fmt: skip
CDN = "https://p16-sign-va.tiktokcdn.example"


async def user_info(call: Call) -> Response:
    """`GET /v2/user/info/?fields=...`: the authorizing user."""
    require_open_token(call, "user")
    fields = open_fields(call, USER_FIELDS)
    values = user_values(call.server.account)
    return open_answer(call, {"user": {name: values[name] for name in fields}})


def user_values(account: FakeAccount) -> dict[str, Any]:
    """Every user field of the account."""
    profile = account.profile
    avatar = f"{CDN}/avatar/{account.business_id}"
    return {
        "open_id": account.business_id,
        "union_id": account.union_id,
        "avatar_url": f"{avatar}.jpeg",
        "avatar_url_100": f"{avatar}_100.jpeg",
        "avatar_large_url": f"{avatar}_large.jpeg",
        "display_name": profile["display_name"],
        "bio_description": profile["bio"] or "",
        "profile_deep_link": f"https://vm.tiktok.com/ZM{account.business_id[-8:]}/",
        "is_verified": profile["is_verified"],
        "username": profile["handle"],
        "follower_count": profile["followers_count"],
        "following_count": profile["following_count"],
        "likes_count": profile["total_likes"],
        "video_count": profile["videos_count"],
    }


async def list_videos(call: Call) -> Response:
    """`POST /v2/video/list/`: posts before `cursor` (ms), newest first."""
    require_open_token(call, "user")
    fields = open_fields(call, VIDEO_FIELDS)
    body = await call.json_body()
    account = call.server.account
    max_count = body_int(body, "max_count", 10, 1, 20)
    cursor = body_int(body, "cursor", epoch_seconds(midnight(account.today)) * 1000, 0, None)
    page, has_more = time_page(
        account.posts, lambda post: post.create_time * 1000, before=cursor, inclusive=False,
        max_count=max_count,
    )  # fmt: skip
    videos = [pick(video_values(post), fields) for post in page]
    next_cursor = page[-1].create_time * 1000 if page else cursor
    return open_answer(call, {"videos": videos, "cursor": next_cursor, "has_more": has_more})


async def query_videos(call: Call) -> Response:
    """`POST /v2/video/query/`: the account's posts among `filters.video_ids` (at most 20)."""
    require_open_token(call, "user")
    fields = open_fields(call, VIDEO_FIELDS)
    body = await call.json_body()
    filters = body.get("filters")
    ids = filters.get("video_ids") if isinstance(filters, dict) else None
    if not isinstance(ids, list) or not 1 <= len(ids) <= 20:
        raise invalid_params("filters.video_ids must list 1 to 20 video ids.")
    index = call.server.account.post_index
    found = [index[str(video_id)] for video_id in ids if str(video_id) in index]
    videos = [pick(video_values(post), fields) for post in found]
    return open_answer(call, {"videos": videos, "cursor": 0, "has_more": False})


def pick(values: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """The asked fields the video has."""
    return {name: values[name] for name in fields if name in values}


def video_values(post: Post) -> dict[str, Any]:
    """Every Display API field of a post (counters omitted when there is no snapshot)."""
    title = post.caption.split("#", 1)[0].strip()[:150]
    embed = f"https://www.tiktok.com/embed/v2/{post.post_id}"
    values: dict[str, Any] = {
        "id": post.post_id,
        "create_time": post.create_time,
        "cover_image_url": f"{CDN}/cover/{post.post_id}.jpeg",
        "share_url": f"{post.share_url}?utm_campaign=tt4d_open_api",
        "video_description": post.caption[:150],
        "height": 1920,
        "width": 1080,
        "title": title,
        "embed_html": f'<blockquote class="tiktok-embed" cite="{embed}"></blockquote>',
        "embed_link": embed,
    }
    if post.duration is not None:
        values["duration"] = round(post.duration)
    for field, column in COUNTERS.items():
        if post.snapshot and post.snapshot.get(column) is not None:
            values[field] = int(post.snapshot[column])
    return values
