"""The days the store holds for an account, and the asked period fitted to them.

`resolve_period` is the one way the cli and the web turn `--last`/`--from`/`--to` or
`?days=`/`?start=&end=` into the period they show (the rules are `periods.fit_period`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from tikscope.metrics.periods import (
    CLI_NAMES,
    AskedPeriod,
    ChosenPeriod,
    HeldDays,
    PeriodNames,
    fit_period,
)
from tikscope.metrics.query import Account, last_day

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

# NOTE: a snapshot holds the lifetime counters at the end of the day before it was captured, as
# in `query.last_day`; a post counts from its publish day in the account's time zone.
FIRST_DAYS_SQL = """
SELECT (SELECT min(date) FROM account_daily WHERE account_id = $account),
       (SELECT min(captured_at)::DATE - 1 FROM post_snapshots WHERE account_id = $account),
       (SELECT min(create_time) FROM posts WHERE account_id = $account)
"""


def held_days(connection: DuckDBPyConnection, account: Account) -> HeldDays | None:
    """The first and last day with any data for the account; None when there is none.

    The last day is `query.last_day` (daily series and post snapshots): the default period ends
    there. The first is the earliest of the daily series, the post snapshots and the posts'
    publish days.
    """
    last: date | None = last_day(connection, account)
    if last is None:
        return None
    daily, snapshot, published = connection.execute(
        FIRST_DAYS_SQL, {"account": account.account_id}
    ).fetchall()[0]
    days = [daily, snapshot, None if published is None else local_day(published, account)]
    return HeldDays(min([last, *(day for day in days if day is not None)]), last)


def local_day(moment: datetime, account: Account) -> date:
    """The day of a naive UTC moment in the account's time zone."""
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(account.time_zone)).date()


def resolve_period(
    connection: DuckDBPyConnection,
    account: Account,
    asked: AskedPeriod,
    *,
    names: PeriodNames = CLI_NAMES,
) -> ChosenPeriod:
    """The period to show for `asked`: fitted to the account's held days, with a note if cut.

    Args:
        connection: the store.
        account: the account the period is about.
        asked: the last N days, or a start and an end, or neither (the last 28 days with data).
        names: how the asker names the parts (`--last`, `--from`, `--to` or `days`, `start`,
            `end`), for the refusals.

    Raises:
        UsageError: see `periods.fit_period`.
    """
    asked.fixed(names)  # refuse a bad mix of parts before reading the store
    return fit_period(asked, held_days(connection, account), handle=account.handle, names=names)
