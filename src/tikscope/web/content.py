"""Posts viewed in the period and posts published in the period: the two notions, side by side.

"Viewed" covers what every post gained during the period, whatever its publish date; "published"
covers only the posts published in the period, with their lifetime totals at the period's end.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from tikscope.reports.pages import ContentPage, gather_content
from tikscope.web import figures
from tikscope.web.views import AccountView, account_view

router = APIRouter()


def content_figures(page: ContentPage) -> dict[str, Any]:
    """Top posts by views gained in the period; views of each post published in the period.

    Posts are named by caption and publish time, linked to TikTok.
    """
    return figures.drawn(page.charts())


account_view(
    router,
    AccountView(
        name="content",
        title="Posts viewed & published",
        gather=gather_content,
        template="content.html.j2",
        summary="Posts viewed in the period (views gained by every post, whatever its publish "
        "date, and the top posts) and posts published in the period.",
        figures=content_figures,
    ),
)
