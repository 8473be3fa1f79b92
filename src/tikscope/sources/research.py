"""Research API (academic use only): public users, their follower graph, videos and comments.

Every endpoint is a POST with a JSON body and ``fields`` as a comma-separated query parameter.
TikTok forbids commercial use of this API; tikscope never stores its answers as an account's own
data (docs/schema.md), so the rows here are plain dicts for the caller to place.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tikscope.errors import UsageError
from tikscope.sources.answers import Fields, cursor_pages
from tikscope.sources.hashtags import hashtags_of
from tikscope.sources.http import ApiSession
from tikscope.sources.records import Row

USER_INFO_PATH = "/v2/research/user/info/"
FOLLOWERS_PATH = "/v2/research/user/followers/"
FOLLOWING_PATH = "/v2/research/user/following/"
COMMENTS_PATH = "/v2/research/video/comment/list/"
VIDEOS_PATH = "/v2/research/video/query/"
PAGE_SIZE = 100
COMMENT_PAGE_SIZE = 100
MAX_RANGE_DAYS = 30

USER_FIELDS = (
    "display_name", "bio_description", "avatar_url", "is_verified", "follower_count",
    "following_count", "likes_count", "video_count", "bio_url",
)  # fmt: skip
USER_NUMBERS = frozenset({"follower_count", "following_count", "likes_count", "video_count"})
COMMENT_FIELDS = (
    "id", "video_id", "text", "like_count", "reply_count", "parent_comment_id", "create_time",
)  # fmt: skip
VIDEO_FIELDS = (
    "id", "video_description", "create_time", "region_code", "share_count", "view_count",
    "like_count", "comment_count", "music_id", "hashtag_names", "username",
    "favorites_count", "video_duration",
)  # fmt: skip
QUERY_OPERATORS = ("and", "or", "not")


@dataclass(frozen=True)
class Page:
    """One page of a follower or following list.

    Attributes:
        usernames: the users on the page, in TikTok's order.
        cursor: pass back for the next page (epoch seconds: relations made on or before it).
        has_more: whether another page exists.
    """

    usernames: list[str]
    cursor: int | None
    has_more: bool


class ResearchClient:
    """Reads public data through the Research API with a client access token."""

    def __init__(self, session: ApiSession) -> None:
        """Use `session` (style ``open``, client-credentials token)."""
        self.session = session

    def user_info(self, username: str) -> Row:
        """A public profile: `username` plus the fields of `USER_FIELDS`, None where absent."""
        data = self.session.post(
            USER_INFO_PATH, params={"fields": USER_FIELDS}, json={"username": username}
        )
        user = Fields.of(self.session, USER_INFO_PATH, data)
        row: Row = {"username": username}
        for name in USER_FIELDS:
            if name in USER_NUMBERS:
                row[name] = user.integer(name)
            else:
                row[name] = user.flag(name) if name == "is_verified" else user.text(name)
        return row

    def followers(self, username: str, *, cursor: int | None) -> Page:
        """One page (up to 100) of the users following `username`; `cursor` None: newest."""
        return self.relations(FOLLOWERS_PATH, "user_followers", username, cursor)

    def following(self, username: str, *, cursor: int | None) -> Page:
        """One page of the users `username` follows (only when the list is public)."""
        return self.relations(FOLLOWING_PATH, "user_following", username, cursor)

    def relations(self, path: str, key: str, username: str, cursor: int | None) -> Page:
        """One page of a follower or following list."""
        body = without_none({"username": username, "max_count": PAGE_SIZE, "cursor": cursor})
        page = Fields.of(self.session, path, self.session.post(path, json=body))
        users = required_items(page, key)
        usernames = []
        for user in users:
            usernames.append(user.handle("username", "a username"))
        return Page(usernames=usernames, cursor=page.integer("cursor"), has_more=has_more(page))

    def comments(self, video_id: str, *, cursor: int | None) -> tuple[list[Row], int | None, bool]:
        """One page (up to 100) of a video's comments: (rows, next cursor, has_more).

        Rows have the `comments` columns TikTok gives here (no author: the Research API does not
        say who wrote a comment); `parent_comment_id` is None for a top-level comment.
        """
        body = {"video_id": video_id, "max_count": COMMENT_PAGE_SIZE, "cursor": cursor}
        body = without_none(body)
        data = self.session.post(COMMENTS_PATH, params={"fields": COMMENT_FIELDS}, json=body)
        page = Fields.of(self.session, COMMENTS_PATH, data)
        rows = [comment_row(item, video_id) for item in required_items(page, "comments")]
        return rows, page.integer("cursor"), has_more(page)

    def videos(self, query: dict[str, Any], *, start: date, end: date) -> list[Row]:
        """Public videos matching `query` created from `start` to `end` (UTC days, inclusive).

        The range is asked in chunks of at most 30 days; each chunk is paged with the
        ``cursor`` and ``search_id`` TikTok hands back.

        Args:
            query: TikTok's query object, ``{"and" | "or" | "not": [condition, ...]}``.
            start: first day.
            end: last day.

        Returns:
            One row per video id: `post_id`, `username`, `create_time`, `caption`, `hashtags`,
            `sound_id` (``music_id``), `region_code`, `duration_seconds`, `views`, `likes`,
            `comments`, `shares`, `favorites`.

        Raises:
            UsageError: `start` after `end`, or a query without conditions.
        """
        if start > end:
            raise UsageError(f"start {start} is after end {end}")
        if not any(query.get(operator) for operator in QUERY_OPERATORS):
            raise UsageError("a Research API query needs at least one of and/or/not conditions")
        rows: dict[str, Row] = {}
        for chunk_start, chunk_end in date_chunks(start, end):
            for video in self.video_pages(query, chunk_start, chunk_end):
                row = video_row(video)
                rows.setdefault(row["post_id"], row)
        return list(rows.values())

    def video_pages(self, query: dict[str, Any], start: date, end: date) -> Iterator[Fields]:
        """The videos of every page of one date chunk."""
        body: dict[str, Any] = {
            "query": query,
            "start_date": f"{start:%Y%m%d}",
            "end_date": f"{end:%Y%m%d}",
            "max_count": PAGE_SIZE,
        }
        search: dict[str, Any] = {}

        def fetch(cursor: int | None) -> dict[str, Any]:
            # NOTE: later pages need both the cursor and the search id of the previous answer.
            asked = without_none({**body, "cursor": cursor, "search_id": search.get("id")})
            data = self.session.post(VIDEOS_PATH, params={"fields": VIDEO_FIELDS}, json=asked)
            search["id"] = data.get("search_id")
            return data

        yield from cursor_pages(self.session, VIDEOS_PATH, "videos", fetch)


def date_chunks(start: date, end: date) -> Iterator[tuple[date, date]]:
    """Consecutive (first, last) day ranges covering `start`..`end`, 30 days at most each."""
    while start <= end:
        last = min(end, start + timedelta(days=MAX_RANGE_DAYS - 1))
        yield start, last
        start = last + timedelta(days=1)


def required_items(page: Fields, key: str) -> list[Fields]:
    """The documented list `key` of a page; missing is an error, never an empty page."""
    items = page.items(key)
    if items is None:
        raise page.fail(key, "a list (a missing list is not an empty one)")
    return items


def has_more(page: Fields) -> bool:
    """The page's required ``has_more``."""
    value = page.flag("has_more")
    if value is None:
        raise page.fail("has_more", "true or false")
    return value


def without_none(body: dict[str, Any]) -> dict[str, Any]:
    """`body` without the keys whose value is None (TikTok then uses its default)."""
    return {key: value for key, value in body.items() if value is not None}


def comment_row(comment: Fields, video_id: str) -> Row:
    """A comment of the Research API in `comments` column names, without an author."""
    post_id = comment.identifier("video_id") if comment.values.get("video_id") else video_id
    parent = (
        comment.identifier("parent_comment_id")
        if comment.values.get("parent_comment_id") is not None
        else None
    )
    return {
        "comment_id": comment.identifier("id", "comment_id"),
        "post_id": post_id,
        "parent_comment_id": None if parent == post_id else parent,
        "text": comment.text("text") or "",
        "likes": comment.integer("like_count"),
        "replies": comment.integer("reply_count"),
        "create_time": comment.epoch("create_time"),
    }


def video_row(video: Fields) -> Row:
    """A Research API video in store column names (see `ResearchClient.videos`)."""
    caption = video.text("video_description")
    tags = video.strings("hashtag_names")
    music = video.values.get("music_id")
    return {
        "post_id": video.identifier("id", "video_id"),
        "username": video.text("username"),
        "create_time": video.epoch("create_time"),
        "caption": caption,
        "hashtags": [tag.lower() for tag in tags] if tags is not None else hashtags_of(caption),
        "sound_id": video.identifier("music_id") if music not in (None, "") else None,
        "region_code": video.text("region_code"),
        "duration_seconds": video.number("video_duration"),
        "views": video.integer("view_count"),
        "likes": video.integer("like_count"),
        "comments": video.integer("comment_count"),
        "shares": video.integer("share_count"),
        "favorites": video.integer("favorites_count"),
    }
