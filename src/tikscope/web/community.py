"""The community page: follower growth by day, week or month, the balance, and demographics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from tikscope.metrics.registry import COMMUNITY
from tikscope.reports import account_specs as specs
from tikscope.reports.pages import CommunityPage, gather_community
from tikscope.reports.sections import section_title
from tikscope.web import figures
from tikscope.web.views import AccountView, account_view

router = APIRouter()


def community_figures(page: CommunityPage) -> dict[str, Any]:
    """Followers and their balance, and one chart per demographic.

    The page draws the daily charts; `by_granularity` holds the daily, weekly and monthly
    ones, which the page's granularity choice swaps in.
    """
    by_granularity = {
        granularity: figures.drawn([specs.followers_chart(series, granularity),
                                    specs.balance_chart(series, granularity)])
        for granularity, series in page.growth.items()
    }  # fmt: skip
    for drawn in by_granularity.values():
        drawn.pop("missing")
    charts = figures.drawn([specs.demographics_chart(page.demographics)])
    return {**by_granularity["day"], "by_granularity": by_granularity, **charts}


account_view(
    router,
    AccountView(
        name="community",
        title=section_title(COMMUNITY),
        gather=gather_community,
        template="community.html.j2",
        summary="Follower growth by day, week and month, balance of followers, demographics.",
        figures=community_figures,
    ),
)
