"""Clocks the real-time scheduler runs on: the real one, and a fast one for the fake server.

A fast clock is a pure function of the real time (`FastClock`), so that the fake TikTok server
and tikscope, in two processes, read the same simulated time without talking to each other.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from tikscope.errors import UsageError

FAST_CLOCK_ENV_VAR = "TIKSCOPE_FAST_CLOCK"
"""`START,SPEED,ORIGIN`: run the server's scheduler on a fast clock (development, benchmarks)."""


class Clock(Protocol):
    """Now (naive UTC) and a way to wait on the same clock."""

    def now(self) -> datetime:
        """Now, naive UTC."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait `seconds` of this clock's time."""
        ...


class RealClock:
    """The machine's clock."""

    def now(self) -> datetime:
        """Now, naive UTC."""
        return datetime.now(UTC).replace(tzinfo=None)

    def sleep(self, seconds: float) -> None:
        """Wait."""
        if seconds > 0:
            time.sleep(seconds)


@dataclass(frozen=True)
class FastClock:
    """Simulated UTC time running `speed` times faster than the real clock.

    Attributes:
        start: the simulated time (naive UTC) at real epoch `origin`.
        speed: simulated seconds per real second (600: one simulated minute every 100 ms).
        origin: the real epoch second at which the simulated clock reads `start`.
    """

    start: datetime
    speed: float = 1.0
    origin: float = field(default_factory=time.time)

    def epoch(self) -> float:
        """Simulated epoch seconds now."""
        return self.start.replace(tzinfo=UTC).timestamp() + (time.time() - self.origin) * self.speed

    def now(self) -> datetime:
        """Simulated naive UTC now."""
        return datetime.fromtimestamp(self.epoch(), UTC).replace(tzinfo=None)

    def sleep(self, seconds: float) -> None:
        """Wait `seconds` of simulated time."""
        if seconds > 0:
            time.sleep(seconds / self.speed)

    def describe(self) -> str:
        """The clock as `$TIKSCOPE_FAST_CLOCK` writes it."""
        return f"{self.start.isoformat()},{self.speed:g},{self.origin!r}"

    @classmethod
    def parse(cls, text: str) -> FastClock:
        """A clock from `START,SPEED,ORIGIN` (ISO time, simulated seconds a second, epoch).

        Raises:
            UsageError: not three readable parts, or a speed that is not above zero.
        """
        try:
            start, speed, origin = text.split(",")
            clock = cls(datetime.fromisoformat(start), float(speed), float(origin))
        except ValueError:
            raise UsageError(
                f"${FAST_CLOCK_ENV_VAR}={text!r}: write START,SPEED,ORIGIN, e.g. "
                "2026-05-03T00:00:00,600,1777766400.0"
            ) from None
        if clock.speed <= 0:
            raise UsageError(f"${FAST_CLOCK_ENV_VAR}: the speed must be above zero, got {speed}")
        return clock


def scheduler_clock() -> Clock:
    """The fast clock of `$TIKSCOPE_FAST_CLOCK` when set, else the real one."""
    text = os.environ.get(FAST_CLOCK_ENV_VAR)
    return FastClock.parse(text) if text else RealClock()
