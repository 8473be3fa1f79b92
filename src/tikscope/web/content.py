"""Posts viewed in the period and posts published in the period: the two notions, side by side.

"Viewed" covers what every post gained during the period, whatever its publish date; "published"
covers only the posts published in the period, with their lifetime totals at the period's end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter

from tikscope.metrics.periods import Period
from tikscope.metrics.query import Account, Settings
from tikscope.metrics.registry import PUBLISHED, VIEWED
from tikscope.metrics.run import metric_report
from tikscope.metrics.sections import post_list
from tikscope.metrics.studio import data_freshness, top_posts
from tikscope.reports.account import PUBLISHED_SUMMARY
from tikscope.reports.model import SECTION_INTROS, SECTION_TITLES
from tikscope.web import figures
from tikscope.web.views import AccountView, account_view

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

router = APIRouter()
PUBLISHED_COLUMNS = ("type", "published", "views", "likes", "comments", "shares", "reach")


def content(
    connection: DuckDBPyConnection, account: Account, period: Period, settings: Settings,
    compare: bool,
) -> dict[str, Any]:  # fmt: skip
    """The viewed and published metrics, the top posts by views gained, the published posts."""
    rows, notes = metric_report(connection, account, period, settings, compare=compare)
    posts = post_list(
        connection, account, period, settings, columns=PUBLISHED_COLUMNS, sort="published"
    )
    by_name = {row["metric"]: row for row in rows}
    return {
        "viewed": {
            "title": SECTION_TITLES[VIEWED],
            "intro": SECTION_INTROS[VIEWED],
            "metrics": [row for row in rows if row["section"] == VIEWED],
            "top_posts": top_posts(connection, account, period),
        },
        "published": {
            "title": SECTION_TITLES[PUBLISHED],
            "intro": SECTION_INTROS[PUBLISHED],
            "summary": [by_name[name] for name in PUBLISHED_SUMMARY],
            "metrics": [row for row in rows if row["section"] == PUBLISHED],
            "posts": posts,
        },
        "notes": notes,
        "freshness": data_freshness(connection, account),
    }


def post_label(rank: int, post: dict[str, Any], moment_key: str) -> str:
    """A short, unique axis label for a post: its rank, type and publish day."""
    moment = post[moment_key]
    day = moment.strftime("%d %b") if moment is not None else "unknown day"
    return f"{rank}. {post.get('type') or post.get('media_type') or 'post'}, {day}"


def content_figures(data: dict[str, Any]) -> dict[str, Any]:
    """Top posts by views gained in the period; views of each post published in the period."""
    drawn: dict[str, Any] = {}
    top = data["viewed"]["top_posts"]
    if top:
        labels = [post_label(rank, post, "create_time") for rank, post in enumerate(top, 1)]
        drawn["top_posts"] = figures.bars(
            "Top posts by views gained in the period", labels,
            {"Views gained": [post["views_gained"] for post in top]}, horizontal=True,
        )  # fmt: skip
    posts = data["published"]["posts"]
    if posts:
        labels = [post_label(rank, post, "published") for rank, post in enumerate(posts, 1)]
        drawn["published_views"] = figures.bars(
            "Views of each post published in the period (lifetime, at the period's end)",
            labels, {"Views": [post["views"] for post in posts]},
        )  # fmt: skip
    return drawn


account_view(
    router,
    AccountView(
        name="content",
        title="Posts viewed & published",
        gather=content,
        template="content.html.j2",
        summary="Posts viewed in the period (views gained by every post, whatever its publish "
        "date, and the top posts) and posts published in the period.",
        figures=content_figures,
    ),
)
