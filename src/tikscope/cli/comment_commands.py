"""What `tikscope comments` does apart from parsing and printing: open the store, call metrics."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from tikscope.metrics.comment_clusters import ClusterComments, cluster_comments
from tikscope.metrics.comment_views import (
    CommentFilter,
    CommentLine,
    CommentSummary,
    PostComments,
    comment_summary,
    period_comments,
    post_comments,
)
from tikscope.metrics.period_range import resolve_period
from tikscope.metrics.periods import AskedPeriod, ChosenPeriod
from tikscope.metrics.query import Account, find_account
from tikscope.store.db import open_store

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection


def choose_period(
    connection: DuckDBPyConnection, account: Account, start: date | None, end: date | None,
    last: int | None,
) -> ChosenPeriod:  # fmt: skip
    """The period from --from/--to or --last (default: the last 28 days with data), fitted.

    The same as `commands.choose_period`, without importing what the other commands need.
    """
    return resolve_period(connection, account, AskedPeriod(days=last, start=start, end=end))


def summary(
    db: Path, handle: str | None, start: date | None, end: date | None, last: int | None
) -> tuple[str, CommentSummary]:
    """A title naming the account and period, and the period's comment summary."""
    with open_store(db) as connection:
        account = find_account(connection, handle)
        period = choose_period(connection, account, start, end, last).period
        return f"@{account.handle}, {period}", comment_summary(connection, account, period)


def listed(
    db: Path, handle: str | None, start: date | None, end: date | None, last: int | None,
    filters: CommentFilter,
) -> tuple[str, int, tuple[CommentLine, ...]]:  # fmt: skip
    """A title, how many of the period's comments pass the filters, and the newest of them."""
    with open_store(db) as connection:
        account = find_account(connection, handle)
        period = choose_period(connection, account, start, end, last).period
        matching, lines = period_comments(connection, account, period, filters)
    return f"@{account.handle}, {period}", matching, lines


def post(db: Path, handle: str | None, post_id: str, filters: CommentFilter) -> PostComments:
    """One post's comments, filtered."""
    with open_store(db) as connection:
        account = find_account(connection, handle)
        return post_comments(connection, account, post_id, filters)


def clusters(
    db: Path, handle: str | None, start: date | None, end: date | None, last: int | None
) -> tuple[str, ClusterComments]:
    """A title, and the comments of each audience cluster in the period."""
    with open_store(db) as connection:
        account = find_account(connection, handle)
        period = choose_period(connection, account, start, end, last).period
        return f"@{account.handle}, {period}", cluster_comments(connection, account, period)
