"""Every metric tikscope computes, defined once. Everything else reads `METRICS`."""

from __future__ import annotations

from tikscope.metrics.model import Metric, PostColumn, Scope, Unit

SUM_DAYS = "sum of the days"
LAST_DAY = "value on the last day"
NOT_BY_POST = "not per post"
SUM_POSTS = "sum over posts"

COMMUNITY, ACCOUNT, VIEWED, PUBLISHED, STUDIO = (
    "community", "account", "posts viewed", "posts published", "studio",
)  # fmt: skip


def daily(
    name: str, label: str, description: str, column: str, section: str, *,
    lower_is_better: bool = False,
) -> Metric:  # fmt: skip
    """A business-only sum of a column of the Business API's daily series."""
    return Metric(
        name, label, description, Unit.COUNT, Scope.DAYS, f"sum({column})",
        (f"account_daily.{column}",), SUM_DAYS, NOT_BY_POST, section, business_only=True,
        lower_is_better=lower_is_better,
    )  # fmt: skip


def gained(name: str, label: str, counter: str) -> Metric:
    """What every post gained of a lifetime counter during the period, whatever its age."""
    return Metric(
        name, label,
        f"{label}: the {counter} every post gained during the period, whatever its publish date "
        "(difference of its lifetime counter between the period's end and start).",
        Unit.COUNT, Scope.VIEWED, f"sum({counter}_gained)", (f"post_snapshots.{counter}",),
        "difference of lifetime counters at the period's ends", SUM_POSTS, VIEWED,
    )  # fmt: skip


def published_sum(name: str, label: str, counter: str, *, business_only: bool = False) -> Metric:
    """A lifetime counter summed over the posts published in the period."""
    return Metric(
        name, label,
        f"{label} of the posts published in the period, lifetime totals at the period's end.",
        Unit.COUNT, Scope.PUBLISHED, f"coalesce(sum({counter}), 0)", (f"post_snapshots.{counter}",),
        "lifetime total at the period's end", SUM_POSTS, PUBLISHED, business_only=business_only,
    )  # fmt: skip


def source_share(source: str, label: str) -> Metric:
    """Share of the views of posts published in the period that came from one source."""
    column = f"source_{source}"
    return Metric(
        f"views_from_{source}", f"{label} %",
        f"Share of the views of posts published in the period that came from {label} "
        "(each post's share weighted by its views).",
        Unit.FRACTION, Scope.PUBLISHED,
        f"sum(views * {column}) FILTER (WHERE {column} IS NOT NULL)"
        f" / nullif(sum(views) FILTER (WHERE {column} IS NOT NULL), 0)",
        (f"post_snapshots.{column}", "post_snapshots.views"),
        "as of the period's end", "views-weighted mean", PUBLISHED, business_only=True,
    )  # fmt: skip


METRICS: tuple[Metric, ...] = (
    Metric(
        "followers",
        "Followers",
        "Followers at the end of the period.",
        Unit.COUNT,
        Scope.DAYS,
        "arg_max(followers_count, date)",
        ("account_daily.followers_count",),
        LAST_DAY,
        NOT_BY_POST,
        COMMUNITY,
    ),
    Metric(
        "followers_growth",
        "Follower growth",
        "Followers at the end of the period minus followers the day before it started.",
        Unit.COUNT,
        Scope.DAYS,
        "arg_max(followers_count, date) - any_value(followers_before)",
        ("account_daily.followers_count",),
        "last day minus the day before the first",
        NOT_BY_POST,
        COMMUNITY,
    ),
    daily(
        "followers_gained",
        "Followers gained",
        "New follows during the period; someone who unfollows and follows again counts again.",
        "daily_new_followers",
        COMMUNITY,
    ),
    daily(
        "followers_lost",
        "Followers lost",
        "Unfollows during the period.",
        "daily_lost_followers",
        COMMUNITY,
        lower_is_better=True,
    ),
    Metric(
        "followers_balance",
        "Balance of followers",
        "Followers gained minus followers lost (each follow and unfollow event counts, as in "
        "Metricool).",
        Unit.COUNT,
        Scope.DAYS,
        "sum(daily_new_followers) - sum(daily_lost_followers)",
        ("account_daily.daily_new_followers", "account_daily.daily_lost_followers"),
        SUM_DAYS,
        NOT_BY_POST,
        COMMUNITY,
        business_only=True,
    ),
    Metric(
        "posts_published",
        "Posts",
        "Posts published in the period (account's time zone).",
        Unit.COUNT,
        Scope.PUBLISHED,
        "count(*)",
        ("posts.create_time",),
        SUM_DAYS,
        "count",
        ACCOUNT,
    ),
    daily(
        "profile_views",
        "Profile views",
        "Visits to the profile during the period.",
        "profile_views",
        ACCOUNT,
    ),
    daily(
        "video_views",
        "Video views",
        "Views of all videos during the period (daily series).",
        "video_views",
        STUDIO,
    ),
    daily(
        "likes",
        "Likes",
        "Likes received during the period (gross: un-likes not subtracted).",
        "likes",
        STUDIO,
    ),
    daily("comments", "Comments", "Comments received during the period.", "comments", STUDIO),
    daily(
        "shares",
        "Shares",
        "Shares during the period, including sends to friends.",
        "shares",
        STUDIO,
    ),
    gained("views_gained", "Views", "views"),
    gained("likes_gained", "Likes", "likes"),
    gained("comments_gained", "Comments", "comments"),
    gained("shares_gained", "Shares", "shares"),
    Metric(
        "posts_viewed",
        "Posts viewed",
        "Posts that gained at least one view during the period.",
        Unit.COUNT,
        Scope.VIEWED,
        "count(*) FILTER (WHERE views_gained > 0)",
        ("post_snapshots.views",),
        "any view in the period",
        "count",
        VIEWED,
    ),
    published_sum("published_views", "Views", "views"),
    published_sum("published_likes", "Likes", "likes"),
    published_sum("published_comments", "Comments", "comments"),
    published_sum("published_shares", "Shares", "shares"),
    Metric(
        "published_interactions",
        "Interactions",
        "Likes + comments + shares of the posts published in the period.",
        Unit.COUNT,
        Scope.PUBLISHED,
        "coalesce(sum(likes + comments + shares), 0)",
        ("post_snapshots.likes", "post_snapshots.comments", "post_snapshots.shares"),
        "lifetime total at the period's end",
        SUM_POSTS,
        PUBLISHED,
    ),
    Metric(
        "average_reach_per_post",
        "Average reach per post",
        "Mean number of unique viewers per post published in the period (posts whose reach is "
        "known).",
        Unit.COUNT,
        Scope.PUBLISHED,
        "avg(reach)",
        ("post_snapshots.reach",),
        "lifetime total at the period's end",
        "mean over posts",
        PUBLISHED,
        business_only=True,
    ),
    Metric(
        "engagement",
        "Engagement",
        "Mean over posts published in the period of (likes + comments + shares) / reach, "
        "times 100 or 1000 (Metricool's definition; the denominator is a setting).",
        Unit.RATE,
        Scope.PUBLISHED,
        "avg((likes + comments + shares) / nullif({basis}, 0)) * {rate}",
        (
            "post_snapshots.likes",
            "post_snapshots.comments",
            "post_snapshots.shares",
            "post_snapshots.reach",
        ),
        "as of the period's end",
        "mean over posts",
        PUBLISHED,
        business_only=True,
    ),
    Metric(
        "average_watch_time_seconds",
        "Average watch time",
        "Total time watched divided by views, over posts published in the period whose watch "
        "time is known.",
        Unit.SECONDS,
        Scope.PUBLISHED,
        "sum(total_time_watched_seconds) / nullif(sum(views) FILTER "
        "(WHERE total_time_watched_seconds IS NOT NULL), 0)",
        ("post_snapshots.total_time_watched_seconds", "post_snapshots.views"),
        "as of the period's end",
        "views-weighted mean",
        PUBLISHED,
        business_only=True,
    ),
    Metric(
        "average_duration_seconds",
        "Average duration",
        "Mean duration of the videos and carousels published in the period.",
        Unit.SECONDS,
        Scope.PUBLISHED,
        "avg(duration_seconds)",
        ("posts.duration_seconds",),
        "—",
        "mean over posts",
        PUBLISHED,
    ),
    source_share("for_you", "For You"),
    source_share("follow", "Follow"),
    source_share("personal_profile", "Personal Profile"),
    source_share("search", "Search"),
    source_share("hashtag", "Hashtag"),
    source_share("sound", "Sound"),
    source_share("direct_message", "Direct Message"),
    Metric(
        "new_viewers_share",
        "New viewers %",
        "Share of the period's views, on every post, that came from people who had not watched "
        "the account in the past year (each post's share weighted by its views gained).",
        Unit.FRACTION,
        Scope.VIEWED,
        "sum(views_gained * viewers_new) FILTER (WHERE viewers_new IS NOT NULL)"
        " / nullif(sum(views_gained) FILTER (WHERE viewers_new IS NOT NULL), 0)",
        ("post_snapshots.viewers_new",),
        "as of the period's end",
        "views-weighted mean",
        STUDIO,
        business_only=True,
    ),
)

METRICS_BY_NAME = {metric.name: metric for metric in METRICS}


def post_share(source: str, label: str) -> PostColumn:
    """A post's share of views from one impression source."""
    return PostColumn(
        f"{source}_share", f"{label} %", f"Share of the post's views that came from {label}.",
        Unit.FRACTION, f"source_{source}", business_only=True,
    )  # fmt: skip


POST_COLUMNS: tuple[PostColumn, ...] = (
    PostColumn("post_id", "Post id", "TikTok's id of the post.", Unit.TEXT, "post_id"),
    PostColumn("caption", "Caption", "The post's caption (title in Studio).", Unit.TEXT,
               "caption"),
    PostColumn("link", "Link", "The post on TikTok.", Unit.TEXT, "link"),
    PostColumn("type", "Type", "video, image or carousel.", Unit.TEXT, "media_type"),
    PostColumn("published", "Published", "When it was published (UTC).", Unit.TIME,
               "create_time"),
    PostColumn("views", "Views", "Lifetime views.", Unit.COUNT, "views"),
    PostColumn("likes", "Likes", "Lifetime likes.", Unit.COUNT, "likes"),
    PostColumn("comments", "Comments", "Lifetime comments.", Unit.COUNT, "comments"),
    PostColumn("shares", "Shares", "Lifetime shares.", Unit.COUNT, "shares"),
    PostColumn("reach", "Reach", "Unique viewers (last known).", Unit.COUNT, "reach",
               business_only=True),
    PostColumn("duration", "Duration", "Length in seconds.", Unit.SECONDS, "duration_seconds"),
    PostColumn("engagement", "Engagement", "(likes + comments + shares) / reach × rate.",
               Unit.RATE, "(likes + comments + shares) / nullif({basis}, 0) * {rate}",
               business_only=True),
    PostColumn("full_watch_rate", "Full video watched %", "Viewers who watched it all.",
               Unit.FRACTION, "full_video_watched_rate", business_only=True),
    PostColumn("total_watch_time", "Total time watched", "Seconds watched in all.", Unit.SECONDS,
               "total_time_watched_seconds", business_only=True),
    PostColumn("average_watch_time", "Average time watched", "Seconds watched per view.",
               Unit.SECONDS, "average_time_watched_seconds", business_only=True),
    post_share("for_you", "For You"),
    post_share("follow", "Follow"),
    post_share("hashtag", "Hashtag"),
    post_share("sound", "Sound"),
    post_share("personal_profile", "Profile"),
    post_share("search", "Search"),
)  # fmt: skip

POST_COLUMNS_BY_NAME = {column.name: column for column in POST_COLUMNS}
