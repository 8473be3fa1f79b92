"""What `tikscope sync` does apart from parsing and printing."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from tikscope.errors import SourceError, UsageError
from tikscope.store.db import open_store

Row = dict[str, Any]
RETRY_SCALE_ENV_VAR = "TIKSCOPE_RETRY_SCALE"
"""Multiplies every retry wait (tests against the fake server set it small)."""


def retry_policy() -> Any:
    """TikTok's retry policy, with waits scaled by `$TIKSCOPE_RETRY_SCALE` when set."""
    from dataclasses import replace

    from tikscope.sources.http import RetryPolicy

    policy = RetryPolicy()
    text = os.environ.get(RETRY_SCALE_ENV_VAR)
    if not text:
        return policy
    try:
        scale = float(text)
    except ValueError as error:
        raise UsageError(f"{RETRY_SCALE_ENV_VAR}={text!r} is not a number") from error
    return replace(
        policy,
        base_delay=policy.base_delay * scale,
        max_delay=policy.max_delay * scale,
        rate_limit_delay=policy.rate_limit_delay * scale,
        max_rate_limit_delay=policy.max_rate_limit_delay * scale,
    )


def sync_all(
    db: Path, handle: str | None, *, now: datetime, key: Path
) -> tuple[list[Row], list[str]]:
    """Sync every active connection (or those of one handle); one row per connection.

    A connection that fails is reported and the others still sync. Returns the rows and the
    failure messages.
    """
    from tikscope.sync.connections import list_connections
    from tikscope.sync.run import sync_connection

    rows: list[Row] = []
    failures: list[str] = []
    with open_store(db) as connection:
        chosen = [
            stored
            for stored in list_connections(connection)
            if handle is None or stored.handle == handle
        ]
        if not chosen:
            raise UsageError(
                "no connected account"
                + (f" with handle {handle}" if handle else "")
                + "; run 'tikscope connect' first"
            )
        for stored in chosen:
            try:
                outcome = sync_connection(
                    connection, stored, now=now, key_file=key, policy=retry_policy()
                )
            except SourceError as error:
                failures.append(str(error))
                typer.echo(f"error: {stored.connection_id}: {error}", err=True)
                rows.append({"connection": stored.connection_id, "status": "failed",
                             "rows written": 0, "requests": None, "days": None})  # fmt: skip
                continue
            days = f"{outcome.first_day} to {outcome.last_day}" if outcome.first_day else None
            rows.append({"connection": outcome.connection_id, "status": outcome.status,
                         "rows written": outcome.rows_written, "requests": outcome.requests,
                         "retries": outcome.retries, "days": days})  # fmt: skip
            for note in outcome.notes:
                typer.echo(f"note: {stored.connection_id}: {note}")
    return rows, failures


def sync_every(interval: int, sync_once: Callable[[], object], *, label: str) -> int:
    """Run `sync_once` now and then every `interval` seconds until Ctrl-C; the syncs finished.

    Ctrl-C (SIGINT) ends the loop with one line, whether it comes while waiting or during a sync
    (whose transaction is rolled back: a sync writes all of its batch or nothing).
    """
    finished = 0
    try:
        while True:
            sync_once()
            finished += 1
            typer.echo(f"next sync in {label}; Ctrl-C stops")
            wait(interval)
    except KeyboardInterrupt:
        typer.echo(f"stopped after {finished} finished sync{'' if finished == 1 else 's'}")
    return finished


def wait(seconds: float) -> None:
    """Sleep between two syncs (a seam for tests)."""
    time.sleep(seconds)
