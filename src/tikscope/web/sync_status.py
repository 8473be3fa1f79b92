"""Sync status: every account of a workspace with its connections, recent syncs and freshness."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tikscope.access import Role, workspace_handles
from tikscope.sync.status import account_status, realtime_freshness
from tikscope.web.render import render
from tikscope.web.security import EditorAccess, ViewerAccess, server_state
from tikscope.web.server_routes import AccountSyncModel, sync_account
from tikscope.web.views import page_context

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

router = APIRouter()
FLASH_COOKIE = "tikscope_flash"


def sync_status(connection: DuckDBPyConnection, workspace: str) -> list[dict[str, Any]]:
    """The status of every account in the workspace, by handle."""
    return [
        account_status(connection, handle) for handle in workspace_handles(connection, workspace)
    ]


def gather(request: Request, access: ViewerAccess) -> dict[str, Any]:
    """The page's and the API's data: accounts, the schedule, and whether the caller may sync."""
    from tikscope.web.schedules import workspace_deliveries

    state = server_state(request)
    scheduler = state.realtime
    # NOTE: the scheduler's clock, which a benchmark runs fast, says what "the last 48 hours" is.
    now = scheduler.settings.clock.now() if scheduler is not None else state.config.clock()
    with state.store.read() as cursor:
        accounts = sync_status(cursor, access.workspace)
        reports = workspace_deliveries(cursor, access.workspace)
        handles = [status["handle"] for status in accounts]
        fresh = realtime_freshness(cursor, handles, now=now)
    every = state.config.sync_every
    return {
        "workspace": access.workspace,
        "scheduled_every_seconds": int(every.total_seconds()) if every else None,
        "can_sync": access.role.allows(Role.editor),
        "realtime": {
            "running": scheduler is not None,
            "scheduler": scheduler.describe() if scheduler is not None else None,
            "freshness": fresh,
        },
        "accounts": accounts,
        "report_deliveries": reports,
    }


@router.get("/api/workspaces/{workspace}/sync", tags=["sync"],
            summary="Connections, recent syncs and data freshness of every account.")  # fmt: skip
def sync_status_api(request: Request, access: ViewerAccess) -> dict[str, Any]:
    """Every account of the workspace with its connections and latest syncs.

    Connections say what to do when one needs re-authorization; syncs count requests and
    retries; freshness says when each kind of data was captured.
    """
    return gather(request, access)


@router.get("/workspaces/{workspace}/sync", response_class=HTMLResponse, include_in_schema=False)
def sync_status_page(request: Request, access: ViewerAccess) -> HTMLResponse:
    """The sync status page; shows (once) the outcome of a "Sync now"."""
    data = gather(request, access)
    flash = read_flash(request)
    # NOTE: the frame's `accounts` (handles for the account switcher) must win over ours.
    context = {**data, **page_context(request, access), "statuses": data["accounts"]}
    seconds = data["scheduled_every_seconds"]
    context["schedule"] = every(seconds) if seconds else None
    context["lag"] = lag
    context["every"] = every
    page = render(request, "sync_status.html.j2", {**context, "flash": flash})
    if flash is not None:
        page.delete_cookie(FLASH_COOKIE, path=page_path(access.workspace))
    return page


def lag(seconds: float | None) -> str:
    """A lag in words: "4 min 10 s", "50 s", "—" for none."""
    if seconds is None:
        return "—"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def every(seconds: int) -> str:
    """An interval in words: "every minute", "every 15 minutes", "every 90 seconds"."""
    for size, unit in ((86_400, "day"), (3_600, "hour"), (60, "minute"), (1, "second")):
        if seconds % size == 0:
            count = seconds // size
            return f"every {unit}" if count == 1 else f"every {count} {unit}s"
    raise AssertionError("unreachable: every whole number of seconds divides by 1")


def page_path(workspace: str) -> str:
    """The sync status page of a workspace."""
    return f"/workspaces/{workspace}/sync"


@router.post("/workspaces/{workspace}/accounts/{handle}/sync", include_in_schema=False)
def sync_now_form(request: Request, access: EditorAccess, handle: str) -> Response:
    """The page's "Sync now": the API's sync, then back to the page with its outcome."""
    try:
        result = sync_account(request, access.workspace, handle, access)
    except HTTPException as error:
        if error.status_code not in (404, 409):
            raise
        flash = {"kind": "error", "message": str(error.detail)}
    else:
        flash = describe_syncs(result)
    return redirect_with_flash(request, page_path(access.workspace), flash)


def describe_syncs(result: AccountSyncModel) -> dict[str, str]:
    """One line about what a "Sync now" did, and whether all went well."""
    parts = [
        f"{sync.connection} {sync.status}"
        + (f", {sync.rows_written:,} rows written" if sync.status != "failed" else "")
        + (f" ({sync.error})" if sync.error else "")
        for sync in result.syncs
    ]
    failed = any(sync.status == "failed" for sync in result.syncs)
    return {"kind": "error" if failed else "ok",
            "message": f"Synced @{result.account}: {'; '.join(parts)}."}  # fmt: skip


def read_flash(request: Request) -> dict[str, str] | None:
    """The message (and maybe a new token) a form action left for the page, if any."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        loaded = json.loads(base64.urlsafe_b64decode(raw.encode()))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(loaded, dict):
        return None
    return {str(key): str(value) for key, value in loaded.items()}


def flash_of(run: Callable[[], str]) -> dict[str, str]:
    """What a form's change leaves for its page: its message, or why it was refused.

    A refusal (404, 409 or 422) becomes an error message; any other error is raised.
    """
    try:
        return {"kind": "ok", "message": run()}
    except HTTPException as error:
        if error.status_code not in (404, 409, 422):
            raise
        detail = str(error.detail)
        message = detail[:1].upper() + detail[1:] + ("" if detail.endswith(".") else ".")
        return {"kind": "error", "message": message}


def redirect_with_flash(request: Request, path: str, flash: dict[str, str]) -> Response:
    """A redirect to `path` that leaves it a message in a short-lived cookie of that path only."""
    response = RedirectResponse(path, status_code=303)
    encoded = base64.urlsafe_b64encode(json.dumps(flash).encode()).decode()
    response.set_cookie(
        FLASH_COOKIE, encoded, max_age=300, path=path, httponly=True, samesite="strict",
        secure=server_state(request).config.secure_cookies,
    )  # fmt: skip
    return response
