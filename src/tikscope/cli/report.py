"""`tikscope report account` (an HTML page with charts) and `tikscope report media-kit`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tikscope.cli.analytics import (
    AccountOption,
    BasisOption,
    FromOption,
    LastOption,
    RateOption,
    ToOption,
)
from tikscope.cli.options import DbOption, add_group
from tikscope.config import DEFAULT_DB_PATH

OutOption = Annotated[
    Path,
    typer.Option("--out", help="Folder to write index.html and charts/ into.", file_okay=False),
]


KitOutOption = Annotated[
    Path,
    typer.Option("--out", help="Folder to write media-kit.html and media-kit.pdf into.",
                 file_okay=False),
]  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add the `report` command group to the app."""
    add_group(app, "report", "Write reports: HTML pages with charts, a media kit as HTML and PDF.",
              {"account": account_report, "media-kit": media_kit_report})  # fmt: skip


def account_report(
    out: OutOption,
    db: DbOption = DEFAULT_DB_PATH,
    account: AccountOption = None,
    start: FromOption = None,
    end: ToOption = None,
    last: LastOption = None,
    engagement_rate: RateOption = 100,
    engagement_basis: BasisOption = "reach",
) -> None:
    """The account report for a period: every metric vs the previous period, with charts."""
    from tikscope.cli import commands

    page, period_note = commands.report_account(
        db, account, start, end, last, out=out, rate=engagement_rate, basis=engagement_basis
    )
    typer.echo(f"wrote {page}")
    if period_note is not None:
        typer.echo(f"note: {period_note}")


def media_kit_report(
    out: KitOutOption = Path("media-kit"),
    db: DbOption = DEFAULT_DB_PATH,
    account: AccountOption = None,
    start: FromOption = None,
    end: ToOption = None,
    last: LastOption = None,
) -> None:
    """A media kit for brands, as HTML and PDF: audience, reach, engagement and top posts.

    Followers, growth, engagement and posting frequency are over the period (default: the last
    28 days with data); average and median views over the last 30 posts up to its end.
    """
    from tikscope.cli import commands

    page, pdf, period_note = commands.report_media_kit(db, account, start, end, last, out=out)
    typer.echo(f"wrote {page}")
    typer.echo(f"wrote {pdf}")
    if period_note is not None:
        typer.echo(f"note: {period_note}")
