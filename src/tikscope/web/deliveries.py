"""Scheduled reports inside the server: every minute, deliver what is due (tikscope.delivery).

Rendering reads the store through a cursor of its own; each delivery record is a short write
that takes the server's writer lock like every other write, so syncs and web writes go on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tikscope.web.state import ServerStore

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

LOGGER = logging.getLogger("tikscope.web.deliveries")
CHECK_SECONDS = 60.0


def deliver_due_reports(store: ServerStore, now: datetime, key_file: Path) -> int:
    """One round: deliver every due report; returns how many were tried."""
    from tikscope.delivery.run import deliver_due
    from tikscope.sources.tokens import TokenCipher

    def write(work: Callable[[DuckDBPyConnection], None]) -> None:
        with store.write() as cursor:
            work(cursor)

    cipher = TokenCipher.from_key_file(key_file)
    with store.read() as cursor:
        outcomes = deliver_due(cursor, now, cipher=cipher, write=write)
    for outcome in outcomes:
        LOGGER.info("schedule %d, %s to %s: %s: %s", outcome.schedule.schedule_id,
                    outcome.period_start, outcome.period_end, outcome.status.value,
                    outcome.detail)  # fmt: skip
    return len(outcomes)


class DeliveryScheduler:
    """A background thread that delivers due reports every minute, from start to stop."""

    def __init__(
        self, store: ServerStore, *, key_file: Path, clock: Callable[[], datetime],
        every_seconds: float = CHECK_SECONDS,
    ) -> None:  # fmt: skip
        self.store = store
        self.key_file = key_file
        self.clock = clock
        self.every_seconds = every_seconds
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.loop, name="tikscope-reports", daemon=True)

    def start(self) -> None:
        """Check now, then every minute, until `stop`."""
        self.thread.start()

    def stop(self) -> None:
        """Ask the thread to stop; a report being rendered is finished first (up to a minute)."""
        self.stopping.set()
        if self.thread.is_alive():
            self.thread.join(CHECK_SECONDS)

    def loop(self) -> None:
        """Rounds until stopped; an unexpected error is logged and the next round runs."""
        while not self.stopping.is_set():
            try:
                deliver_due_reports(self.store, self.clock(), self.key_file)
            except Exception:
                LOGGER.exception("scheduled report round failed")
            self.stopping.wait(self.every_seconds)
