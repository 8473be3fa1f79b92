"""`tikscope spark metrics`: every registry metric of every exported account, on Spark."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tikscope.metrics import registry
from tikscope.metrics.model import Scope
from tikscope.metrics.periods import Period
from tikscope.metrics.portfolio import portfolio
from tikscope.metrics.query import (
    Account,
    Settings,
    Values,
    aggregates,
    assemble,
    judge_row,
    presence,
    relation_column,
    scope_metrics,
)
from tikscope.spark.connection import SparkConnection, spark_sql
from tikscope.spark.relations import PARAMETERS, grouped_relations, parameters_sql
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
    """Every metric of every account in the export for `period` and the one before it.

    One grouped statement per scope computes that scope's metrics of every account for both
    periods (spark/relations.py); the driver only judges the rows (a missing value's reason)
    and derives the derived metrics, as `metrics.query.compute_periods` does.
    """
    register_export(spark, folder)
    accounts = [Account(*row) for row in spark.sql(
        "SELECT account_id, handle, account_type, time_zone FROM accounts ORDER BY handle"
    ).collect()]  # fmt: skip
    periods = [period, period.previous()]
    basis = settings.engagement_basis == "followers"
    zones = [account.time_zone for account in accounts] or ["UTC"]
    spark.sql(spark_sql(parameters_sql(periods, zones, followers_at_end=basis))).cache()\
        .createOrReplaceTempView(PARAMETERS)  # fmt: skip
    by_scope = {
        scope: judge_scope(spark, scope, relation, settings, accounts, len(periods))
        for scope, relation in grouped_relations(len(periods)).items()
    }
    rows = []
    for account in accounts:
        mine = {scope: found[account.account_id] for scope, found in by_scope.items()}
        computed = [assemble(mine, index) for index in range(len(periods))]
        for name, (values, _), asked in zip(("current", "previous"), computed, periods,
                                            strict=True):  # fmt: skip
            rows += [
                MetricRow(account.account_id, account.handle, name, asked.start, asked.end,
                          metric.name, values[metric.name].value,
                          values[metric.name].unavailable, values[metric.name].note)
                for metric in registry.METRICS
            ]  # fmt: skip
    return rows


def judge_scope(
    spark: SparkSession, scope: Scope, relation: str, settings: Settings,
    accounts: list[Account], count: int,
) -> dict[str, list[tuple[Values, list[str]]]]:  # fmt: skip
    """One scope's values and notes of every account and period, from one grouped statement."""
    view = f"scope_{scope.name.lower()}"
    spark.sql(relation).createOrReplaceTempView(view)
    selected = aggregates(scope, settings)
    columns = sorted({relation_column(scope, source) for metric in scope_metrics(scope)
                      for source in metric.sources})  # fmt: skip
    found = {
        (row[0], row[1]): tuple(row[2:])
        for row in spark.sql(spark_sql(
            f"SELECT __account, period, {', '.join([*selected, *presence(columns)])} "
            f"FROM {view} GROUP BY __account, period"
        )).collect()
    }  # fmt: skip
    empty = tuple(spark.sql(spark_sql(f"SELECT {', '.join(selected)} FROM {view} WHERE false"))
                  .collect()[0])  # fmt: skip
    width = len(selected)
    judged = {}
    for account in accounts:
        judged[account.account_id] = [
            judge_row(scope, row[:width], dict(zip(columns, map(bool, row[width:]), strict=True)))
            if (row := found.get((account.account_id, index))) is not None
            else judge_row(scope, empty, {})
            for index in range(count)
        ]
    return judged


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
