"""The refresh planner: cadence by age, the request budget's windows, stretching under load."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from tikscope.errors import UsageError
from tikscope.sync.plan import (
    BUSINESS_LIMITS,
    AccountCadence,
    AppLimits,
    Demand,
    PostCadence,
    RequestBudget,
    TrackedPost,
    due_posts,
    parse_duration,
    planned_demand,
    stretch_factor,
)

NOW = datetime(2026, 5, 3, 12, 0)
MINUTES = timedelta(minutes=1)


def test_cadence_interval_by_age() -> None:
    cadence = PostCadence()
    ages = [0, 119, 120, 719, 720, 2879, 2880]
    assert [cadence.interval(age * MINUTES) for age in ages] == [
        5 * MINUTES, 5 * MINUTES, 15 * MINUTES, 15 * MINUTES, 60 * MINUTES, 60 * MINUTES, None,
    ]  # fmt: skip


def test_cadence_parse_and_errors() -> None:
    assert PostCadence.parse("1h=2m, 1d=10m") == PostCadence(
        ((timedelta(hours=1), 2 * MINUTES), (timedelta(days=1), 10 * MINUTES))
    )
    with pytest.raises(UsageError, match="rising ages"):
        PostCadence.parse("1d=10m,1h=2m")
    with pytest.raises(UsageError, match="AGE=INTERVAL"):
        PostCadence.parse("1h")
    with pytest.raises(UsageError, match="whole number"):
        parse_duration("5 minutes")


def test_due_posts_by_cadence_and_stretch() -> None:
    posts = [
        TrackedPost("new", NOW - 3 * MINUTES, None),
        TrackedPost("young", NOW - 60 * MINUTES, NOW - 6 * MINUTES),
        TrackedPost("young_recent", NOW - 60 * MINUTES, NOW - 2 * MINUTES),
        TrackedPost("day_old", NOW - 20 * 60 * MINUTES, NOW - 61 * MINUTES),
        TrackedPost("old", NOW - 3 * 24 * 60 * MINUTES, NOW - 3 * 24 * 60 * MINUTES),
    ]
    cadence = PostCadence()
    assert due_posts(posts, now=NOW, cadence=cadence) == ["new", "day_old", "young"]
    assert due_posts(posts, now=NOW, cadence=cadence, stretch=1.5) == ["new"]


def test_budget_never_exceeds_any_window() -> None:
    limits = AppLimits("small", per_second=5, per_minute=40, per_day=300)
    budget = RequestBudget(limits, headroom=0.25)
    clock = 86_400.0 * 10 + 86_000  # 400 s before a UTC midnight
    sent: list[float] = []
    rng = random.Random(3)
    while clock < 86_400.0 * 11 + 4_000:
        wait = budget.wait(clock)
        if wait > 0:
            clock += wait
            continue
        budget.take(clock)
        sent.append(clock)
        clock += rng.choice([0.0, 0.01, 0.2])
    for window, cap in ((1.0, 3), (60.0, 30)):
        worst = max(sum(1 for t in sent if start <= t < start + window) for start in sent)
        assert worst == cap
    per_day: dict[int, int] = {}
    for moment in sent:
        per_day[int(moment // 86_400)] = per_day.get(int(moment // 86_400), 0) + 1
    assert per_day[10] <= 225
    assert per_day[11] == 225  # the rest of day 11 waits for midnight


def test_stretch_for_500_accounts_on_one_business_app() -> None:
    cadence = AccountCadence()
    quiet = planned_demand(accounts=200, fresh_posts={5 * MINUTES: 20}, account_cadence=cadence)
    assert stretch_factor(quiet, BUSINESS_LIMITS) == 1.0
    # 500 accounts, each with a post in its first 2 hours and two more younger than 12 hours
    busy = planned_demand(
        accounts=500,
        fresh_posts={5 * MINUTES: 500, 15 * MINUTES: 1000, 60 * MINUTES: 1500},
        account_cadence=cadence,
    )
    assert busy.per_minute == pytest.approx(100 + 66.67 + 25 + 100 + 500 * 4 / 360, rel=1e-3)
    stretch = stretch_factor(busy, BUSINESS_LIMITS, headroom=0.8)
    assert stretch == pytest.approx(busy.per_minute / 120)
    assert busy.per_minute / stretch <= 600 * 0.2


def test_stretch_by_daily_quota() -> None:
    research = AppLimits("research", per_day=1_000)
    assert stretch_factor(Demand(per_minute=1.0), research, headroom=0.0) == pytest.approx(1.44)
    with pytest.raises(UsageError, match="headroom"):
        stretch_factor(Demand(per_minute=1.0), research, headroom=1.0)
