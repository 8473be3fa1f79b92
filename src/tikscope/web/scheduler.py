"""Syncs inside the server: every connection at an interval, or one account's on request.

DuckDB lets one process write the store, so while a server runs it is the one that syncs. Syncs,
the commands other processes run through the server and the web app's writes all take the store's
one writer lock (`ServerStore.write_lock`), one at a time: two transactions at once on the one
connection conflict (one fails), and two syncs of one connection at once would both spend its
single-use refresh token.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tikscope.errors import SourceError
from tikscope.web.state import BUSY_MESSAGE, ServerStore, StoreBusyError, utc_now

if TYPE_CHECKING:
    from tikscope.sources.http import RetryPolicy
    from tikscope.sync.connections import Connection
    from tikscope.sync.realtime import RealtimeSettings

LOGGER = logging.getLogger("tikscope.web.scheduler")
STOP_WAIT_SECONDS = 60.0
"""How long a stopping server waits for a sync under way (it writes all of its data or none)."""


def command_lock(store: ServerStore) -> threading.RLock:
    """The lock every writer of `store` takes: syncs, forwarded commands and web writes.

    It is the store's own re-entrant `write_lock`: a sync or a command that holds it may call
    code that takes `store.write()` on the same thread.
    """
    return store.write_lock


@contextmanager
def command_turn(store: ServerStore, *, wait_seconds: float | None = None) -> Iterator[None]:
    """Hold the store's writer lock, waiting at most `wait_seconds` (None: as long as it takes).

    Raises:
        StoreBusyError: the lock did not come free in time.
    """
    lock = command_lock(store)
    if not lock.acquire(timeout=-1 if wait_seconds is None else wait_seconds):
        raise StoreBusyError(BUSY_MESSAGE)
    try:
        yield
    finally:
        lock.release()


@dataclass(frozen=True)
class SyncSettings:
    """What a sync needs besides the store.

    Attributes:
        key_file: the key that decrypts tokens and keys pseudonyms.
        policy: retries and backoff; TikTok's defaults when None.
        clock: the sync's clock (naive UTC).
    """

    key_file: Path
    policy: RetryPolicy | None = None
    clock: Callable[[], datetime] = field(default=utc_now)


def default_sync_settings() -> SyncSettings:
    """The key file of `$TIKSCOPE_KEY_FILE` or the default one, TikTok's retries, the real clock."""
    from tikscope.sources.tokens import default_key_file

    return SyncSettings(key_file=default_key_file())


def stored_connections(store: ServerStore, handle: str | None = None) -> list[Connection]:
    """The store's connections, or those of one account handle."""
    from tikscope.sync.connections import list_connections

    with store.read() as cursor:
        found = list_connections(cursor)
    return [stored for stored in found if handle is None or stored.handle == handle]


def sync_connections(
    store: ServerStore,
    connections: list[Connection],
    settings: SyncSettings,
    *,
    wait_seconds: float | None = None,
) -> list[dict[str, Any]]:
    """Sync each connection in turn (a failure does not stop the others); one outcome each.

    Raises:
        StoreBusyError: another writer kept the store longer than `wait_seconds`.
    """
    outcomes = []
    with command_turn(store, wait_seconds=wait_seconds):
        try:
            for stored in connections:
                outcomes.append(sync_one(store, stored, settings))
        finally:
            store.changed()
    return outcomes


def sync_one(
    store: ServerStore,
    stored: Connection,
    settings: SyncSettings,
    *,
    gate: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Sync one connection on a cursor of the server's connection; its outcome, logged.

    `gate` waits before each request until the app's request budget allows it.
    """
    from tikscope.sync.run import sync_connection

    try:
        with store.read() as cursor:
            outcome = sync_connection(
                cursor, stored, now=settings.clock(), key_file=settings.key_file,
                policy=settings.policy, gate=gate,
            )  # fmt: skip
    except SourceError as error:
        LOGGER.warning("sync of %s failed: %s", stored.connection_id, error)
        return {"connection": stored.connection_id, "handle": stored.handle, "status": "failed",
                "rows_written": 0, "error": str(error)}  # fmt: skip
    LOGGER.info(
        "sync of %s: %s, %d rows written, %d requests",
        stored.connection_id, outcome.status, outcome.rows_written, outcome.requests,
    )  # fmt: skip
    return {
        "connection": outcome.connection_id, "handle": outcome.handle, "status": outcome.status,
        "rows_written": outcome.rows_written, "requests": outcome.requests,
        "retries": outcome.retries, "first_day": outcome.first_day,
        "last_day": outcome.last_day, "notes": list(outcome.notes),
    }  # fmt: skip


def sync_due_connections(store: ServerStore, settings: SyncSettings) -> list[dict[str, Any]]:
    """One scheduled round: every connection that does not wait for re-authorization."""
    due = []
    for stored in stored_connections(store):
        if stored.status == "needs_reauthorization":
            LOGGER.warning(
                "skipped %s: it needs re-authorization (tikscope connect --api %s)",
                stored.connection_id, stored.api,
            )  # fmt: skip
            continue
        due.append(stored)
    return sync_connections(store, due, settings)


class Background:
    """A daemon thread of the server that runs `loop` from `start` until `stop`.

    A subclass names its thread (`name`) and writes `loop`, which returns soon after `stopping`
    is set; `stop` waits for it (a round under way writes all of its data or none).
    """

    name = "tikscope-background"

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self.rounds = 0
        self.thread = threading.Thread(target=self.loop, name=self.name, daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self.thread.start()

    def stop(self) -> None:
        """Ask the thread to stop and wait for a round under way to finish."""
        self.stopping.set()
        if self.thread.is_alive():
            self.thread.join(STOP_WAIT_SECONDS)

    def loop(self) -> None:
        """Run rounds until stopped."""
        raise NotImplementedError


class Repeating(Background):
    """A background thread that runs `run_round` now and then every `interval_seconds`.

    An unexpected error is logged and the next round runs.
    """

    interval_seconds = 60.0

    def run_round(self) -> None:
        """One round."""
        raise NotImplementedError

    def loop(self) -> None:
        """Run rounds until stopped."""
        while not self.stopping.is_set():
            try:
                self.run_round()
            except Exception:
                LOGGER.exception("%s: a round failed", self.name)
            self.rounds += 1
            self.stopping.wait(self.interval_seconds)


class SyncScheduler(Repeating):
    """A background thread that syncs every connection at an interval, from start to stop."""

    name = "tikscope-sync"

    def __init__(
        self, store: ServerStore, *, interval_seconds: float, settings: SyncSettings
    ) -> None:
        self.store = store
        self.interval_seconds = interval_seconds
        self.settings = settings
        super().__init__()

    def run_round(self) -> None:
        """Sync every connection that does not wait for re-authorization."""
        sync_due_connections(self.store, self.settings)


class RealtimeScheduler(Background):
    """The server's one scheduler in real-time mode: fresh posts, full syncs and crawls, in budget.

    Each round (every `RealtimeSettings.tick_seconds` on its clock) it plans every connection's
    requests against its app's limits (`sync.realtime.Refresher`), reads the due fresh posts of
    each Business connection and writes them to `post_intraday` under the writer lock, and runs
    the full syncs and Research crawls that are due, as `SyncScheduler` would.
    """

    name = "tikscope-realtime"

    def __init__(self, store: ServerStore, settings: RealtimeSettings) -> None:
        from tikscope.sync.realtime import Refresher

        self.store = store
        self.settings = settings
        self.refresher = Refresher(settings)
        self.rows_written = 0
        self.failures = 0
        # NOTE: one cursor for the thread's reads, kept open: the API sessions (kept between
        # rounds) read and refresh their tokens through it.
        self.cursor = store.connection.cursor()
        super().__init__()

    def loop(self) -> None:
        """Run rounds until stopped; an unexpected error is logged and the next round runs."""
        clock = self.settings.clock
        try:
            while not self.stopping.is_set():
                started = clock.now()
                try:
                    self.run_round()
                except Exception:
                    LOGGER.exception("real-time round failed")
                self.rounds += 1
                left = self.settings.tick_seconds - (clock.now() - started).total_seconds()
                if left > 0:
                    self.stopping.wait(left / getattr(clock, "speed", 1.0))
        finally:
            self.refresher.close()
            self.cursor.close()

    def run_round(self) -> None:
        """One round over every active connection."""
        from tikscope.sources.families import BUSINESS

        connections = [stored for stored in stored_connections(self.store)
                       if stored.status != "needs_reauthorization"]  # fmt: skip
        self.refresher.plan(self.cursor, connections)
        changed = False
        for stored in connections:
            if self.stopping.is_set():
                break
            if self.refresher.sync_due(stored, self.settings.clock.now()):
                changed |= self.sync_fully(stored)
            elif stored.api == BUSINESS.key:
                changed |= self.refresh_posts(stored)
        if changed:
            self.store.changed()

    def refresh_posts(self, stored: Connection) -> bool:
        """Read and write one connection's due fresh posts; whether rows were written."""
        from tikscope.store.intraday import write_intraday

        try:
            rows = self.refresher.read_posts(self.cursor, stored)
        except SourceError as error:
            self.failures += 1
            LOGGER.warning("refresh of %s failed: %s", stored.connection_id, error)
            return False
        if not rows:
            return False
        with self.store.exclusive() as cursor:
            self.rows_written += write_intraday(cursor, rows)
        return True

    def sync_fully(self, stored: Connection) -> bool:
        """One connection's full sync within its app's budget; whether it ran."""
        settings = SyncSettings(self.settings.key_file, self.settings.policy,
                                self.settings.clock.now)  # fmt: skip
        gate = self.refresher.gate(stored)
        with command_turn(self.store):
            outcome = sync_one(self.store, stored, settings, gate=gate)
        self.refresher.synced[stored.connection_id] = self.settings.clock.now()
        self.refresher.loaded.discard(stored.connection_id)
        if outcome["status"] == "failed":
            self.failures += 1
        return True

    def describe(self) -> dict[str, Any]:
        """What the Sync status page shows of the scheduler: cadence, apps, rounds."""
        posts = self.settings.posts
        return {
            "post_cadence": [
                {"below_hours": age.total_seconds() / 3600,
                 "every_seconds": int(interval.total_seconds())}
                for age, interval in posts.tiers
            ],
            "apps": self.refresher.describe(),
            "rounds": self.rounds,
            "rows_written": self.rows_written,
            "failures": self.failures,
            "headroom": self.settings.headroom,
        }  # fmt: skip
