"""End-to-end: comments on the account's videos from the Research API, against the fake server."""

from __future__ import annotations

import json
import webbrowser
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest

from tikscope.cli.main import main
from tikscope.fake.app import serve_in_thread
from tikscope.fake.data import FakeConfig, build_account
from tikscope.sources import research
from tikscope.store.db import open_store
from tikscope.sync.pseudonyms import pseudonymizer
from tikscope.sync.research_comments import CommentCrawler

CONFIG = FakeConfig(seed=1, posts=12, days=60, members=10, end_date=date(2026, 5, 2))
"""A small audience (a short graph crawl) with 27 public comments and replies on 7 posts."""


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    with serve_in_thread(CONFIG) as url:
        yield url


@pytest.fixture(scope="module")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("key") / "secret.key"


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, key_file: Path, origin: str) -> None:
    monkeypatch.setenv("TIKSCOPE_KEY_FILE", str(key_file))
    monkeypatch.setenv("TIKSCOPE_CLIENT_KEY", "app-key")
    monkeypatch.setenv("TIKSCOPE_CLIENT_SECRET", "app-secret")
    monkeypatch.setenv("TIKSCOPE_NOW", "2026-05-03T06:30:00")
    monkeypatch.setenv("TIKSCOPE_RETRY_SCALE", "0.001")
    monkeypatch.setattr(webbrowser, "open", visit)
    httpx.post(f"{origin}/_fake/reset", timeout=10).raise_for_status()


def visit(url: str, *args: object, **kwargs: object) -> bool:
    httpx.get(url, follow_redirects=True, timeout=10)
    return True


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def connect(capsys: pytest.CaptureFixture[str], store: Path, origin: str, api: str) -> None:
    extra = ["--handle", CONFIG.handle] if api == "research" else []
    code, out, err = cli(capsys, "connect", "--api", api, "--base-url", origin, "--port", "0",
                         "--timeout", "10", "--db", str(store), *extra)  # fmt: skip
    assert (code, err) == (0, ""), out


def requests_served(origin: str) -> int:
    return int(httpx.get(f"{origin}/_fake/stats", timeout=10).json()["requests"])


def stored_comments(store: Path) -> list[tuple[object, ...]]:
    with open_store(store) as connection:
        return connection.execute(
            "SELECT comment_id, post_id, parent_comment_id, author_id, text, likes, replies, "
            "create_time, status, is_owner FROM comments ORDER BY comment_id"
        ).fetchall()


def expected_comments(key_file: Path) -> list[tuple[object, ...]]:
    """The fake's public comments and replies, each by its own unknown author's pseudonym."""
    account, pseudonym = build_account(CONFIG), pseudonymizer(key_file)
    rows = []
    for post in account.posts:
        for comment in account.comments.get(post.post_id, ()):
            replies = account.replies.get(comment.comment_id, ())
            for item in (comment, *replies):
                if item.status == "PUBLIC":
                    rows.append((item.comment_id, item.post_id, item.parent_id,
                                 pseudonym(f"research comment {item.comment_id}"), item.text,
                                 item.likes, len(replies) if item is comment else 0,
                                 datetime.fromtimestamp(item.create_time, UTC).replace(tzinfo=None),
                                 None, False))  # fmt: skip
    return sorted(rows)


def sync_display_then_research(capsys: pytest.CaptureFixture[str], store: Path, origin: str) -> str:
    """Posts from the Display API (which has no comments), then a Research sync; its output."""
    connect(capsys, store, origin, "display")
    assert cli(capsys, "sync", "--db", str(store))[0] == 0
    assert stored_comments(store) == []
    connect(capsys, store, origin, "research")
    code, out, err = cli(capsys, "sync", "--db", str(store))
    assert (code, err) == (0, ""), out
    return out


def test_research_sync_reads_the_comments_of_the_stored_videos(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, origin: str, key_file: Path
) -> None:
    store = tmp_path / "store.duckdb"
    sync_display_then_research(capsys, store, origin)
    expected = expected_comments(key_file)
    assert (len(expected), len({row[1] for row in expected})) == (27, 7)
    assert sum(row[2] is not None for row in expected) == 6  # replies
    assert stored_comments(store) == expected
    served = requests_served(origin)
    code, out, _ = cli(capsys, "sync", "--db", str(store), "--format", "json")
    assert code == 0 and '"status": "ok"' not in out
    assert requests_served(origin) - served == 2  # Display user info and video list; no Research
    assert stored_comments(store) == expected


def test_research_comments_stop_at_the_daily_quota_and_resume_the_next_day(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, origin: str, key_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(research, "COMMENT_PAGE_SIZE", 2)  # stops inside a video's comments
    monkeypatch.setattr(CommentCrawler, "daily_limit", 5)
    store = tmp_path / "store.duckdb"
    out = sync_display_then_research(capsys, store, origin)
    assert "today's Research API quota for video comments is used up" in out
    assert len(stored_comments(store)) == 9  # 1 + 2 + 6 of a video with 9: 5 pages of 2 or less
    days = 0
    while stored_comments(store) != expected_comments(key_file) and days < 5:
        days += 1
        monkeypatch.setenv("TIKSCOPE_NOW", f"2026-05-{3 + days:02d}T06:30:00")
        code, out, err = cli(capsys, "sync", "--db", str(store))
        assert (code, err) == (0, ""), out
    assert stored_comments(store) == expected_comments(key_file)
    assert days == 2  # 15 pages in all (1, 2, 9, 1, 10, 2, 2 comments), 5 a day
    with open_store(store) as connection:
        [(value,)] = connection.execute(
            "SELECT value FROM sync_state WHERE name = 'research_comments'"
        ).fetchall()
    assert json.loads(value)["queue"] == []
