"""TikTok Studio-style views over every post viewed in a period.

Traffic sources, territories, top posts, and how fresh the account's data is. They read the
same scope relation as the registry's "viewed" metrics (metrics/relations.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from tikscope.metrics.model import Scope
from tikscope.metrics.periods import Period
from tikscope.metrics.post_rows import TopPost
from tikscope.metrics.query import Account, scope_query
from tikscope.metrics.registry import METRICS
from tikscope.store.summary import fetch_rows

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

TOP = 10
SOURCE_PREFIX = "views_from_"
# The impression sources, with their labels, as the registry names them.
SOURCES = {
    metric.name.removeprefix(SOURCE_PREFIX): metric.label.removesuffix(" %")
    for metric in METRICS
    if metric.name.startswith(SOURCE_PREFIX)
}
# Posts that gained views in the period; only `post_id` and `<counter>_gained` are relied on.
VIEWED_CTE = "viewed AS (SELECT post_id, views_gained FROM {relation} WHERE views_gained > 0)"


def viewed_query(
    connection: DuckDBPyConnection, account: Account, period: Period, sql: str
) -> tuple[str, dict[str, object]]:
    """`sql` over the period's "viewed" relation (`{relation}`), and its parameters."""
    return scope_query(connection, Scope.VIEWED, account, period, sql)


@dataclass(frozen=True)
class Freshness:
    """When each kind of an account's data was last captured (naive UTC), and its last sync.

    Attributes:
        daily_captured_at: the newest capture of the daily series.
        daily_last_day: the last day of the daily series.
        posts_captured_at: the newest capture of post counters.
        audience_snapshot_date: the day of the newest demographics snapshot.
        last_sync_at: when the last sync that reached TikTok finished; None if never.
        last_sync_status: the status of the last sync attempt (`ok`, `unchanged`, `failed`).
        needs_reauthorization: the connections that must be authorized again, comma-separated.
    """

    daily_captured_at: datetime | None
    daily_last_day: date | None
    posts_captured_at: datetime | None
    audience_snapshot_date: date | None
    last_sync_at: datetime | None
    last_sync_status: str | None
    needs_reauthorization: str | None


def data_freshness(connection: DuckDBPyConnection, account: Account) -> Freshness:
    """When each kind of data was last captured for the account (UTC)."""
    # NOTE: one subquery per table: DuckDB's planning of each costs more than reading them.
    row = fetch_rows(
        connection.execute(
            """
            SELECT daily.*,
                   (SELECT last_captured_at FROM post_daily_extent WHERE account_id = $account)
                       AS posts_captured_at,
                   (SELECT max(snapshot_date) FROM audience_snapshots
                     WHERE account_id = $account) AS audience_snapshot_date,
                   (SELECT {'at': max(finished_at) FILTER (WHERE status <> 'failed'),
                            'status': arg_max(status, sync_id)}
                      FROM sync_log WHERE account_id = $account) AS sync,
                   (SELECT string_agg(connection_id, ', ' ORDER BY connection_id)
                      FROM connections WHERE account_id = $account
                       AND status = 'needs_reauthorization') AS needs_reauthorization
            FROM (SELECT max(captured_at) AS daily_captured_at, max(date) AS daily_last_day
                  FROM account_daily WHERE account_id = $account) AS daily
            """,
            {"account": account.account_id},
        )
    )[0]
    sync = row.pop("sync")
    return Freshness(**row, last_sync_at=sync["at"], last_sync_status=sync["status"])


def traffic_sources(
    connection: DuckDBPyConnection, account: Account, period: Period
) -> dict[str, float | None]:
    """Share of all the period's views by impression source (`SOURCES`; None where unknown).

    Each post's last-known source shares are weighted by the views it gained in the period,
    whatever its publish date, as TikTok Studio's traffic sources cover every view.
    """
    columns = [f"source_{source}" for source in SOURCES]
    last_known = ", ".join(
        f"arg_max({column}, captured_at) FILTER (WHERE {column} IS NOT NULL) AS {column}"
        for column in columns
    )
    shares = ", ".join(
        f"sum(views_gained * {column}) FILTER (WHERE {column} IS NOT NULL) / "
        f"nullif(sum(views_gained) FILTER (WHERE {column} IS NOT NULL), 0) AS {source}"
        for source, column in zip(SOURCES, columns, strict=True)
    )
    sql = f"""
        WITH {VIEWED_CTE},
        last_known AS (
            SELECT post_id, {last_known} FROM post_snapshots
            WHERE account_id = $account AND captured_at <= $snap_end
              AND post_id IN (SELECT post_id FROM viewed)
            GROUP BY post_id
        )
        SELECT {shares} FROM viewed JOIN last_known USING (post_id)
    """
    row = connection.execute(*viewed_query(connection, account, period, sql)).fetchall()[0]
    return {source: None if share is None else float(share)
            for source, share in zip(SOURCES, row, strict=True)}  # fmt: skip


@dataclass(frozen=True)
class TrafficShare:
    """An impression source (`SOURCES`) and its share (0-1) of the period's views; None: unknown."""

    source: str
    label: str
    share: float | None


def ranked_sources(traffic: dict[str, float | None]) -> list[TrafficShare]:
    """Every impression source with its share of views (`traffic_sources`), largest first."""
    ranked = sorted(SOURCES.items(), key=lambda item: -(traffic[item[0]] or 0))
    return [TrafficShare(key, label, traffic[key]) for key, label in ranked]


@dataclass(frozen=True)
class Territory:
    """A country of the period's viewers and its share (0-1) of the period's views."""

    country: str
    share: float


def viewer_territories(
    connection: DuckDBPyConnection, account: Account, period: Period
) -> list[Territory]:
    """The top countries of the period's viewers: last-known shares weighted by views gained."""
    sql = f"""
        WITH {VIEWED_CTE},
        last_known AS (
            SELECT post_id, arg_max(viewer_countries, captured_at) AS countries
            FROM post_snapshots
            WHERE account_id = $account AND captured_at <= $snap_end
              AND viewer_countries IS NOT NULL AND post_id IN (SELECT post_id FROM viewed)
            GROUP BY post_id
        ),
        shares AS (SELECT post_id, unnest(countries, recursive := true) FROM last_known)
        SELECT country, sum(views_gained * share) / (
                   SELECT sum(views_gained) FROM viewed JOIN last_known USING (post_id)
               ) AS share
        FROM viewed JOIN shares USING (post_id)
        GROUP BY country ORDER BY share DESC, country LIMIT {TOP}
    """
    rows = fetch_rows(connection.execute(*viewed_query(connection, account, period, sql)))
    return [Territory(**row) for row in rows]


def top_posts(connection: DuckDBPyConnection, account: Account, period: Period) -> list[TopPost]:
    """The posts that gained the most views in the period, whatever their publish date."""
    sql = f"""
        SELECT v.post_id, p.media_type, p.create_time, p.caption,
               coalesce(p.share_url, $post_url_prefix || v.post_id) AS link,
               v.views_gained, v.likes_gained, v.comments_gained, v.shares_gained
        FROM {{relation}} v JOIN posts p ON p.account_id = $account AND p.post_id = v.post_id
        WHERE v.views_gained > 0
        ORDER BY v.views_gained DESC, v.post_id LIMIT {TOP}
    """
    rows = fetch_rows(connection.execute(*viewed_query(connection, account, period, sql)))
    return [TopPost(**row) for row in rows]


def freshness_text(fresh: Freshness) -> str:
    """How fresh an account's data is, in one sentence every output shows the same way."""
    captured = max(
        (value for value in (fresh.daily_captured_at, fresh.posts_captured_at) if value),
        default=None,
    )
    parts = [f"Data captured {captured:%Y-%m-%d %H:%M} UTC" if captured else "No data captured yet"]
    if fresh.last_sync_at:
        parts.append(f"last sync from TikTok {fresh.last_sync_at:%Y-%m-%d %H:%M} UTC")
    else:
        parts.append("never synced from TikTok's API (simulated or imported data)")
    if fresh.last_sync_status == "failed":
        parts.append("the latest sync failed")
    if fresh.needs_reauthorization:
        parts.append(
            f"connection {fresh.needs_reauthorization} needs re-authorization: run "
            "'tikscope connect' again"
        )
    return "; ".join(parts) + "."
