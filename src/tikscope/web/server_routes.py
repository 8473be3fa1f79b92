"""Routes of the server process itself: sync an account now, and commands run through the server."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel

from tikscope.web import forward
from tikscope.web.scheduler import (
    SyncSettings,
    default_sync_settings,
    stored_connections,
    sync_connections,
)
from tikscope.web.security import EditorAccess, server_state, workspace_account
from tikscope.web.state import StoreBusyError

SYNC_WAIT_SECONDS = 5.0
"""How long "Sync now" waits for a sync or command under way before it answers 409."""
router = APIRouter()
router.include_router(forward.router)


class SyncOutcomeModel(BaseModel):
    """What one sync of one connection did."""

    connection: str
    handle: str
    status: str
    rows_written: int
    requests: int | None = None
    retries: int | None = None
    first_day: date | None = None
    last_day: date | None = None
    notes: list[str] = []
    error: str | None = None


class AccountSyncModel(BaseModel):
    """The syncs of one account's connections, in connection order."""

    account: str
    syncs: list[SyncOutcomeModel]


def sync_settings(request: Request) -> SyncSettings:
    """The server's sync settings (`tikscope serve` sets them), else the defaults."""
    configured: SyncSettings | None = getattr(request.app.state, "sync_settings", None)
    return configured or default_sync_settings()


@router.post(
    "/api/workspaces/{workspace}/accounts/{handle}/sync", tags=["sync"],
    summary="Sync an account's TikTok connections now", response_model=AccountSyncModel,
    responses={409: {"description": "Another sync or command is running; try again."}},
)  # fmt: skip
def sync_account(
    request: Request, workspace: str, handle: str, access: EditorAccess
) -> AccountSyncModel:
    """Pull new data for the account from every connection it has (editor role).

    Waits up to 5 seconds for a sync or command already under way, then answers 409. A
    connection that fails is reported with status `failed` and its error; the store keeps what
    the last good sync wrote.
    """
    account = workspace_account(request, access, handle)
    store = server_state(request).store
    connections = stored_connections(store, account.handle)
    if not connections:
        raise HTTPException(
            404, f"@{account.handle} has no TikTok connection; run `tikscope connect` first"
        )
    try:
        outcomes = sync_connections(
            store, connections, sync_settings(request), wait_seconds=SYNC_WAIT_SECONDS
        )
    except StoreBusyError as error:
        raise HTTPException(409, str(error)) from error
    return AccountSyncModel(
        account=account.handle,
        syncs=[SyncOutcomeModel.model_validate(outcome) for outcome in outcomes],
    )
