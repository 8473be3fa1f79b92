"""`tikscope spark metrics`: every registry metric of every exported account, on Spark."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tikscope.metrics import registry
from tikscope.metrics.periods import Period
from tikscope.metrics.portfolio import portfolio
from tikscope.metrics.query import Account, Settings, compute_periods
from tikscope.spark.connection import SparkConnection
from tikscope.spark.session import register_export

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

COLUMNS = ("account_id", "handle", "period", "start", "end", "metric", "value", "unavailable",
           "note")  # fmt: skip


@dataclass(frozen=True)
class MetricRow:
    """One metric of one account for one period (`current` or `previous`)."""

    account_id: str
    handle: str
    period: str
    start: object
    end: object
    metric: str
    value: float | None
    unavailable: str | None
    note: str | None


def spark_metrics(
    spark: SparkSession, folder: Path, period: Period, settings: Settings
) -> list[MetricRow]:
    """Every metric of every account in the export for `period` and the one before it."""
    register_export(spark, folder)
    connection = SparkConnection(spark)
    accounts = [Account(*row) for row in connection.execute(
        "SELECT account_id, handle, account_type, time_zone FROM accounts ORDER BY handle"
    ).fetchall()]  # fmt: skip
    rows = []
    for account in accounts:
        computed = compute_periods(connection, account, [period, period.previous()], settings)  # type: ignore[arg-type]
        for name, (values, _), asked in zip(("current", "previous"), computed,
                                            (period, period.previous()), strict=True):  # fmt: skip
            rows += [
                MetricRow(account.account_id, account.handle, name, asked.start, asked.end,
                          metric.name, values[metric.name].value,
                          values[metric.name].unavailable, values[metric.name].note)
                for metric in registry.METRICS
            ]  # fmt: skip
    return rows


def write_metrics(spark: SparkSession, rows: list[MetricRow], out: Path) -> None:
    """The rows as Parquet under `out` (replaced), one Spark write."""
    frame = spark.createDataFrame(
        [tuple(getattr(row, name) for name in COLUMNS) for row in rows],
        "account_id string, handle string, period string, start date, `end` date, metric string, "
        "value double, unavailable string, note string",
    )
    frame.coalesce(1).write.mode("overwrite").parquet(str(out))


PORTFOLIO_COLUMNS = ("workspace", "period", "metric", "combined", "value", "accounts", "best")


def portfolio_rows(spark: SparkSession, rows: list[MetricRow]) -> list[tuple[object, ...]]:
    """Each workspace's portfolio (`metrics.portfolio`) for both periods, from the metric rows."""
    members = (
        SparkConnection(spark)
        .execute(
            "SELECT w.slug, a.handle FROM workspace_accounts wa "
            "JOIN workspaces w USING (workspace_id) JOIN accounts a USING (account_id)"
        )
        .fetchall()
    )
    found: list[tuple[object, ...]] = []
    for workspace in sorted({slug for slug, _ in members}):
        handles = {handle for slug, handle in members if slug == workspace}
        for period in ("current", "previous"):
            values: dict[str, dict[str, float | None]] = {}
            for row in rows:
                if row.handle in handles and row.period == period:
                    values.setdefault(row.handle, {})[row.metric] = row.value
            found += [
                (workspace, period, line.metric, line.combined, line.value, line.accounts,
                 line.ranking[0][0] if line.ranking else None)
                for line in portfolio(values)
            ]  # fmt: skip
    return found


def write_portfolio(spark: SparkSession, rows: list[tuple[object, ...]], out: Path) -> None:
    """The portfolios as Parquet under `out` (replaced)."""
    frame = spark.createDataFrame(
        rows, "workspace string, period string, metric string, combined string, value double, "
        "accounts int, best string",
    )  # fmt: skip
    frame.coalesce(1).write.mode("overwrite").parquet(str(out))
