"""The knobs of a simulation. Same config, same data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tikscope.sources.records import AccountType


@dataclass(frozen=True)
class SimulationConfig:
    """What to simulate.

    The data is a pure function of these fields: the same config always gives identical rows.
    `end_date` anchors the history; the numbers do not depend on it, only the dates do (and the
    follower activity by UTC hour, which follows daylight saving time in the audience's zones).
    """

    seed: int = 7
    account_type: AccountType = "business"
    handle: str = "casa_verde_demo"
    days: int = 365
    posts: int = 300
    members: int = 50_000
    communities: int = 8
    end_date: date = date(2026, 11, 21)
    time_zone: str = "Europe/Madrid"
    publish_days: int | None = None  # posts are published in the first N days; None: all days
    planted_effects: bool = False  # posts do better or worse by hour, hashtag and length

    @property
    def start_date(self) -> date:
        """The first simulated day (UTC)."""
        return self.end_date - timedelta(days=self.days - 1)

    @property
    def followers_at_end(self) -> int:
        """Followers on the last day: the audience members, or a default for a tiny audience."""
        return self.members if self.members >= 100 else 10_000
