"""The account overview: headline metrics against the previous period, and the daily trend."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from tikscope.reports.pages import OverviewPage, gather_overview
from tikscope.web import figures
from tikscope.web.views import AccountView, account_view

router = APIRouter()


def overview_figures(page: OverviewPage) -> dict[str, Any]:
    """Daily views against the previous period (profile views on their own axis), and followers."""
    return figures.drawn(page.charts())


account_view(
    router,
    AccountView(
        name="overview",
        title="Overview",
        gather=gather_overview,
        template="overview.html.j2",
        summary="Headline metrics of the period compared with the previous one, daily series.",
        figures=overview_figures,
    ),
)
