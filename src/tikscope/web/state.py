"""What a running server holds: its one store connection, settings, and the login limiter."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tikscope.config import MAX_BODY_BYTES, MAX_COMMAND_BODY_BYTES
from tikscope.errors import TikscopeError, UsageError
from tikscope.store.db import connect, migrate
from tikscope.store.migrations import MIGRATIONS
from tikscope.web.analysis import AnalysisWorker
from tikscope.web.cache import PageCache

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection


CACHE_SECONDS = 60
WRITE_WAIT_SECONDS = 10
BUSY_MESSAGE = "another sync or command is running; try again in a moment"


class StoreBusyError(TikscopeError):
    """The store's writer lock did not come free in time (the web answers 409)."""


def utc_now() -> datetime:
    """Now, as naive UTC (the store's convention)."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class WebConfig:
    """Settings of one server.

    Attributes:
        db: the store file.
        secure_cookies: mark the session cookie `Secure` (browsers still send it to localhost).
        sync_every: run every connection's sync this often inside the server; None for never.
        login_attempts: failed logins allowed per user name and per client address in
            `login_window` before logins are refused for the rest of the window.
        clock: the current UTC time; tests pass a fixed one.
        allowed_hosts: the host names requests may address (`Host` header), against DNS
            rebinding; empty allows any (tests, or a server bound to every interface).
        max_body_bytes: the largest request body (forms and JSON are a few kilobytes); a
            larger one is refused (413) before it is read (see `tikscope.web.limits`).
        max_command_body_bytes: the largest body of a command another process runs through
            the server (its arguments and piped input).
        realtime: run the real-time scheduler (fresh posts by age, every app within its limits;
            `sync_every` is then its full-sync cadence).
        post_cadence: the fresh posts' cadence, as `sync.plan.PostCadence.parse` reads it;
            None for the default.
    """

    db: Path
    secure_cookies: bool = True
    sync_every: timedelta | None = None
    login_attempts: int = 5
    login_window: timedelta = timedelta(minutes=15)
    clock: Callable[[], datetime] = utc_now
    allowed_hosts: tuple[str, ...] = ()
    max_body_bytes: int = MAX_BODY_BYTES
    max_command_body_bytes: int = MAX_COMMAND_BODY_BYTES
    realtime: bool = False
    post_cadence: str | None = None


class ServerStore:
    """The server's single DuckDB connection: a cursor per request, one writer at a time.

    # NOTE: DuckDB lets one process write a file, so the server owns it while it runs; other
    # commands reach the data through the server (see `tikscope.web.forward`).
    """

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        self.connection = connect(self.path, create=False)
        migrate(self.connection, MIGRATIONS, path=self.path)
        # NOTE: re-entrant: a forwarded command or a sync holds it while code below may write.
        self.write_lock = threading.RLock()
        self.generation = 0
        self.generation_lock = threading.Lock()

    def changed(self) -> None:
        """Note that the data may have changed: cached lookups and pages are recomputed.

        # NOTE: while the server runs no other process can write the file (DuckDB's lock), so
        # every write happens here and calls this: `write()`, forwarded commands, scheduled syncs.
        """
        with self.generation_lock:
            self.generation += 1

    @contextmanager
    def read(self) -> Iterator[DuckDBPyConnection]:
        """A cursor for one request's reads."""
        cursor = self.connection.cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    @contextmanager
    def write(self, wait_seconds: float = WRITE_WAIT_SECONDS) -> Iterator[DuckDBPyConnection]:
        """A cursor inside a transaction that commits on success and rolls back on error.

        Raises:
            StoreBusyError: a sync or forwarded command kept the writer lock for `wait_seconds`.
        """
        if not self.write_lock.acquire(timeout=wait_seconds):
            raise StoreBusyError(BUSY_MESSAGE)
        try:
            with self.writing() as cursor:
                yield cursor
        finally:
            self.write_lock.release()

    @contextmanager
    def exclusive(self, wait_seconds: float = WRITE_WAIT_SECONDS) -> Iterator[DuckDBPyConnection]:
        """A cursor as the one writer, without a transaction (for code that opens its own).

        Raises:
            StoreBusyError: another writer kept the lock for `wait_seconds`.
        """
        if not self.write_lock.acquire(timeout=wait_seconds):
            raise StoreBusyError(BUSY_MESSAGE)
        try:
            with self.read() as cursor:
                yield cursor
        finally:
            self.changed()
            self.write_lock.release()

    @contextmanager
    def writing(self) -> Iterator[DuckDBPyConnection]:
        """The transaction of `write`, for a caller that holds the writer lock."""
        with self.read() as cursor:
            cursor.execute("BEGIN TRANSACTION")
            try:
                yield cursor
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            else:
                cursor.execute("COMMIT")
            finally:
                self.changed()

    def close(self) -> None:
        """Close the connection (the server is stopping)."""
        self.connection.close()


@dataclass
class LoginLimiter:
    """Counts failed logins per key (user name, client address) in a sliding window."""

    attempts: int
    window: timedelta
    failures: dict[str, list[datetime]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reserve(self, keys: list[str], now: datetime) -> int:
        """Count a login attempt against every key, unless one is blocked.

        Returns the seconds to wait when a key is blocked (nothing is counted), else 0.

        # TRICKY: the attempt is counted before the password is checked, under the lock, so that
        # simultaneous guesses cannot all pass the check during the slow scrypt hash.
        """
        with self.lock:
            wait = max((self.wait(key, now) for key in keys), default=0)
            if not wait:
                for key in keys:
                    self.failures.setdefault(key, []).append(now)
        return wait

    def wait(self, key: str, now: datetime) -> int:
        """Seconds one key must wait (caller holds the lock)."""
        recent = [moment for moment in self.failures.get(key, []) if now - moment < self.window]
        self.failures[key] = recent
        if len(recent) < self.attempts:
            return 0
        return max(1, int((recent[0] + self.window - now).total_seconds()) + 1)

    def succeeded(self, user_key: str, address_key: str, now: datetime) -> None:
        """After a right password: forget the user's failures and this attempt's count."""
        with self.lock:
            self.failures.pop(user_key, None)
            attempts = self.failures.get(address_key, [])
            if now in attempts:
                attempts.remove(now)


@dataclass
class ServerState:
    """Everything the routes share."""

    config: WebConfig
    store: ServerStore
    limiter: LoginLimiter
    cache: PageCache = field(default_factory=PageCache)
    worker: AnalysisWorker = field(default_factory=AnalysisWorker)
    realtime: Any = None
    """The running `web.scheduler.RealtimeScheduler`, when the server runs one."""

    def remember(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """A value computed from the store, kept until the store changes (or a minute passes).

        # NOTE: the one-minute epoch bounds staleness should a write path ever forget `changed()`.
        """
        epoch = int(time.monotonic() // CACHE_SECONDS)
        return self.cache.get((self.store.generation, epoch, key), compute)

    def recall(self, key: Hashable) -> Any:
        """What `remember` keeps for `key` now, or None."""
        epoch = int(time.monotonic() // CACHE_SECONDS)
        return self.cache.peek((self.store.generation, epoch, key))

    def lookup(self, function: Callable[..., Any], *arguments: Any) -> Any:
        """`function(cursor, *arguments)` on a read cursor, remembered (see `remember`)."""

        def compute() -> Any:
            with self.store.read() as cursor:
                return function(cursor, *arguments)

        # NOTE: a bound method's qualname omits its instance, so the instance joins the key.
        owner = getattr(function, "__self__", None)
        return self.remember(
            (function.__module__, function.__qualname__, owner, *arguments), compute
        )


def open_state(config: WebConfig) -> ServerState:
    """Open the store and build the shared state of a server."""
    if not config.db.exists():
        raise UsageError(f"no store at {config.db}: run `tikscope demo` first, or pass --db")
    return ServerState(
        config=config,
        store=ServerStore(config.db),
        limiter=LoginLimiter(config.login_attempts, config.login_window),
    )
