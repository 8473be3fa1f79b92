"""A workspace's portfolio: each registry metric combined across its accounts, accounts ranked.

Counts are summed (followers of several accounts add up, with any overlap between audiences
counted twice); seconds, shares and rates are averaged over the accounts that have a value, each
account weighing the same. The combination is plain Python over the per-account values, so a
portfolio is the same whichever engine computed them (DuckDB or Spark).
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import fmean
from typing import TYPE_CHECKING

from tikscope.metrics import registry
from tikscope.metrics.model import Unit

if TYPE_CHECKING:
    from collections.abc import Mapping

SUMMED = frozenset({Unit.COUNT})
AVERAGED = frozenset({Unit.SECONDS, Unit.FRACTION, Unit.RATE})


@dataclass(frozen=True)
class PortfolioLine:
    """One metric across a workspace's accounts.

    Attributes:
        metric, label, unit: the registry entry.
        combined: how the accounts' values were combined: `sum`, `mean` or `not combined`.
        value: the combined value; None when no account has one (or it is not combined).
        accounts: how many accounts have a value.
        ranking: (handle, value) of the accounts that have one, best first.
    """

    metric: str
    label: str
    unit: str
    combined: str
    value: float | None
    accounts: int
    ranking: tuple[tuple[str, float], ...]


def portfolio(values: Mapping[str, Mapping[str, float | None]]) -> list[PortfolioLine]:
    """Every registry metric combined across accounts (`values`: handle -> metric -> value)."""
    lines = []
    for metric in registry.METRICS:
        known = {handle: found[metric.name] for handle, found in values.items()
                 if found.get(metric.name) is not None}  # fmt: skip
        ranking = tuple(sorted(((h, float(v)) for h, v in known.items() if v is not None),
                               key=lambda item: (-item[1], item[0])))  # fmt: skip
        numbers = [value for _, value in ranking]
        if metric.unit in SUMMED:
            combined, value = "sum", (sum(numbers) if numbers else None)
        elif metric.unit in AVERAGED:
            combined, value = "mean", (fmean(numbers) if numbers else None)
        else:
            combined, value = "not combined", None
        lines.append(PortfolioLine(metric.name, metric.label, metric.unit.value, combined, value,
                                   len(numbers), ranking))  # fmt: skip
    return lines
