"""Query parameters shared by the account pages and their JSON twins: period and engagement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import HTTPException, Query

from tikscope.metrics.period_range import resolve_period
from tikscope.metrics.periods import QUERY_NAMES, AskedPeriod, ChosenPeriod
from tikscope.metrics.query import ENGAGEMENT_RATES, Account, Settings

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection


# NOTE: TikTok launched in 2016; the bounds keep a period and its previous one inside what Python's
# dates can hold (year 1 to 9999), so absurd dates are a 422, not an overflow.
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


class Basis(StrEnum):
    """What engagement is divided by (`metrics.query.ENGAGEMENT_BASES`; a test keeps them equal)."""

    reach = "reach"
    views = "views"
    followers = "followers"


@dataclass(frozen=True)
class PeriodQuery:
    """`?days=28` or `?start=...&end=...`, `?compare=false`, `?rate=1000&basis=views`."""

    days: int | None
    start: date | None
    end: date | None
    compare: bool
    rate: int
    basis: Basis

    def settings(self) -> Settings:
        """The engagement settings asked for."""
        return Settings(engagement_rate=self.rate, engagement_basis=self.basis.value)

    def resolve(self, connection: DuckDBPyConnection, account: Account) -> ChosenPeriod:
        """The period asked for (by default the last 28 days with data), fitted to the store's."""
        asked = AskedPeriod(days=self.days, start=self.start, end=self.end)
        return resolve_period(connection, account, asked, names=QUERY_NAMES)

    def as_query(self) -> dict[str, Any]:
        """The parameters as a query string mapping (for links between pages)."""
        values: dict[str, Any] = {"days": self.days, "start": self.start, "end": self.end}
        values |= {"compare": str(self.compare).lower(), "rate": self.rate, "basis": self.basis}
        return {key: value for key, value in values.items() if value is not None}


async def period_query(
    days: Annotated[int | None, Query(ge=1, le=3650, description="Last N days with data.")] = None,
    start: Annotated[date | None, Query(description="First day (with end).")] = None,
    end: Annotated[date | None, Query(description="Last day (with start).")] = None,
    compare: Annotated[bool, Query(description="Compare with the previous period.")] = True,
    rate: Annotated[int, Query(description="Engagement per 100 or per 1000.")] = 100,
    basis: Annotated[Basis, Query(description="Engagement divided by this.")] = Basis.reach,
) -> PeriodQuery:
    """Parse the period and engagement parameters (errors become 422)."""
    if rate not in ENGAGEMENT_RATES:
        raise HTTPException(422, "rate must be 100 or 1000")
    for name, day in (("start", start), ("end", end)):
        if day is not None and not EARLIEST <= day <= LATEST:
            raise HTTPException(422, f"{name} must be between {EARLIEST} and {LATEST}")
    return PeriodQuery(days, start, end, compare, rate, basis)
