"""Daily rollups of post snapshots, kept up to date by ingest in the batch's own transaction.

`post_daily` holds one row per post and UTC day, from the day of the post's first snapshot to
the last day of its account's snapshots: the post as its snapshots knew it at that day's UTC
midnight (the start of the day). Its counters are those of the last snapshot at or before that
midnight, each insight field is its last non-NULL value by then, and `last_views_drop_from` says
when the views last went down. Metrics read a post's lifetime counters at a period's start and
end from two of its rows instead of ordering all its snapshots (metrics/query.py).

`post_daily_extent` holds each account's last snapshot. A day after the account's last row reads
that last row: nothing was captured since.

Guarantees (tests/test_store_rollups.py):

- written in the transaction of the snapshots they summarise: a failed ingest leaves neither;
- after any sequence of batches, equal to a rebuild from all the snapshots;
- a store migrated from schema version 7 gets them filled (migration 8 runs `FILL_ALL`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

    from duckdb import DuckDBPyConnection

    from tikscope.ids import AccountId

COUNTERS = ("views", "likes", "comments", "shares", "favorites", "new_followers", "profile_views")
INSIGHTS = (
    "reach", "total_time_watched_seconds", "average_time_watched_seconds",
    "full_video_watched_rate", "source_for_you", "source_follow", "source_personal_profile",
    "source_search", "source_hashtag", "source_sound", "source_direct_message", "viewers_new",
    "viewers_returning", "viewers_follower", "viewers_non_follower",
)  # fmt: skip


def day_after(column: str) -> str:
    """SQL: the UTC day whose midnight is the first at or after a timestamp (its rollup day)."""
    return f"(CAST({column} AS DATE) + CAST({column} > CAST({column} AS DATE) AS INTEGER))"


COLUMNS = ", ".join([*COUNTERS, *INSIGHTS])
LAST_KNOWN = ", ".join(f"last_value({name} IGNORE NULLS) OVER upto AS {name}" for name in INSIGHTS)
POST = "PARTITION BY account_id, post_id"


def rollup_sql(*, seed: str, snapshots: str, days: str) -> str:
    """The `post_daily` rows from some snapshots, continuing the stored rows of one day.

    Args:
        seed: condition on `post_daily` choosing the rows to continue (one day's).
        snapshots: condition on `post_snapshots` choosing those after the seed's midnight.
        days: condition on the output rows' `day`.
    """
    # NOTE: a seed row is a post's state at a midnight, read as if it were one more snapshot:
    # its insights are already the last known, its `last_views_drop_from` the latest drop.
    return f"""
    WITH seed AS (
        SELECT account_id, post_id, day, first_captured_at, counters_as_of AS captured_at,
               {COLUMNS}, insights_as_of AS insights_at, last_views_drop_from AS drop_from
        FROM post_daily WHERE {seed}
    ),
    fresh AS (
        SELECT account_id, post_id, {day_after("captured_at")} AS day,
               NULL::TIMESTAMP AS first_captured_at, captured_at, {COLUMNS},
               CASE WHEN reach IS NOT NULL THEN captured_at END AS insights_at,
               NULL::TIMESTAMP AS drop_from
        FROM post_snapshots WHERE {snapshots}
    ),
    ordered AS (
        SELECT *, coalesce(drop_from, CASE WHEN views < lag(views) OVER post
                                           THEN lag(captured_at) OVER post END) AS dropped
        FROM (SELECT * FROM seed UNION ALL SELECT * FROM fresh)
        WINDOW post AS ({POST} ORDER BY captured_at)
    ),
    running AS (
        SELECT account_id, post_id, day,
               coalesce(min(first_captured_at) OVER whole, min(captured_at) OVER whole)
                   AS first_captured_at,
               captured_at AS counters_as_of, {", ".join(COUNTERS)},
               max(insights_at) OVER upto AS insights_as_of,
               {LAST_KNOWN},
               max(dropped) OVER upto AS last_views_drop_from,
               lead(day) OVER post AS next_day
        FROM ordered
        WINDOW post AS ({POST} ORDER BY captured_at), upto AS (post ROWS UNBOUNDED PRECEDING),
               whole AS ({POST})
    ),
    spread AS (
        SELECT r.account_id, r.post_id,
               CAST(unnest(range(r.day, coalesce(r.next_day, e.last_day + 1), INTERVAL 1 DAY))
                    AS DATE) AS day,
               r.* EXCLUDE (account_id, post_id, day, next_day)
        FROM running r JOIN post_daily_extent e USING (account_id)
        WHERE coalesce(r.next_day, e.last_day + 1) > r.day
    )
    SELECT * FROM spread WHERE {days} ORDER BY day
    """


EXTENT_SQL = f"""
SELECT account_id, {day_after("max(captured_at)")}, max(captured_at)
FROM post_snapshots WHERE {{accounts}} GROUP BY account_id
"""

# What migration 8 runs once on an existing store: every account's rollups from all snapshots.
FILL_ALL = (
    f"INSERT INTO post_daily_extent {EXTENT_SQL.format(accounts='true')};\n"
    f"INSERT INTO post_daily {rollup_sql(seed='false', snapshots='true', days='true')};"
)


def refresh_post_daily(
    connection: DuckDBPyConnection, account_id: AccountId, *, since: date | None
) -> None:
    """Bring the account's rollups up to date after its snapshots changed.

    Args:
        connection: inside the transaction that changed the snapshots.
        account_id: the account whose snapshots changed.
        since: the first rollup day the change can affect (the day after the earliest changed
            snapshot, see `first_affected_day`); None rebuilds every day of the account.
    """
    account = {"account": account_id}
    last_day = first_value(
        connection, "SELECT last_day FROM post_daily_extent WHERE account_id = $account", account
    )
    if since is not None and isinstance(last_day, date):
        # NOTE: days after the last stored one are new for every post, not only for those
        # with new snapshots.
        since = min(since, last_day + timedelta(days=1))
    else:
        since = None
    connection.execute("DELETE FROM post_daily_extent WHERE account_id = $account", account)
    connection.execute(
        f"INSERT INTO post_daily_extent {EXTENT_SQL.format(accounts='account_id = $account')}",
        account,
    )
    if since is None:
        connection.execute("DELETE FROM post_daily WHERE account_id = $account", account)
        sql = rollup_sql(seed="false", snapshots="account_id = $account", days="true")
        connection.execute(f"INSERT INTO post_daily {sql}", account)
        return
    connection.execute(
        "DELETE FROM post_daily WHERE account_id = $account AND day >= $since",
        account | {"since": since},
    )
    sql = rollup_sql(
        seed="account_id = $account AND day = $since - 1",
        snapshots="account_id = $account AND captured_at > CAST($since - 1 AS TIMESTAMP)",
        days="day >= $since",
    )
    connection.execute(f"INSERT INTO post_daily {sql}", account | {"since": since})


def first_affected_day(connection: DuckDBPyConnection, snapshots: str) -> date | None:
    """The first rollup day that snapshots in relation `snapshots` (a batch's) can change."""
    value = first_value(connection, f"SELECT min({day_after('captured_at')}) FROM {snapshots}")
    return value if isinstance(value, date) else None


def first_value(
    connection: DuckDBPyConnection, sql: str, parameters: Mapping[str, object] | None = None
) -> object:
    """The first column of the first row, or None (`db.fetch_value`, which imports this module)."""
    rows = connection.execute(sql, dict(parameters or {})).fetchall()
    return rows[0][0] if rows else None
