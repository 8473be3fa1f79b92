"""Why a number or chart is missing: the one wording every output uses."""

from __future__ import annotations

from collections.abc import Iterable

from tikscope.sources.catalog import how_to_get

NO_DATA = "no data in the period"


def not_stored(needs: Iterable[str]) -> str:
    """Data the store lacks for the period, and what would provide it."""
    return f"not in the store for this period: {how_to_get(needs)}"


def why_missing(*, has_data: bool, needs: Iterable[str] = ()) -> str | None:
    """None when there is data; otherwise what would provide it (or plainly: no data)."""
    if has_data:
        return None
    needed = tuple(needs)
    return not_stored(needed) if needed else NO_DATA
