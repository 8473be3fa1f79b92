"""Fake Business API "TikTok Accounts" v1.3: account, videos and comments (spec §1.3-§1.5)."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from tikscope.fake.data import Comment, FakeAccount, Post, epoch_seconds, midnight
from tikscope.fake.server import BusinessRefusal, Call, business_answer, time_page

if TYPE_CHECKING:
    from starlette.responses import Response

LOOK_BACK_DAYS = 60
PROFILE_FIELDS = (
    "is_business_account", "profile_image", "username", "profile_deep_link", "display_name",
    "bio_description", "is_verified", "following_count", "followers_count", "total_likes",
    "videos_count", "audience_ages", "audience_genders", "audience_countries", "audience_cities",
)  # fmt: skip
METRIC_FIELDS = (
    "video_views", "unique_video_views", "profile_views", "likes", "comments", "shares",
    "phone_number_clicks", "lead_submissions", "app_download_clicks", "bio_link_clicks",
    "email_clicks", "address_clicks", "daily_total_followers", "daily_new_followers",
    "daily_lost_followers", "followers_count", "audience_activity", "engaged_audience",
)  # fmt: skip
VIDEO_FIELDS = (
    "item_id", "create_time", "thumbnail_url", "share_url", "embed_url", "caption", "media_type",
    "is_ad", "video_duration", "likes", "comments", "shares", "favorites", "reach", "video_views",
    "total_time_watched", "average_time_watched", "full_video_watched_rate", "new_followers",
    "profile_views", "website_clicks", "phone_number_clicks", "lead_submissions",
    "app_download_clicks", "email_clicks", "address_clicks", "video_view_retention",
    "impression_sources", "audience_genders", "audience_countries", "audience_cities",
    "audience_types", "engagement_likes",
)  # fmt: skip
SNAPSHOT_FIELDS = {
    "video_views": "views", "reach": "reach", "likes": "likes", "comments": "comments",
    "shares": "shares", "favorites": "favorites",
    "total_time_watched": "total_time_watched_seconds",
    "average_time_watched": "average_time_watched_seconds",
    "full_video_watched_rate": "full_video_watched_rate", "new_followers": "new_followers",
    "profile_views": "profile_views",
}  # fmt: skip
SOURCES = {
    "For You": "source_for_you", "Follow": "source_follow",
    "Personal Profile": "source_personal_profile", "Search": "source_search",
    "Hashtag": "source_hashtag", "Sound": "source_sound", "Direct Message": "source_direct_message",
}  # fmt: skip
VIEWER_TYPES = {
    "NEW_VIEWER": "viewers_new", "RETURN_VIEWER": "viewers_returning",
    "FOLLOWER_PERCENT": "viewers_follower", "NON_FOLLOWER_PERCENT": "viewers_non_follower",
}  # fmt: skip
GENDERS = {"Female": "viewers_female", "Male": "viewers_male", "Other": "viewers_other"}
DEMOGRAPHICS = {
    "audience_ages": ("age", "age"), "audience_genders": ("gender", "gender"),
    "audience_countries": ("country", "country"), "audience_cities": ("city", "city_name"),
}  # fmt: skip
SORT_FIELDS = ("create_time", "likes", "replies")


def authorize(call: Call) -> FakeAccount:
    """Check the `Access-Token` header and the `business_id` parameter."""
    token = call.request.headers.get("Access-Token", "")
    if not token:
        raise BusinessRefusal(40104, "Access token is empty.")
    check = call.server.tokens.check_access(token, "business")
    if check != "ok":
        call.server.note_rejected_token(check)
        raise BusinessRefusal(40105, "Access token is incorrect or has been revoked.")
    account = call.server.account
    business_id = call.request.query_params.get("business_id")
    if not business_id:
        raise BusinessRefusal(40001, "business_id is required.")
    if business_id != account.business_id:
        raise BusinessRefusal(40002, f"business_id {business_id!r} is not authorized.")
    return account


def fields_param(call: Call, default: list[str], valid: tuple[str, ...]) -> list[str]:
    """The `fields` parameter: a JSON array of known field names."""
    raw = call.request.query_params.get("fields")
    try:
        fields = default if raw is None else json.loads(raw)
    except ValueError:
        fields = None
    if not isinstance(fields, list) or not all(isinstance(name, str) for name in fields):
        raise BusinessRefusal(40002, "fields must be a JSON array of strings.")
    unknown = [name for name in fields if name not in valid]
    if unknown:
        raise BusinessRefusal(40002, f"Invalid fields {unknown}; valid values: {list(valid)}.")
    return fields


def int_param(call: Call, name: str, default: int, low: int, high: int | None = None) -> int:
    """An integer query parameter within bounds."""
    raw = call.request.query_params.get(name)
    try:
        value = default if raw is None else int(raw)
    except ValueError:
        raise BusinessRefusal(40002, f"{name} must be an integer.") from None
    if value < low or (high is not None and value > high):
        raise BusinessRefusal(40002, f"{name} must be between {low} and {high}.")
    return value


def date_param(call: Call, name: str, default: date) -> date:
    """A `YYYY-MM-DD` query parameter."""
    raw = call.request.query_params.get(name)
    try:
        return default if raw is None else date.fromisoformat(raw)
    except ValueError:
        raise BusinessRefusal(40002, f"{name} must be a date as YYYY-MM-DD.") from None


async def get_business(call: Call) -> Response:
    """`GET /business/get/`: profile, demographics and the daily series."""
    account = authorize(call)
    today = account.today
    fields = fields_param(
        call, ["display_name", "profile_image"], (*PROFILE_FIELDS, *METRIC_FIELDS)
    )
    start = date_param(call, "start_date", today - timedelta(days=7))
    end = date_param(call, "end_date", today - timedelta(days=1))
    earliest = today - timedelta(days=LOOK_BACK_DAYS)
    if start < earliest:
        message = f"start_date must be on or after {earliest} (at most {LOOK_BACK_DAYS} days back)."
        raise BusinessRefusal(40002, message)
    if end < start:
        raise BusinessRefusal(40002, "end_date must not be before start_date.")
    profile = profile_values(account)
    data = {name: profile[name] for name in fields if name in profile}
    if any(name in METRIC_FIELDS for name in fields):
        data["metrics"] = daily_metrics(account, fields, start, min(end, today - timedelta(days=1)))
    return business_answer(call, data)


def profile_values(account: FakeAccount) -> dict[str, Any]:
    """Every top-level field of `/business/get/` the account has."""
    profile = account.profile
    expires = epoch_seconds(midnight(account.today)) + 86_400
    link = hashlib.sha256(account.business_id.encode()).hexdigest()[:8]
    values: dict[str, Any] = {
        "is_business_account": profile["is_business_account"],
        "profile_image": f"https://p16-sign.tiktokcdn.example/{link}.jpeg?x-expires={expires}",
        "username": profile["handle"],
        "profile_deep_link": f"https://vm.tiktok.com/ZM{link}/",
        "display_name": profile["display_name"],
        "bio_description": profile["bio"] or "",
        "is_verified": profile["is_verified"],
        "following_count": profile["following_count"],
        "followers_count": profile["followers_count"],
        "total_likes": profile["total_likes"],
        "videos_count": profile["videos_count"],
    }
    if account.has_demographics:
        for field, (dimension, key) in DEMOGRAPHICS.items():
            shares = account.demographics.get(dimension)
            if shares:
                values[field] = [
                    {key: value.title() if dimension == "gender" else value, "percentage": share}
                    for value, share in shares
                ]
    return values


def daily_metrics(
    account: FakeAccount, fields: list[str], start: date, end: date
) -> list[dict[str, Any]]:
    """One object per day with data in [start, end], with the asked metrics it has."""
    result = []
    day = start
    while day <= end:
        values = account.daily.get(day)
        if values is not None:
            entry: dict[str, Any] = {"date": day.isoformat()}
            for name in fields:
                if name in values and name in METRIC_FIELDS:
                    entry[name] = values[name]
            if (
                "audience_activity" in fields
                and account.has_demographics
                and day in account.activity
            ):
                entry["audience_activity"] = [
                    {"hour": str(hour), "count": count} for hour, count in account.activity[day]
                ]
            result.append(entry)
        day += timedelta(days=1)
    return result


async def list_videos(call: Call) -> Response:
    """`GET /business/video/list/`: posts published before `cursor` (ms), newest first."""
    account = authorize(call)
    fields = fields_param(call, ["item_id"], VIDEO_FIELDS)
    cursor = int_param(call, "cursor", epoch_seconds(midnight(account.today)) * 1000, 0)
    max_count = int_param(call, "max_count", 10, 1, 20)
    posts = filtered_posts(call, account)
    page, has_more = time_page(
        posts, lambda post: post.create_time * 1000, before=cursor, inclusive=False,
        max_count=max_count,
    )  # fmt: skip
    videos = [{k: v for k, v in video_values(post).items() if k in fields} for post in page]
    next_cursor = page[-1].create_time * 1000 if page else cursor
    return business_answer(call, {"videos": videos, "cursor": next_cursor, "has_more": has_more})


def filtered_posts(call: Call, account: FakeAccount) -> tuple[Post, ...]:
    """The posts, or only those named by `filters.video_ids`."""
    raw = call.request.query_params.get("filters")
    if raw is None:
        return account.posts
    try:
        filters = json.loads(raw)
    except ValueError:
        filters = None
    if not isinstance(filters, dict):
        raise BusinessRefusal(40002, "filters must be a JSON object.")
    wanted = filters.get("video_ids")
    if wanted is None:
        return account.posts
    if not isinstance(wanted, list) or len(wanted) > 20:
        raise BusinessRefusal(40002, "filters.video_ids must be a list of at most 20 ids.")
    chosen = {str(video_id) for video_id in wanted}
    return tuple(post for post in account.posts if post.post_id in chosen)


def video_values(post: Post) -> dict[str, Any]:
    """Every field of `/business/video/list/` the post has; insights the simulator lacks omitted."""
    values: dict[str, Any] = {
        "item_id": post.post_id,
        "create_time": post.create_time,
        "thumbnail_url": f"https://p16-sign.tiktokcdn.example/{post.post_id}.jpeg",
        "share_url": post.share_url,
        "embed_url": f"https://www.tiktok.com/player/v1/{post.post_id}",
        "caption": post.caption,
        "media_type": post.media_type.upper(),
        "is_ad": post.is_ad,
    }
    if post.duration is not None:
        values["video_duration"] = round(post.duration, 3)
    snapshot = post.snapshot or {}
    for field, column in SNAPSHOT_FIELDS.items():
        if snapshot.get(column) is not None:
            values[field] = snapshot[column]
    shares_lists = {
        "impression_sources": ("impression_source", SOURCES),
        "audience_types": ("type", VIEWER_TYPES),
        "audience_genders": ("gender", GENDERS),
    }
    for field, (key, columns) in shares_lists.items():
        shares = [
            {key: name, "percentage": snapshot[column]}
            for name, column in columns.items()
            if snapshot.get(column) is not None
        ]
        if shares:
            values[field] = shares
    if snapshot.get("viewer_countries") is not None:
        values["audience_countries"] = [
            {"country": item["country"], "percentage": item["share"]}
            for item in snapshot["viewer_countries"]
        ]
    if snapshot.get("retention") is not None:
        values["video_view_retention"] = [
            {"second": f"{item['second']:g}", "percentage": item["share"]}
            for item in snapshot["retention"]
        ]
    return values


async def list_comments(call: Call) -> Response:
    """`GET /business/comment/list/`: top-level comments of a video, with up to 3 replies each."""
    account = authorize(call)
    post = video_param(call, account)
    comments = list(account.comments.get(post.post_id, ()))
    raw_ids = call.request.query_params.get("comment_ids")
    if raw_ids is not None:
        wanted = parse_id_list(raw_ids)
        comments = [comment for comment in comments if comment.comment_id in wanted]
    include = call.request.query_params.get("include_replies", "false")
    with_replies = include.lower() in ("true", "1")
    page, cursor, has_more = sorted_page(call, account, comments, default_order="desc")
    rows = []
    for comment in page:
        row = comment_values(account, comment)
        if with_replies:
            replies = status_filter(call, account.replies.get(comment.comment_id, ()))
            row["reply_list"] = [comment_values(account, reply) for reply in replies[:3]]
        rows.append(row)
    return business_answer(call, {"comments": rows, "cursor": cursor, "has_more": has_more})


async def list_replies(call: Call) -> Response:
    """`GET /business/comment/reply/list/`: every reply of one comment."""
    account = authorize(call)
    post = video_param(call, account)
    comment_id = call.request.query_params.get("comment_id")
    if not comment_id:
        raise BusinessRefusal(40001, "comment_id is required.")
    if comment_id not in {comment.comment_id for comment in account.comments.get(post.post_id, ())}:
        raise BusinessRefusal(40002, f"comment_id {comment_id!r} is not a comment of the video.")
    replies = list(account.replies.get(comment_id, ()))
    page, cursor, has_more = sorted_page(call, account, replies, default_order="asc")
    rows = [comment_values(account, reply) for reply in page]
    return business_answer(call, {"comments": rows, "cursor": cursor, "has_more": has_more})


def video_param(call: Call, account: FakeAccount) -> Post:
    """The post named by `video_id`."""
    video_id = call.request.query_params.get("video_id")
    if not video_id:
        raise BusinessRefusal(40001, "video_id is required.")
    post = account.post_index.get(video_id)
    if post is None:
        raise BusinessRefusal(40002, f"video_id {video_id!r} is not a video of the account.")
    return post


def parse_id_list(raw: str) -> set[str]:
    """A JSON array of at most 30 ids."""
    try:
        ids = json.loads(raw)
    except ValueError:
        ids = None
    if not isinstance(ids, list) or len(ids) > 30:
        raise BusinessRefusal(40002, "comment_ids must be a JSON array of at most 30 ids.")
    return {str(value) for value in ids}


def status_filter(call: Call, comments: tuple[Comment, ...] | list[Comment]) -> list[Comment]:
    """Comments the `status` parameter keeps (`ALL`, the default, or `PUBLIC`)."""
    status = call.request.query_params.get("status", "ALL").upper()
    if status not in ("ALL", "PUBLIC"):
        raise BusinessRefusal(40002, "status must be one of ['PUBLIC', 'ALL'].")
    return [c for c in comments if status == "ALL" or c.status == "PUBLIC"]


def sorted_page(
    call: Call, account: FakeAccount, comments: list[Comment], *, default_order: str
) -> tuple[list[Comment], int, bool]:
    """Sort, then cut a page at the index `cursor`: (page, next cursor, has more)."""
    params = call.request.query_params
    field = params.get("sort_field", "create_time")
    order = params.get("sort_order", params.get("sort_type", default_order)).lower()
    if field not in SORT_FIELDS:
        raise BusinessRefusal(40002, f"sort_field must be one of {list(SORT_FIELDS)}.")
    if order not in ("asc", "desc", "smart"):
        raise BusinessRefusal(40002, "sort_order must be one of ['asc', 'desc', 'smart'].")

    def key(comment: Comment) -> tuple[int, str]:
        replies = len(account.replies.get(comment.comment_id, ()))
        value = {"create_time": comment.create_time, "likes": comment.likes, "replies": replies}
        return value[field], comment.comment_id

    ordered = sorted(status_filter(call, comments), key=key, reverse=order != "asc")
    cursor = int_param(call, "cursor", 0, 0)
    max_count = int_param(call, "max_count", 20, 1, 30)
    page = ordered[cursor : cursor + max_count]
    return page, cursor + len(page), cursor + len(page) < len(ordered)


def comment_values(account: FakeAccount, comment: Comment) -> dict[str, Any]:
    """A comment as `/business/comment/list/` shows it."""
    person = account.graph.people.get(comment.username)
    display = person.display_name if person else comment.username.replace("_", " ").title()
    digest = hashlib.sha256(f"uid:{comment.username}".encode()).hexdigest()
    values: dict[str, Any] = {
        "comment_id": comment.comment_id,
        "video_id": comment.post_id,
        "unique_identifier": f"+{digest[:12]}",
        "create_time": comment.create_time,
        "text": comment.text,
        "likes": comment.likes,
        "replies": len(account.replies.get(comment.comment_id, ())),
        "owner": comment.is_owner,
        "liked": False,
        "pinned": False,
        "status": comment.status,
        "username": comment.username,
        "display_name": display,
        "profile_image": f"https://p16.tiktokcdn.example/avatar/{digest[12:24]}.jpeg",
    }
    if comment.parent_id is not None:
        values["parent_comment_id"] = comment.parent_id
    return values
