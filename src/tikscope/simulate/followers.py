"""Simulated follower dynamics: who followed and unfollowed on which day, and what it adds up to.

Followers at the end are keys 0..F-1 (audience members are the first of them). Others are former
followers with keys from F up. Some followers unfollow and follow again later, so the daily gains
and losses count them twice, as TikTok's daily_new_followers and daily_lost_followers do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tikscope.simulate.config import SimulationConfig


@dataclass(frozen=True)
class FollowerEvents:
    """Every follow and unfollow in the window, and the count before it."""

    follower_key: np.ndarray  # int64
    day: np.ndarray  # day index of the event
    is_follow: np.ndarray  # bool
    followers_before: int
    followed_day: np.ndarray  # per final follower: day of the last follow, negative = before window


def simulate_follower_events(
    config: SimulationConfig, daily_views: np.ndarray, rng: np.random.Generator
) -> FollowerEvents:
    """Draw follow and unfollow events whose daily gains track the account's daily views."""
    total, days = config.followers_at_end, config.days
    span = days / 365
    already = round(total * (1 - 0.45 * min(span, 1.5)))
    gained = total - already
    churn_old = round(total * 0.06 * span)
    churn_new = round(total * 0.08 * span)
    refollow = round(total * 0.02 * span) if days >= 3 else 0
    weights = 0.6 + daily_views / max(daily_views.mean(), 1.0)
    weights = weights / weights.sum()
    order = rng.permutation(total)
    newcomers, veterans = order[:gained], order[gained:]
    followed_day = rng.integers(-730, 0, total)
    followed_day[newcomers] = rng.choice(days, gained, p=weights)
    keys, event_days, follows = [newcomers], [followed_day[newcomers]], [np.ones(gained, bool)]
    if refollow and len(veterans):
        who = rng.choice(veterans, min(refollow, len(veterans)), replace=False)
        left = rng.integers(0, days - 1, len(who))
        back = left + 1 + rng.integers(0, np.maximum(days - 1 - left, 1))
        back = np.minimum(back, days - 1)
        followed_day[who] = back
        keys += [who, who]
        event_days += [left, back]
        follows += [np.zeros(len(who), bool), np.ones(len(who), bool)]
    old = np.arange(total, total + churn_old)
    keys.append(old)
    event_days.append(rng.integers(0, days, churn_old))
    follows.append(np.zeros(churn_old, bool))
    if days >= 2:
        brief = np.arange(total + churn_old, total + churn_old + churn_new)
        joined = rng.choice(days - 1, churn_new, p=renormalized(weights[:-1]))
        quit_day = joined + rng.geometric(1 / 30, churn_new)
        # NOTE: a stay longer than the window is redrawn inside it; clipping it would pile all
        # those unfollows onto the last day.
        late = quit_day > days - 1
        quit_day[late] = joined[late] + 1 + rng.integers(0, days - 1 - joined[late])
        keys += [brief, brief]
        event_days += [joined, quit_day]
        follows += [np.ones(churn_new, bool), np.zeros(churn_new, bool)]
    return FollowerEvents(
        follower_key=np.concatenate(keys).astype(np.int64),
        day=np.concatenate(event_days).astype(np.int64),
        is_follow=np.concatenate(follows),
        followers_before=already + churn_old,
        followed_day=followed_day,
    )


def renormalized(weights: np.ndarray) -> np.ndarray:
    """Weights scaled to sum to one."""
    return weights / weights.sum()


def daily_follower_counts(events: FollowerEvents, days: int) -> dict[str, np.ndarray]:
    """Gained, lost and total followers at the end of each day."""
    gained = np.bincount(events.day[events.is_follow], minlength=days)
    lost = np.bincount(events.day[~events.is_follow], minlength=days)
    total = events.followers_before + np.cumsum(gained - lost)
    return {"gained": gained, "lost": lost, "total": total}
