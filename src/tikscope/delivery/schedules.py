"""Report schedules: which account's report goes where, weekly or monthly, and when it is due.

A weekly schedule reports each week from Monday to Sunday, a monthly one each calendar month. A
period is due from `hour` o'clock (UTC) on the day after it ends, so that the last day's sync has
landed; periods that ended before the schedule was made are never due. Deliveries are recorded
per (schedule, period start): a sent period is never sent again, a failed one is retried with
growing waits (RETRY_WAITS) and then given up, and each state shows on the Sync status page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from tikscope.errors import UsageError
from tikscope.store.db import fetch_value

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

RETRY_WAITS = (timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=6))
"""Wait after the 1st, 2nd, … failed attempt; after the last one the delivery is given up."""
SENDING_STALE = timedelta(minutes=30)
"""A delivery still 'sending' this long after its attempt began was cut off (the server stopped)."""
ADDRESS = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


class Cadence(StrEnum):
    """How often a schedule delivers."""

    WEEKLY = "weekly"
    MONTHLY = "monthly"


class Status(StrEnum):
    """Where a delivery stands."""

    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    GIVEN_UP = "given up"


@dataclass(frozen=True)
class Schedule:
    """One account's report, delivered every week or month to a folder or by e-mail."""

    schedule_id: int
    workspace_id: int
    workspace: str
    account_id: str
    handle: str
    template: str
    cadence: Cadence
    hour: int
    destination: str
    folder: str | None
    recipients: tuple[str, ...]
    created_at: datetime

    @property
    def target(self) -> str:
        """Where it goes, in words."""
        if self.destination == "folder":
            return f"folder {self.folder}"
        return "e-mail to " + ", ".join(self.recipients)


@dataclass(frozen=True)
class Delivery:
    """One period of one schedule: sent, failed (and when it is tried again) or given up."""

    schedule_id: int
    period_start: date
    period_end: date
    status: Status
    attempts: int
    last_attempt_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    error: str | None
    written_to: str | None


def period_of(cadence: Cadence, day: date) -> tuple[date, date]:
    """The week (Monday to Sunday) or calendar month holding `day`."""
    if cadence is Cadence.WEEKLY:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    start = day.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following - timedelta(days=1)


def due_at(schedule: Schedule, end: date) -> datetime:
    """When the period ending on `end` is due: `hour` o'clock UTC the day after."""
    return datetime.combine(end + timedelta(days=1), datetime.min.time()).replace(
        hour=schedule.hour
    )


def due_periods(schedule: Schedule, now: datetime) -> Iterator[tuple[date, date]]:
    """Each period not ended when the schedule was made and due by `now`, oldest first."""
    start, end = period_of(schedule.cadence, schedule.created_at.date())
    while due_at(schedule, end) <= now:
        yield start, end
        start, end = period_of(schedule.cadence, end + timedelta(days=1))


def check_recipients(addresses: list[str]) -> tuple[str, ...]:
    """The addresses, stripped, or a UsageError naming the first that is not one."""
    cleaned = tuple(address.strip() for address in addresses if address.strip())
    for address in cleaned:
        if not ADDRESS.match(address):
            raise UsageError(f"--email: {address!r} is not an e-mail address")
    if not cleaned:
        raise UsageError("--email: give at least one address")
    return cleaned


def add_schedule(
    connection: DuckDBPyConnection,
    *,
    workspace_id: int,
    account_id: str,
    template: str,
    cadence: Cadence,
    hour: int,
    folder: Path | None,
    recipients: tuple[str, ...],
    now: datetime,
) -> int:
    """Record a schedule; returns its id."""
    if (folder is None) == (not recipients):
        raise UsageError("give one destination: --folder DIR or --email ADDRESS[,ADDRESS]")
    if not 0 <= hour <= 23:
        raise UsageError(f"--hour: {hour} is not an hour of the day (0-23, UTC)")
    new_id = int(
        fetch_value(connection, "SELECT coalesce(max(schedule_id), 0) + 1 FROM report_schedules")
    )
    connection.execute(
        "INSERT INTO report_schedules VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [new_id, workspace_id, account_id, template, cadence.value, hour,
         "folder" if folder is not None else "email",
         str(folder.resolve()) if folder is not None else None,
         list(recipients) or None, now],
    )  # fmt: skip
    return new_id


def remove_schedule(
    connection: DuckDBPyConnection, schedule_id: int, workspace_ids: set[int] | None = None
) -> None:
    """Delete a schedule and its deliveries; a UsageError when there is none (for this user)."""
    found = find_schedule(connection, schedule_id)
    if found is None or (workspace_ids is not None and found.workspace_id not in workspace_ids):
        raise UsageError(f"no schedule {schedule_id}; see `tikscope schedules list`")
    connection.execute("DELETE FROM report_deliveries WHERE schedule_id = ?", [schedule_id])
    connection.execute("DELETE FROM report_schedules WHERE schedule_id = ?", [schedule_id])


SCHEDULE_SQL = """
SELECT s.schedule_id, s.workspace_id, w.slug, s.account_id, a.handle, s.template, s.cadence,
       s.hour, s.destination, s.folder, s.recipients, s.created_at
FROM report_schedules AS s
JOIN workspaces AS w USING (workspace_id)
JOIN accounts AS a USING (account_id)
"""


def list_schedules(
    connection: DuckDBPyConnection, workspace_ids: set[int] | None = None
) -> list[Schedule]:
    """Every schedule (of these workspaces), by id."""
    rows = connection.execute(SCHEDULE_SQL + " ORDER BY s.schedule_id").fetchall()
    found = [schedule_of(row) for row in rows]
    return [s for s in found if workspace_ids is None or s.workspace_id in workspace_ids]


def find_schedule(connection: DuckDBPyConnection, schedule_id: int) -> Schedule | None:
    """The schedule with this id, or None."""
    rows = connection.execute(SCHEDULE_SQL + " WHERE s.schedule_id = ?", [schedule_id]).fetchall()
    return schedule_of(rows[0]) if rows else None


def schedule_of(row: tuple[object, ...]) -> Schedule:
    """A Schedule from a row of SCHEDULE_SQL."""
    (schedule_id, workspace_id, slug, account_id, handle, template, cadence, hour, destination,
     folder, recipients, created_at) = row  # fmt: skip
    assert isinstance(created_at, datetime)
    return Schedule(
        schedule_id=int(str(schedule_id)), workspace_id=int(str(workspace_id)),
        workspace=str(slug), account_id=str(account_id), handle=str(handle),
        template=str(template), cadence=Cadence(str(cadence)), hour=int(str(hour)),
        destination=str(destination), folder=None if folder is None else str(folder),
        recipients=tuple(recipients) if isinstance(recipients, list) else (),
        created_at=created_at,
    )  # fmt: skip


def deliveries(
    connection: DuckDBPyConnection, schedule_ids: list[int] | None = None, limit: int = 50
) -> list[Delivery]:
    """The latest deliveries (of these schedules), newest attempt first."""
    rows = connection.execute(
        "SELECT schedule_id, period_start, period_end, status, attempts, last_attempt_at, "
        "next_attempt_at, delivered_at, error, written_to FROM report_deliveries "
        "ORDER BY last_attempt_at DESC, schedule_id"
    ).fetchall()
    found = [
        Delivery(int(r[0]), r[1], r[2], Status(r[3]), int(r[4]), r[5], r[6], r[7], r[8], r[9])
        for r in rows
    ]
    if schedule_ids is not None:
        found = [item for item in found if item.schedule_id in schedule_ids]
    return found[:limit]


def delivery(connection: DuckDBPyConnection, schedule_id: int, start: date) -> Delivery | None:
    """The record of one period of one schedule, or None when it was never tried."""
    return next(
        (d for d in deliveries(connection, [schedule_id], limit=10**9) if d.period_start == start),
        None,
    )


def record(connection: DuckDBPyConnection, item: Delivery) -> None:
    """Write (replace) a delivery's record."""
    connection.execute(
        "DELETE FROM report_deliveries WHERE schedule_id = ? AND period_start = ?",
        [item.schedule_id, item.period_start],
    )
    connection.execute(
        "INSERT INTO report_deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [item.schedule_id, item.period_start, item.period_end, item.status.value, item.attempts,
         item.last_attempt_at, item.next_attempt_at, item.delivered_at, item.error,
         item.written_to],
    )  # fmt: skip


def next_attempt(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed tries, or None when it is given up."""
    if attempts > len(RETRY_WAITS):
        return None
    return now + RETRY_WAITS[attempts - 1]


def retry_delivery(
    connection: DuckDBPyConnection, schedule_id: int, start: date, now: datetime
) -> Delivery:
    """Make a failed or given-up period due again now; a sent one is never sent twice."""
    found = delivery(connection, schedule_id, start)
    if found is None:
        raise UsageError(f"schedule {schedule_id} has no delivery for the period starting {start}")
    if found.status is Status.SENT:
        raise UsageError(
            f"schedule {schedule_id}'s report for {start} to {found.period_end} was sent "
            f"{found.delivered_at:%Y-%m-%d %H:%M} UTC; it is not sent twice"
        )
    again = replace(found, status=Status.FAILED, next_attempt_at=now, written_to=None)
    record(connection, again)
    return again
