"""The activity page: when followers are active, where views come from, and from which countries."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from tikscope.reports.pages import ActivityPage, gather_activity
from tikscope.web import figures
from tikscope.web.views import AccountView, account_view

router = APIRouter()


def activity_figures(page: ActivityPage) -> dict[str, Any]:
    """The page's charts as Plotly figures."""
    return figures.drawn(page.charts())


account_view(
    router,
    AccountView(
        name="activity",
        title="Activity & traffic",
        gather=gather_activity,
        template="activity.html.j2",
        summary="Follower activity by weekday and hour in the account's time zone, best hours, "
        "traffic sources and viewer territories.",
        figures=activity_figures,
    ),
)
