"""The creator rewards page: each program's rules on the period's last day, and earnings.

The same judgement and estimate as `tikscope rewards` (`metrics.rewards`), for every program at
its default rate range. Estimates, never promises (`PROMISE` is shown with them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter

from tikscope.metrics.periods import Period
from tikscope.metrics.query import Account, Settings
from tikscope.metrics.rewards import PROGRAMS, PROMISE, earnings, eligibility
from tikscope.metrics.studio import data_freshness
from tikscope.web.views import AccountView, account_view

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

router = APIRouter()
TOP_POSTS = 10


def rewards(
    connection: DuckDBPyConnection, account: Account, period: Period, settings: Settings,
    compare: bool,
) -> dict[str, Any]:  # fmt: skip
    """Every program: its rules judged on the period's last day, and the period's earnings.

    Each entry has `eligibility` (rules, `eligible`, `verdict`), `earnings` (months, posts,
    total, as `tikscope rewards --format json`) and `top_posts`, the posts that may earn most.
    """
    programs = []
    for program in PROGRAMS.values():
        judged = eligibility(connection, account, program, period.end)
        earned = earnings(connection, account, program, period)
        programs.append({
            "program": program,
            "eligibility": judged, "eligible": judged.eligible, "verdict": judged.verdict,
            "earnings": earned, "top_posts": earned.top(TOP_POSTS),
        })  # fmt: skip
    return {"programs": programs, "caution": PROMISE,
            "freshness": data_freshness(connection, account)}  # fmt: skip


account_view(
    router,
    AccountView(
        name="rewards",
        title="Creator rewards",
        gather=rewards,
        template="rewards.html.j2",
        summary="Creator Rewards Program and Creator Fund: each rule met or not on the period's "
        "last day, by how much and since when, and estimated earnings as a range.",
    ),
)
