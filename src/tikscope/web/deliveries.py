"""Scheduled reports inside the server: every minute, deliver what is due (tikscope.delivery).

Rendering reads the store through a cursor of its own; each delivery record is a short write
that takes the server's writer lock like every other write, so syncs and web writes go on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tikscope.web.scheduler import Repeating
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


class DeliveryScheduler(Repeating):
    """A background thread that delivers due reports every minute, from start to stop."""

    name = "tikscope-reports"

    def __init__(
        self, store: ServerStore, *, key_file: Path, clock: Callable[[], datetime],
        every_seconds: float = CHECK_SECONDS,
    ) -> None:  # fmt: skip
        self.store = store
        self.key_file = key_file
        self.clock = clock
        self.interval_seconds = every_seconds
        super().__init__()

    def run_round(self) -> None:
        """Deliver what is due now."""
        deliver_due_reports(self.store, self.clock(), self.key_file)
