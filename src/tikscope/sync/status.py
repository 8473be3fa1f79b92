"""The sync status of an account: its connections, latest syncs and how fresh its data is."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from tikscope.metrics.query import find_account
from tikscope.metrics.studio import data_freshness
from tikscope.sources.families import FAMILIES_BY_KEY
from tikscope.store.db import fetch_value

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

RECENT_SYNCS = 10
NEVER_SYNCED = "never synced from TikTok's API: simulated or imported data"


def reconnect_command(api: str, handle: str) -> str:
    """The command that authorizes a connection again."""
    return FAMILIES_BY_KEY[api].connect_command(handle)


def account_connections(connection: DuckDBPyConnection, account_id: str) -> list[dict[str, Any]]:
    """The account's connections, with what to do when one needs re-authorization."""
    rows = connection.execute(
        """
        SELECT connection_id, api, status, status_reason, scope, access_expires_at,
               refresh_expires_at, updated_at, handle
        FROM connections WHERE account_id = ? ORDER BY connection_id
        """,
        [account_id],
    ).fetchall()
    found = []
    for key, api, status, reason, scope, access, refresh, updated, handle in rows:
        command = reconnect_command(api, handle)
        action = None
        if status == "needs_reauthorization":
            action = (
                f"TikTok no longer accepts this connection's tokens. Run `{command}` again "
                f"to re-authorize @{handle}."
            )
        found.append({
            "connection": key, "api": api, "status": status, "status_reason": reason,
            "scopes": [part.strip() for part in (scope or "").split(",") if part.strip()],
            "access_expires_at": access, "refresh_expires_at": refresh, "updated_at": updated,
            "action": action, "reconnect_command": command,
        })  # fmt: skip
    return found


def recent_syncs(connection: DuckDBPyConnection, account_id: str) -> list[dict[str, Any]]:
    """The account's latest sync attempts, newest first, with requests and retries."""
    rows = connection.execute(
        """
        SELECT sync_id, api, started_at, finished_at, status, requests, retries, message,
               request_ids
        FROM sync_log WHERE account_id = ? ORDER BY finished_at DESC, sync_id DESC LIMIT ?
        """,
        [account_id, RECENT_SYNCS],
    ).fetchall()
    names = ("sync_id", "api", "started_at", "finished_at", "status", "requests", "retries",
             "message")  # fmt: skip
    return [
        {**dict(zip(names, row[:-1], strict=True)), "request_ids": json.loads(row[-1] or "[]")}
        for row in rows
    ]


def account_status(connection: DuckDBPyConnection, handle: str) -> dict[str, Any]:
    """One account's connections, recent syncs and data freshness."""
    account = find_account(connection, handle)
    source = fetch_value(
        connection, "SELECT source FROM accounts WHERE account_id = ?", [account.account_id]
    )
    syncs = recent_syncs(connection, account.account_id)
    freshness = data_freshness(connection, account)
    return {
        "handle": account.handle,
        "account_type": account.account_type,
        "source": source,
        "connections": account_connections(connection, account.account_id),
        "last_sync": syncs[0] if syncs else None,
        "syncs": syncs,
        "freshness": freshness,
        "never_synced": freshness.last_sync_at is None,
        "origin": NEVER_SYNCED if freshness.last_sync_at is None else "synced from TikTok's API",
    }


FRESHNESS_WINDOW = timedelta(hours=48)
"""The Sync status page measures the freshness of posts published this recently."""


def realtime_freshness(
    connection: DuckDBPyConnection, handles: list[str], *, now: datetime
) -> dict[str, Any]:
    """How far the intraday copies of the accounts' fresh posts lagged behind TikTok.

    Over posts published in the last 48 hours, each minute of their first 2 hours counts as a
    change; its lag is the time until the next intraday read (`store.intraday.freshness`).
    """
    from tikscope.store.intraday import YOUNG, freshness

    account_ids = [find_account(connection, handle).account_id for handle in handles]
    found = freshness(connection, since=now - FRESHNESS_WINDOW, account_ids=account_ids)
    return {
        "window_hours": FRESHNESS_WINDOW.total_seconds() / 3600,
        "young_hours": YOUNG.total_seconds() / 3600,
        "posts": found.posts,
        "changes": found.changes,
        "p50_seconds": found.p50_seconds,
        "p95_seconds": found.p95_seconds,
    }
