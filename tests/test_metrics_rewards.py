"""Creator rewards: each rule judged on the store's data, and earnings as a range per post and month."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from tikscope.cli.main import main
from tikscope.errors import UsageError
from tikscope.metrics.periods import Period
from tikscope.metrics.query import find_account
from tikscope.metrics.rewards import (
    PROGRAMS,
    WINDOW_DAYS,
    earnings,
    eligibility,
    program,
    rolling_views,
    threshold_rule,
)
from tikscope.simulate.config import SimulationConfig
from tikscope.simulate.run import simulate_into_store
from tikscope.store.db import open_store

END = date(2026, 11, 20)
STUDIO = Path(__file__).parent / "fixtures" / "files" / "studio_en"


def days_from(first: date, count: int) -> list[date]:
    return [first + timedelta(days=index) for index in range(count)]


def test_rolling_views_need_every_day_of_the_window() -> None:
    days = days_from(date(2026, 1, 1), 40)
    daily: list[int | None] = [1_000 * (index + 1) for index in range(40)]
    sums = rolling_views(daily, days)
    assert sums[: WINDOW_DAYS - 1] == [None] * (WINDOW_DAYS - 1)
    assert sums[WINDOW_DAYS - 1] == sum(daily[:WINDOW_DAYS])  # type: ignore[arg-type]
    assert sums[39] == sum(daily[10:40])  # type: ignore[arg-type]
    daily[35] = None  # a day without views breaks every window that holds it
    assert rolling_views(daily, days)[35:] == [None] * 5


def test_a_threshold_rule_says_by_how_much_and_since_when() -> None:
    days = days_from(date(2026, 3, 1), 6)
    values: list[int | None] = [9_000, 10_500, 9_999, 10_000, 10_200, 12_000]
    rule = threshold_rule("followers", "Followers", 10_000, days, values, days[-1], needs=())
    assert (rule.met, rule.value, rule.margin, rule.since, rule.since_start) == (
        True, 12_000, 2_000, date(2026, 3, 4), False)  # fmt: skip
    always = threshold_rule("followers", "Followers", 5_000, days, values, days[-1], needs=())
    assert (always.since, always.since_start) == (days[0], True)
    short = threshold_rule("followers", "Followers", 13_000, days, values, days[-1], needs=())
    assert (short.met, short.margin, short.since) == (False, -1_000, None)


def test_a_rule_without_data_names_what_would_provide_it() -> None:
    rule = threshold_rule("followers", "Followers", 10_000, [], [], date(2026, 3, 1),
                          needs=("account_daily.followers_count",))  # fmt: skip
    assert rule.met is None
    assert rule.reason == (
        "not in the store for this period: import Studio's Followers export or connect the "
        "Business API"
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("rewards") / "store.duckdb"
    with open_store(db, create=True) as connection:
        simulate_into_store(connection, SimulationConfig(
            seed=5, handle="casa_verde_demo", days=90, posts=40, members=0, end_date=END))  # fmt: skip
    return db


def test_eligibility_reads_the_store_and_never_guesses_age(store: Path) -> None:
    with open_store(store) as connection:
        account = find_account(connection, None)
        judged = eligibility(connection, account, PROGRAMS["creator_rewards"], END)
        followers, views = connection.execute(
            "SELECT arg_max(followers_count, date), sum(video_views) FILTER (WHERE date > ?) "
            "FROM account_daily WHERE account_id = ? AND date <= ?",
            [END - timedelta(days=WINDOW_DAYS), account.account_id, END],
        ).fetchall()[0]
        long = connection.execute(
            "SELECT count(*) FILTER (WHERE duration_seconds > 60) FROM posts "
            "WHERE account_id = ? AND create_time::DATE > ?",
            [account.account_id, END - timedelta(days=WINDOW_DAYS)],
        ).fetchall()[0][0]
    rules = {rule.key: rule for rule in judged.rules}
    assert list(rules) == ["age", "followers", "views_30_days", "original", "long_videos"]
    assert rules["age"].met is None and "never infers" in (rules["age"].reason or "")
    assert rules["original"].met is None
    assert rules["followers"].value == followers
    assert rules["followers"].met is (followers >= 10_000)
    assert rules["views_30_days"].value == views
    assert rules["views_30_days"].margin == views - 100_000
    assert rules["long_videos"].value == long
    assert judged.eligible is (False if any(r.met is False for r in judged.rules) else None)


def test_earnings_add_up_and_count_only_what_the_program_pays_for(store: Path) -> None:
    period = Period(END - timedelta(days=59), END)
    with open_store(store) as connection:
        account = find_account(connection, None)
        rewards = earnings(connection, account, PROGRAMS["creator_rewards"], period)
        fund = earnings(connection, account, PROGRAMS["creator_fund"], period)
    assert len(rewards.months) == 3  # September (cut), October, November (cut)
    assert rewards.total.views == sum(post.views for post in rewards.posts) > 0
    # Months add up to the period but for views TikTok corrected downwards inside one month
    # (a post's loss in a month earns nothing there): the simulator plants a few.
    months = sum(month.views for month in rewards.months)
    assert rewards.total.views <= months <= rewards.total.views * 1.001
    assert rewards.total.qualifying_views == pytest.approx(
        sum(post.qualifying_views for post in rewards.posts)
    )
    for post in rewards.posts:
        if (post.seconds or 0) <= 60:
            assert post.qualifying_views == 0
        else:
            assert 0 < post.qualifying_views <= post.views
        assert post.low == pytest.approx(post.qualifying_views / 1000 * 0.40)
        assert post.high == pytest.approx(post.qualifying_views / 1000 * 1.00)
    assert fund.total.qualifying_views == fund.total.views  # any length, every view
    assert fund.total.high == pytest.approx(fund.total.views / 1000 * 0.04)


def test_a_rate_range_given_by_the_user_is_checked_and_named() -> None:
    chosen = program("creator_rewards", rate_low=0.5, rate_high=0.7)
    assert (chosen.rate_low, chosen.rate_high, chosen.rate_source) == (
        0.5, 0.7, "given by the user")  # fmt: skip
    with pytest.raises(UsageError, match="0 <= low <= high"):
        program("creator_rewards", rate_low=2, rate_high=1)
    with pytest.raises(UsageError, match="unknown program 'fund'"):
        program("fund")


def test_rewards_command_in_an_80_column_terminal(
    store: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["rewards", "--db", str(store), "--last", "60"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("@casa_verde_demo: Creator Rewards Program on 2026-11-20")
    assert "not a promise of payment" in out and "reported by third parties" in out
    assert all(len(line) <= 80 for line in out.splitlines() if "│" in line or "─" in line)
    assert main(["rewards", "--db", str(store), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["eligibility"]["eligible"] in (False, None)
    assert data["earnings"]["program"]["key"] == "creator_rewards"
    assert main(["rewards", "--db", str(store), "--format", "csv"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert header == "post,seconds,views,qualifying,estimate,link"
    assert main(["rewards", "--db", str(store), "--program", "nope"]) == 2
    assert capsys.readouterr().err == (
        "error: unknown program 'nope'; choose from creator_rewards, creator_fund\n")  # fmt: skip


def test_a_studio_only_creator_gets_the_rules_studio_can_tell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "store.duckdb"
    monkeypatch.setenv("TIKSCOPE_KEY_FILE", str(tmp_path / "secret.key"))
    monkeypatch.setenv("TIKSCOPE_NOW", "2026-05-03T08:00:00")
    assert main(["import", str(STUDIO), "--db", str(db), "--account", "creator_one"]) == 0
    capsys.readouterr()
    assert main(["rewards", "--db", str(db), "--from", "2026-04-28", "--to", "2026-04-30",
                 "--format", "json"]) == 0  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    rules = {rule["key"]: rule for rule in data["eligibility"]["rules"]}
    assert (rules["followers"]["value"], rules["followers"]["met"]) == (15234, True)
    assert rules["views_30_days"]["met"] is None
    assert "fewer than 30 days of video views" in rules["views_30_days"]["reason"]
    assert data["earnings"]["reason"].startswith("not in the store for this period:")
