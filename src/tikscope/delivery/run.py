"""Deliver every scheduled report that is due: render it branded, write or mail it, record it.

`deliver_due` is what the server runs every minute and what `tikscope schedules run` runs once.
Each period of a schedule is delivered at most once: its record is written as `sending` (and
committed) before the report goes out and as `sent` after, so a server stopped in between leaves
a `sending` record that is given up with a note rather than sent again; a failure is recorded
with its reason and retried after RETRY_WAITS. Rendering reads the store; the writes are short
transactions of their own.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from tikscope.delivery.branding import workspace_branding
from tikscope.delivery.mail import Attachment, MailError, load_settings, send
from tikscope.delivery.schedules import (
    SENDING_STALE,
    Delivery,
    Schedule,
    Status,
    delivery,
    due_periods,
    list_schedules,
    next_attempt,
    record,
)
from tikscope.errors import TikscopeError
from tikscope.metrics.periods import Period
from tikscope.metrics.query import Settings, find_account
from tikscope.reports.branding import Branding
from tikscope.reports.pdf import write_pdf
from tikscope.reports.sections import COMMENTS

if TYPE_CHECKING:
    from tikscope.sources.tokens import TokenCipher
    from tikscope.store.db import DuckDBPyConnection

CUT_OFF = (
    "the server stopped while it was being delivered; not sent again in case it went out "
    "(`tikscope schedules retry` sends it again)"
)
Writer = Callable[[Callable[["DuckDBPyConnection"], None]], None]
"""Runs one store write (given the cursor to write with) as one transaction."""
Renderer = Callable[["DuckDBPyConnection", Schedule, Period, Branding, Path], Path]
"""Writes a template's HTML page (and what it links to) into a folder; returns the page."""


def render_account(
    connection: DuckDBPyConnection,
    schedule: Schedule,
    period: Period,
    branding: Branding,
    out: Path,
    *,
    only: tuple[str, ...] = (),
) -> Path:
    """The account report for the period, or only the sections of `only` (the comments report)."""
    from tikscope.reports.account import write_account_report

    account = find_account(connection, schedule.handle)
    return write_account_report(connection, account, period, Settings(), out, branding=branding,
                                only=only)  # fmt: skip


def render_audience(
    connection: DuckDBPyConnection,
    schedule: Schedule,
    period: Period,
    branding: Branding,
    out: Path,
) -> Path:
    """The audience report, clustered afresh (the audience has no period; `period` names it)."""
    from tikscope.audience.insights import compute_insights
    from tikscope.reports.audience import write_audience_report

    insights = compute_insights(connection, schedule.account_id, schedule.handle)
    return write_audience_report(insights, out, branding=branding)


def render_media_kit(
    connection: DuckDBPyConnection,
    schedule: Schedule,
    period: Period,
    branding: Branding,
    out: Path,
) -> Path:
    """The media kit for the period."""
    from tikscope.reports.media_kit import gather_media_kit, media_kit_html

    account = find_account(connection, schedule.handle)
    out.mkdir(parents=True, exist_ok=True)
    page = out / "index.html"
    kit = gather_media_kit(connection, account, period)
    page.write_text(media_kit_html(kit, branding), "utf-8")
    return page


TEMPLATES: dict[str, Renderer] = {
    "account": render_account, "audience": render_audience,
    "comments": partial(render_account, only=(COMMENTS,)), "media-kit": render_media_kit,
}  # fmt: skip
"""Report templates a schedule can name."""


@dataclass(frozen=True)
class Outcome:
    """What one delivery attempt did."""

    schedule: Schedule
    period_start: date
    period_end: date
    status: Status
    detail: str


def deliver_due(
    connection: DuckDBPyConnection,
    now: datetime,
    *,
    cipher: TokenCipher | None,
    write: Writer | None = None,
) -> list[Outcome]:
    """Deliver every due period not yet sent (and failed ones whose retry time came).

    Args:
        connection: the store.
        now: the time, naive UTC.
        cipher: opens the SMTP password (None: mail without login only).
        write: runs a store write in one transaction, handing it the cursor to write with (the
            server passes one that takes its writer lock); by default a transaction on
            `connection`.
    """
    write = write or (lambda work: in_transaction(connection, work))
    outcomes: list[Outcome] = []
    for schedule in list_schedules(connection):
        for start, end in due_periods(schedule, now):
            earlier = delivery(connection, schedule.schedule_id, start)
            if not should_try(earlier, now):
                if earlier is not None and stale_sending(earlier, now):
                    give_up(earlier, write)
                continue
            outcomes.append(
                deliver_one(connection, schedule, Period(start, end), earlier, now, cipher, write)
            )
    return outcomes


def give_up(earlier: Delivery, write: Writer) -> None:
    """Record that an attempt was cut off mid-delivery; it is not sent again by itself."""
    cut = replace(earlier, status=Status.GIVEN_UP, next_attempt_at=None, error=CUT_OFF)
    write(lambda cursor: record(cursor, cut))


def should_try(earlier: Delivery | None, now: datetime) -> bool:
    """Whether a period should be (re)tried now."""
    if earlier is None:
        return True
    if earlier.status is Status.FAILED:
        return earlier.next_attempt_at is not None and earlier.next_attempt_at <= now
    return False


def stale_sending(earlier: Delivery | None, now: datetime) -> bool:
    """A `sending` record older than SENDING_STALE: the attempt was cut off."""
    return (
        earlier is not None
        and earlier.status is Status.SENDING
        and now - earlier.last_attempt_at > SENDING_STALE
    )


def deliver_one(
    connection: DuckDBPyConnection,
    schedule: Schedule,
    period: Period,
    earlier: Delivery | None,
    now: datetime,
    cipher: TokenCipher | None,
    write: Writer,
) -> Outcome:
    """Render, deliver and record one period of one schedule."""
    attempts = (earlier.attempts if earlier else 0) + 1
    base = Delivery(schedule.schedule_id, period.start, period.end, Status.SENDING, attempts,
                    now, None, None, None, None)  # fmt: skip
    write(lambda cursor: record(cursor, base))
    try:
        written_to = render_and_send(connection, schedule, period, now, cipher)
    except (TikscopeError, OSError) as error:
        retry = next_attempt(attempts, now)
        status = Status.FAILED if retry else Status.GIVEN_UP
        failed = replace(base, status=status, next_attempt_at=retry, error=str(error))
        write(lambda cursor: record(cursor, failed))
        when = f"; next try {retry:%Y-%m-%d %H:%M} UTC" if retry else "; given up"
        return Outcome(schedule, period.start, period.end, status, f"{error}{when}")
    sent = replace(base, status=Status.SENT, delivered_at=now, written_to=written_to)
    write(lambda cursor: record(cursor, sent))
    return Outcome(schedule, period.start, period.end, Status.SENT, written_to)


def file_stem(schedule: Schedule, period: Period) -> str:
    """The report's file name without extension, e.g. `casa_verde-account-2026-11-23_2026-11-29`."""
    return f"{schedule.handle}-{schedule.template}-{period.start}_{period.end}"


def render_and_send(
    connection: DuckDBPyConnection,
    schedule: Schedule,
    period: Period,
    now: datetime,
    cipher: TokenCipher | None,
) -> str:
    """Render the report as HTML and PDF and deliver it; returns where it went."""
    branding = workspace_branding(connection, schedule.workspace_id)
    renderer = TEMPLATES.get(schedule.template)
    if renderer is None:
        raise TikscopeError(
            f"schedule {schedule.schedule_id}: unknown template {schedule.template!r}"
        )
    stem = file_stem(schedule, period)
    if schedule.destination == "folder":
        assert schedule.folder is not None
        folder = Path(schedule.folder) / stem
        page = renderer(connection, schedule, period, branding, folder)
        pdf = write_pdf(page.read_text("utf-8"), folder.with_suffix(".pdf"), base=folder)
        return f"{page} and {pdf}"
    settings = load_settings(connection)
    if settings is None:
        raise MailError("no SMTP relay is set; run `tikscope mail set` first")
    with tempfile.TemporaryDirectory(prefix="tikscope-report-") as scratch:
        folder = Path(scratch) / stem
        page = renderer(connection, schedule, period, branding, folder)
        pdf = write_pdf(page.read_text("utf-8"), Path(scratch) / f"{stem}.pdf", base=folder)
        name = branding.name
        what = f"{schedule.cadence.value} {schedule.template} report"
        subject = f"{name}: @{schedule.handle} {what}, {period.start} to {period.end}"
        body = (f"The {what} of @{schedule.handle} for {period.start} to {period.end} is "
                f"attached as a PDF.\n\n{name}\n")  # fmt: skip
        message_id = (
            f"<report-{schedule.schedule_id}-{period.start}@{settings.sender.split('@')[-1]}>"
        )
        send(settings, cipher, recipients=schedule.recipients, subject=subject, body=body,
             attachments=(Attachment(pdf.name, pdf.read_bytes(), "application/pdf"),),
             message_id=message_id)  # fmt: skip
    return "e-mail to " + ", ".join(schedule.recipients)


def in_transaction(
    connection: DuckDBPyConnection, work: Callable[[DuckDBPyConnection], None]
) -> None:
    """Run `work` on `connection` in one transaction."""
    connection.execute("BEGIN TRANSACTION")
    try:
        work(connection)
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
