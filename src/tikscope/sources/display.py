"""Display API v2 (Login Kit): the profile and the public posts with their four counters.

Maps `/v2/user/info/`, `/v2/video/list/` and `/v2/video/query/` to store rows. The Display API
has no reach, watch time, saves or demographics, so its snapshots carry views, likes, comments
and shares only; the other `post_snapshots` columns are left out (NULL when inserted).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tikscope.sources.answers import Fields, cursor_pages
from tikscope.sources.families import DISPLAY
from tikscope.sources.hashtags import hashtags_of
from tikscope.sources.http import ApiSession
from tikscope.sources.records import AccountFacts, Row

USER_PATH = "/v2/user/info/"
VIDEO_LIST_PATH = "/v2/video/list/"
VIDEO_QUERY_PATH = "/v2/video/query/"
PAGE_SIZE = 20
QUERY_SIZE = 20

# NOTE: a field whose scope was not granted can fail the whole call (scope_permission_missed),
# so only the groups of granted scopes are asked for.
SCOPE_FIELDS: dict[str, tuple[str, ...]] = {
    "user.info.basic": ("open_id", "union_id", "avatar_url", "display_name"),
    "user.info.profile": ("bio_description", "profile_deep_link", "is_verified", "username"),
    "user.info.stats": ("follower_count", "following_count", "likes_count", "video_count"),
}
# Store column of `accounts` -> (Display field, how to read it).
USER_COLUMNS: dict[str, tuple[str, Callable[[Fields, str], Any]]] = {
    "display_name": ("display_name", Fields.text),
    "open_id": ("open_id", Fields.text),
    "union_id": ("union_id", Fields.text),
    "bio": ("bio_description", Fields.text),
    "is_verified": ("is_verified", Fields.flag),
    "following_count": ("following_count", Fields.integer),
    "total_likes": ("likes_count", Fields.integer),
    "videos_count": ("video_count", Fields.integer),
}
VIDEO_FIELDS = (
    "id", "create_time", "video_description", "duration", "share_url", "view_count",
    "like_count", "comment_count", "share_count",
)  # fmt: skip


@dataclass(frozen=True)
class DisplayUser:
    """The profile as the Display API tells it.

    Attributes:
        facts: the `accounts` facts (source ``display_api``, account type ``personal``).
        followers_count: followers now (``follower_count``); the `accounts` table has no column
            for it, so the caller decides where it goes. None without scope user.info.stats.
    """

    facts: AccountFacts
    followers_count: int | None


class DisplayClient:
    """Reads the authorizing user's profile and public posts through the Display API v2."""

    def __init__(self, session: ApiSession, *, scopes: Collection[str] | None = None) -> None:
        """Use `session` (style ``open``); `scopes` granted (None: ask for every field group)."""
        self.session = session
        self.scopes = set(SCOPE_FIELDS) if scopes is None else set(scopes) | {"user.info.basic"}

    def user(self) -> DisplayUser:
        """The profile from `/v2/user/info/`.

        Raises:
            MalformedResponseError: no ``username`` (it needs scope user.info.profile).
        """
        fields = [name for scope, names in SCOPE_FIELDS.items() if scope in self.scopes
                  for name in names]  # fmt: skip
        data = self.session.get(USER_PATH, {"fields": fields}, expect={"user": dict})
        user = Fields(f"{USER_PATH} data.user", data["user"], self.session.last_request_id)
        username = user.handle("username", "the username (scope user.info.profile)")
        columns: Row = {}
        for column, (name, read) in USER_COLUMNS.items():
            if name in fields:
                columns[column] = read(user, name)
        facts = AccountFacts(
            handle=username,
            account_type=DISPLAY.account_type,
            source=DISPLAY.source,
            columns=columns,
        )
        return DisplayUser(facts=facts, followers_count=user.integer("follower_count"))

    def videos(self, *, captured_at: datetime) -> dict[str, list[Row]]:
        """Every public post, newest first, as tables `posts` and `post_snapshots`.

        Raises:
            MalformedResponseError: a page lacks `videos`, or the cursor stops moving while
                TikTok says there is more.
        """

        def fetch(cursor: int | None) -> dict[str, Any]:
            body = {"max_count": PAGE_SIZE} if cursor is None else {"max_count": PAGE_SIZE,
                                                                    "cursor": cursor}  # fmt: skip
            return self.session.post(VIDEO_LIST_PATH, params={"fields": VIDEO_FIELDS}, json=body)

        pages = cursor_pages(self.session, VIDEO_LIST_PATH, "videos", fetch)
        return video_tables(pages, captured_at)

    def query(self, video_ids: Iterable[str], *, captured_at: datetime) -> dict[str, list[Row]]:
        """The given posts (owned by the user), 20 per call, as `posts` and `post_snapshots`."""
        ids = list(dict.fromkeys(video_ids))
        videos: list[Fields] = []
        for start in range(0, len(ids), QUERY_SIZE):
            body = {"filters": {"video_ids": ids[start : start + QUERY_SIZE]}}
            data = self.session.post(
                VIDEO_QUERY_PATH,
                params={"fields": VIDEO_FIELDS},
                json=body,
                expect={"videos": list},
            )
            videos.extend(Fields.of(self.session, VIDEO_QUERY_PATH, data).items("videos") or [])
        return video_tables(videos, captured_at)


def video_tables(videos: Iterable[Fields], captured_at: datetime) -> dict[str, list[Row]]:
    """Tables `posts` and `post_snapshots` of Display video objects, one row per id."""
    posts: dict[str, Row] = {}
    snapshots: list[Row] = []
    for video in videos:
        post = post_row(video)
        if post["post_id"] in posts:
            continue
        posts[post["post_id"]] = post
        snapshots.append(snapshot_row(video, post["post_id"], captured_at))
    return {"posts": list(posts.values()), "post_snapshots": snapshots}


def post_row(video: Fields) -> Row:
    """The `posts` row of a Display video object (`is_ad` left to the store's default)."""
    caption = video.text("video_description")
    return {
        "post_id": video.identifier("id", "item_id"),
        "media_type": "video",
        "create_time": video.epoch("create_time"),
        "caption": caption,
        "hashtags": hashtags_of(caption),
        "duration_seconds": video.number("duration"),
        "share_url": video.text("share_url"),
    }


def snapshot_row(video: Fields, post_id: str, captured_at: datetime) -> Row:
    """The `post_snapshots` row of a Display video object: the four counters it has."""
    return {
        "post_id": post_id,
        "captured_at": captured_at,
        "views": video.integer("view_count"),
        "likes": video.integer("like_count"),
        "comments": video.integer("comment_count"),
        "shares": video.integer("share_count"),
    }
