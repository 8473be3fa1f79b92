"""`tikscope rewards`: creator-rewards eligibility and estimated earnings."""

from __future__ import annotations

import dataclasses
import json
import sys
from typing import Annotated, Any

import typer

from tikscope.cli.analytics import AccountOption, FromOption, LastOption, ToOption
from tikscope.cli.options import DbOption, FormatOption
from tikscope.cli.output import OutputFormat, plain, rows_csv
from tikscope.cli.tables import print_table
from tikscope.config import DEFAULT_DB_PATH
from tikscope.metrics.rewards import PROGRAMS, PROMISE, Earning, Earnings, Eligibility, Rule
from tikscope.reports.post_names import post_label


def register(app: typer.Typer) -> None:
    """Add `rewards` to the app."""
    app.command("rewards")(rewards)


def rewards(
    db: DbOption = DEFAULT_DB_PATH,
    account: AccountOption = None,
    start: FromOption = None,
    end: ToOption = None,
    last: LastOption = None,
    program: Annotated[
        str, typer.Option(help=f"The program: {', '.join(PROGRAMS)}.")
    ] = "creator_rewards",
    rate_low: Annotated[
        float | None, typer.Option(min=0, help="Low end of US$ per 1,000 qualifying views.")
    ] = None,
    rate_high: Annotated[
        float | None, typer.Option(min=0, help="High end of US$ per 1,000 qualifying views.")
    ] = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Whether the account meets a rewards program's rules, and what its views may earn.

    Eligibility is judged on the period's last day; earnings are estimated per month and per
    post over the period. CSV gives the posts; JSON gives everything.
    """
    from tikscope.cli import commands

    handle, judged, earned, note = commands.rewards(
        db, account, start, end, last, key=program, rate_low=rate_low, rate_high=rate_high
    )
    if note:
        typer.echo(f"note: {note}", err=output is not OutputFormat.table)
    if output is OutputFormat.json:
        data = {"account": handle, "eligibility": asdict(judged) | {"eligible": judged.eligible},
                "earnings": asdict(earned), "caution": PROMISE}  # fmt: skip
        sys.stdout.write(json.dumps(data, indent=2, default=plain) + "\n")
    elif output is OutputFormat.csv:
        sys.stdout.write(rows_csv([post_row(post) for post in earned.posts]))
    else:
        print_eligibility(handle, judged)
        print_earnings(earned)


def asdict(value: Any) -> dict[str, Any]:
    """A dataclass as a dictionary of plain values."""
    return {key: plain(item) for key, item in dataclasses.asdict(value).items()}


def print_eligibility(handle: str, judged: Eligibility) -> None:
    """The rules as a table, with the verdict and the source of the rules under it."""
    rows = [rule_row(rule) for rule in judged.rules]
    print_table(rows, title=f"@{handle}: {judged.program.name} on {judged.day}: {judged.verdict}",
                footnotes=("why",))  # fmt: skip
    typer.echo(f"Rules: {judged.program.rules_source}; checked {judged.program.rules_as_of}.")


def rule_row(rule: Rule) -> dict[str, Any]:
    """One rule as a table row."""
    return {"rule": rule.label, "needs": rule.threshold, "value": whole(rule.value),
            "margin": signed(rule.margin), "status": rule.status, "since": rule.held_since,
            "why": rule.reason}  # fmt: skip


def print_earnings(earned: Earnings) -> None:
    """Months and the posts that earned most, as ranges in US dollars."""
    title = (
        f"Estimated earnings (US$), {earned.period}, at {earned.rate_low:.2f}–"
        f"{earned.rate_high:.2f} per 1,000 qualifying views"
    )
    if earned.reason:
        typer.echo(f"{title}: {earned.reason}")
        return
    months = [money_row(month.label, month) for month in (*earned.months, earned.total)]
    print_table(months, title=title)
    rows = [{k: v for k, v in post_row(post).items() if k != "link"} for post in earned.top()]
    print_table(rows, title="Posts that may earn most (US$)")
    notes = [f"Rate: {earned.program.rate_source}."]
    if earned.program.min_seconds is not None:
        notes.append(f"Only videos over {earned.program.min_seconds:g} s earn.")
    if not earned.total.for_you_known:
        notes.append("Some posts have no For You share in the store: all their views are "
                     "counted, so the range is an upper bound for them.")  # fmt: skip
    for line in (*notes, PROMISE):
        typer.echo(line)


def money_row(label: str, earning: Earning) -> dict[str, Any]:
    """A month or the total as a row."""
    return {"month": label, "views": earning.views,
            "qualifying": round(earning.qualifying_views),
            "estimate": dollars(earning)}  # fmt: skip


def post_row(post: Earning) -> dict[str, Any]:
    """A post as a row: named by caption and publish time, with its link."""
    seconds = None if post.seconds is None else round(post.seconds, 1)
    return {"post": post_label(post, limit=24), "seconds": seconds, "views": post.views,
            "qualifying": round(post.qualifying_views), "estimate": dollars(post),
            "link": post.link}  # fmt: skip


def dollars(earning: Earning) -> str:
    """`1.20–3.00` (US dollars, as the table's title says)."""
    return f"{earning.low:,.2f}–{earning.high:,.2f}"


def whole(value: float | None) -> int | None:
    """A count for the table."""
    return None if value is None else round(value)


def signed(value: float | None) -> str | None:
    """A margin with its sign: `+1,200`, `-300`."""
    return None if value is None else f"{round(value):+,}"
