"""A post's velocity as JSON: its views at 1, 2, 6 and 24 h against the account's earlier posts."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from tikscope.errors import UsageError
from tikscope.metrics.velocity import post_velocity
from tikscope.web.security import ViewerAccess, server_state, workspace_account

router = APIRouter()


PATH = "/api/workspaces/{workspace}/accounts/{handle}/posts/{post_id}/velocity"
SUMMARY = "A post's views at 1, 2, 6 and 24 h against the account's own posts."


@router.get(PATH, tags=["account"], summary=SUMMARY)
def velocity_api(
    request: Request, access: ViewerAccess, handle: str, post_id: str
) -> dict[str, Any]:
    """The post's curve and how it compares at each age it reached.

    The curve is (age in seconds, views) points; each comparison has the post's views, the
    median and 10-90% band of the account's earlier posts at that age, and a sentence such as
    "at 2 h: 14,200 views, 2.3× your median post at 2 h (top 10%)", or why there is none.
    """
    state = server_state(request)
    account = workspace_account(request, access, handle)
    scheduler = state.realtime
    now = scheduler.settings.clock.now() if scheduler is not None else state.config.clock()
    try:
        with state.store.read() as cursor:
            found = post_velocity(cursor, account.account_id, post_id, now=now)
    except UsageError as error:
        raise HTTPException(404, str(error)) from error
    data = asdict(found)
    data["age_seconds"] = found.age.total_seconds()
    del data["age"]
    for item in data["comparisons"]:
        item["age_seconds"] = item.pop("age").total_seconds()
    return data
