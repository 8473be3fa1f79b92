"""`tikscope sync`: pull what changed from a connected TikTok API and write it atomically.

A sync reads everything it needs first (account series, every post's lifetime counters, comments
of posts whose comment count moved), then writes it with the sync state in one ingest batch. A
sync killed at any point has written all of it or nothing, and the next one starts from the state
of the last one that finished, so kills never lose or duplicate data. Recent days are pulled
again (TikTok's numbers settle after 24-48 h) and older days stay in the store after they leave
TikTok's 60-day window.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from tikscope.errors import SourceError, UsageError
from tikscope.sources.families import BUSINESS, DISPLAY, RESEARCH
from tikscope.sources.records import Extract, Row
from tikscope.store.db import fetch_value
from tikscope.sync.batches import write_extract
from tikscope.sync.log import record_sync

if TYPE_CHECKING:
    from tikscope.sources.http import ApiSession, RetryPolicy
    from tikscope.store.db import DuckDBPyConnection
    from tikscope.sync.connections import Connection

BACKFILL_DAYS = 60
"""TikTok's Business API looks back at most 60 days."""
REPULL_DAYS = 3
"""Days before the last synced one that are pulled again, as TikTok corrects them for 24-48 h."""


@dataclass(frozen=True)
class SyncOutcome:
    """What one sync of one connection did."""

    connection_id: str
    handle: str
    status: str
    rows_written: int
    requests: int
    retries: int
    first_day: date | None = None
    last_day: date | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def sync_connection(
    connection: DuckDBPyConnection,
    stored: Connection,
    *,
    now: datetime,
    key_file: Path,
    policy: RetryPolicy | None = None,
    gate: Callable[[], None] | None = None,
) -> SyncOutcome:
    """Sync one connection; the store gets all of it or, on any error, none of it.

    Args:
        connection: an open store.
        stored: the connection to sync.
        now: the sync's clock (naive UTC); snapshots are stamped with it, to the hour.
        key_file: the key that decrypts tokens and keys pseudonyms.
        policy: retries and backoff; TikTok's defaults when None.
        gate: waits before each request until the app's request budget allows it.

    Raises:
        SourceError: the API failed after retries, or the connection needs re-authorization;
            the failure is recorded in `sync_log` and nothing else changed.
    """
    from tikscope.sources.http import ApiSession, RetryPolicy
    from tikscope.sources.tokens import TokenCipher
    from tikscope.sync.connections import StoredTokens

    tokens = StoredTokens(connection, stored.connection_id, TokenCipher.from_key_file(key_file))
    started = datetime.now().replace(tzinfo=None)
    with ApiSession(
        stored.base_url,
        tokens=tokens,
        style=stored.family.style,
        policy=policy or RetryPolicy(),
        gate=gate,
    ) as session:
        try:
            pull = PULLS[stored.api]  # as the connection's family syncs
            outcome = pull(connection, stored, session, now=now, key_file=key_file)
        except SourceError as error:
            record_sync(
                connection, stored, session.stats, started=started, status="failed", run_id=None,
                message=str(error),
            )  # fmt: skip
            raise
    return outcome


Read = Callable[
    ["DuckDBPyConnection", "Connection", "ApiSession", datetime, Path],
    tuple[Extract, dict[str, Any], tuple[date, date]],
]
"""Reads a connection's data before anything is written: the extract, its sync state (keyed by
the family) and the first and last day it covers."""


class Pull(Protocol):
    """How the connections of one family are synced: one entry of `PULLS`."""

    def __call__(
        self,
        connection: DuckDBPyConnection,
        stored: Connection,
        session: ApiSession,
        *,
        now: datetime,
        key_file: Path,
    ) -> SyncOutcome:
        """Read from the API, write what was read, log the sync."""
        ...


@dataclass(frozen=True)
class ReadThenWrite:
    """A `Pull` that reads everything first, then writes it in one batch and logs the sync."""

    read: Read

    def __call__(
        self,
        connection: DuckDBPyConnection,
        stored: Connection,
        session: ApiSession,
        *,
        now: datetime,
        key_file: Path,
    ) -> SyncOutcome:
        """Read with `read`, write one batch, log the sync."""
        started = datetime.now().replace(tzinfo=None)
        captured_at = now.replace(minute=0, second=0, microsecond=0)
        extract, state, days = self.read(connection, stored, session, captured_at, key_file)
        result = write_extract(
            connection,
            extract,
            kind="sync",
            source=f"{stored.family.source} {stored.base_url}",
            state=state,
            parameters={"connection": stored.connection_id, "captured_at": captured_at.isoformat()},
        )
        return finish_sync(
            connection, stored, session, started=started, changed=result.changed,
            written=sum(count.written for count in result.counts.values()), run_id=result.run_id,
            notes=extract.notes, days=days,
        )  # fmt: skip


def finish_sync(
    connection: DuckDBPyConnection,
    stored: Connection,
    session: ApiSession,
    *,
    started: datetime,
    changed: bool,
    written: int,
    run_id: int | None,
    notes: tuple[str, ...],
    days: tuple[date | None, date | None] = (None, None),
) -> SyncOutcome:
    """Log a sync that ran to its end in `sync_log` and say what it did."""
    status = "ok" if changed else "unchanged"
    record_sync(connection, stored, session.stats, started=started, status=status, run_id=run_id)
    return SyncOutcome(
        stored.connection_id, stored.handle, status, written, session.stats.requests,
        session.stats.retries, *days, notes=notes,
    )  # fmt: skip


def read_business(
    connection: DuckDBPyConnection,
    stored: Connection,
    session: ApiSession,
    captured_at: datetime,
    key_file: Path,
) -> tuple[Extract, dict[str, Any], tuple[date, date]]:
    """Account series from the day after the last sync (minus the re-pull), posts, comments."""
    from tikscope.sources.business import BusinessClient
    from tikscope.sync.pseudonyms import pseudonymizer

    if stored.open_id is None:
        raise UsageError(f"connection {stored.connection_id} has no business id; connect again")
    client = BusinessClient(session, stored.open_id)
    last = captured_at.date() - timedelta(days=1)
    first = days_to_pull(connection, stored, last)
    account = client.account(start=first, end=last, captured_at=captured_at)
    posts = client.videos(captured_at=captured_at)
    moved = posts_with_new_comments(connection, stored.account_id, posts.get("post_snapshots", []))
    comments = client.comments(moved, pseudonymize=pseudonymizer(key_file)) if moved else []
    tables = {**account.tables, **posts}
    if comments:
        tables["comments"] = comments
    extract = Extract(account.account, tables, notes=account.notes)
    return extract, {stored.api: {"last_day": last.isoformat()}}, (first, last)


def read_display(
    connection: DuckDBPyConnection,
    stored: Connection,
    session: ApiSession,
    captured_at: datetime,
    key_file: Path,
) -> tuple[Extract, dict[str, Any], tuple[date, date]]:
    """Profile counters and every public post's counters (the Display API has no series)."""
    from tikscope.sources.display import DisplayClient

    scopes = stored.scope.split(",") if stored.scope else None
    client = DisplayClient(session, scopes=scopes)
    profile = client.user()
    posts = client.videos(captured_at=captured_at)
    extract = Extract(profile.facts, posts)
    day = captured_at.date()
    return extract, {stored.api: {"last_day": day.isoformat()}}, (day, day)


def crawl(
    connection: DuckDBPyConnection,
    stored: Connection,
    session: ApiSession,
    *,
    now: datetime,
    key_file: Path,
) -> SyncOutcome:
    """Research API: the audience graph and comments, one page per batch (`sync.crawl`)."""
    from tikscope.sync.crawl import crawl_research

    return crawl_research(connection, stored, session, now=now, key_file=key_file)


PULLS: dict[str, Pull] = {
    BUSINESS.key: ReadThenWrite(read_business),
    DISPLAY.key: ReadThenWrite(read_display),
    RESEARCH.key: crawl,
}
"""Family key -> how its connections are synced; a test checks every family has one."""


def days_to_pull(connection: DuckDBPyConnection, stored: Connection, last: date) -> date:
    """The first day to ask for: 60 days back on the first sync, else the re-pull window."""
    oldest = last - timedelta(days=BACKFILL_DAYS - 1)
    value = fetch_value(
        connection,
        "SELECT value FROM sync_state WHERE account_id = ? AND name = ?",
        [stored.account_id, stored.api],
    )
    if value is None:
        return oldest
    synced = date.fromisoformat(json.loads(str(value))["last_day"])
    return min(last, max(oldest, synced - timedelta(days=REPULL_DAYS - 1)))


def posts_with_new_comments(
    connection: DuckDBPyConnection, account_id: str, snapshots: list[Row]
) -> list[str]:
    """Posts whose comment count differs from the last stored snapshot (new posts included)."""
    known = dict(
        connection.execute(
            "SELECT post_id, arg_max(comments, captured_at) FROM post_snapshots "
            "WHERE account_id = ? GROUP BY post_id",
            [account_id],
        ).fetchall()
    )
    return sorted(
        str(row["post_id"])
        for row in snapshots
        if row.get("comments") and known.get(row["post_id"]) != row.get("comments")
    )
