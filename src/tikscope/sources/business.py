"""TikTok API for Business, "TikTok Accounts" (v1.3): the account, its posts and their comments.

Maps `/business/get/`, `/business/video/list/` and `/business/comment/list/` (plus
`/business/comment/reply/list/`) to store rows; docs/schema.md names the field behind each
column. Missing stays None: demographics below 100 followers and insights of posts idle for more
than 7 days are absent in TikTok's answers, not zero.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import Any

from tikscope.errors import UsageError
from tikscope.sources.answers import Fields, cursor_pages
from tikscope.sources.families import BUSINESS
from tikscope.sources.hashtags import hashtags_of
from tikscope.sources.http import ApiSession
from tikscope.sources.records import AccountFacts, Extract, Row

LOGGER = logging.getLogger("tikscope.sources")

BASE_PATH = "/open_api/v1.3"
ACCOUNT_PATH = f"{BASE_PATH}/business/get/"
VIDEOS_PATH = f"{BASE_PATH}/business/video/list/"
COMMENTS_PATH = f"{BASE_PATH}/business/comment/list/"
REPLIES_PATH = f"{BASE_PATH}/business/comment/reply/list/"
VIDEO_PAGE_SIZE = 20
COMMENT_PAGE_SIZE = 30

PROFILE_FIELDS = (
    "is_business_account", "profile_image", "username", "profile_deep_link", "display_name",
    "bio_description", "is_verified", "following_count", "followers_count", "total_likes",
    "videos_count", "audience_ages", "audience_genders", "audience_countries", "audience_cities",
)  # fmt: skip
DAILY_METRICS = (
    "video_views", "unique_video_views", "profile_views", "likes", "comments", "shares",
    "followers_count", "daily_new_followers", "daily_lost_followers", "daily_total_followers",
    "engaged_audience", "bio_link_clicks", "phone_number_clicks", "email_clicks",
    "address_clicks", "lead_submissions", "app_download_clicks",
)  # fmt: skip
# NOTE: `followers_count` is asked once; TikTok returns it at the top and in each day.
ACCOUNT_FIELDS = (
    *PROFILE_FIELDS,
    *(metric for metric in DAILY_METRICS if metric not in PROFILE_FIELDS),
    "audience_activity",
)
VIDEO_FIELDS = (
    "item_id", "create_time", "share_url", "caption", "media_type", "is_ad", "video_duration",
    "likes", "comments", "shares", "favorites", "reach", "video_views", "total_time_watched",
    "average_time_watched", "full_video_watched_rate", "new_followers", "profile_views",
    "video_view_retention", "impression_sources", "audience_types", "audience_genders",
    "audience_countries",
)  # fmt: skip
AUDIENCE_LISTS = (
    ("audience_genders", "gender", "gender"),
    ("audience_ages", "age", "age"),
    ("audience_countries", "country", "country"),
    ("audience_cities", "city", "city_name"),
)
MEDIA_TYPES = {
    "video": "video", "image": "image", "photo": "image", "carousel": "carousel",
    "photo_carousel": "carousel", "image_carousel": "carousel",
}  # fmt: skip
IMPRESSION_SOURCES = {
    "For You": "source_for_you", "Follow": "source_follow",
    "Personal Profile": "source_personal_profile", "Search": "source_search",
    "Hashtag": "source_hashtag", "Sound": "source_sound",
    "Direct Message": "source_direct_message",
}  # fmt: skip
AUDIENCE_TYPES = {
    "NEW_VIEWER": "viewers_new", "RETURN_VIEWER": "viewers_returning",
    "FOLLOWER_PERCENT": "viewers_follower", "NON_FOLLOWER_PERCENT": "viewers_non_follower",
}  # fmt: skip
VIEWER_GENDERS = {"female": "viewers_female", "male": "viewers_male", "other": "viewers_other"}


class BusinessClient:
    """Reads one account through the Business API; `business_id` is the token's ``open_id``."""

    def __init__(self, session: ApiSession, business_id: str) -> None:
        """Use `session` (style ``business``) for the account `business_id`."""
        self.session = session
        self.business_id = business_id

    def account(self, *, start: date, end: date, captured_at: datetime) -> Extract:
        """The profile, the daily series from `start` to `end` (UTC days, inclusive) and audience.

        TikTok looks back at most 60 days; the caller picks a range inside it.

        Returns:
            An extract with `accounts` facts and tables `account_daily`, plus
            `audience_snapshots` (dated `end`) and `follower_activity` when TikTok sends them
            (accounts with 100 followers or more); absent tables mean TikTok said nothing.

        Raises:
            UsageError: `start` is after `end`.
        """
        if start > end:
            raise UsageError(f"start {start} is after end {end}")
        params = {
            "business_id": self.business_id,
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "fields": list(ACCOUNT_FIELDS),
        }
        data = Fields.of(self.session, ACCOUNT_PATH, self.session.get(ACCOUNT_PATH, params))
        days = data.items("metrics") or []
        tables: dict[str, list[Row]] = {"account_daily": daily_rows(days, captured_at)}
        audience = audience_rows(data, end)
        if audience is not None:
            tables["audience_snapshots"] = audience
        activity = activity_rows(days)
        if activity is not None:
            tables["follower_activity"] = activity
        return Extract(account=account_facts(data, self.business_id), tables=tables)

    def videos(self, *, captured_at: datetime) -> dict[str, list[Row]]:
        """Every post, newest first, as tables `posts` and `post_snapshots` (lifetime counters).

        Raises:
            MalformedResponseError: a page lacks `videos`, or the cursor stops moving while
                TikTok says there is more.
        """
        posts: dict[str, Row] = {}
        snapshots: list[Row] = []
        for video in self.video_pages():
            post = post_row(video)
            if post["post_id"] in posts:
                continue
            posts[post["post_id"]] = post
            snapshots.append(snapshot_row(video, post["post_id"], captured_at))
        return {"posts": list(posts.values()), "post_snapshots": snapshots}

    def recent_videos(self, *, captured_at: datetime) -> dict[str, list[Row]]:
        """The newest page of posts (20), as tables `posts` and `post_snapshots`: one request."""
        params = {"business_id": self.business_id, "fields": list(VIDEO_FIELDS),
                  "max_count": VIDEO_PAGE_SIZE}  # fmt: skip
        return self.video_tables(VIDEOS_PATH, params, captured_at)

    def videos_by_id(self, video_ids: list[str], *, captured_at: datetime) -> dict[str, list[Row]]:
        """The named posts (at most 20: `filters.video_ids`), as `posts` and `post_snapshots`.

        Raises:
            UsageError: more than 20 ids.
        """
        if len(video_ids) > VIDEO_PAGE_SIZE:
            raise UsageError(f"at most {VIDEO_PAGE_SIZE} video ids a request: {len(video_ids)}")
        params = {
            "business_id": self.business_id,
            "fields": list(VIDEO_FIELDS),
            "max_count": VIDEO_PAGE_SIZE,
            "filters": {"video_ids": list(video_ids)},
        }
        return self.video_tables(VIDEOS_PATH, params, captured_at)

    def video_tables(
        self, path: str, params: dict[str, Any], captured_at: datetime
    ) -> dict[str, list[Row]]:
        """One page of `/business/video/list/` as tables `posts` and `post_snapshots`."""
        data = Fields.of(
            self.session, path, self.session.get(path, params, expect={"videos": list})
        )
        videos = data.items("videos") or []
        posts = [post_row(video) for video in videos]
        snapshots = [
            snapshot_row(video, post["post_id"], captured_at)
            for video, post in zip(videos, posts, strict=True)
        ]
        return {"posts": posts, "post_snapshots": snapshots}

    def video_pages(self) -> Iterator[Fields]:
        """The videos of every page of `/business/video/list/`."""
        params: dict[str, Any] = {
            "business_id": self.business_id,
            "fields": list(VIDEO_FIELDS),
            "max_count": VIDEO_PAGE_SIZE,
        }

        def fetch(cursor: int | None) -> dict[str, Any]:
            return self.session.get(VIDEOS_PATH, {**params, "cursor": cursor})

        yield from cursor_pages(self.session, VIDEOS_PATH, "videos", fetch)

    def comments(
        self, video_ids: Iterable[str], *, pseudonymize: Callable[[str], str]
    ) -> list[Row]:
        """Every comment and reply on the given posts, as rows of the `comments` table.

        Args:
            video_ids: the posts (their `item_id`).
            pseudonymize: turns a commenter's username into the stored `author_id`.
        """
        rows: dict[str, Row] = {}
        for video_id in video_ids:
            for comment in self.comment_pages(COMMENTS_PATH, video_id):
                top = comment_row(comment, video_id, None, pseudonymize)
                rows.setdefault(top["comment_id"], top)
                for reply in self.replies_of(comment, top, video_id):
                    row = comment_row(reply, video_id, top["comment_id"], pseudonymize)
                    rows.setdefault(row["comment_id"], row)
        return list(rows.values())

    def replies_of(self, comment: Fields, top: Row, video_id: str) -> list[Fields]:
        """The replies to `comment`: those inlined, or all of them when more exist."""
        inline = comment.items("reply_list") or []
        if (top["replies"] or 0) <= len(inline):
            return inline
        return list(self.comment_pages(REPLIES_PATH, video_id, top["comment_id"]))

    def comment_pages(
        self, path: str, video_id: str, comment_id: str | None = None
    ) -> Iterator[Fields]:
        """The comments of every page of a comment or reply list."""
        params: dict[str, Any] = {
            "business_id": self.business_id,
            "video_id": video_id,
            "comment_id": comment_id,
            "include_replies": True if comment_id is None else None,
            "max_count": COMMENT_PAGE_SIZE,
        }

        def fetch(cursor: int | None) -> dict[str, Any]:
            return self.session.get(path, {**params, "cursor": cursor})

        yield from cursor_pages(self.session, path, "comments", fetch, cursor=0)


def account_facts(data: Fields, business_id: str) -> AccountFacts:
    """The `accounts` facts of a `/business/get/` answer."""
    username = data.handle("username", "the account's username (scope user.info.username?)")
    is_business = data.flag("is_business_account")
    return AccountFacts(
        handle=username,
        account_type=None if is_business is None else ("business" if is_business else "personal"),
        source=BUSINESS.source,
        columns={
            "display_name": data.text("display_name"),
            "bio": data.text("bio_description"),
            "is_verified": data.flag("is_verified"),
            "following_count": data.integer("following_count"),
            "total_likes": data.integer("total_likes"),
            "videos_count": data.integer("videos_count"),
            "open_id": business_id,
        },
    )


def daily_rows(days: list[Fields], captured_at: datetime) -> list[Row]:
    """One `account_daily` row per entry of ``metrics``."""
    rows = []
    for day in days:
        row: Row = {"date": day_of(day)}
        row.update({metric: day.integer(metric) for metric in DAILY_METRICS})
        row["captured_at"] = captured_at
        rows.append(row)
    return rows


def day_of(day: Fields) -> date:
    """The ``date`` of one entry of ``metrics`` (``YYYY-MM-DD``)."""
    try:
        return date.fromisoformat(day.text("date") or "")
    except ValueError:
        raise day.fail("date", "a day as YYYY-MM-DD") from None


def audience_rows(data: Fields, snapshot_date: date) -> list[Row] | None:
    """`audience_snapshots` rows from the ``audience_*`` lists; None when TikTok sent none."""
    rows: list[Row] | None = None
    for list_key, dimension, value_key in AUDIENCE_LISTS:
        buckets = data.items(list_key)
        if buckets is None:
            continue
        rows = rows or []
        for bucket in buckets:
            value, share = bucket.text(value_key), bucket.number("percentage")
            if not value or share is None:
                raise bucket.fail(value_key if not value else "percentage", "a bucket and share")
            rows.append({
                "snapshot_date": snapshot_date,
                "dimension": dimension,
                "value": value.lower() if dimension == "gender" else value,
                "share": share,
            })  # fmt: skip
    return rows


def activity_rows(days: list[Fields]) -> list[Row] | None:
    """`follower_activity` rows from each day's ``audience_activity``; None when never sent."""
    rows: list[Row] | None = None
    for day in days:
        hours = day.items("audience_activity")
        if hours is None:
            continue
        rows = rows or []
        for hour in hours:
            active = hour.integer("count")
            if active is None:
                continue
            number = hour.integer("hour")
            if number is None or not 0 <= number <= 23:
                raise hour.fail("hour", "an hour 0-23")
            rows.append({"date": day_of(day), "hour": number, "active_followers": active})
    return rows


def post_row(video: Fields) -> Row:
    """The `posts` row of one video of `/business/video/list/`."""
    caption = video.text("caption")
    return {
        "post_id": video.identifier("item_id"),
        "media_type": media_type(video),
        "create_time": video.epoch("create_time"),
        "caption": caption,
        "hashtags": hashtags_of(caption),
        "duration_seconds": video.number("video_duration"),
        "is_ad": video.flag("is_ad") or False,
        "share_url": video.text("share_url"),
    }


def media_type(video: Fields) -> str:
    """`video`, `image` or `carousel` from TikTok's ``media_type`` (absent or unknown: video)."""
    raw = video.text("media_type")
    if raw is None:
        return "video"
    known = MEDIA_TYPES.get(raw.lower())
    if known is None:
        LOGGER.warning("%s.media_type: unknown value %r, stored as video", video.where, raw)
        return "video"
    return known


def snapshot_row(video: Fields, post_id: str, captured_at: datetime) -> Row:
    """The `post_snapshots` row of one video: lifetime counters and insights."""
    favorites = video.integer("favorites")
    row: Row = {
        "post_id": post_id,
        "captured_at": captured_at,
        "views": video.integer("video_views"),
        "reach": video.integer("reach"),
        "likes": video.integer("likes"),
        "comments": video.integer("comments"),
        "shares": video.integer("shares"),
        "favorites": favorites if favorites is not None else video.integer("favorities"),
        "total_time_watched_seconds": video.number("total_time_watched"),
        "average_time_watched_seconds": video.number("average_time_watched"),
        "full_video_watched_rate": video.number("full_video_watched_rate"),
        "new_followers": video.integer("new_followers"),
        "profile_views": video.integer("profile_views"),
    }
    row.update(shares_by(video, "impression_sources", "impression_source", IMPRESSION_SOURCES))
    row.update(shares_by(video, "audience_types", "type", AUDIENCE_TYPES))
    row.update(shares_by(video, "audience_genders", "gender", VIEWER_GENDERS, lower=True))
    row["viewer_countries"] = share_list(video, "audience_countries", "country", text=True)
    row["retention"] = share_list(video, "video_view_retention", "second", text=False)
    return row


def shares_by(
    video: Fields, key: str, name_key: str, columns: dict[str, str], *, lower: bool = False
) -> Row:
    """Columns filled from a list of ``{name, percentage}``; names not listed stay None."""
    row: Row = dict.fromkeys(columns.values())
    for item in video.items(key) or []:
        name = item.text(name_key) or ""
        column = columns.get(name.lower() if lower else name)
        if column is None:
            LOGGER.warning("%s.%s: unknown value %r, skipped", item.where, name_key, name)
            continue
        row[column] = item.number("percentage")
    return row


def share_list(video: Fields, key: str, name_key: str, *, text: bool) -> list[Row] | None:
    """A list of ``{name_key, share}`` from ``{name_key, percentage}``; None when absent."""
    items = video.items(key)
    if items is None:
        return None
    return [
        {name_key: item.text(name_key) if text else item.number(name_key),
         "share": item.number("percentage")}
        for item in items
    ]  # fmt: skip


def comment_row(
    comment: Fields, video_id: str, parent_id: str | None, pseudonymize: Callable[[str], str]
) -> Row:
    """The `comments` row of a comment (`parent_id` None) or a reply."""
    author = comment.text("username") or comment.text("unique_identifier")
    if not author:
        raise comment.fail("username", "the commenter's username or unique_identifier")
    status = comment.text("status")
    return {
        "comment_id": comment.identifier("comment_id"),
        "post_id": post_of(comment, video_id),
        "parent_comment_id": parent_comment(comment, parent_id),
        "author_id": pseudonymize(author),
        "text": comment.text("text") or "",
        "likes": comment.integer("likes"),
        "replies": comment.integer("replies"),
        "create_time": comment.epoch("create_time"),
        "status": status.lower() if status else None,
        "is_owner": comment.flag("owner") or False,
    }


def parent_comment(comment: Fields, parent_id: str | None) -> str | None:
    """The comment a reply answers: its own `parent_comment_id`, else the enclosing comment."""
    if comment.values.get("parent_comment_id") is not None:
        return comment.identifier("parent_comment_id")
    return parent_id


def post_of(comment: Fields, video_id: str) -> str:
    """The post a comment is on: its ``video_id`` when sent, else the post that was asked."""
    if comment.values.get("video_id") is not None:
        return comment.identifier("video_id")
    return video_id
