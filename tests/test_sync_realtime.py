"""Real-time refreshes over real sockets: the live fake on a fast clock, the server's scheduler."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path

import httpx
import pytest

from realtime_support import connect_live_accounts
from tikscope.cli.main import main
from tikscope.errors import UsageError
from tikscope.fake.app import serve_app_in_thread
from tikscope.fake.live import AppCounter, create_live_app, live_accounts, views_at
from tikscope.store.db import open_store
from tikscope.store.intraday import change_lags, freshness, write_intraday
from tikscope.sync.clock import FastClock
from tikscope.sync.plan import AccountCadence, AppLimits
from tikscope.sync.realtime import RealtimeSettings
from tikscope.web.scheduler import RealtimeScheduler
from tikscope.web.state import ServerStore, WebConfig
from web_support import NOW, WebStore, login, serve

START = datetime(2026, 5, 3)
SPEED = 600.0  # one simulated minute every 100 ms


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_live(
    tmp_path: Path,
    *,
    accounts: int,
    hours: float,
    counter: AppCounter,
    limits: AppLimits,
    headroom: float = 0.2,
) -> tuple[Path, RealtimeScheduler, dict[str, object]]:
    """Connect the live accounts (one new post each in the first hour), run the scheduler for
    `hours` simulated, stop; the store, the scheduler and the fake's counts."""
    live = live_accounts(accounts, start=START, days=1 / 24, posts_per_day=24)
    db, key, port = tmp_path / "store.duckdb", tmp_path / "secret.key", free_port()
    with open_store(db, create=True) as connection:
        connect_live_accounts(connection, live, origin=f"http://127.0.0.1:{port}", key_file=key,
                              now=START)  # fmt: skip
    clock = FastClock(START, SPEED, time.time() + 0.5)
    with serve_app_in_thread(create_live_app(live, clock, counter), port=port) as origin:
        store = ServerStore(db)
        settings = RealtimeSettings(
            key_file=key, clock=clock, headroom=headroom, limits={"business": limits},
            accounts=AccountCadence(series=None, audience=None),
        )  # fmt: skip
        scheduler = RealtimeScheduler(store, settings)
        scheduler.start()
        try:
            while clock.now() < START + timedelta(hours=hours):
                time.sleep(0.05)
        finally:
            scheduler.stop()
            store.close()
        stats = httpx.get(f"{origin}/_fake/live/stats", timeout=10).json()
    return db, scheduler, stats


@pytest.fixture(scope="module")
def fast_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, object]]]:
    """Three accounts, each publishing, 2.5 simulated hours under Business limits."""
    folder = tmp_path_factory.mktemp("live")
    limits = AppLimits("business", per_second=10, per_minute=600, per_day=864_000)
    db, _, stats = run_live(folder, accounts=3, hours=2.5, counter=AppCounter(), limits=limits)
    yield db, stats


def test_realtime_fresh_posts_read_every_few_minutes(
    fast_run: tuple[Path, dict[str, object]],
) -> None:
    db, stats = fast_run
    assert stats["throttled"] == 0
    with open_store(db) as connection:
        found = freshness(connection, since=START)
        per_post = connection.execute(
            "SELECT post_id, count(*), bool_and(views >= previous) FROM ("
            "  SELECT post_id, views, lag(views, 1, 0) OVER (PARTITION BY post_id "
            "  ORDER BY captured_at) AS previous FROM post_intraday WHERE published_at >= ?"
            ") GROUP BY post_id",
            [START],
        ).fetchall()
        daily = connection.execute(
            "SELECT (SELECT count(*) FROM post_snapshots), (SELECT count(*) FROM posts)"
        ).fetchone()
    assert found.posts == 3
    assert found.p95_seconds is not None and found.p95_seconds <= 360
    assert len(per_post) == 3
    assert all(reads >= 20 and grows for _, reads, grows in per_post)  # 1.5 h or more at 5 min
    assert daily == (0, 0)  # the daily tables are the daily sync's alone


def test_realtime_stretches_instead_of_passing_a_tight_limit(tmp_path: Path) -> None:
    # 12 accounts want 12 listings per 5 simulated minutes; the app allows 3 a minute, the
    # scheduler keeps a third of it for syncs people start: 2 a minute, so it stretches by 1.2.
    tight = AppLimits("business", per_minute=3)
    counter = AppCounter(per_second=10, per_minute=3, per_day=864_000)
    _, scheduler, stats = run_live(tmp_path, accounts=12, hours=0.5, counter=counter, limits=tight,
                                   headroom=1 / 3)  # fmt: skip
    assert stats["throttled"] == 0
    assert 2 <= int(str(stats["busiest_minute"])) <= 3
    stretch = scheduler.refresher.describe()["business live-a…"]["stretch"]
    assert stretch == pytest.approx(1.2)


def test_live_views_grow_minute_by_minute() -> None:
    curve = [views_at(20_000, minute * 60) for minute in range(0, 48 * 60 + 1)]
    assert curve[0] == 0
    assert all(later > earlier for earlier, later in pairwise(curve[1:122]))
    assert curve[10 * 60] == 10_000  # half at 10 hours
    assert 1_000 < curve[120] < 3_000 and curve[48 * 60] < 20_000


def test_change_lags_until_the_next_read() -> None:
    published = datetime(2026, 5, 3, 10, 0, 30)
    reads = [published + timedelta(minutes=3), published + timedelta(minutes=8)]
    assert change_lags(published, reads, young=timedelta(minutes=10)) == [
        120.0, 60.0, 0.0, 240.0, 180.0, 120.0, 60.0, 0.0,
    ]  # fmt: skip


def test_fast_clock_parse() -> None:
    clock = FastClock.parse("2026-05-03T00:00:00,600,1000.5")
    assert clock == FastClock(START, 600.0, 1000.5)
    assert FastClock.parse(clock.describe()) == clock
    with pytest.raises(UsageError, match="START,SPEED,ORIGIN"):
        FastClock.parse("2026-05-03,fast")
    with pytest.raises(UsageError, match="above zero"):
        FastClock.parse("2026-05-03T00:00:00,0,1")


def test_sync_status_page_shows_fresh_post_lag(web_store: WebStore) -> None:
    # A post published 3 hours ago, read every 5 minutes in its first 2 hours: the minutes of
    # change wait 4, 3, 2, 1 and 0 minutes for the next read, 24 times each.
    published = NOW - timedelta(hours=3)
    with open_store(web_store.path) as connection:
        account = connection.execute(
            "SELECT account_id FROM accounts WHERE handle = 'casa_verde_demo'"
        ).fetchone()
        assert account is not None
        rows = [{"account_id": account[0], "post_id": "7400000000000000001",
                 "captured_at": published + timedelta(minutes=5 * step),
                 "published_at": published, "views": 100 * step, "likes": 0, "comments": 0,
                 "shares": 0} for step in range(1, 25)]  # fmt: skip
        assert write_intraday(connection, rows) == 24
    config = WebConfig(db=web_store.path, secure_cookies=False, clock=lambda: NOW)
    with serve(config) as origin, httpx.Client(base_url=origin, timeout=30) as browser:
        login(browser, "olivia")
        answer = browser.get("/api/workspaces/agency/sync").json()["realtime"]
        page = browser.get("/workspaces/agency/sync").text
    assert answer == {
        "running": False, "scheduler": None,
        "freshness": {"window_hours": 48.0, "young_hours": 2.0, "posts": 1, "changes": 120,
                      "p50_seconds": 120.0, "p95_seconds": 240.0},
    }  # fmt: skip
    assert (
        "(1 post, 120 minutes of change): tikscope's copy lagged <strong>2 min 0 s</strong> at "
        "the median and <strong>4 min 0 s</strong> at the 95th percentile." in page
    )
    assert "tikscope serve --realtime" in page


def test_serve_refuses_a_bad_post_cadence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["serve", "--db", str(tmp_path / "store.duckdb"), "--realtime",
                 "--post-cadence", "2h"])  # fmt: skip
    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    assert captured.err == "error: post cadence '2h': write AGE=INTERVAL, e.g. 2h=5m\n"
