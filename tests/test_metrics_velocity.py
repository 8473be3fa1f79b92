"""Velocity: a fresh post against the account's own posts at the same age."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

import web_support
from tikscope.errors import UsageError
from tikscope.metrics.velocity import compare, post_velocity, views_at
from tikscope.store.db import open_store
from tikscope.store.intraday import write_intraday
from tikscope.web.state import WebConfig
from web_support import WebStore

NOW = datetime(2026, 5, 10, 12, 0)
HOUR = timedelta(hours=1)


def reads(
    post_id: str, published: datetime, per_hour: int, hours: float
) -> list[dict[str, object]]:
    """Reads every 5 minutes of a post gaining `per_hour` views an hour."""
    return [
        {"account_id": "a", "post_id": post_id, "captured_at": published + step * timedelta(minutes=5),
         "published_at": published, "views": per_hour * step // 12, "likes": 0, "comments": 0,
         "shares": 0}
        for step in range(1, int(hours * 12) + 1)
    ]  # fmt: skip


def test_velocity_against_the_accounts_earlier_posts(tmp_path: Path) -> None:
    with open_store(tmp_path / "store.duckdb", create=True) as connection:
        for number in range(1, 7):  # earlier posts: 1,000 to 6,000 views an hour for 3 hours
            published = NOW - timedelta(days=number)
            write_intraday(connection, reads(f"old{number}", published, 1_000 * number, 3))
        fresh = NOW - 2.5 * HOUR
        write_intraday(connection, reads("fresh", fresh, 7_100, 2.5))
        found = post_velocity(connection, "a", "fresh", now=NOW)
        with pytest.raises(UsageError, match="not a post of this account"):
            post_velocity(connection, "a", "missing", now=NOW)
    assert found.age == 2.5 * HOUR
    assert [item.sentence for item in found.comparisons] == [
        "at 1 h: 7,100 views, 2.0× your median post at 1 h (top 15%)",
        "at 2 h: 14,200 views, 2.0× your median post at 2 h (top 15%)",
    ]
    second = found.comparisons[1]
    assert (second.history, second.median, second.band_low, second.band_high) == (
        6, 7_000, 3_000, 11_000,
    )  # fmt: skip


def test_velocity_says_when_history_is_too_short() -> None:
    item = compare(2 * HOUR, 14_200, [1_000, 2_000, 3_000])
    assert item.sentence == (
        "at 2 h: 14,200 views; history too short to compare (3 earlier posts with views at 2 h, "
        "5 needed)"
    )
    assert (item.median, item.ratio, item.top_percent) == (None, None, None)


def test_views_at_needs_reads_near_the_age() -> None:
    daily = [(0.0, 0), (14 * 3600.0, 9_000), (38 * 3600.0, 15_000)]
    assert views_at(daily, 2 * HOUR) is None  # 14 h between reads: no fair straight line
    assert views_at(daily, 24 * HOUR) is None
    close = [(0.0, 0), (3300.0, 1_100), (3900.0, 1_300)]
    assert views_at(close, HOUR) == 1_200


def test_velocity_api(web_store: WebStore) -> None:
    now = web_support.NOW
    with open_store(web_store.path) as connection:
        found = connection.execute(
            "SELECT account_id FROM accounts WHERE handle = 'casa_verde_demo'"
        ).fetchone()
        assert found is not None
        rows = []
        for number in range(1, 7):
            rows += reads(f"old{number}", now - timedelta(days=number), 1_000 * number, 3)
        rows += reads("fresh", now - 1.5 * HOUR, 7_100, 1.5)
        write_intraday(connection, [{**row, "account_id": found[0]} for row in rows])
    config = WebConfig(db=web_store.path, secure_cookies=False, clock=lambda: now)
    with web_support.serve(config) as origin, httpx.Client(base_url=origin, timeout=30) as browser:
        web_support.login(browser, "olivia")
        base = "/api/workspaces/agency/accounts/casa_verde_demo/posts"
        answer = browser.get(f"{base}/fresh/velocity").json()
        missing = browser.get(f"{base}/nothing/velocity")
    assert (answer["post_id"], answer["age_seconds"]) == ("fresh", 5_400.0)
    assert [item["sentence"] for item in answer["comparisons"]] == [
        "at 1 h: 7,100 views, 2.0× your median post at 1 h (top 15%)"
    ]
    assert answer["curve"][:3] == [[0.0, 0], [300.0, 591], [600.0, 1_183]]
    assert missing.status_code == 404
