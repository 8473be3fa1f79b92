"""`sync_log`: one row per sync attempt, for freshness and for TikTok support's request ids."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tikscope.store.db import fetch_value

if TYPE_CHECKING:
    from tikscope.sources.http import CallStats
    from tikscope.store.db import DuckDBPyConnection
    from tikscope.sync.connections import Connection


def record_sync(
    connection: DuckDBPyConnection,
    stored: Connection,
    stats: CallStats,
    *,
    started: datetime,
    status: str,
    run_id: int | None,
    message: str | None = None,
) -> None:
    """Add one attempt to `sync_log` (a single statement: it lands whole or not at all)."""
    connection.execute(
        "INSERT INTO sync_log SELECT coalesce(max(sync_id), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? "
        "FROM sync_log",
        [
            stored.account_id,
            stored.api,
            started,
            datetime.now().replace(tzinfo=None),
            status,
            stats.requests,
            stats.retries,
            run_id,
            message,
            json.dumps(stats.request_ids),
        ],
    )


def last_success(connection: DuckDBPyConnection, account_id: str) -> datetime | None:
    """When the account's last sync that reached TikTok finished, if any."""
    value = fetch_value(
        connection,
        "SELECT max(finished_at) FROM sync_log WHERE account_id = ? AND status <> 'failed'",
        [account_id],
    )
    return value if isinstance(value, datetime) else None


def load_daily_state(
    connection: DuckDBPyConnection, account_id: str, name: str, *, fresh: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:  # fmt: skip
    """A crawl's saved state (`fresh` when none), its request count restarted each UTC day."""
    value = fetch_value(
        connection,
        "SELECT value FROM sync_state WHERE account_id = ? AND name = ?",
        [account_id, name],
    )
    state: dict[str, Any] = json.loads(str(value)) if value is not None else dict(fresh)
    today = now.date().isoformat()
    if state.get("quota_day") != today:
        state["quota_day"], state["quota_requests"] = today, 0
    return state
