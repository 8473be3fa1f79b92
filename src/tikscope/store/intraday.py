"""Intraday counters of fresh posts (`post_intraday`): written, read back, and their freshness.

The real-time scheduler writes one row per post each time it reads the post; the daily tables
never read these rows, so daily metrics stay exactly what the daily sync makes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

COLUMNS = ("account_id", "post_id", "captured_at", "published_at", "views", "likes", "comments",
           "shares")  # fmt: skip
YOUNG = timedelta(hours=2)
"""Freshness is measured on posts younger than this: the hours that decide a post's reach."""


def write_intraday(connection: DuckDBPyConnection, rows: list[dict[str, Any]]) -> int:
    """Insert intraday rows in one statement (a post read twice in one second keeps the first).

    Returns the rows given.
    """
    if not rows:
        return 0
    marks = f"({', '.join('?' * len(COLUMNS))})"
    # NOTE: one multi-row INSERT is one transaction and several times faster than executemany.
    connection.execute(
        f"INSERT INTO post_intraday ({', '.join(COLUMNS)}) VALUES "
        f"{', '.join([marks] * len(rows))} ON CONFLICT DO NOTHING",
        [row.get(name) for row in rows for name in COLUMNS],
    )
    return len(rows)


def tracked_posts(
    connection: DuckDBPyConnection, account_id: str, *, since: datetime
) -> list[tuple[str, datetime, datetime | None]]:
    """Posts published since `since`: id, publication time and last intraday read (or None)."""
    rows = connection.execute(
        """
        SELECT p.post_id, p.create_time, max(i.captured_at)
        FROM posts p LEFT JOIN post_intraday i ON i.post_id = p.post_id
        WHERE p.account_id = ? AND p.create_time >= ? AND NOT p.is_deleted
        GROUP BY p.post_id, p.create_time
        UNION ALL
        SELECT i.post_id, any_value(i.published_at), max(i.captured_at)
        FROM post_intraday i
        WHERE i.account_id = ? AND i.published_at >= ?
          AND i.post_id NOT IN (SELECT post_id FROM posts WHERE account_id = ?)
        GROUP BY i.post_id
        ORDER BY 2 DESC, 1
        """,
        [account_id, since, account_id, since, account_id],
    ).fetchall()
    return [(str(post_id), published, last) for post_id, published, last in rows]


@dataclass(frozen=True)
class Freshness:
    """How old tikscope's copy of a young post's counters was when they changed.

    Each minute of a post's first 2 hours of age counts as one change (fresh posts gain views
    every minute); its lag is the time until the next read copied it.

    Attributes:
        changes: changes measured.
        p50_seconds: median lag (None without changes).
        p95_seconds: 95th percentile lag.
        posts: posts measured.
    """

    changes: int
    p50_seconds: float | None
    p95_seconds: float | None
    posts: int


def freshness(
    connection: DuckDBPyConnection,
    *,
    since: datetime,
    account_ids: list[str] | None = None,
    young: timedelta = YOUNG,
) -> Freshness:
    """The lag of intraday copies of posts published since `since`, over their first `young`."""
    rows = connection.execute(
        """
        SELECT post_id, any_value(published_at), list(captured_at ORDER BY captured_at)
        FROM post_intraday
        WHERE published_at >= ? AND (? IS NULL OR list_contains(?, account_id))
        GROUP BY post_id ORDER BY post_id
        """,
        [since, account_ids, account_ids],
    ).fetchall()
    lags: list[float] = []
    for _, published, captures in rows:
        lags.extend(change_lags(published, captures, young=young))
    return Freshness(
        changes=len(lags),
        p50_seconds=percentile(lags, 0.50),
        p95_seconds=percentile(lags, 0.95),
        posts=len(rows),
    )


def change_lags(
    published: datetime, captures: list[datetime], *, young: timedelta = YOUNG
) -> list[float]:
    """Seconds from each minute of the post's age (its first `young`) to the next read.

    Minutes after the last read are left out: they have not been copied yet.
    """
    lags: list[float] = []
    minute = published + timedelta(minutes=1)
    end = published + young
    reads = iter(sorted(captures))
    read = next(reads, None)
    while minute <= end and read is not None:
        if read < minute:
            read = next(reads, None)
            continue
        lags.append((read - minute).total_seconds())
        minute += timedelta(minutes=1)
    return lags


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-int(share * 1000) * len(ordered) // 1000))
    return ordered[min(rank, len(ordered)) - 1]
