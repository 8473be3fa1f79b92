"""End-to-end: connect and sync against the fake TikTok server, over real sockets, under faults."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import webbrowser
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from tikscope.cli import sync_commands
from tikscope.cli.main import main
from tikscope.cli.sources import parse_interval
from tikscope.errors import UsageError
from tikscope.fake.app import serve_in_thread
from tikscope.fake.data import FakeConfig
from tikscope.store.db import open_store
from tikscope.store.tables import TABLES

TODAY = date(2026, 5, 3)
NOW = "2026-05-03T06:30:00"
CONFIG = FakeConfig(seed=3, posts=30, days=90, members=200, end_date=date(2026, 5, 2))
DATA_TABLES = [table.name for table in TABLES if not table.name.startswith("planted")]


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    with serve_in_thread(CONFIG) as url:
        yield url


@pytest.fixture(scope="module")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One key for every store here, so that pseudonyms compare equal."""
    return tmp_path_factory.mktemp("key") / "secret.key"


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, key_file: Path, origin: str) -> Iterator[None]:
    monkeypatch.setenv("TIKSCOPE_KEY_FILE", str(key_file))
    monkeypatch.setenv("TIKSCOPE_CLIENT_KEY", "app-key")
    monkeypatch.setenv("TIKSCOPE_CLIENT_SECRET", "app-secret")
    monkeypatch.setenv("TIKSCOPE_NOW", NOW)
    monkeypatch.setenv("TIKSCOPE_RETRY_SCALE", "0.001")
    monkeypatch.setattr(webbrowser, "open", visit)
    set_faults(origin, [])
    yield
    set_faults(origin, [])


def visit(url: str, *args: object, **kwargs: object) -> bool:
    """Play the user who clicks "authorize": follow the redirect to the callback port."""
    httpx.get(url, follow_redirects=True, timeout=10)
    return True


def set_faults(origin: str, faults: list[str]) -> None:
    httpx.post(f"{origin}/_fake/reset", timeout=10).raise_for_status()
    if faults:
        httpx.post(f"{origin}/_fake/faults", json={"faults": faults}, timeout=10).raise_for_status()


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def connect(capsys: pytest.CaptureFixture[str], store: Path, origin: str, api: str) -> None:
    extra = ["--handle", CONFIG.handle] if api == "research" else []
    code, out, err = cli(capsys, "connect", "--api", api, "--base-url", origin, "--port", "0",
                         "--timeout", "10", "--db", str(store), *extra)  # fmt: skip
    assert (code, err) == (0, ""), out
    assert out.splitlines()[-1] == f"connected {api}:{CONFIG.handle}"


def dump(store: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every data row of the store, without the run that wrote it."""
    with open_store(store) as connection:
        return {
            name: connection.execute(
                f"SELECT * EXCLUDE (run_id) FROM {name} ORDER BY ALL"
            ).fetchall()
            for name in DATA_TABLES
        }


@pytest.fixture(scope="module")
def clean_sync(
    tmp_path_factory: pytest.TempPathFactory, origin: str, key_file: Path
) -> dict[str, list[tuple[object, ...]]]:
    """The store after one uninterrupted business sync with no faults."""
    store = tmp_path_factory.mktemp("clean") / "store.duckdb"
    env = {**os.environ, "TIKSCOPE_KEY_FILE": str(key_file),
           "TIKSCOPE_CLIENT_KEY": "app-key", "TIKSCOPE_CLIENT_SECRET": "app-secret",
           "TIKSCOPE_NOW": NOW, "TIKSCOPE_RETRY_SCALE": "0.001"}  # fmt: skip
    connect_in_subprocess(store, origin, env)
    run_sync(store, env)
    return dump(store)


def connect_in_subprocess(store: Path, origin: str, env: dict[str, str]) -> None:
    """`tikscope connect` in a child process, with this process clicking "authorize"."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tikscope.cli.main", "connect", "--api", "business", "--base-url",
         origin, "--port", "0", "--no-browser", "--timeout", "20", "--db", str(store)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert child.stdout is not None
    url = ""
    while not url.startswith("http"):
        url = child.stdout.readline().strip()
    visit(url)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 0, err


def run_sync(store: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "tikscope.cli.main", "sync", "--db", str(store)],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result


def test_business_sync_fills_the_store_and_a_second_sync_changes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, origin: str,
    clean_sync: dict[str, list[tuple[object, ...]]],
) -> None:  # fmt: skip
    store = tmp_path / "store.duckdb"
    connect(capsys, store, origin, "business")
    code, out, err = cli(capsys, "sync", "--db", str(store), "--format", "json")
    assert (code, err) == (0, "")
    assert '"status": "ok"' in out and '"days": "2026-03-04 to 2026-05-02"' in out
    data = dump(store)
    assert len(data["account_daily"]) == 60
    assert len(data["posts"]) == 30 and len(data["post_snapshots"]) == 30
    assert data["comments"] and data["audience_snapshots"] and data["follower_activity"]
    assert data == clean_sync
    code, out, _ = cli(capsys, "sync", "--db", str(store), "--format", "json")
    assert code == 0 and '"status": "unchanged"' in out
    assert dump(store) == clean_sync
    with open_store(store) as connection:
        log = connection.execute(
            "SELECT status, requests > 0 FROM sync_log ORDER BY sync_id"
        ).fetchall()
    assert log == [("ok", True), ("unchanged", True)]


@pytest.mark.parametrize(
    "faults",
    [["rate-limit:3"], ["server-error:4"], ["truncated:5"], ["expire-tokens"], ["slow:0.02"],
     ["rate-limit:7", "server-error:5", "truncated:6"]],
)  # fmt: skip
def test_business_sync_under_faults_ends_with_the_same_data(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, origin: str, faults: list[str],
    clean_sync: dict[str, list[tuple[object, ...]]],
) -> None:  # fmt: skip
    store = tmp_path / "store.duckdb"
    connect(capsys, store, origin, "business")
    set_faults(origin, faults)
    code, out, err = cli(capsys, "sync", "--db", str(store), "--format", "json")
    assert (code, err) == (0, ""), out
    served = httpx.get(f"{origin}/_fake/stats", timeout=10).json()["faults_served"]
    assert sum(served.values()) > 0 or faults == ["slow:0.02"]
    assert dump(store) == clean_sync


def test_a_revoked_refresh_token_asks_for_reauthorization_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, origin: str
) -> None:
    store = tmp_path / "store.duckdb"
    connect(capsys, store, origin, "business")
    assert cli(capsys, "sync", "--db", str(store))[0] == 0
    before = dump(store)
    set_faults(origin, ["expire-tokens", "revoke-refresh"])
    code, _, err = cli(capsys, "sync", "--db", str(store))
    assert code == 1
    assert "needs re-authorization: run 'tikscope connect --api business' again" in err
    assert dump(store) == before
    code, _, err = cli(capsys, "sync", "--db", str(store))
    assert code == 1 and "needs re-authorization" in err
    code, out, _ = cli(capsys, "connections", "--db", str(store), "--format", "csv")
    assert "needs_reauthorization" in out
    code, out, _ = cli(capsys, "metrics", "--db", str(store), "--last", "7")
    assert code == 0
    assert "connection business:casa_verde_demo needs re-authorization" in out.replace("\n", " ")


def requests_served(origin: str) -> int:
    return int(httpx.get(f"{origin}/_fake/stats", timeout=10).json()["requests"])


@pytest.mark.parametrize("requests", [1, 2, 3, 4])
def test_a_sync_killed_at_any_point_and_run_again_ends_with_the_same_data(
    tmp_path: Path, origin: str, requests: int, clean_sync: dict[str, list[tuple[object, ...]]]
) -> None:
    store = tmp_path / "store.duckdb"
    env = dict(os.environ)
    connect_in_subprocess(store, origin, env)
    set_faults(origin, ["slow:0.05"])
    child = subprocess.Popen(
        [sys.executable, "-m", "tikscope.cli.main", "sync", "--db", str(store)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    while requests_served(origin) < requests and child.poll() is None:
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    set_faults(origin, [])
    run_sync(store, env)
    assert dump(store) == clean_sync


def test_display_sync_reads_profile_and_post_counters(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, origin: str
) -> None:
    store = tmp_path / "store.duckdb"
    connect(capsys, store, origin, "display")
    code, out, err = cli(capsys, "sync", "--db", str(store), "--format", "json")
    assert (code, err) == (0, ""), out
    data = dump(store)
    assert len(data["posts"]) > 0 and len(data["post_snapshots"]) == len(data["posts"])
    assert data["account_daily"] == []


def graph(store: Path) -> dict[str, list[tuple[object, ...]]]:
    data = dump(store)
    return {name: data[name] for name in ("audience_members", "outside_accounts", "follows")}


def test_research_crawl_stops_at_the_daily_quota_and_resumes_the_next_day(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, origin: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    whole = tmp_path / "whole.duckdb"
    connect(capsys, whole, origin, "research")
    code, out, err = cli(capsys, "sync", "--db", str(whole))
    assert (code, err) == (0, ""), out
    expected = graph(whole)
    assert len(expected["audience_members"]) == CONFIG.members
    assert expected["follows"]

    parts = tmp_path / "parts.duckdb"
    connect(capsys, parts, origin, "research")
    set_faults(origin, ["quota:60"])
    code, out, err = cli(capsys, "sync", "--db", str(parts))
    assert (code, err) == (0, "")
    assert "quota" in out and "goes on after 00:00 UTC" in out
    first = graph(parts)
    assert len(first["audience_members"]) == CONFIG.members
    assert 0 < len(first["follows"]) < len(expected["follows"])
    days = 0
    while graph(parts) != expected and days < 10:
        days += 1
        httpx.post(f"{origin}/_fake/clock", json={"advance_seconds": 86400}, timeout=10)
        monkeypatch.setenv("TIKSCOPE_NOW", f"2026-05-{3 + days:02d}T06:30:00")
        code, out, err = cli(capsys, "sync", "--db", str(parts))
        assert (code, err) == (0, ""), out
    assert graph(parts) == expected
    assert days >= 2


def test_sync_every_syncs_again_after_each_wait_until_ctrl_c(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, origin: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    store = tmp_path / "store.duckdb"
    connect(capsys, store, origin, "business")
    waits: list[float] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 3:
            raise KeyboardInterrupt  # what Ctrl-C raises in the sleeping process
        monkeypatch.setenv("TIKSCOPE_NOW", f"2026-05-03T{6 + len(waits):02d}:30:00")

    monkeypatch.setattr(sync_commands, "wait", wait)
    code, out, err = cli(capsys, "sync", "--db", str(store), "--every", "15m")
    assert (code, err) == (0, "")
    assert waits == [900, 900, 900]
    assert out.count("next sync in 15m; Ctrl-C stops") == 3
    assert out.splitlines()[-1] == "stopped after 3 finished syncs"
    with open_store(store) as connection:
        log = connection.execute("SELECT status FROM sync_log ORDER BY sync_id").fetchall()
        hours = connection.execute(
            "SELECT DISTINCT hour(captured_at) FROM post_snapshots ORDER BY 1"
        ).fetchall()
    assert log == [("ok",), ("ok",), ("ok",)]
    assert hours == [(6,), (7,), (8,)]  # one post snapshot per sync hour


def test_sync_every_stops_on_sigint_with_one_line_and_no_traceback(
    tmp_path: Path, origin: str
) -> None:
    store = tmp_path / "store.duckdb"
    env = dict(os.environ)
    connect_in_subprocess(store, origin, env)
    child = subprocess.Popen(
        [sys.executable, "-m", "tikscope.cli.main", "sync", "--db", str(store), "--every", "1m"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert child.stdout is not None
    line = ""
    while not line.startswith("next sync in 1m"):
        line = child.stdout.readline()
        assert line, "the sync ended before waiting"
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=30)
    assert (child.returncode, err, out) == (0, "", "stopped after 1 finished sync\n")


@pytest.mark.parametrize(
    ("text", "seconds"), [("15m", 900), ("1h", 3600), ("90s", 90), ("2d", 172800), (" 5 m", 300)]
)
def test_parse_interval_reads_sync_intervals(text: str, seconds: int) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["30s", "15", "m", "1w", "-5m"])
def test_parse_interval_refuses_what_it_cannot_honour(text: str) -> None:
    with pytest.raises(UsageError, match="--every"):
        parse_interval(text)
