"""The recommendations page: what did better than the account's own baseline, with its backtest.

The same fit as `tikscope recommend` (`metrics.recommend`), from the account's whole history;
the period chooses only the weeks whose follower activity is shown. Advice is shown only where
the backtest proves it (`reports.advice`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter

from tikscope.metrics.activity import local_heatmap
from tikscope.metrics.periods import Period
from tikscope.metrics.query import Account, Settings
from tikscope.metrics.recommend import AGE_DAYS, BASELINE_POSTS, recommend
from tikscope.metrics.studio import data_freshness
from tikscope.reports.advice import advice_of
from tikscope.web.views import AccountView, account_view

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

router = APIRouter()


def recommendations(
    connection: DuckDBPyConnection, account: Account, period: Period, settings: Settings,
    compare: bool,
) -> dict[str, Any]:  # fmt: skip
    """The fit, its backtest, and the advice the backtest backs.

    `recommendations` holds every effect judged and the backtest (as `tikscope recommend
    --format json`); `advice` what is recommended, or why nothing of a kind is; `proven` the
    backtest's verdict per kind of advice.
    """
    heatmap, time_zone = local_heatmap(connection, account, period)
    found = recommend(connection, account, heatmap=heatmap)
    return {
        "method": {"age_days": AGE_DAYS, "baseline_posts": BASELINE_POSTS},
        "time_zone": time_zone,
        "recommendations": found,
        "proven": {kind: found.proven(kind) for kind in ("hours", "features")},
        "advice": advice_of(found),
        "freshness": data_freshness(connection, account),
    }


account_view(
    router,
    AccountView(
        name="recommendations",
        title="Recommendations",
        gather=recommendations,
        template="recommendations.html.j2",
        summary="When and what to post, from the account's whole history: effects against the "
        "account's own baseline, the backtest, and only the advice the backtest proves.",
    ),
)
