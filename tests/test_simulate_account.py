from __future__ import annotations

import math
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pytest

from factories import dump
from tikscope.simulate.audience_stats import (
    COUNTRY_TIME_ZONES,
    LOCAL_ACTIVITY,
    build_follower_activity,
)
from tikscope.simulate.config import SimulationConfig
from tikscope.simulate.posts import SOURCES
from tikscope.simulate.run import build_batch, simulate_into_store, simulated_account_id
from tikscope.simulate.vocabulary import OWNER_REPLIES

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

Tables = dict[str, pa.Table]
Row = dict[str, Any]

CONFIG = SimulationConfig(seed=3, days=120, posts=80, members=3000, end_date=date(2026, 11, 21))
# Seed 9 plants four downward corrections, two of which show in the snapshots, and deletes a post.
OTHER_SEED = replace(CONFIG, seed=9)
# Seed 30 draws a post deleted on the first simulated day (deleted_day == 0).
DELETED_ON_FIRST_DAY = replace(CONFIG, seed=30)
SHIFT = timedelta(days=35)
# Lifetime counters of post_snapshots and the daily account_daily column they add up to.
COUNTERS = {"views": "video_views", "likes": "likes", "comments": "comments", "shares": "shares"}
WATCH = ("total_time_watched_seconds", "average_time_watched_seconds", "full_video_watched_rate")
# The fields TikTok drops after 7 days without views.
INSIGHTS = (
    "reach",
    *WATCH,
    *(f"source_{name}" for name in SOURCES),
    "viewers_new",
    "viewers_returning",
    "viewers_follower",
    "viewers_non_follower",
    "viewers_female",
    "viewers_male",
    "viewers_other",
    "viewer_countries",
    "retention",
)


@pytest.fixture(scope="module")
def business() -> Tables:
    return dict(build_batch(CONFIG).tables)


@pytest.fixture(scope="module")
def other_seed() -> Tables:
    return dict(build_batch(OTHER_SEED).tables)


@pytest.fixture(scope="module")
def deleted_on_first_day() -> Tables:
    return dict(build_batch(DELETED_ON_FIRST_DAY).tables)


@pytest.fixture(scope="module")
def personal() -> Tables:
    return dict(build_batch(replace(CONFIG, account_type="personal")).tables)


def snapshots_by_post(tables: Tables) -> dict[str, list[Row]]:
    """Each post's snapshots, oldest first."""
    series: dict[str, list[Row]] = defaultdict(list)
    rows = tables["post_snapshots"].to_pylist()
    for row in sorted(rows, key=lambda row: (row["post_id"], row["captured_at"])):
        series[row["post_id"]].append(row)
    return dict(series)


def column_dict(table: pa.Table, key: str, value: str) -> dict[Any, Any]:
    return dict(zip(table[key].to_pylist(), table[value].to_pylist(), strict=True))


def planted_fact(tables: Tables, name: str) -> int:
    return int(column_dict(tables["planted_facts"], "name", "value")[name])


def final_views(tables: Tables) -> list[int]:
    return [rows[-1]["views"] for rows in snapshots_by_post(tables).values()]


def posts_with_a_decrease(tables: Tables) -> list[list[int]]:
    """The view series of every post whose views ever fall."""
    series = [[row["views"] for row in rows] for rows in snapshots_by_post(tables).values()]
    return [views for views in series if any(b < a for a, b in pairwise(views))]


def day_end(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time())


# Determinism


def test_build_batch_same_config_gives_identical_tables(business: Tables) -> None:
    again = build_batch(CONFIG).tables
    assert list(again) == list(business)
    assert [name for name in business if not again[name].equals(business[name])] == []


def test_build_batch_other_seed_gives_other_posts_and_views(
    business: Tables, other_seed: Tables
) -> None:
    ids = set(business["posts"]["post_id"].to_pylist())
    assert ids.isdisjoint(other_seed["posts"]["post_id"].to_pylist())
    assert sorted(final_views(business)) != sorted(final_views(other_seed))


def test_build_batch_end_date_shifts_dates_only(business: Tables) -> None:
    shifted = build_batch(replace(CONFIG, end_date=CONFIG.end_date + SHIFT)).tables
    assert shifted["post_snapshots"]["views"].equals(business["post_snapshots"]["views"])
    changed_numbers, wrong_dates = [], []
    for name, table in business.items():
        temporal = [field.name for field in table.schema if pa.types.is_temporal(field.type)]
        rest = [column for column in table.column_names if column not in temporal]
        if not shifted[name].select(rest).equals(table.select(rest)):
            changed_numbers.append(name)
        for column in temporal:
            moved = [
                None if value is None else value + SHIFT for value in table[column].to_pylist()
            ]
            if shifted[name][column].to_pylist() != moved:
                wrong_dates.append(f"{name}.{column}")
    # NOTE: hourly follower activity follows daylight saving time, so moving the window across a
    # different DST change moves activity between UTC hours; only its dates are compared.
    assert changed_numbers == ["follower_activity"]
    assert wrong_dates == []


def test_simulate_into_store_twice_changes_nothing(store: DuckDBPyConnection) -> None:
    assert simulate_into_store(store, CONFIG).changed
    before = dump(store)
    again = simulate_into_store(store, CONFIG)
    assert not again.changed
    assert dump(store) == before


# Posts


def test_posts_views_are_heavy_tailed(business: Tables) -> None:
    views = sorted(final_views(business), reverse=True)
    assert len(views) == CONFIG.posts
    assert sum(views[: len(views) // 10]) > 0.35 * sum(views)


def test_posts_include_images_and_carousels(business: Tables) -> None:
    kinds = Counter(business["posts"]["media_type"].to_pylist())
    assert set(kinds) == {"video", "image", "carousel"}
    assert kinds["video"] > kinds["image"] + kinds["carousel"]


def test_post_snapshots_images_have_no_duration_or_watch_time(business: Tables) -> None:
    posts = {row["post_id"]: row for row in business["posts"].to_pylist()}
    images = {post for post, row in posts.items() if row["media_type"] == "image"}
    assert images
    assert {posts[post]["duration_seconds"] for post in images} == {None}
    cells = {
        row[name]
        for row in business["post_snapshots"].to_pylist()
        if row["post_id"] in images
        for name in WATCH
    }
    assert cells == {None}


def test_post_snapshots_watch_time_fits_duration(business: Tables) -> None:
    durations = column_dict(business["posts"], "post_id", "duration_seconds")
    watched = [
        row
        for row in business["post_snapshots"].to_pylist()
        if row["average_time_watched_seconds"] is not None
    ]
    assert len(watched) > 1000
    too_long = [
        row
        for row in watched
        if row["average_time_watched_seconds"] > 1.5 * durations[row["post_id"]]
    ]
    assert too_long == []
    inconsistent = [
        row
        for row in watched
        if not math.isclose(
            row["total_time_watched_seconds"],
            row["views"] * row["average_time_watched_seconds"],
            rel_tol=1e-3,
            abs_tol=1e-3,
        )
    ]
    assert inconsistent == []


def test_post_snapshots_full_watch_rate_is_a_fraction(business: Tables) -> None:
    rates = business["post_snapshots"]["full_video_watched_rate"].to_pylist()
    known = [rate for rate in rates if rate is not None]
    assert known
    assert all(0 <= rate <= 1 for rate in known)


def test_post_snapshots_sources_sum_to_one(business: Tables) -> None:
    columns = [f"source_{name}" for name in SOURCES]
    rows = business["post_snapshots"].select(columns).to_pylist()
    reported = [row for row in rows if row["source_for_you"] is not None]
    assert reported
    assert [sum(row.values()) for row in reported if abs(sum(row.values()) - 1) > 1e-3] == []


def test_post_snapshots_for_you_share_varies_between_posts(business: Tables) -> None:
    first_share = {}
    for post, rows in snapshots_by_post(business).items():
        shares = [row["source_for_you"] for row in rows if row["source_for_you"] is not None]
        first_share[post] = shares[0]
    assert statistics.pstdev(first_share.values()) > 0.03


@pytest.mark.parametrize("batch", ["business", "other_seed"])
def test_post_snapshots_views_fall_only_at_planted_corrections(
    batch: str, request: pytest.FixtureRequest
) -> None:
    tables = request.getfixturevalue(batch)
    falling = posts_with_a_decrease(tables)
    planted = planted_fact(tables, "downward_corrections")
    assert len(falling) <= planted
    # A correction removes 3% of the views so far.
    drops = [(a, b) for views in falling for a, b in pairwise(views) if b < a]
    assert [(a, b) for a, b in drops if b < math.floor(a * 0.97) - 1] == []


@pytest.mark.parametrize("batch", ["business", "other_seed"])
def test_planted_facts_downward_corrections_show_in_snapshots(
    batch: str, request: pytest.FixtureRequest
) -> None:
    # Ground truth for detecting corrections: each planted one should be visible in the data.
    tables = request.getfixturevalue(batch)
    visible = len(posts_with_a_decrease(tables))
    planted = planted_fact(tables, "downward_corrections")
    assert visible == planted


def test_post_snapshots_views_accrue_after_posting(business: Tables) -> None:
    created = column_dict(business["posts"], "post_id", "create_time")
    day_one, day_seven = [], []
    for post, rows in snapshots_by_post(business).items():
        times = [row["captured_at"] for row in rows]
        assert created[post] < times[0] <= created[post] + timedelta(days=1)
        assert {b - a for a, b in pairwise(times)} <= {timedelta(days=1)}
        if len(rows) >= 7 and rows[-1]["views"] > 0:
            day_one.append(rows[0]["views"] / rows[-1]["views"])
            day_seven.append(rows[6]["views"] / rows[-1]["views"])
    assert len(day_one) > CONFIG.posts // 2
    assert statistics.median(day_one) < statistics.median(day_seven) <= 1


@pytest.mark.parametrize("batch", ["other_seed", "deleted_on_first_day"])
def test_posts_deleted_posts_have_snapshots_before_deletion(
    batch: str, request: pytest.FixtureRequest
) -> None:
    # docs/schema.md: a post is deleted "after tikscope had seen it; its row and snapshots are kept".
    tables = request.getfixturevalue(batch)
    deleted = {row["post_id"] for row in tables["posts"].to_pylist() if row["is_deleted"]}
    planted = planted_fact(tables, "deleted_posts")
    assert len(deleted) == planted
    assert deleted - set(snapshots_by_post(tables)) == set()


# Idle posts


def idle_flags(tables: Tables) -> dict[str, list[bool]]:
    """Per post and snapshot: whether the views stayed the same over the last 7 days."""
    flags = {}
    for post, rows in snapshots_by_post(tables).items():
        views = [0] * 7 + [row["views"] for row in rows]  # no views before posting
        flags[post] = [len(set(views[index : index + 8])) == 1 for index in range(len(rows))]
    return flags


def test_post_snapshots_drop_reach_exactly_after_seven_idle_days(business: Tables) -> None:
    idle = idle_flags(business)
    reach_missing = {
        post: [row["reach"] is None and row["views"] is not None for row in rows]
        for post, rows in snapshots_by_post(business).items()
    }
    assert any(any(flags) for flags in idle.values())
    assert any(not all(flags) for flags in idle.values())
    assert reach_missing == idle


def test_post_snapshots_drop_all_insights_with_reach(business: Tables) -> None:
    media = column_dict(business["posts"], "post_id", "media_type")
    wrong = []
    for post, rows in snapshots_by_post(business).items():
        for row in rows:
            expected = {name for name in INSIGHTS if row["reach"] is None}
            if media[post] == "image":
                expected |= {*WATCH, "retention"}
            if {name for name in INSIGHTS if row[name] is None} != expected:
                wrong.append((post, row["captured_at"]))
            elif row["reach"] is not None and row["reach"] > row["views"]:
                wrong.append((post, row["captured_at"], "reach > views"))
    assert wrong == []


# account_daily


def test_account_daily_followers_add_up(business: Tables) -> None:
    rows = business["account_daily"].to_pylist()
    assert [row["date"] for row in rows] == [
        CONFIG.start_date + timedelta(days=index) for index in range(CONFIG.days)
    ]
    wrong = [
        today["date"]
        for yesterday, today in pairwise(rows)
        if today["followers_count"]
        != yesterday["followers_count"]
        + today["daily_new_followers"]
        - today["daily_lost_followers"]
    ]
    assert wrong == []
    assert rows[-1]["followers_count"] == CONFIG.followers_at_end


def test_account_daily_gains_and_loses_followers_on_most_days(business: Tables) -> None:
    rows = business["account_daily"].to_pylist()
    assert sum(row["daily_new_followers"] > 0 for row in rows) > 0.6 * len(rows)
    assert sum(row["daily_lost_followers"] > 0 for row in rows) > 0.6 * len(rows)


def test_account_daily_follower_changes_match_planted_events(business: Tables) -> None:
    events = Counter(
        (row["event_date"], row["event"]) for row in business["planted_follower_events"].to_pylist()
    )
    rows = business["account_daily"].to_pylist()
    assert [row["daily_new_followers"] for row in rows] == [
        events[(row["date"], "follow")] for row in rows
    ]
    assert [row["daily_lost_followers"] for row in rows] == [
        events[(row["date"], "unfollow")] for row in rows
    ]


def test_planted_follower_events_refollowers_match_planted_facts(business: Tables) -> None:
    history: dict[int, list[tuple[date, str]]] = defaultdict(list)
    for row in business["planted_follower_events"].to_pylist():
        history[row["follower_key"]].append((row["event_date"], row["event"]))
    refollowers = [
        key
        for key, events in history.items()
        if any(
            left == "unfollow" and back == "follow" and back_day > left_day
            for left_day, left in events
            for back_day, back in events
        )
    ]
    planted = planted_fact(business, "refollowers")
    assert len(refollowers) > 0
    assert len(refollowers) == planted


def test_audience_members_followed_at_is_their_last_follow(business: Tables) -> None:
    last: dict[int, Row] = {}
    events = business["planted_follower_events"].to_pylist()
    for row in sorted(events, key=lambda row: (row["event_date"], row["event"] == "follow")):
        last[row["follower_key"]] = row
    wrong = []
    for member in business["audience_members"].to_pylist():
        event = last.get(member["member_key"])
        followed = member["followed_at"].date()
        if event is None and followed >= CONFIG.start_date:
            wrong.append(member["member_key"])
        if event is not None and (event["event"], event["event_date"]) != ("follow", followed):
            wrong.append(member["member_key"])
    assert wrong == []


@pytest.mark.parametrize("batch", ["business", "other_seed", "deleted_on_first_day"])
def test_account_daily_counters_equal_gains_of_post_snapshots(
    batch: str, request: pytest.FixtureRequest
) -> None:
    tables = request.getfixturevalue(batch)
    daily = tables["account_daily"].to_pydict()
    series = snapshots_by_post(tables)
    gained, reported = {}, {}
    for name, column in COUNTERS.items():
        # A post's first snapshot counts in full; a downward correction is not a negative gain.
        gained[name] = sum(
            rows[0][name] + sum(max(0, b[name] - a[name]) for a, b in pairwise(rows))
            for rows in series.values()
        )
        reported[name] = sum(daily[column])
    assert reported == gained


def test_account_daily_last_two_days_are_provisional(business: Tables) -> None:
    rows = business["account_daily"].to_pylist()
    lags = [row["captured_at"] - day_end(row["date"]) for row in rows[-2:]]
    assert all(timedelta(0) <= lag < timedelta(hours=48) for lag in lags)
    # Both were read at the last sync, the latest capture of all.
    last_sync = max(row["captured_at"] for row in rows)
    assert [row["captured_at"] for row in rows[-2:]] == [last_sync, last_sync]
    assert [row["date"] for row in rows if row["captured_at"] < day_end(row["date"])] == []


def test_account_daily_days_before_the_last_two_are_final(business: Tables) -> None:
    # capture_times: "The last two days are therefore provisional"; TikTok's numbers are final
    # only 24-48 h after the day ends.
    rows = business["account_daily"].to_pylist()
    provisional = [
        row["date"]
        for row in rows
        if row["captured_at"] - day_end(row["date"]) < timedelta(hours=48)
    ]
    assert provisional == [CONFIG.end_date - timedelta(days=1), CONFIG.end_date]


# Personal accounts


def test_build_batch_personal_post_snapshots_have_display_api_columns(personal: Tables) -> None:
    assert personal["post_snapshots"].column_names == [
        "post_id",
        "captured_at",
        "views",
        "likes",
        "comments",
        "shares",
    ]
    assert personal["post_snapshots"].num_rows > 0


def test_build_batch_personal_account_daily_has_followers_only(personal: Tables) -> None:
    assert personal["account_daily"].column_names == ["date", "followers_count", "captured_at"]
    assert personal["account_daily"].num_rows == CONFIG.days


def test_build_batch_personal_has_no_audience_insights(personal: Tables, business: Tables) -> None:
    assert {"audience_snapshots", "follower_activity"} <= set(business)
    assert {"audience_snapshots", "follower_activity"} & set(personal) == set()


# Follower activity


def local_hour(day: date, hour: int, zone: str) -> int:
    moment = datetime.combine(day, time(hour), tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(ZoneInfo(zone)).hour


def hourly_activity(table: pa.Table) -> dict[date, list[int]]:
    days: dict[date, list[int]] = defaultdict(lambda: [0] * 24)
    for row in table.to_pylist():
        days[row["date"]][row["hour"]] += row["active_followers"]
    return dict(days)


@pytest.mark.parametrize("country", ["US", "ES", "BR", "GB", "JP", "AU"])
def test_follower_activity_peaks_in_the_local_evening(country: str) -> None:
    followers = np.full(CONFIG.days, 5000)
    table = build_follower_activity(
        {country: 1.0}, followers, CONFIG.start_date, np.random.default_rng(1)
    )
    zone = COUNTRY_TIME_ZONES[country]
    peaks = {
        local_hour(day, hours.index(max(hours)), zone)
        for day, hours in hourly_activity(table).items()
    }
    assert peaks <= set(range(18, 24))


def test_follower_activity_follows_daylight_saving_time() -> None:
    followers = np.full(CONFIG.days, 5000)
    table = build_follower_activity(
        {"ES": 1.0}, followers, CONFIG.start_date, np.random.default_rng(1)
    )
    summer, winter = [0] * 24, [0] * 24
    for day, hours in hourly_activity(table).items():
        season = summer if day < date(2026, 10, 25) else winter
        for hour, active in enumerate(hours):
            season[hour] += active
    # 21:00 in Madrid is 19:00 UTC in summer time (UTC+2) and 20:00 UTC in winter (UTC+1).
    assert (summer.index(max(summer)), winter.index(max(winter))) == (19, 20)


def test_follower_activity_matches_audience_time_zones(business: Tables) -> None:
    counts = Counter(business["audience_members"]["country"].to_pylist())
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:10]
    total = sum(count for _, count in top)
    followers = column_dict(business["account_daily"], "date", "followers_count")
    expected, actual = [0.0] * 24, [0] * 24
    for day, hours in hourly_activity(business["follower_activity"]).items():
        for hour in range(24):
            actual[hour] += hours[hour]
            expected[hour] += followers[day] * sum(
                count / total * LOCAL_ACTIVITY[local_hour(day, hour, COUNTRY_TIME_ZONES[country])]
                for country, count in top
            )
    assert [hour for hour in range(24) if abs(actual[hour] / expected[hour] - 1) > 0.02] == []


def test_follower_activity_never_exceeds_followers(business: Tables) -> None:
    followers = column_dict(business["account_daily"], "date", "followers_count")
    activity = hourly_activity(business["follower_activity"])
    assert sorted(activity) == sorted(followers)
    assert [day for day, hours in activity.items() if max(hours) > followers[day]] == []


# Comments


def test_comments_languages_include_english_spanish_portuguese(business: Tables) -> None:
    assert {"en", "es", "pt"} <= set(business["comments"]["language"].to_pylist())


def test_planted_comment_sentiment_has_every_sentiment(business: Tables) -> None:
    truth = business["planted_comment_sentiment"].to_pylist()
    assert sorted(row["comment_id"] for row in truth) == sorted(
        business["comments"]["comment_id"].to_pylist()
    )
    shares = Counter(row["sentiment"] for row in truth)
    assert set(shares) == {"positive", "neutral", "negative"}
    assert [name for name, count in shares.items() if count < 0.08 * len(truth)] == []


def test_comments_authors_are_pseudonyms(business: Tables) -> None:
    comments = business["comments"].to_pylist()
    authors = {row["author_id"] for row in comments}
    assert [author for author in authors if not re.fullmatch(r"p_[0-9a-f]{20}", author)] == []
    texts = {CONFIG.handle, f"@{CONFIG.handle}"}
    texts |= set(business["audience_members"]["bio"].to_pylist())
    texts |= set(business["outside_accounts"]["handle"].to_pylist())
    assert authors & texts == set()
    owners = {row["author_id"] for row in comments if row["is_owner"]}
    others = {row["author_id"] for row in comments if not row["is_owner"]}
    assert len(owners) == 1
    assert owners & others == set()


def test_comments_replies_point_to_comments_of_the_same_post(business: Tables) -> None:
    comments = {row["comment_id"]: row for row in business["comments"].to_pylist()}
    replies = [row for row in comments.values() if row["parent_comment_id"] is not None]
    assert replies
    orphans = [
        row["comment_id"]
        for row in replies
        if row["parent_comment_id"] not in comments
        or comments[row["parent_comment_id"]]["post_id"] != row["post_id"]
        or comments[row["parent_comment_id"]]["create_time"] > row["create_time"]
    ]
    assert orphans == []
    counted = Counter(row["parent_comment_id"] for row in replies)
    assert {
        comment_id: row["replies"] for comment_id, row in comments.items() if row["replies"]
    } == dict(counted)


def test_comments_come_after_their_post(business: Tables) -> None:
    created = column_dict(business["posts"], "post_id", "create_time")
    comments = business["comments"].to_pylist()
    assert comments
    early = [row["comment_id"] for row in comments if row["create_time"] < created[row["post_id"]]]
    assert early == []
    assert max(row["create_time"] for row in comments) <= day_end(CONFIG.end_date)


# Demographics


def audience_sums(tables: Tables) -> dict[tuple[date, str], float]:
    sums: dict[tuple[date, str], float] = defaultdict(float)
    for row in tables["audience_snapshots"].to_pylist():
        sums[(row["snapshot_date"], row["dimension"])] += row["share"]
    return dict(sums)


def test_audience_snapshots_shares_sum_to_at_most_one(business: Tables) -> None:
    sums = audience_sums(business)
    assert {dimension for _, dimension in sums} == {"gender", "age", "country", "city"}
    assert {key: total for key, total in sums.items() if total > 1 + 1e-6} == {}


def test_audience_snapshots_gender_sums_to_one(business: Tables) -> None:
    sums = audience_sums(business)
    genders = [total for (_, dimension), total in sums.items() if dimension == "gender"]
    assert len(genders) == math.ceil(CONFIG.days / 7)
    assert [total for total in genders if abs(total - 1) > 1e-3] == []


# Store


def test_simulate_into_store_fills_account_id_everywhere(
    store: DuckDBPyConnection, business: Tables
) -> None:
    simulate_into_store(store, CONFIG)
    account = simulated_account_id(CONFIG)
    found = {
        name: store.execute(f"SELECT account_id, count(*) FROM {name} GROUP BY ALL").fetchall()
        for name in business
    }
    assert found == {name: [(account, table.num_rows)] for name, table in business.items()}


def test_owner_replies_are_planted_with_their_own_sentiment(business: Tables) -> None:
    """A reply such as "Sorry to hear that, please DM us" is neutral, not praise."""
    planted = {
        row["comment_id"]: row["sentiment"]
        for row in business["planted_comment_sentiment"].to_pylist()
    }
    owner = [row for row in business["comments"].to_pylist() if row["is_owner"]]
    assert owner
    wrong = [
        row["text"]
        for row in owner
        if planted[row["comment_id"]] != OWNER_REPLIES[row["language"]][row["text"]]
    ]
    assert wrong == []
    assert {planted[row["comment_id"]] for row in owner} == {"positive", "neutral"}
