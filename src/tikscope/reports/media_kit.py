"""The media kit: what a brand asks a creator for, gathered in one call from the metrics.

Every number comes from the metrics registry (`metric_lines`) or the post columns
(`post_list`), never from SQL of its own, and carries the formula it was computed with. A number
the store cannot give says why and what would give it (the registry's reason). Audience gender,
age and territories are shown only where a source stated them (Studio's Followers export, the
Business API); they are never inferred. Clusters and their affinities come from the newest saved
audience clustering, when there is one.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tikscope.metrics.missing import why_missing
from tikscope.metrics.model import Unit
from tikscope.metrics.period_range import held_days
from tikscope.metrics.periods import Period
from tikscope.metrics.post_rows import PostRow
from tikscope.metrics.query import Account, Settings
from tikscope.metrics.run import Json, MetricLine, metric_lines, plain_number
from tikscope.metrics.sections import Demographics, demographics, post_list
from tikscope.metrics.studio import Territory, viewer_territories
from tikscope.reports.branding import TIKSCOPE, Branding
from tikscope.reports.html import format_value, render_page
from tikscope.reports.pdf import write_pdf

if TYPE_CHECKING:
    from tikscope.audience.model import ClusterCard
    from tikscope.store.db import DuckDBPyConnection

HTML_FILE, PDF_FILE = "media-kit.html", "media-kit.pdf"
RECENT_POSTS = 30
"""Average and median views are over the account's last this many posts."""
TOP_POSTS = 5
AFFINITIES = 3
"""Interests shown per cluster: those that set it apart most."""
KEYWORDS = 4
AUDIENCE_DIMENSIONS = ("gender", "age", "country")
POST_COLUMNS = ("caption", "link", "type", "published", "views", "likes", "comments", "shares",
                "engagement")  # fmt: skip
BY_VIEWS = Settings(engagement_basis="views")
BY_FOLLOWERS = Settings(engagement_basis="followers")
NO_CLUSTERS = (
    "no saved audience clustering for this account: run `tikscope audience report` (it needs "
    "the audience graph: Research API crawl or audience files)"
)


@dataclass(frozen=True)
class KitNumber:
    """One number of the media kit.

    Attributes:
        key: identifier (JSON and tests).
        label: what a brand reads.
        value: the value; None when missing.
        unit: how it is measured (`metrics.model.Unit`), which sets how it is written.
        per: what the value counts, after it ("per 100 views", "posts a week"); may be empty.
        formula: how it was computed, in words.
        missing: why it is missing, naming what would give it; None when it has a value.
        note: a remark on this value (growth as a percentage, posts counted).
    """

    key: str
    label: str
    value: float | None
    unit: Unit
    per: str
    formula: str
    missing: str | None = None
    note: str | None = None

    @property
    def shown(self) -> str:
        """The value as every output writes it ("7.38 per 100 views"); a dash when missing."""
        text = format_value(self.value, self.unit)
        return f"{text} {self.per}" if self.per and self.value is not None else text

    def as_json(self) -> dict[str, Json]:
        """The number as the JSON twin gives it: what it counts is `per`, not the unit's name."""
        return {"key": self.key, "label": self.label,
                "value": plain_number(self.value, self.unit), "shown": self.shown,
                "per": self.per, "formula": self.formula, "missing": self.missing,
                "note": self.note}  # fmt: skip


@dataclass(frozen=True)
class AudienceShare:
    """One value of one audience dimension and its share (0-1) of the followers or views."""

    value: str
    share: float


@dataclass(frozen=True)
class AudiencePart:
    """Followers by one dimension (gender, age, country) or viewers by territory.

    `shares` is empty and `missing` says why (and what would give it) when the store has none.
    """

    key: str
    title: str
    shares: tuple[AudienceShare, ...]
    missing: str | None = None


@dataclass(frozen=True)
class Affinity:
    """An interest of a cluster: its share of the cluster and its index against the audience."""

    value: str
    share: float
    index: float


@dataclass(frozen=True)
class KitCluster:
    """One audience cluster: its name, share of the clustered audience, affinities, bio words."""

    name: str
    size: int
    share: float
    affinities: tuple[Affinity, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class MediaKit:
    """Everything the media kit shows for one account and period.

    Attributes:
        account: the account.
        period: the period of the period-based numbers (growth, engagement, frequency).
        numbers: the headline numbers, in page order.
        recent_posts: how many posts the "last posts" numbers are over (at most 30).
        audience: followers by gender, age and country, then viewers by territory.
        audience_as_of: the day of the followers' snapshot used; None without one.
        audience_note: why that snapshot is not of the period (the first one after it); or None.
        clusters: the newest saved clustering's clusters; empty with `clusters_missing` saying why.
        top_posts: the most viewed of the last posts, with caption, link and publish time.
        notes: the period's data-quality notes.
        generated_at: when the kit was made (UTC).
    """

    account: Account
    period: Period
    numbers: tuple[KitNumber, ...]
    recent_posts: int
    audience: tuple[AudiencePart, ...]
    audience_as_of: date | None
    audience_note: str | None
    clusters: tuple[KitCluster, ...]
    clusters_missing: str | None
    top_posts: tuple[PostRow, ...]
    notes: tuple[str, ...] = ()
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))

    def number(self, key: str) -> KitNumber:
        """The number named `key`."""
        return next(number for number in self.numbers if number.key == key)

    def as_json(self) -> dict[str, object]:
        """The kit as the JSON twin gives it (numbers as `KitNumber.as_json`)."""
        return asdict(self) | {
            "numbers": [number.as_json() for number in self.numbers],
            "top_posts": [post.as_json() for post in self.top_posts],
        }


def gather_media_kit(connection: DuckDBPyConnection, account: Account, period: Period) -> MediaKit:
    """Read everything the media kit shows from the store."""
    by_views, notes = metric_lines(connection, account, period, BY_VIEWS)
    by_followers, _ = metric_lines(connection, account, period, BY_FOLLOWERS)
    lines = {line.name: line for line in by_views}
    recent = recent_posts(connection, account, period)
    people = demographics(connection, account, period)
    clusters, clusters_missing = saved_clusters(connection, account)
    return MediaKit(
        account=account, period=period,
        numbers=kit_numbers(lines, by_followers, recent, period),
        recent_posts=len(recent),
        audience=audience_parts(people, viewer_territories(connection, account, period)),
        audience_as_of=people.snapshot_date, audience_note=people.note,
        clusters=clusters, clusters_missing=clusters_missing,
        top_posts=tuple(sorted(recent, key=by_views_descending)[:TOP_POSTS]),
        notes=tuple(notes),
    )  # fmt: skip


def by_views_descending(post: PostRow) -> float:
    """Sort key: most viewed first, unknown views last."""
    return -(post.number("views") or 0)


def recent_posts(connection: DuckDBPyConnection, account: Account, period: Period) -> list[PostRow]:
    """The last `RECENT_POSTS` posts published up to the period's end, newest first.

    Their counters are lifetime totals as of the period's end (the post list's `views`).
    """
    held = held_days(connection, account)
    if held is None or held.first > period.end:
        return []
    history = Period(held.first, period.end)
    posts = post_list(connection, account, history, BY_VIEWS, columns=POST_COLUMNS,
                      sort="-published")  # fmt: skip
    return posts[:RECENT_POSTS]


def kit_numbers(
    lines: dict[str, MetricLine],
    by_followers: list[MetricLine],
    recent: list[PostRow],
    period: Period,
) -> tuple[KitNumber, ...]:
    """The headline numbers, each from a registry line or the last posts, with its formula."""
    views = [views for post in recent if (views := post.number("views")) is not None]
    counted = f"over the {len(views)} of the last {len(recent)} posts whose views are known"
    no_views = why_missing(has_data=bool(views), needs=("post_snapshots.views",))
    average = statistics.fmean(views) if views else None
    followers = lines["followers"]
    engagement_followers = next(line for line in by_followers if line.name == "engagement")
    return (
        from_line("followers", "Followers", followers, "", "followers at the end of the period"),
        growth_number(lines["followers_growth"], followers),
        KitNumber("average_views", f"Average views, last {RECENT_POSTS} posts", average,
                  Unit.COUNT, "views", "mean of lifetime views as of the period's end, " + counted,
                  no_views),
        KitNumber("median_views", f"Median views, last {RECENT_POSTS} posts",
                  statistics.median(views) if views else None, Unit.COUNT, "views",
                  "median of lifetime views as of the period's end, " + counted, no_views),
        from_line("engagement_by_views", "Engagement rate by views", lines["engagement"],
                  "per 100 views", BY_VIEWS.engagement_formula),
        from_line("engagement_by_followers", "Engagement rate by followers",
                  engagement_followers, "per 100 followers", BY_FOLLOWERS.engagement_formula),
        views_per_follower(average, followers, no_views),
        posting_frequency(lines["posts_published"], period),
    )  # fmt: skip


def from_line(key: str, label: str, line: MetricLine, per: str, formula: str) -> KitNumber:
    """A registry metric's value (or its reason) as a kit number."""
    return KitNumber(key, label, line.value, line.unit, per, formula, line.missing)


def growth_number(growth: MetricLine, followers: MetricLine) -> KitNumber:
    """Follower growth over the period, with the change as a percentage in its note."""
    note = growth.note
    if growth.value is not None and followers.value is not None:
        before = followers.value - growth.value
        if before > 0:
            note = "; ".join(filter(None, [f"{growth.value / before:+.1%} in the period", note]))
    return KitNumber("followers_growth", "Follower growth", growth.value, growth.unit,
                     "followers", "followers at the period's end minus followers the day before "
                     "it started", growth.missing, note)  # fmt: skip


def views_per_follower(
    average: float | None, followers: MetricLine, no_views: str | None
) -> KitNumber:
    """Average views of the last posts per follower: how far past the followers a post goes."""
    value = None
    missing = no_views or followers.missing
    if average is not None and followers.value:
        value = average / followers.value
    elif missing is None:
        missing = "not defined: the account has no followers"
    return KitNumber("views_per_follower", "Views per follower", value, Unit.RATE, "",
                     f"average views of the last {RECENT_POSTS} posts ÷ followers at the "
                     "period's end", missing)  # fmt: skip


def posting_frequency(published: MetricLine, period: Period) -> KitNumber:
    """Posts published per week over the period."""
    value = None if published.value is None else published.value / period.days * 7
    note = None
    if published.value is not None:
        count = round(published.value)
        note = f"{count:,} post{'' if count == 1 else 's'} in {period.days} days"
    return KitNumber("posting_frequency", "Posting frequency", value, Unit.RATE, "posts a week",
                     "posts published in the period ÷ days in the period × 7", published.missing,
                     note)  # fmt: skip


def audience_parts(people: Demographics, territories: list[Territory]) -> tuple[AudiencePart, ...]:
    """Followers by gender, age and country (as a source stated them), viewers by territory."""
    parts = [
        AudiencePart(
            dimension, f"Followers by {dimension}",
            tuple(AudienceShare(share.value, share.share) for share in people.of(dimension)),
            None if people.of(dimension)
            else people.unavailable or people.missing.get(dimension),
        )
        for dimension in AUDIENCE_DIMENSIONS
    ]  # fmt: skip
    parts.append(AudiencePart(
        "territories", "Viewers by territory",
        tuple(AudienceShare(row.country, row.share) for row in territories),
        why_missing(has_data=bool(territories), needs=("post_snapshots.viewer_countries",)),
    ))  # fmt: skip
    return tuple(parts)


def saved_clusters(
    connection: DuckDBPyConnection, account: Account
) -> tuple[tuple[KitCluster, ...], str | None]:
    """The clusters of the newest saved clustering, or none and why."""
    from tikscope.audience.insights import saved_insights
    from tikscope.audience.results import newest_result_id

    if newest_result_id(connection, account.account_id) is None:
        return (), NO_CLUSTERS
    insights = saved_insights(connection, account.account_id, account.handle)
    clusters = tuple(kit_cluster(card) for card in insights.cards)
    return clusters, None if clusters else "the saved clustering has no cluster to show"


def kit_cluster(card: ClusterCard) -> KitCluster:
    """A cluster card as the kit shows it: the interests that set it apart most, its words."""
    interests = [share for share in card.attributes.get("interests", []) if share.significant]
    interests.sort(key=lambda share: (-share.index, share.value))
    return KitCluster(
        card.name, card.size, card.share,
        tuple(Affinity(share.value, share.share, share.index) for share in interests[:AFFINITIES]),
        tuple(keyword.term for keyword in card.keywords[:KEYWORDS]),
    )  # fmt: skip


def media_kit_html(kit: MediaKit, branding: Branding = TIKSCOPE) -> str:
    """The media kit as one HTML document, CSS inlined (what the PDF is made from)."""
    return render_page("media_kit.html.j2", {"kit": kit, "branding": branding})


def media_kit_fragment(kit: MediaKit) -> str:
    """The media kit's content alone, for a page that has its own frame (the web app)."""
    return render_page("media_kit_body.html.j2", {"kit": kit, "branding": TIKSCOPE})


def media_kit_css() -> str:
    """The media kit's stylesheets (paper and screen), for a page that shows the fragment."""
    return render_page("media_kit.css", {}) + render_page("media_kit_screen.css", {})


def write_media_kit(
    kit: MediaKit, out_dir: Path, branding: Branding = TIKSCOPE
) -> tuple[Path, Path]:
    """Write `out_dir/media-kit.html` and `out_dir/media-kit.pdf`; return both paths."""
    html = media_kit_html(kit, branding)
    out_dir.mkdir(parents=True, exist_ok=True)
    page = out_dir / HTML_FILE
    page.write_text(html, "utf-8")
    return page, write_pdf(html, out_dir / PDF_FILE)
