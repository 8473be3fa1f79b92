"""`tikscope spark metrics`: the registry's metrics for every exported account, on Spark."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from tikscope.cli.options import add_group, date_parser
from tikscope.errors import UsageError


def register(app: typer.Typer) -> None:
    """Add the `spark` command group to the app."""
    add_group(app, "spark", "Run tikscope's definitions on Apache Spark.", {"metrics": metrics})


def metrics(
    source: Annotated[
        Path, typer.Option("--input", help="A folder written by `tikscope export parquet`.")
    ],
    start: Annotated[
        date,
        typer.Option(
            "--from",
            parser=date_parser("--from"),
            metavar="YYYY-MM-DD",
            help="First day of the period.",
        ),
    ],
    end: Annotated[
        date,
        typer.Option(
            "--to", parser=date_parser("--to"), metavar="YYYY-MM-DD", help="Last day of the period."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder for the metrics (Parquet).")],
    master: Annotated[
        str, typer.Option(help="Spark master: local[*] here, or a cluster's URL.")
    ] = "local[*]",
) -> None:
    """Every registry metric of every account in the export, for a period and the one before.

    Also each workspace's portfolio: counts summed and other metrics averaged across its
    accounts, the accounts ranked (`metrics/portfolio.py`, as `tikscope portfolio` does).

    The metrics are the registry's SQL, translated to Spark's dialect (sqlglot) and run by Spark:
    the same definitions as `tikscope metrics`, one row per account, period and metric.
    """
    from tikscope.metrics.periods import Period
    from tikscope.metrics.query import Settings
    from tikscope.spark.metrics import (
        portfolio_rows,
        spark_metrics,
        write_metrics,
        write_portfolio,
    )
    from tikscope.spark.session import start as start_spark

    if end < start:
        raise UsageError(f"--to {end} is before --from {start}")
    spark = start_spark(master)
    try:
        rows = spark_metrics(spark, source, Period(start, end), Settings())
        write_metrics(spark, rows, out / "metrics")
        portfolios = portfolio_rows(spark, rows)
        write_portfolio(spark, portfolios, out / "portfolio")
    finally:
        spark.stop()
    accounts = len({row.account_id for row in rows})
    workspaces = len({row[0] for row in portfolios})
    typer.echo(f"wrote {len(rows):,} metric values of {accounts:,} accounts ({start} to {end} "
               f"and the period before) to {out / 'metrics'}, and the portfolios of "
               f"{workspaces:,} workspaces to {out / 'portfolio'}")  # fmt: skip
