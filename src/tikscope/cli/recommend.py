"""`tikscope recommend`: what did better than the account's own baseline, proven by a backtest."""

from __future__ import annotations

import dataclasses
import json
import sys
from typing import Any

import typer

from tikscope.cli.analytics import AccountOption
from tikscope.cli.options import DbOption, FormatOption
from tikscope.cli.output import OutputFormat, plain, rows_csv
from tikscope.cli.tables import print_table
from tikscope.config import DEFAULT_DB_PATH
from tikscope.metrics.recommend import AGE_DAYS, BASELINE_POSTS, Backtest, Effect, Recommendations
from tikscope.reports.advice import advice_of


def register(app: typer.Typer) -> None:
    """Add `recommend` to the app."""
    app.command("recommend")(recommend)


def recommend(
    db: DbOption = DEFAULT_DB_PATH,
    account: AccountOption = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """When to post and what to post, from the account's whole history, with the evidence.

    Advice is given only where a rolling backtest shows that posts which followed it did better
    than those which did not, and better than a naive baseline. CSV gives every effect judged.
    """
    from tikscope.cli import commands

    handle, zone, found = commands.recommend(db, account)
    if output is OutputFormat.json:
        data = dataclasses.asdict(found) | {
            "account": handle, "time_zone": zone,
            "proven": {kind: found.proven(kind) for kind in ("hours", "features")},
        }  # fmt: skip
        sys.stdout.write(json.dumps(data, indent=2, default=plain) + "\n")
    elif output is OutputFormat.csv:
        effects = [*found.hours, *found.weekdays, *found.features]
        sys.stdout.write(rows_csv([dataclasses.asdict(effect) for effect in effects]))
    else:
        print_recommendations(handle, zone, found)


def print_recommendations(handle: str, zone: str, found: Recommendations) -> None:
    """The backtest first, then the advice it backs, then what it does not back."""
    typer.echo(f"@{handle}: recommendations from {found.posts:,} posts, each compared by its "
               f"views {AGE_DAYS} days after publishing with the median of the "
               f"{BASELINE_POSTS} posts before it")  # fmt: skip
    if found.reason:
        typer.echo(f"No recommendations: {found.reason}.")
        return
    title = "Backtest: posts that followed the advice against those that did not"
    print_table([backtest_row(test) for test in found.backtests], title=title)
    advice = advice_of(found)
    if advice.hours:
        print_table([effect_row(e) for e in advice.hours], title=f"Best hours to post ({zone})")
    else:
        typer.echo(advice.no_hours)
    if advice.active:
        typer.echo(f"Your followers are most active ({zone}): {', '.join(advice.active)}.")
    if advice.features:
        print_table([effect_row(e) for e in advice.features],
                    title="Did better (+) or worse (-) than your baseline")  # fmt: skip
    else:
        typer.echo(advice.no_features)


def backtest_row(test: Backtest) -> dict[str, Any]:
    """One kind of advice in the backtest."""
    nothing = test.followed == 0 or test.not_followed == 0  # no comparison to make
    return {"advice": test.kind, "followed": test.followed, "not": test.not_followed,
            "views": None if nothing else percent(test.lift),
            "95% interval": None if nothing else interval(test.low, test.high),
            "baseline": test.baseline, "its views": percent(test.baseline_lift),
            "verdict": "proven" if test.proven else "not proven"}  # fmt: skip


def effect_row(effect: Effect) -> dict[str, Any]:
    """One feature, hour or weekday with its shrunk uplift."""
    return {"what": effect.feature.replace("length:", "length ").replace("word:", ""),
            "posts": effect.posts, "views": percent(effect.uplift),
            "95% interval": interval(effect.low, effect.high)}  # fmt: skip


def percent(value: float) -> str:
    """`+25%`."""
    return f"{value * 100:+.0f}%"


def interval(low: float, high: float) -> str:
    """`+5% to +40%`."""
    return f"{percent(low)} to {percent(high)}"
