"""Small hand-written batches for store tests."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from tikscope.ids import AccountId
from tikscope.store.ingest import Batch, Mode

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

ACCOUNT = AccountId("acc_test")


def account_table(handle: str = "casa_verde") -> pa.Table:
    return pa.table(
        {
            "handle": [handle],
            "account_type": ["business"],
            "time_zone": ["Europe/Madrid"],
            "source": ["business_api"],
        }
    )


def posts_table(count: int = 3, *, media_type: str = "video") -> pa.Table:
    return pa.table(
        {
            "post_id": [str(7498123456789012345 + index) for index in range(count)],
            "media_type": [media_type] * count,
            "create_time": [datetime(2026, 5, 1, 9, index) for index in range(count)],
            "caption": [f"post {index} #plants" for index in range(count)],
            "hashtags": [["plants"]] * count,
            "duration_seconds": [29.767] * count,
        }
    )


def daily_table(days: int = 5, *, views: int = 100) -> pa.Table:
    return pa.table(
        {
            "date": [date(2026, 5, 1 + index) for index in range(days)],
            "video_views": [views + index for index in range(days)],
            "followers_count": [1000 + index for index in range(days)],
            "captured_at": [datetime(2026, 5, 10, 6)] * days,
        }
    )


def follows_table(count: int = 1000) -> pa.Table:
    return pa.table(
        {
            "follower_key": pa.array(range(count), pa.int32()),
            "followee_key": pa.array(
                [(index * 7 + 1) % count for index in range(count)], pa.int32()
            ),
            "followee_type": ["member"] * count,
        }
    )


def make_batch(mode: Mode = "replace", **tables: pa.Table) -> Batch:
    chosen: dict[str, Any] = tables or {
        "accounts": account_table(),
        "posts": posts_table(),
        "account_daily": daily_table(),
    }
    return Batch(account_id=ACCOUNT, kind="import", source="test", tables=chosen, mode=mode)


def dump(connection: DuckDBPyConnection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted, to compare whole stores."""
    names = [
        row[0]
        for row in connection.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT internal ORDER BY table_name"
        ).fetchall()
    ]
    return {
        name: sorted(
            connection.execute(f"SELECT * FROM {name}").fetchall(), key=lambda row: repr(row)
        )
        for name in names
    }
