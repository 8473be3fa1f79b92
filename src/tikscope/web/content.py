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
from tikscope.metrics.run import metric_lines
from tikscope.metrics.sections import post_list
from tikscope.metrics.studio import data_freshness, top_posts
from tikscope.reports import account_specs as specs
from tikscope.reports.model import section_summary
from tikscope.web import figures
from tikscope.web.views import AccountView, account_view

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

router = APIRouter()
PUBLISHED_COLUMNS = (
    "caption", "link", "type", "published", "views", "likes", "comments", "shares", "reach",
)  # fmt: skip


def content(
    connection: DuckDBPyConnection, account: Account, period: Period, settings: Settings,
    compare: bool,
) -> dict[str, Any]:  # fmt: skip
    """The viewed and published sections, the top posts by views gained, the published posts.

    Each section has its `title`, `intro`, `cards` and `metrics` (`section_summary`).
    """
    lines, notes = metric_lines(connection, account, period, settings, compare=compare)
    posts = post_list(
        connection, account, period, settings, columns=PUBLISHED_COLUMNS, sort="published"
    )
    return {
        "viewed": section_summary(VIEWED, lines)
        | {"top_posts": top_posts(connection, account, period)},
        "published": section_summary(PUBLISHED, lines) | {"posts": posts},
        "notes": notes,
        "freshness": data_freshness(connection, account),
    }


def content_figures(data: dict[str, Any]) -> dict[str, Any]:
    """Top posts by views gained in the period; views of each post published in the period.

    Posts are named by caption and publish time, linked to TikTok.
    """
    return figures.drawn(
        [specs.top_posts_chart(data["viewed"]["top_posts"]),
         specs.published_views_chart(data["published"]["posts"])]
    )  # fmt: skip


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
