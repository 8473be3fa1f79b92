"""Which source fills which stored data, and what a user does to get it: the one list.

A number that is missing names what would provide it ("import Studio's Overview export or
connect the Business API"). That text is built here from `SOURCES`, so every output says the
same, and adding a source (or a column a source fills) is one entry.

Data are named as `table.column`; audience dimensions as `audience_snapshots.<dimension>`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """One way data reaches the store.

    Attributes:
        key: identifier, as `AccountFacts.source` and `sync.precedence` name it.
        label: the source in a sentence ("the Business API").
        action: what a user does to get it, in the imperative ("connect the Business API").
        provides: the data it fills, as `table.column`.
    """

    key: str
    label: str
    action: str
    provides: frozenset[str]


def data(table: str, *columns: str) -> frozenset[str]:
    """`table.column` names of some columns of one table."""
    return frozenset(f"{table}.{column}" for column in columns)


POST_COUNTERS = ("views", "likes", "comments", "shares")
POST_INSIGHTS = (
    "reach", "total_time_watched_seconds", "average_time_watched_seconds",
    "full_video_watched_rate", "source_for_you", "source_follow", "source_personal_profile",
    "source_search", "source_hashtag", "source_sound", "source_direct_message", "viewers_new",
    "viewer_countries",
)  # fmt: skip
POST_FACTS = ("create_time", "caption", "duration_seconds")

BUSINESS_API = Source(
    "business_api", "the Business API", "connect the Business API",
    data("account_daily", "video_views", "unique_video_views", "profile_views", "likes",
         "comments", "shares", "followers_count", "daily_new_followers", "daily_lost_followers",
         "daily_total_followers")
    | data("audience_snapshots", "gender", "age", "country", "city")
    | data("follower_activity", "active_followers")
    | data("post_snapshots", *POST_COUNTERS, *POST_INSIGHTS)
    | data("posts", *POST_FACTS),
)  # fmt: skip
DISPLAY_API = Source(
    "display_api", "the Display API", "connect the Display API",
    data("post_snapshots", *POST_COUNTERS) | data("posts", *POST_FACTS),
)  # fmt: skip
STUDIO_OVERVIEW = Source(
    "studio_overview", "Studio's Overview export", "import Studio's Overview export",
    data("account_daily", "video_views", "profile_views", "likes", "comments", "shares",
         "daily_total_followers"),
)  # fmt: skip
STUDIO_FOLLOWERS = Source(
    "studio_followers", "Studio's Followers export", "import Studio's Followers export",
    data("account_daily", "followers_count")
    | data("audience_snapshots", "gender", "country")
    | data("follower_activity", "active_followers"),
)  # fmt: skip
STUDIO_VIEWERS = Source(
    "studio_viewers", "Studio's Viewers export", "import Studio's Viewers export",
    data("account_daily", "unique_video_views", "new_viewers", "returning_viewers"),
)  # fmt: skip
STUDIO_CONTENT = Source(
    "studio_content", "Studio's Content export", "import Studio's Content export",
    data("post_snapshots", *POST_COUNTERS) | data("posts", "create_time", "caption"),
)  # fmt: skip

SOURCES: tuple[Source, ...] = (
    STUDIO_OVERVIEW, STUDIO_FOLLOWERS, STUDIO_VIEWERS, STUDIO_CONTENT, BUSINESS_API, DISPLAY_API,
)  # fmt: skip
"""In the order a missing number names them: what any creator can download first."""


def sources_of(needed: Iterable[str]) -> list[Source]:
    """The sources that provide every one of `needed`, in `SOURCES` order."""
    wanted = frozenset(needed)
    return [source for source in SOURCES if wanted <= source.provides]


def how_to_get(needed: Iterable[str]) -> str:
    """What a user does to get data: "import Studio's Overview export or connect the Business API".

    When no single source provides all of `needed`, each part is named on its own.
    """
    wanted = sorted(frozenset(needed))
    whole = sources_of(wanted)
    if whole:
        return " or ".join(source.action for source in whole)
    parts = [how_to_get([item]) for item in wanted if sources_of([item])]
    return "; ".join(dict.fromkeys(parts)) or "no source tikscope reads provides it"
