"""Account metrics checked against values computed by hand on tests/metrics_fixture.py.

Read the fixture's docstring first: it lays out the accounts, the posts P1..P5 and Q1..Q3, the
snapshots S0..S10 and MAIN_PERIOD. Each expected value below is a literal with its arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from metrics_fixture import (
    BUSINESS_DAYS,
    BUSINESS_POSTS,
    MAIN_PERIOD,
    P2,
    P3,
    P4,
    PERSONAL_POSTS,
    Post,
    ingest_fixture,
    small_batch,
)
from tikscope.errors import UsageError
from tikscope.metrics.activity import ActiveHour, utc_heatmap
from tikscope.metrics.periods import Period, last_days
from tikscope.metrics.query import Account, MetricValue, Settings, compute_metrics, find_account
from tikscope.metrics.registry import METRICS, POST_COLUMNS
from tikscope.metrics.run import MetricLine, metric_rows
from tikscope.metrics.sections import (
    Demographics,
    Share,
    data_flags,
    demographics,
    follower_series,
    post_list,
)
from tikscope.store.db import open_store
from tikscope.store.ingest import ingest

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

NOT_STORED = "not in the store for this period: "

# MAIN_PERIOD (2026-03-23 .. 2026-04-01, Madrid) for @casa_verde.
BUSINESS_EXPECTED: dict[str, float | None] = {
    # days scope: account_daily 03-23 .. 04-01
    "followers": 1055,  # followers_count on 04-01
    "followers_growth": 55,  # 1055 (04-01) - 1000 (03-22, the day before)
    "followers_gained": 110,  # 12 + 8 + 5 + 20 + 10 + 0 + 30 + 10 + 5 + 10
    "followers_lost": 50,  # 2 + 3 + 10 + 0 + 5 + 15 + 5 + 5 + 5 + 0
    "followers_balance": 60,  # 110 - 50 (not 55: 04-01's count lags its new follows)
    "profile_views": 200,  # 10 + 20 + 10 + 30 + 20 + 10 + 40 + 30 + 20 + 10
    "video_views": 1460,  # 100 + 120 + 80 + 150 + 200 + 90 + 300 + 250 + 110 + 60
    "likes": 146,  # 10 + 12 + 8 + 15 + 20 + 9 + 30 + 25 + 11 + 6
    "comments": 23,  # 1 + 2 + 0 + 3 + 4 + 1 + 5 + 4 + 2 + 1
    "shares": 15,  # 0 + 1 + 1 + 2 + 3 + 0 + 4 + 3 + 1 + 0
    # published scope: P2 (03-23 00:30 Madrid), P3, P4 (03-30 00:30 Madrid); not P1 (03-10) nor
    # P5 (04-02 00:30 Madrid). Counters at S10: P2 600/50/5/5, P3 100/15/3/2, P4 (deleted, last
    # read at S8) 200/24/2/4.
    "posts_published": 3,
    "published_views": 900,  # 600 + 100 + 200
    "published_likes": 89,  # 50 + 15 + 24
    "published_comments": 10,  # 5 + 3 + 2
    "published_shares": 11,  # 5 + 2 + 4
    "published_interactions": 110,  # (50 + 5 + 5) + (15 + 3 + 2) + (24 + 2 + 4) = 60 + 20 + 30
    "average_reach_per_post": 210,  # (400 [P2, last known at S8] + 80 + 150) / 3
    "engagement": 20,  # mean(60 / 400, 20 / 80, 30 / 150) = mean(0.15, 0.25, 0.2) = 0.2, × 100
    "average_watch_time_seconds": 10.5,  # (6000 + 2400) / (600 + 200); the image has none
    "average_duration_seconds": 17.5,  # (20 + 15) / 2; the image has no duration
    "views_from_for_you": 0.6,  # (600 × 0.6 + 100 × 0.5 + 200 × 0.65) / 900 = 540 / 900
    "views_from_follow": 0.2,  # (600 × 0.2 + 100 × 0.3 + 200 × 0.15) / 900 = 180 / 900
    "views_from_personal_profile": 0.1,  # (600 × 0.1 + 100 × 0.2 + 200 × 0.05) / 900 = 90 / 900
    "views_from_search": 0.1,  # (600 × 0.1 + 200 × 0.1) / (600 + 200): P3 does not list it
    "views_from_hashtag": 0.05,  # 200 × 0.05 / 200: only P4 lists it
    "views_from_sound": None,  # no post lists it: missing, not 0
    # viewers: the Business API fixture has no Studio Viewers export
    "viewers": None,
    "new_viewers": None,
    "returning_viewers": None,
    "views_from_direct_message": 0.0,  # only P3 lists it, at 0: 100 × 0 / 100
    # viewed scope: lifetime at S10 minus lifetime at S0 (0 where no snapshot yet)
    "views_gained": 950,  # P1 1040 - 1000 + P2 600 - 50 + P3 100 + P4 200 + P5 60 = 40+550+100+200+60
    "likes_gained": 100,  # (110 - 100) + (50 - 5) + 15 + 24 + 6 = 10 + 45 + 15 + 24 + 6
    "comments_gained": 16,  # (25 - 20) + (5 - 0) + 3 + 2 + 1
    "shares_gained": 14,  # (12 - 10) + (5 - 0) + 2 + 4 + 1
    "posts_viewed": 5,  # P1..P5 all gained views
    # (40 × 0.6 + 550 × 0.5 + 100 × 0.8 + 200 × 0.3 + 60 × 0.6) / 950 = (24+275+80+60+36) / 950
    "new_viewers_share": 0.5,
}

# MAIN_PERIOD (2026-03-23 .. 2026-04-01, New York) for @pepa_personal; business-only metrics are
# checked to be unavailable instead.
PERSONAL_EXPECTED: dict[str, float | None] = {
    "followers": 70,  # followers_count on 04-01
    "followers_growth": 20,  # 70 - 50 (03-22)
    # Q2 (03-27) and Q3 (04-01 21:00 New York); Q3 was first read after S10, by the sync at
    # 04-02 06:00: its counters are read there (and flagged), not left out.
    "posts_published": 2,
    "published_views": 320,  # Q2 300 + Q3 20
    "published_likes": 32,  # 30 + 2
    "published_comments": 6,  # 6 + 0
    "published_shares": 4,  # 4 + 0
    "published_interactions": 42,  # (30 + 6 + 4) + (2 + 0 + 0)
    "average_duration_seconds": 25,  # (Q2 30 + Q3 20) / 2
    "views_gained": 400,  # Q1 200 - 100 + Q2 300 (Q3's first read is after S10)
    "likes_gained": 40,  # (20 - 10) + 30
    "comments_gained": 8,  # (4 - 2) + 6
    "shares_gained": 6,  # (3 - 1) + 4
    "posts_viewed": 2,  # Q1, Q2
}


@pytest.fixture(scope="module")
def connection(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDBPyConnection]:
    path: Path = tmp_path_factory.mktemp("metrics") / "store.duckdb"
    with open_store(path, create=True) as connection:
        ingest_fixture(connection)
        yield connection


@pytest.fixture(scope="module")
def business(connection: DuckDBPyConnection) -> Account:
    return find_account(connection, "casa_verde")


@pytest.fixture(scope="module")
def personal(connection: DuckDBPyConnection) -> Account:
    return find_account(connection, "pepa_personal")


@pytest.fixture(scope="module")
def business_values(connection: DuckDBPyConnection, business: Account) -> dict[str, MetricValue]:
    return compute_metrics(connection, business, MAIN_PERIOD, Settings())


@pytest.fixture(scope="module")
def personal_values(connection: DuckDBPyConnection, personal: Account) -> dict[str, MetricValue]:
    return compute_metrics(connection, personal, MAIN_PERIOD, Settings())


def days_of(period: Period) -> list[date]:
    return [period.start + timedelta(days=index) for index in range(period.days)]


# --- every registry metric against a hand-computed value ---------------------------------------


@pytest.mark.parametrize("name", [metric.name for metric in METRICS])
def test_compute_metrics_business_account_matches_hand_value(
    name: str, business_values: dict[str, MetricValue]
) -> None:
    value, expected = business_values[name], BUSINESS_EXPECTED[name]
    if expected is None:
        # nothing in the store for it: missing, never 0, with what would provide it
        assert value.value is None and (value.unavailable or "").startswith(NOT_STORED), name
    else:
        assert (value.value, value.unavailable) == (pytest.approx(expected), None)


@pytest.mark.parametrize("name", [metric.name for metric in METRICS])
def test_compute_metrics_personal_account_matches_hand_value(
    name: str, personal_values: dict[str, MetricValue]
) -> None:
    value = personal_values[name]
    if name not in PERSONAL_EXPECTED:
        assert value.value is None and (value.unavailable or "").startswith(NOT_STORED), name
    else:
        assert (value.value, value.unavailable) == (pytest.approx(PERSONAL_EXPECTED[name]), None)


def test_expected_values_cover_exactly_the_registry() -> None:
    assert set(BUSINESS_EXPECTED) == {metric.name for metric in METRICS}
    assert set(PERSONAL_EXPECTED) <= {metric.name for metric in METRICS}


def test_compute_metrics_no_posts_published_sums_to_zero(
    connection: DuckDBPyConnection, business: Account
) -> None:
    # Madrid 03-24 .. 03-25: P2 is 03-23 and P3 03-26, so nothing was published. Sums over no
    # posts are 0 (we know there were none); averages over no posts are undefined.
    values = compute_metrics(
        connection, business, Period(date(2026, 3, 24), date(2026, 3, 25)), Settings()
    )
    published = {m.name: values[m.name].value for m in METRICS if m.section == "posts published"}
    assert values["posts_published"].value == 0
    assert published == {
        "published_views": 0,
        "published_likes": 0,
        "published_comments": 0,
        "published_shares": 0,
        "published_interactions": 0,
        "average_reach_per_post": None,
        "engagement": None,
        "average_watch_time_seconds": None,
        "average_duration_seconds": None,
        "views_from_for_you": None,
        "views_from_follow": None,
        "views_from_personal_profile": None,
        "views_from_search": None,
        "views_from_hashtag": None,
        "views_from_sound": None,
        "views_from_direct_message": None,
    }


# --- engagement settings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (Settings(), 20.0),  # mean(60/400, 20/80, 30/150) = 0.2, × 100
        (Settings(engagement_rate=1000), 200.0),  # 0.2 × 1000
        (Settings(engagement_basis="views"), 15.0),  # mean(60/600, 20/100, 30/200) = 0.15, × 100
        # followers at the period's end: 1055 (04-01); mean(60, 20, 30) / 1055 × 100
        (Settings(engagement_basis="followers"), 110 / 3 / 1055 * 100),
        (Settings(engagement_rate=1000, engagement_basis="followers"), 110 / 3 / 1055 * 1000),
    ],
)
def test_compute_metrics_engagement_follows_settings(
    connection: DuckDBPyConnection, business: Account, settings: Settings, expected: float
) -> None:
    value = compute_metrics(connection, business, MAIN_PERIOD, settings)["engagement"]
    assert value.value == pytest.approx(expected)


def test_compute_metrics_engagement_rate_1000_is_ten_times_rate_100(
    connection: DuckDBPyConnection, business: Account
) -> None:
    for basis in ("reach", "views", "followers"):
        per_100 = compute_metrics(connection, business, MAIN_PERIOD, Settings(100, basis))
        per_1000 = compute_metrics(connection, business, MAIN_PERIOD, Settings(1000, basis))
        assert per_1000["engagement"].value == pytest.approx(10 * per_100["engagement"].value)


def test_post_list_engagement_follows_settings(
    connection: DuckDBPyConnection, business: Account
) -> None:
    columns = ("engagement",)
    per_1000 = post_list(connection, business, MAIN_PERIOD, Settings(1000), columns=columns)
    by_views = post_list(connection, business, MAIN_PERIOD, Settings(100, "views"), columns=columns)
    # P2 60/400, P4 30/150, P3 20/80 (sorted by views: 600, 200, 100)
    assert [(row["post_id"], row["engagement"]) for row in per_1000] == [
        (P2, pytest.approx(150.0)),
        (P4, pytest.approx(200.0)),
        (P3, pytest.approx(250.0)),
    ]
    # P2 60/600, P4 30/200, P3 20/100
    assert [(row["post_id"], row["engagement"]) for row in by_views] == [
        (P2, pytest.approx(10.0)),
        (P4, pytest.approx(15.0)),
        (P3, pytest.approx(20.0)),
    ]


def test_settings_engagement_formula_names_the_formula() -> None:
    assert Settings().engagement_formula == (
        "engagement = mean over posts of (likes + comments + shares) / reach × 100"
    )
    assert Settings(1000, "views").engagement_formula == (
        "engagement = mean over posts of (likes + comments + shares) / views × 1000"
    )
    assert Settings(100, "followers").engagement_formula == (
        "engagement = mean over posts of (likes + comments + shares) / followers at the period's "
        "end × 100"
    )


def test_metric_rows_engagement_note_is_the_formula(
    connection: DuckDBPyConnection, business: Account
) -> None:
    rows = metric_rows(connection, business, MAIN_PERIOD, Settings(1000, "views"))
    engagement = next(row for row in rows if row["metric"] == "engagement")
    assert engagement == {
        "section": "posts published",
        "metric": "engagement",
        "label": "Engagement",
        "value": pytest.approx(150.0),  # mean(0.1, 0.2, 0.15) × 1000
        "unit": "per 100 or per 1000 (setting)",
        "note": "engagement = mean over posts of (likes + comments + shares) / views × 1000",
        "missing": None,
    }


@pytest.mark.parametrize(
    ("rate", "basis", "message"),
    [
        (10, "reach", "engagement rate must be per 100 or per 1000"),
        (100, "likes", "engagement basis must be one of reach, views, followers"),
    ],
)
def test_settings_rejects_unknown_choice(rate: int, basis: str, message: str) -> None:
    with pytest.raises(UsageError) as error:
        Settings(rate, basis)
    assert str(error.value) == message


# --- properties --------------------------------------------------------------------------------


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


def lifetime(posts: tuple[Post, ...], counter: str, instant: datetime) -> int:
    """Sum over posts of the last value read at or before `instant` (0 before the first read)."""
    total = 0
    for post in posts:
        values = [
            value
            for index, value in enumerate(getattr(post, counter))
            if post.first + timedelta(days=index) <= instant
        ]
        total += values[-1] if values else 0
    return total


@pytest.mark.parametrize(
    ("handle", "posts"), [("casa_verde", BUSINESS_POSTS), ("pepa_personal", PERSONAL_POSTS)]
)
def test_compute_metrics_daily_gains_add_up_to_lifetime_difference(
    connection: DuckDBPyConnection, handle: str, posts: tuple[Post, ...]
) -> None:
    account = find_account(connection, handle)
    days = days_of(MAIN_PERIOD)
    daily = {
        day: compute_metrics(connection, account, Period(day, day), Settings()) for day in days
    }
    for first, start in enumerate(days):
        for end in days[first:]:
            period = Period(start, end)
            whole = compute_metrics(connection, account, period, Settings())
            # lifetime counters are read at the UTC midnights that bound the period
            before, after = midnight(start), midnight(end + timedelta(days=1))
            for counter in ("views", "likes", "comments", "shares"):
                name = f"{counter}_gained"
                summed = sum(daily[day][name].value or 0 for day in days_of(period))
                difference = lifetime(posts, counter, after) - lifetime(posts, counter, before)
                assert (whole[name].value, summed) == (difference, difference), (period, name)


def test_change_of_a_value_with_itself_is_zero(business_values: dict[str, MetricValue]) -> None:
    for name, value in business_values.items():
        if value.value is None:
            expected = {"previous": None, "change": None, "change_percent": None}
        else:
            percent = None if value.value == 0 else 0.0
            expected = {"previous": value.value, "change": 0.0, "change_percent": percent}
        line = MetricLine(
            metric=value.metric, value=value.value, missing=value.unavailable, note=None,
            compared=True, previous=value.value,
        )  # fmt: skip
        got = {"previous": line.previous, "change": line.change,
               "change_percent": line.change_percent}  # fmt: skip
        assert got == expected, name


def test_metric_rows_same_period_twice_is_identical(
    connection: DuckDBPyConnection, business: Account
) -> None:
    first = metric_rows(connection, business, MAIN_PERIOD, Settings(), compare=True)
    second = metric_rows(connection, business, MAIN_PERIOD, Settings(), compare=True)
    assert first == second
    assert len(first) == len(METRICS)


PERIODS = (
    MAIN_PERIOD,
    MAIN_PERIOD.previous(),
    Period(date(2026, 3, 28), date(2026, 4, 1)),
    *(Period(day, day) for day in days_of(MAIN_PERIOD)),
)


@pytest.mark.parametrize("period", PERIODS, ids=str)
def test_compute_metrics_data_not_stored_names_what_would_provide_it(
    connection: DuckDBPyConnection, personal: Account, period: Period
) -> None:
    # The personal fixture has follower counts and post counters, no insights and no
    # daily Overview numbers: what it lacks is missing with a reason naming the sources.
    values = compute_metrics(connection, personal, period, Settings())
    stored = {name for name, value in values.items() if value.value is not None}
    assert stored <= set(PERSONAL_EXPECTED)
    for name in {metric.name for metric in METRICS} - set(PERSONAL_EXPECTED):
        reason = values[name].unavailable or ""
        assert values[name].value is None, name
        assert reason == "no posts published in the period" or (
            reason.startswith(NOT_STORED) and ("import Studio" in reason or "connect the" in reason)
        ), (name, reason)
    rows = metric_rows(connection, personal, period, Settings(), compare=True)
    for row in rows:
        if row["metric"] not in PERSONAL_EXPECTED:
            assert (row["value"], row["previous"], row["change"]) == (None, None, None)
            assert row["missing"] == row["note"] and row["note"], row["metric"]


def test_compute_metrics_business_account_misses_only_what_the_fixture_lacks(
    business_values: dict[str, MetricValue],
) -> None:
    missing = [name for name, value in business_values.items() if value.unavailable]
    assert sorted(missing) == sorted(n for n, value in BUSINESS_EXPECTED.items() if value is None)


def test_metric_rows_compare_with_previous_period(
    connection: DuckDBPyConnection, business: Account
) -> None:
    # 03-28 .. 04-01 vs 03-23 .. 03-27
    rows = metric_rows(
        connection,
        business,
        Period(date(2026, 3, 28), date(2026, 4, 1)),
        Settings(),
        compare=True,
        section="community",
    )
    community = {"section": "community", "unit": "count", "note": "", "missing": None}
    assert rows == [
        # 1055 (04-01) vs 1035 (03-27)
        {**community, "metric": "followers", "label": "Followers", "value": 1055.0,
         "previous": 1035.0, "change": 20.0, "change_percent": pytest.approx(20 / 1035 * 100)},
        # 1055 - 1035 = 20 vs 1035 - 1000 = 35
        {**community, "metric": "followers_growth", "label": "Follower growth", "value": 20.0,
         "previous": 35.0, "change": -15.0, "change_percent": pytest.approx(-15 / 35 * 100)},
        # 0 + 30 + 10 + 5 + 10 = 55 vs 12 + 8 + 5 + 20 + 10 = 55
        {**community, "metric": "followers_gained", "label": "Followers gained", "value": 55.0,
         "previous": 55.0, "change": 0.0, "change_percent": 0.0},
        # 15 + 5 + 5 + 5 + 0 = 30 vs 2 + 3 + 10 + 0 + 5 = 20
        {**community, "metric": "followers_lost", "label": "Followers lost", "value": 30.0,
         "previous": 20.0, "change": 10.0, "change_percent": 50.0},
        # 55 - 30 = 25 vs 55 - 20 = 35
        {**community, "metric": "followers_balance", "label": "Balance of followers",
         "value": 25.0, "previous": 35.0, "change": -10.0,
         "change_percent": pytest.approx(-10 / 35 * 100)},
    ]  # fmt: skip


def test_metric_rows_unknown_section_is_a_usage_error(
    connection: DuckDBPyConnection, business: Account
) -> None:
    with pytest.raises(UsageError) as error:
        metric_rows(connection, business, MAIN_PERIOD, Settings(), section="bogus")
    assert str(error.value) == (
        "unknown section 'bogus'; choose from community, account, studio, posts viewed, "
        "posts published"
    )


# --- periods -----------------------------------------------------------------------------------


def test_last_days_ends_on_the_given_day() -> None:
    assert last_days(10, until=date(2026, 4, 1)) == MAIN_PERIOD
    assert last_days(1, until=date(2026, 4, 1)) == Period(date(2026, 4, 1), date(2026, 4, 1))
    assert last_days(28, until=date(2026, 4, 1)) == Period(date(2026, 3, 5), date(2026, 4, 1))


def test_last_days_rejects_zero_days() -> None:
    with pytest.raises(UsageError) as error:
        last_days(0, until=date(2026, 4, 1))
    assert str(error.value) == "a period needs at least one day, got 0"


def test_period_previous_is_as_long_and_ends_the_day_before() -> None:
    assert MAIN_PERIOD.days == 10
    assert MAIN_PERIOD.previous() == Period(date(2026, 3, 13), date(2026, 3, 22))
    assert Period(date(2026, 3, 1), date(2026, 3, 31)).previous() == Period(
        date(2026, 1, 29), date(2026, 2, 28)
    )


def test_period_utc_bounds_across_daylight_saving_changes() -> None:
    # Madrid: CET (UTC+1) until 2026-03-29 02:00, CEST (UTC+2) until 2026-10-25 03:00.
    assert MAIN_PERIOD.utc_bounds("Europe/Madrid") == (
        datetime(2026, 3, 22, 23),
        datetime(2026, 4, 1, 22),
    )
    spring = Period(date(2026, 3, 29), date(2026, 3, 29))  # 23 hours long
    assert spring.utc_bounds("Europe/Madrid") == (
        datetime(2026, 3, 28, 23),
        datetime(2026, 3, 29, 22),
    )
    autumn = Period(date(2026, 10, 25), date(2026, 10, 25))  # 25 hours long
    assert autumn.utc_bounds("Europe/Madrid") == (
        datetime(2026, 10, 24, 22),
        datetime(2026, 10, 25, 23),
    )
    assert MAIN_PERIOD.utc_bounds("America/New_York") == (
        datetime(2026, 3, 23, 4),
        datetime(2026, 4, 2, 4),
    )
    assert MAIN_PERIOD.snapshot_bounds() == (datetime(2026, 3, 23), datetime(2026, 4, 2))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 22), 0),  # P2 is 03-22 23:30 UTC but 03-23 00:30 in Madrid
        (date(2026, 3, 23), 1),  # P2
        (date(2026, 3, 26), 1),  # P3
        (date(2026, 3, 29), 0),  # P4 is 03-29 22:30 UTC but 03-30 00:30 CEST
        (date(2026, 3, 30), 1),  # P4
        (date(2026, 4, 1), 0),  # P5 is 04-01 22:30 UTC but 04-02 00:30 CEST
    ],
)
def test_compute_metrics_posts_published_by_local_day(
    connection: DuckDBPyConnection, business: Account, day: date, expected: int
) -> None:
    values = compute_metrics(connection, business, Period(day, day), Settings())
    assert values["posts_published"].value == expected


def test_period_ending_before_it_starts_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as error:
        Period(date(2026, 4, 1), date(2026, 3, 23))
    assert str(error.value) == "the period ends (2026-03-23) before it starts (2026-04-01)"


# --- sections ----------------------------------------------------------------------------------


def test_follower_series_by_day_is_the_daily_series(
    connection: DuckDBPyConnection, business: Account
) -> None:
    rows = [asdict(row) for row in follower_series(connection, business, MAIN_PERIOD, "day")]
    assert rows == [
        {
            "period_start": day,
            "followers": followers, "gained": gained, "lost": lost, "balance": gained - lost,
            "video_views": video_views, "profile_views": profile_views,
            "likes": likes, "comments": comments, "shares": shares,
        }
        for day, (followers, gained, lost, video_views, profile_views, likes, comments, shares)
        in BUSINESS_DAYS.items()
        if day >= MAIN_PERIOD.start
    ]  # fmt: skip


def test_follower_series_by_week_and_month(
    connection: DuckDBPyConnection, business: Account
) -> None:
    weeks = [asdict(row) for row in follower_series(connection, business, MAIN_PERIOD, "week")]
    assert weeks == [
        # Mon 03-23 .. Sun 03-29: followers on 03-29; gained 12+8+5+20+10+0+30; lost 2+3+10+0+5+15+5;
        # video views 100+120+80+150+200+90+300; profile 10+20+10+30+20+10+40;
        # likes 10+12+8+15+20+9+30; comments 1+2+0+3+4+1+5; shares 0+1+1+2+3+0+4
        {"period_start": date(2026, 3, 23), "followers": 1045, "gained": 85, "lost": 40,
         "balance": 45, "video_views": 1040, "profile_views": 140, "likes": 104, "comments": 16,
         "shares": 11},
        # Mon 03-30 .. Wed 04-01: gained 10+5+10; lost 5+5+0; views 250+110+60; profile 30+20+10;
        # likes 25+11+6; comments 4+2+1; shares 3+1+0
        {"period_start": date(2026, 3, 30), "followers": 1055, "gained": 25, "lost": 10,
         "balance": 15, "video_views": 420, "profile_views": 60, "likes": 42, "comments": 7,
         "shares": 4},
    ]  # fmt: skip
    months = [asdict(row) for row in follower_series(connection, business, MAIN_PERIOD, "month")]
    assert months == [
        # 03-23 .. 03-31: the whole period less 04-01 (10 new, 0 lost, 60 views, 10 profile,
        # 6 likes, 1 comment, 0 shares)
        # the month is cut by the period's start, so it starts on the period's first day
        {"period_start": date(2026, 3, 23), "followers": 1050, "gained": 100, "lost": 50,
         "balance": 50, "video_views": 1400, "profile_views": 190, "likes": 140, "comments": 22,
         "shares": 15},
        {"period_start": date(2026, 4, 1), "followers": 1055, "gained": 10, "lost": 0,
         "balance": 10, "video_views": 60, "profile_views": 10, "likes": 6, "comments": 1,
         "shares": 0},
    ]  # fmt: skip


@pytest.mark.parametrize("granularity", ["day", "week", "month"])
def test_follower_series_sums_match_the_period_metrics(
    connection: DuckDBPyConnection, business: Account, granularity: str
) -> None:
    rows = [asdict(row) for row in follower_series(connection, business, MAIN_PERIOD, granularity)]
    totals = {
        name: sum(row[name] for row in rows)
        for name in ("gained", "lost", "balance", "video_views", "profile_views", "likes",
                     "comments", "shares")
    }  # fmt: skip
    assert totals == {
        "gained": 110, "lost": 50, "balance": 60, "video_views": 1460, "profile_views": 200,
        "likes": 146, "comments": 23, "shares": 15,
    }  # fmt: skip
    assert rows[-1]["followers"] == 1055


def test_follower_series_rejects_unknown_granularity(
    connection: DuckDBPyConnection, business: Account
) -> None:
    with pytest.raises(UsageError) as error:
        follower_series(connection, business, MAIN_PERIOD, "hour")
    assert str(error.value) == "granularity must be one of day, week, month"


def test_demographics_from_the_last_snapshot_up_to_the_period_end(
    connection: DuckDBPyConnection, business: Account
) -> None:
    assert demographics(connection, business, MAIN_PERIOD).as_json() == {
        "snapshot_date": date(2026, 3, 30),
        "age": [
            {"value": "25-34", "share": 0.5},
            {"value": "18-24", "share": 0.3},
            {"value": "35-44", "share": 0.2},
        ],
        "city": [
            {"value": "Madrid", "share": 0.4},
            {"value": "Barcelona", "share": 0.3},
            {"value": "Valencia", "share": 0.3},
        ],
        "country": [
            {"value": "ES", "share": 0.7},
            {"value": "MX", "share": 0.2},
            {"value": "AR", "share": 0.1},
        ],
        "gender": [
            {"value": "female", "share": 0.6},
            {"value": "male", "share": 0.35},
            {"value": "other", "share": 0.05},
        ],
        "missing": {},
    }
    earlier = Period(date(2026, 3, 23), date(2026, 3, 25))
    assert demographics(connection, business, earlier).as_json() == {
        "snapshot_date": date(2026, 3, 23),
        "gender": [{"value": "female", "share": 0.5}, {"value": "male", "share": 0.5}],
        "missing": {
            "age": "not in the store: connect the Business API",
            "city": "not in the store: connect the Business API",
            "country": "not in the store: import Studio's Followers export or connect the "
            "Business API",
        },
    }


def test_demographics_unavailable_below_100_followers(
    connection: DuckDBPyConnection, personal: Account
) -> None:
    assert demographics(connection, personal, MAIN_PERIOD).as_json() == {
        "unavailable": "the account has 70 followers; TikTok gives demographics from 100"
    }


def test_demographics_threshold_is_100_followers(store: DuckDBPyConnection) -> None:
    ingest(store, small_batch())
    account = find_account(store, "tiny_shop")
    on_99 = Period(date(2026, 3, 31), date(2026, 3, 31))
    on_100 = Period(date(2026, 4, 1), date(2026, 4, 1))
    assert demographics(store, account, on_99) == Demographics(
        "the account has 99 followers; TikTok gives demographics from 100"
    )
    assert demographics(store, account, on_99).as_json() == {
        "unavailable": "the account has 99 followers; TikTok gives demographics from 100"
    }
    assert demographics(store, account, on_100) == Demographics(
        snapshot_date=date(2026, 3, 31),
        shares={"gender": (Share("female", 0.75), Share("male", 0.25))},
        missing={
            "age": "not in the store: connect the Business API",
            "city": "not in the store: connect the Business API",
            "country": "not in the store: import Studio's Followers export or connect the "
            "Business API",
        },
    )


def test_activity_heatmap_averages_by_weekday_and_hour(
    connection: DuckDBPyConnection, business: Account
) -> None:
    assert utc_heatmap(connection, business, MAIN_PERIOD) == [
        ActiveHour(weekday=0, hour=20, active_followers=150.0),  # Mondays 03-23, 03-30: (100+200)/2
        ActiveHour(weekday=0, hour=21, active_followers=200.0),  # (150 + 250) / 2
        ActiveHour(weekday=1, hour=9, active_followers=40.0),  # Tuesday 03-31 only
    ]  # Sunday 03-22 (999) is before the period


IDLE = "reach/watch time last reported before the period's end (idle > 7 days)"


def test_post_list_default_columns_sorted_by_views(
    connection: DuckDBPyConnection, business: Account
) -> None:
    assert [row.as_json() for row in post_list(connection, business, MAIN_PERIOD, Settings())] == [
        {"post_id": P2, "type": "video", "published": datetime(2026, 3, 22, 23, 30), "views": 600,
         "likes": 50, "comments": 5, "shares": 5, "reach": 400,
         "engagement": pytest.approx(15.0), "flags": IDLE},  # 60 / 400 × 100
        {"post_id": P4, "type": "carousel", "published": datetime(2026, 3, 29, 22, 30),
         "views": 200, "likes": 24, "comments": 2, "shares": 4, "reach": 150,
         "engagement": pytest.approx(20.0), "flags": "deleted"},  # 30 / 150 × 100
        {"post_id": P3, "type": "image", "published": datetime(2026, 3, 26, 10), "views": 100,
         "likes": 15, "comments": 3, "shares": 2, "reach": 80,
         "engagement": pytest.approx(25.0), "flags": "filtered"},  # 20 / 80 × 100
    ]  # fmt: skip


def test_post_list_chosen_columns_in_order_and_sort(
    connection: DuckDBPyConnection, business: Account
) -> None:
    rows = post_list(
        connection, business, MAIN_PERIOD, Settings(),
        columns=("duration", "type", "for_you_share", "total_watch_time"), sort="published",
    )  # fmt: skip
    assert [row.as_json() for row in rows] == [
        {"post_id": P2, "duration": 20.0, "type": "video", "for_you_share": 0.6,
         "total_watch_time": 6000.0, "flags": IDLE},
        {"post_id": P3, "duration": None, "type": "image", "for_you_share": 0.5,
         "total_watch_time": None, "flags": "filtered"},
        {"post_id": P4, "duration": 15.0, "type": "carousel", "for_you_share": 0.65,
         "total_watch_time": 2400.0, "flags": "deleted"},
    ]  # fmt: skip
    assert list(rows[0].as_json()) == [
        "post_id", "duration", "type", "for_you_share", "total_watch_time", "flags",
    ]  # fmt: skip
    by_engagement = post_list(
        connection, business, MAIN_PERIOD, Settings(), columns=("likes",), sort="-engagement"
    )
    assert [row["post_id"] for row in by_engagement] == [P3, P4, P2]  # 25, 20, 15
    by_duration = post_list(
        connection, business, MAIN_PERIOD, Settings(), columns=("likes",), sort="-duration"
    )
    assert [row["post_id"] for row in by_duration] == [P2, P4, P3]  # 20, 15, none last


def test_post_list_business_columns_empty_on_personal_account(
    connection: DuckDBPyConnection, personal: Account
) -> None:
    rows = post_list(connection, personal, MAIN_PERIOD, Settings(), columns=("views", "reach"))
    # Q2, then Q3: published 04-01 21:00 New York, in the period, first read after its end
    assert [row.as_json() for row in rows] == [
        {"post_id": "7100000000000000002", "views": 300, "reach": None, "flags": ""},
        {
            "post_id": "7100000000000000003",
            "views": 20,
            "reach": None,
            "flags": "counters as of 2026-04-02, after the period's end",
        },
    ]


@pytest.mark.parametrize(
    ("columns", "sort", "unknown"),
    [(("views", "bogus"), "-views", "bogus"), (("views",), "-bogus", "bogus")],
)
def test_post_list_unknown_column_is_a_usage_error(
    connection: DuckDBPyConnection,
    business: Account,
    columns: tuple[str, ...],
    sort: str,
    unknown: str,
) -> None:
    with pytest.raises(UsageError) as error:
        post_list(connection, business, MAIN_PERIOD, Settings(), columns=columns, sort=sort)
    known = ", ".join(column.name for column in POST_COLUMNS)
    assert str(error.value) == f"unknown post column(s) {unknown}; choose from {known}"
    assert known.startswith("post_id, caption, link, type, published, views, likes, comments")


def test_data_flags_main_period(connection: DuckDBPyConnection, business: Account) -> None:
    assert data_flags(connection, business, MAIN_PERIOD) == [
        # 03-31 and 04-01 were fetched 04-02 06:00, less than 72 h after they began
        "provisional days (fetched less than 48 h after they ended): 2026-03-31, 2026-04-01",
        # P1 lost 50 views on 03-27 (S4 1040 -> S5 990), though it gained 40 over the period
        "1 post whose lifetime views TikTok corrected downwards during the period",
        # P2: insights last known at S8, counters at S10
        "1 post published in the period whose reach and watch time are last known from before "
        "the period's end (TikTok stops reporting them after 7 idle days)",
        "1 deleted post among those published",  # P4
        "1 filtered post among those published",  # P3
    ]


def test_data_flags_correction_day(connection: DuckDBPyConnection, business: Account) -> None:
    # 03-27: S4 -> S5, P1 1040 -> 990
    assert data_flags(connection, business, Period(date(2026, 3, 27), date(2026, 3, 27))) == [
        "1 post whose lifetime views TikTok corrected downwards during the period",
    ]


def test_data_flags_posts_without_a_start_snapshot(
    connection: DuckDBPyConnection, business: Account
) -> None:
    # 03-13 .. 03-22: P1 (published 03-10) was first read at S0 = 03-23 00:00, the period's end
    assert data_flags(connection, business, MAIN_PERIOD.previous()) == [
        "1 post with no snapshot at the period's start (their gains count from zero)",
    ]


def test_data_flags_idle_post_not_stale_before_insights_stop(
    connection: DuckDBPyConnection, business: Account
) -> None:
    # 03-23 .. 03-30: counters read at S8 = 03-31 00:00, where P2's insights are still known.
    # 03-30 was fetched 04-02 06:00, 54 h after it ended: final.
    assert data_flags(connection, business, Period(date(2026, 3, 23), date(2026, 3, 30))) == [
        # P1 lost 50 views on 03-27 (1040 -> 990), inside this period
        "1 post whose lifetime views TikTok corrected downwards during the period",
        "1 deleted post among those published",
        "1 filtered post among those published",
    ]


def test_compute_metrics_missing_start_counts_lifetime(
    connection: DuckDBPyConnection, business: Account
) -> None:
    values = compute_metrics(connection, business, MAIN_PERIOD.previous(), Settings())
    # 03-13 .. 03-22: S0 is the only reading by the end: P1 1000 views, P2 50 views, from zero
    assert (values["views_gained"].value, values["posts_viewed"].value) == (1050, 2)
    # the day before (03-12) is unknown: growth from the first known day, saying so
    growth = values["followers_growth"]
    assert (values["followers"].value, growth.value) == (1000, 0)
    assert growth.note == (
        "from 2026-03-22, the first day of the period with a follower count (the day before "
        "the period is not in the store)"
    )


def test_metric_rows_missing_value_has_a_note(
    connection: DuckDBPyConnection, business: Account
) -> None:
    rows = metric_rows(connection, business, MAIN_PERIOD, Settings(), section="posts published")
    sound = next(row for row in rows if row["metric"] == "views_from_sound")
    assert (sound["value"], sound["note"], sound["missing"]) == (
        None, f"{NOT_STORED}connect the Business API", f"{NOT_STORED}connect the Business API"
    )  # fmt: skip


def test_find_account_needs_a_handle_when_several(connection: DuckDBPyConnection) -> None:
    with pytest.raises(UsageError) as error:
        find_account(connection, None)
    assert str(error.value) == (
        "the store has several accounts; choose one with --account (casa_verde, pepa_personal)"
    )
    assert find_account(connection, "@casa_verde") == Account(
        "acc_business", "casa_verde", "business", "Europe/Madrid"
    )
