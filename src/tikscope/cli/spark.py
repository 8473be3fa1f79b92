"""`tikscope spark`: the registry's metrics and the audience clustering, on Spark."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from tikscope.cli.options import add_group, date_parser
from tikscope.errors import UsageError


def register(app: typer.Typer) -> None:
    """Add the `spark` command group to the app."""
    add_group(
        app,
        "spark",
        "Run tikscope's definitions on Apache Spark.",
        {"metrics": metrics, "audience": audience},
    )


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
        str | None,
        typer.Option(help="Spark master URL (default: spark-submit's --master, else local[*])."),
    ] = None,
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
    from tikscope.spark.session import session

    if end < start:
        raise UsageError(f"--to {end} is before --from {start}")
    with session(master) as spark:
        rows = spark_metrics(spark, source, Period(start, end), Settings())
        write_metrics(spark, rows, out / "metrics")
        portfolios = portfolio_rows(spark, rows)
        write_portfolio(spark, portfolios, out / "portfolio")
    accounts = len({row.account_id for row in rows})
    workspaces = len({row[0] for row in portfolios})
    typer.echo(f"wrote {len(rows):,} metric values of {accounts:,} accounts ({start} to {end} "
               f"and the period before) to {out / 'metrics'}, and the portfolios of "
               f"{workspaces:,} workspaces to {out / 'portfolio'}")  # fmt: skip


def audience(
    source: Annotated[
        Path,
        typer.Option("--input", help="A folder written by `tikscope export parquet --audience`."),
    ],
    account: Annotated[str, typer.Option("--account", help="The account's handle.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the communities (Parquet).")],
    seed: Annotated[int, typer.Option(help="Seeds the sample and Leiden.")] = 7,
    share: Annotated[
        float | None,
        typer.Option(help="Share of members to sample (default: as `tikscope audience` does)."),
    ] = None,
    master: Annotated[
        str | None,
        typer.Option(help="Spark master URL (default: spark-submit's --master, else local[*])."),
    ] = None,
) -> None:
    """An account's audience communities: a sample clustered on the driver, the rest on Spark.

    The sample's communities come from the single-machine code (Leiden and the split check);
    every other member joins the community most of its follows lead to, in rounds of Spark joins
    and aggregations. Writes one row per member: `member_key`, `community`.
    """
    from tikscope.spark.audience import cluster_audience, write_labels
    from tikscope.spark.session import session

    if seed < 0:
        raise UsageError(f"--seed must be 0 or more, not {seed}")
    with session(master) as spark:
        found = cluster_audience(spark, source, account, seed=seed, share=share)
        write_labels(found, out)
    typer.echo(f"wrote {found.communities:,} communities of {found.members:,} members "
               f"({found.edges:,} edges; {found.sampled:,} sampled, {found.share:.0%}; voting "
               f"rounds {found.rounds[0]} + {found.rounds[1]}) to {out}")  # fmt: skip
