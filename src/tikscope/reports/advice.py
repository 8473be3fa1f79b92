"""What the recommendations advise, decided once: the CLI and the web page only format it.

Advice of a kind is given only when the backtest proves it (`Recommendations.proven`);
otherwise a sentence says why none is given.
"""

from __future__ import annotations

from dataclasses import dataclass

from tikscope.metrics.recommend import Effect, Recommendations

BEST_HOURS = 5
NO_HOURS = (
    "Publish hours: the backtest did not beat posting at your most frequent hours, so no hour "
    "is recommended."
)
NO_FEATURES = (
    "Hashtags, sounds, length, type and caption words: the backtest did not beat using your "
    "most used hashtags, so none is recommended."
)


@dataclass(frozen=True)
class Advice:
    """The advice the backtest backs.

    Attributes:
        hours: the best publish hours (account's time zone), best first; empty when not proven.
        no_hours: why no hour is recommended; None when `hours` are.
        features: hashtags, sounds, lengths, types and words that did better (+) or worse (-)
            than the account's baseline; empty when not proven.
        no_features: why none is recommended; None when `features` are.
        active: when the followers are most active ("Tuesday 20:00"), busiest first.
    """

    hours: tuple[Effect, ...]
    no_hours: str | None
    features: tuple[Effect, ...]
    no_features: str | None
    active: tuple[str, ...]


def advice_of(found: Recommendations) -> Advice:
    """The advice in `found` that its backtest proves, and why the rest is not given."""
    hours: tuple[Effect, ...] = ()
    if found.proven("hours"):
        best = [e for e in found.hours if e.flagged and e.uplift > 0] or list(found.hours[:3])
        hours = tuple(best[:BEST_HOURS])
    flagged = tuple(e for e in found.features if e.flagged)
    features = flagged if found.proven("features") else ()
    return Advice(
        hours=hours, no_hours=None if hours else NO_HOURS,
        features=features, no_features=None if features else NO_FEATURES,
        active=tuple(f"{day} {hour:02d}:00" for day, hour, _ in found.active_hours[:3]),
    )  # fmt: skip
