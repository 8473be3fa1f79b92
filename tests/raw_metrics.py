"""The scope relations computed from raw snapshots, as tikscope did before the daily rollups.

Kept for tests: the metrics read from `post_daily` must equal the same aggregates over these
relations, which order every post's snapshots (slow, but plainly right).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from tikscope.metrics.model import Scope
from tikscope.store.rollups import COUNTERS, INSIGHTS

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

    from tikscope.metrics.periods import Period
    from tikscope.metrics.query import Account

DAYS_SQL = """
SELECT d.*,
       (SELECT followers_count FROM account_daily b
         WHERE b.account_id = $account AND b.date = $start::DATE - 1) AS followers_before
FROM account_daily d
WHERE d.account_id = $account AND d.date BETWEEN $start AND $end
"""

LAST_KNOWN = ",\n".join(
    f"arg_max({name}, captured_at) FILTER (WHERE {name} IS NOT NULL) AS {name}" for name in INSIGHTS
)
AS_OF = ", ".join(f"arg_max({c}, captured_at) AS {c}" for c in COUNTERS)
GAINED = ("views", "likes", "comments", "shares")

PUBLISHED_SQL = f"""
WITH chosen AS (
    SELECT post_id, media_type, create_time, caption, duration_seconds, is_deleted, is_filtered,
           is_ad, coalesce(share_url, $post_url_prefix || post_id) AS link
    FROM posts
    WHERE account_id = $account AND create_time >= $utc_start AND create_time < $utc_end
),
first_capture AS (
    SELECT post_id, min(captured_at) AS first_at
    FROM post_snapshots
    WHERE account_id = $account AND post_id IN (SELECT post_id FROM chosen)
      AND captured_at >= $utc_start
    GROUP BY post_id
)
SELECT c.*, s.* EXCLUDE (post_id), s.likes + s.comments + s.shares AS interactions,
       s.counters_as_of > $snap_end AS read_after_end,
       (SELECT arg_max(followers_count, date) FROM account_daily
         WHERE account_id = $account AND date < $snap_end::DATE) AS followers_at_end
FROM chosen c
LEFT JOIN (
    SELECT post_id,
           max(captured_at) AS counters_as_of,
           {AS_OF},
           max(captured_at) FILTER (WHERE reach IS NOT NULL) AS insights_as_of,
           {LAST_KNOWN}
    FROM post_snapshots JOIN first_capture USING (post_id)
    WHERE account_id = $account AND captured_at >= first_capture.first_at
      AND captured_at <= greatest($snap_end, first_capture.first_at)
    GROUP BY post_id
) s USING (post_id)
"""

BEFORE_COLUMNS = ", ".join(
    [f"arg_max({c}, captured_at) AS {c}" for c in GAINED]
    + ["arg_max(viewers_new, captured_at) FILTER (WHERE viewers_new IS NOT NULL) AS viewers_new"]
)
CORRECTED = """
SELECT post_id, list(views ORDER BY captured_at) <> list_sort(list(views ORDER BY captured_at))
           AS views_corrected
FROM post_snapshots
WHERE account_id = $account AND captured_at BETWEEN $since AND $snap_end
GROUP BY post_id HAVING min(views) <> max(views)
"""
VIEWED_SQL = f"""
WITH moved AS (
    SELECT post_id, {", ".join(f"arg_max({c}, captured_at) AS {c}" for c in GAINED)},
           arg_max(viewers_new, captured_at) FILTER (WHERE viewers_new IS NOT NULL)
               AS viewers_new
    FROM post_snapshots
    WHERE account_id = $account AND captured_at > $snap_start AND captured_at <= $snap_end
    GROUP BY post_id
),
before AS (
    SELECT post_id, {BEFORE_COLUMNS}
    FROM post_snapshots
    WHERE account_id = $account AND captured_at <= $snap_start
    GROUP BY post_id
)
SELECT m.post_id, p.create_time,
       {", ".join(f"m.{c} - coalesce(b.{c}, 0) AS {c}_gained" for c in GAINED)},
       coalesce(m.viewers_new, b.viewers_new) AS viewers_new,
       b.post_id IS NULL AND p.create_time < $snap_start AS missing_start,
       coalesce(c.views_corrected, false) AS views_corrected
FROM moved m
JOIN posts p ON p.account_id = $account AND p.post_id = m.post_id
LEFT JOIN before b ON b.post_id = m.post_id
LEFT JOIN ({CORRECTED}) c ON c.post_id = m.post_id
"""

SCOPE_SQL = {Scope.DAYS: DAYS_SQL, Scope.PUBLISHED: PUBLISHED_SQL, Scope.VIEWED: VIEWED_SQL}


def raw_parameters(
    connection: DuckDBPyConnection, account: Account, period: Period
) -> dict[str, Any]:
    """The relations' parameters; `since`: the account's last capture a week before the start."""
    utc_start, utc_end = period.utc_bounds(account.time_zone)
    snap_start, snap_end = period.snapshot_bounds()
    since = connection.execute(
        "SELECT coalesce(max(captured_at), $snap_start) FROM post_snapshots "
        "WHERE account_id = $account AND captured_at <= $snap_start "
        "AND captured_at > $snap_start - INTERVAL 8 DAY",
        {"account": account.account_id, "snap_start": snap_start},
    ).fetchall()[0][0]
    return {
        "account": account.account_id, "start": period.start, "end": period.end,
        "post_url_prefix": f"https://www.tiktok.com/@{account.handle}/video/",
        "utc_start": utc_start, "utc_end": utc_end, "snap_start": snap_start,
        "snap_end": snap_end, "since": since,
    }  # fmt: skip


def raw_rows(
    connection: DuckDBPyConnection, scope: Scope, account: Account, period: Period, select: str
) -> list[tuple[Any, ...]]:
    """`SELECT {select} FROM` the scope's raw relation for one period."""
    sql = f"SELECT {select} FROM ({SCOPE_SQL[scope]})"
    values = raw_parameters(connection, account, period)
    used = set(re.findall(r"\$(\w+)", sql))
    return connection.execute(sql, {k: v for k, v in values.items() if k in used}).fetchall()
