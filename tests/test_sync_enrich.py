"""End-to-end: profiles of a sample of the audience from the Research API, against the fake."""

from __future__ import annotations

import base64
import json
import webbrowser
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from tikscope.cli.main import main
from tikscope.config import enrichment_settings
from tikscope.errors import UsageError
from tikscope.fake.app import serve_in_thread
from tikscope.fake.data import FakeConfig, build_account
from tikscope.fake.member_videos import member_videos
from tikscope.store.db import open_store
from tikscope.sync.pseudonyms import pseudonymizer
from tikscope.text.taxonomy import shipped_taxonomy

CONFIG = FakeConfig(seed=5, posts=6, days=40, members=50, end_date=date(2026, 5, 2))
SAMPLE = 30
USER_INFO = "/v2/research/user/info/"
VIDEO_QUERY = "/v2/research/video/query/"


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    with serve_in_thread(CONFIG) as url:
        yield url


@pytest.fixture(scope="module")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fixed key: it keys the pseudonyms, and so which members the seeded sample draws; with a
    random key some draws leave every sampled value under the privacy floor."""
    path = tmp_path_factory.mktemp("key") / "secret.key"
    path.write_bytes(base64.urlsafe_b64encode(bytes(range(32))))
    return path


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, key_file: Path, origin: str) -> Iterator[None]:
    monkeypatch.setenv("TIKSCOPE_KEY_FILE", str(key_file))
    monkeypatch.setenv("TIKSCOPE_CLIENT_KEY", "app-key")
    monkeypatch.setenv("TIKSCOPE_CLIENT_SECRET", "app-secret")
    monkeypatch.setenv("TIKSCOPE_NOW", "2026-05-03T06:30:00")
    monkeypatch.setenv("TIKSCOPE_RETRY_SCALE", "0.001")
    monkeypatch.setenv("TIKSCOPE_ENRICH_SAMPLE", str(SAMPLE))
    monkeypatch.setattr(webbrowser, "open", visit)
    reset(origin)
    yield
    reset(origin)


def reset(origin: str) -> None:
    httpx.post(f"{origin}/_fake/reset", timeout=10).raise_for_status()


def visit(url: str, *args: object, **kwargs: object) -> bool:
    httpx.get(url, follow_redirects=True, timeout=10)
    return True


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def connect(capsys: pytest.CaptureFixture[str], store: Path, origin: str) -> None:
    code, out, err = cli(capsys, "connect", "--api", "research", "--base-url", origin,
                         "--port", "0", "--timeout", "10", "--db", str(store),
                         "--handle", CONFIG.handle)  # fmt: skip
    assert (code, err) == (0, ""), out


def sync(capsys: pytest.CaptureFixture[str], store: Path) -> str:
    code, out, err = cli(capsys, "sync", "--db", str(store))
    assert (code, err) == (0, ""), out
    return out


def served(origin: str) -> dict[str, int]:
    return dict(httpx.get(f"{origin}/_fake/stats", timeout=10).json()["by_path"])


def profiles(store: Path) -> list[tuple[object, ...]]:
    """Each sampled member: pseudonym, status, bio, country, language, interests, counts."""
    with open_store(store) as connection:
        return connection.execute(
            "SELECT m.member_id, p.status, m.bio, m.country, m.language, m.interests, "
            "p.follower_count, p.following_count, p.videos_read, p.taxonomy_version "
            "FROM member_profiles p JOIN audience_members m USING (account_id, member_key) "
            "ORDER BY p.sample_rank"
        ).fetchall()


def expected_profiles(key_file: Path) -> dict[str, tuple[object, ...]]:
    """What the fake says of every member: pseudonym -> bio, country, interests, counts."""
    account, pseudonym = build_account(CONFIG), pseudonymizer(key_file)
    taxonomy, expected = shipped_taxonomy(), {}
    for person in account.graph.people.values():
        if person.kind != "member":
            continue
        videos = member_videos(person, account.today)
        interests = taxonomy.interests_of(
            [person.bio, *(video["video_description"] for video in videos)],
            [tag for video in videos for tag in video["hashtag_names"]],
        )
        expected[pseudonym(person.username)] = (
            person.bio or None,
            person.country if videos else None,
            interests or None,
            len(account.graph.followers.get(person.username, ())),
            len(account.graph.following.get(person.username, ())),
            len(videos),
        )
    return expected


def test_enrichment_profiles_the_sample_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, origin: str, key_file: Path
) -> None:
    store = tmp_path / "store.duckdb"
    connect(capsys, store, origin)
    out = sync(capsys, store)
    assert f"profiled {SAMPLE} sampled audience members ({SAMPLE} of a sample of {SAMPLE}" in out
    rows = profiles(store)
    expected = expected_profiles(key_file)
    version = shipped_taxonomy().version
    assert len(rows) == SAMPLE and len({row[0] for row in rows}) == SAMPLE
    for member, status, bio, country, _, interests, *counts, row_version in rows:
        assert (status, row_version) == ("profiled", version)
        assert (bio, country, interests, *counts) == expected[str(member)]
    with_videos = [row for row in rows if row[8]]
    assert len(with_videos) >= SAMPLE // 2
    assert all(row[3] is not None and row[5] is not None for row in with_videos)
    assert_languages_agree(rows, key_file)
    assert served(origin)[USER_INFO] == SAMPLE  # each sampled member asked once
    assert served(origin)[VIDEO_QUERY] == 1  # one follower page: one query (username IN)
    before = served(origin)
    sync(capsys, store)  # nothing left: no member is asked again
    after = served(origin)
    assert (after[USER_INFO], after[VIDEO_QUERY]) == (before[USER_INFO], before[VIDEO_QUERY])
    assert profiles(store) == rows
    assert_report_states_the_sample(capsys, store, tmp_path / "report")


def assert_report_states_the_sample(
    capsys: pytest.CaptureFixture[str], store: Path, out: Path
) -> None:
    """The audience report says how many members were profiled, with coverage and intervals."""
    code, text, err = cli(capsys, "audience", "report", "--db", str(store), "--out", str(out),
                          "--keep-isolated", "--keep-bots", "--keep-mass-followers")  # fmt: skip
    assert (code, err) == (0, ""), text
    assert f"{SAMPLE} members profiled from a sample (Research API)" in text
    report = json.loads((out / "report.json").read_text("utf-8"))
    summary = report["summary"]
    assert summary["profiled"] == SAMPLE
    assert summary["sampled"] == ["interests", "country", "language"]
    assert summary["coverage"]["age"] == {"members": 0, "share": 0.0}  # never guessed
    shown = [*summary["interests"], *summary["demographics"]["country"],
             *summary["demographics"]["language"]]  # fmt: skip
    assert shown and all(len(item["interval"]) == 2 for item in shown)
    assert all(item["interval"] is None for item in summary["demographics"]["gender"])
    page = (out / "index.html").read_text("utf-8")
    assert f"{SAMPLE} members were profiled from a sample" in page
    assert "members with a value" in page


def assert_languages_agree(rows: list[tuple[object, ...]], key_file: Path) -> None:
    """The detected language is the simulated one for most members who post (captions in it)."""
    account, pseudonym = build_account(CONFIG), pseudonymizer(key_file)
    spoken = {
        pseudonym(person.username): person.language
        for person in account.graph.people.values()
        if person.kind == "member" and member_videos(person, account.today)
    }
    found = [(row[4], spoken[str(row[0])]) for row in rows if str(row[0]) in spoken]
    assert len(found) >= SAMPLE // 2
    agree = sum(detected == language for detected, language in found)
    assert agree >= 0.8 * len(found), found


def test_enrichment_resumes_within_its_daily_share_without_asking_twice(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, origin: str, key_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("TIKSCOPE_ENRICH_DAILY_REQUESTS", "25")
    store = tmp_path / "store.duckdb"
    connect(capsys, store, origin)
    out = sync(capsys, store)
    assert "today's share of Research API video and user requests (25) is used" in out
    first = [row for row in profiles(store) if row[1] == "profiled"]
    assert len(first) == 24  # 24 user/info and 1 video query fit in 25
    days = 0
    while any(row[1] == "sampled" for row in profiles(store)) and days < 6:
        days += 1
        httpx.post(f"{origin}/_fake/clock", json={"advance_seconds": 86400}, timeout=10)
        monkeypatch.setenv("TIKSCOPE_NOW", f"2026-05-{3 + days:02d}T06:30:00")
        sync(capsys, store)
    assert days == 1  # 30 members, 24 a day
    assert served(origin)[USER_INFO] == SAMPLE
    expected = expected_profiles(key_file)
    assert all(row[2:4] == expected[str(row[0])][:2] for row in profiles(store))


def test_enrichment_stops_cleanly_when_the_daily_quota_is_spent(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, origin: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    store = tmp_path / "store.duckdb"
    connect(capsys, store, origin)
    httpx.post(f"{origin}/_fake/faults", json={"faults": ["quota:70"]}, timeout=10)
    out = sync(capsys, store)
    assert "daily_quota_limit_exceeded" in out or "quota" in out
    assert "the profiles go on after 00:00 UTC" in out
    done = [row for row in profiles(store) if row[1] == "profiled"]
    assert 0 < len(done) < SAMPLE
    httpx.post(f"{origin}/_fake/faults", json={"faults": []}, timeout=10)
    httpx.post(f"{origin}/_fake/clock", json={"advance_seconds": 86400}, timeout=10)
    monkeypatch.setenv("TIKSCOPE_NOW", "2026-05-04T06:30:00")
    sync(capsys, store)
    assert [row[1] for row in profiles(store)] == ["profiled"] * SAMPLE


def test_enrichment_settings_refuse_bad_values() -> None:
    assert enrichment_settings({}).sample == 2_000
    assert enrichment_settings({"TIKSCOPE_ENRICH_SAMPLE": "1_500"}).sample == 1_500
    with pytest.raises(UsageError, match="TIKSCOPE_ENRICH_DAILY_REQUESTS='1'"):
        enrichment_settings({"TIKSCOPE_ENRICH_DAILY_REQUESTS": "1"})
    with pytest.raises(UsageError, match="TIKSCOPE_ENRICH_SAMPLE='many'"):
        enrichment_settings({"TIKSCOPE_ENRICH_SAMPLE": "many"})


def follows_by_handle(store: Path) -> list[tuple[object, ...]]:
    """Each follow as (follower pseudonym, followee pseudonym or handle)."""
    with open_store(store) as connection:
        return connection.execute(
            "SELECT m.member_id, coalesce(o.handle, f2.member_id) FROM follows f "
            "JOIN audience_members m ON m.account_id = f.account_id "
            "AND m.member_key = f.follower_key "
            "LEFT JOIN outside_accounts o ON f.followee_type = 'outside' "
            "AND o.account_id = f.account_id AND o.outside_key = f.followee_key "
            "LEFT JOIN audience_members f2 ON f.followee_type = 'member' "
            "AND f2.account_id = f.account_id AND f2.member_key = f.followee_key ORDER BY ALL"
        ).fetchall()


def test_enrichment_reads_followings_the_finished_crawl_lacks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, origin: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("TIKSCOPE_ENRICH_SAMPLE", "0")
    store = tmp_path / "store.duckdb"
    connect(capsys, store, origin)
    sync(capsys, store)  # the graph crawl, to its end
    whole = follows_by_handle(store)
    with open_store(store) as connection:
        connection.execute("DELETE FROM follows")  # as if every member followed since
        connection.execute("DELETE FROM outside_accounts")
    monkeypatch.setenv("TIKSCOPE_ENRICH_SAMPLE", str(CONFIG.members))
    before = served(origin)
    sync(capsys, store)
    after = served(origin)
    assert follows_by_handle(store) == whole
    with open_store(store) as connection:
        read = connection.execute(
            "SELECT count(*) FILTER (following_read), count(*) FROM member_profiles"
        ).fetchone()
        outside = connection.execute(
            "SELECT count(*), count(DISTINCT outside_key), count(DISTINCT handle) "
            "FROM outside_accounts"
        ).fetchone()
    assert read == (CONFIG.members, CONFIG.members)
    assert outside is not None and outside[0] == outside[1] == outside[2] > 0
    following = "/v2/research/user/following/"
    assert after[following] - before.get(following, 0) >= CONFIG.members
