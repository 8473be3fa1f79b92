"""Benchmark: import a 365-day TikTok Studio export, and sync 1,000 posts x 60 days from the fake.

Writes a 365-day Studio export (English, the seven CSVs) from simulated numbers, times
`tikscope import` of it, then starts the fake TikTok server with 1,000 posts, connects a business
account and times the first `tikscope sync` (60 days of account series, every post's counters,
comments of posts with comments), printing the number of HTTP requests. Usage:

    .venv/bin/python benchmarks/sources.py
"""

from __future__ import annotations

import csv
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

from tikscope.fake.app import serve_in_thread
from tikscope.fake.data import FakeConfig

END = date(2026, 11, 21)


def write_studio_export(folder: Path, days: int) -> None:
    """A Studio export of `days` days ending on END, in English, each CSV with a BOM."""
    dates = [END - timedelta(days=days - 1 - n) for n in range(days)]
    label = [f"{day:%B} {day.day}" for day in dates]
    files = {
        "Overview.csv": (["Date", "Video Views", "Profile Views", "Likes", "Comments", "Shares"],
                         [[d, 8000 + n, 300 + n % 50, 700, 40, 19] for n, d in enumerate(label)]),
        "FollowerHistory.csv": (["Date", "Followers", "Difference in followers from previous day"],
                                [[d, 15000 + 3 * n, 3] for n, d in enumerate(label)]),
        "Viewers.csv": (["Date", "Total Viewers", "New Viewers", "Returning Viewers"],
                        [[d, 6000, 4000, 2000] for d in label]),
        "FollowerActivity.csv": (["Date", "Hour", "Active followers"],
                                 [[d, h, 100 * h] for d in label[-7:] for h in range(24)]),
    }  # fmt: skip
    for name, (header, rows) in files.items():
        with (folder / name).open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
            writer.writerow(header)
            writer.writerows(rows)


def tikscope(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tikscope.cli.main", *args], env=env,
                          capture_output=True, text=True, check=True)  # fmt: skip


def main() -> None:
    print(f"sources benchmark, {platform.machine()}, Python {platform.python_version()}, "
          f"{date.today()}")  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        env = {**os.environ, "TIKSCOPE_KEY_FILE": str(folder / "key"),
               "TIKSCOPE_NOW": f"{END + timedelta(days=1)}T06:00:00",
               "TIKSCOPE_CLIENT_KEY": "bench", "TIKSCOPE_CLIENT_SECRET": "bench"}  # fmt: skip
        export = folder / "export"
        export.mkdir()
        write_studio_export(export, 365)
        started = time.perf_counter()
        tikscope("import", str(export), "--account", "bench_account", "--db",
                 str(folder / "import.duckdb"), env=env)  # fmt: skip
        print(
            f"  import 365-day Studio export (4 CSVs)      {time.perf_counter() - started:6.2f} s"
        )
        config = FakeConfig(seed=7, posts=1000, days=400, members=500, end_date=END)
        with serve_in_thread(config) as origin:
            store = folder / "sync.duckdb"
            child = subprocess.Popen(
                [sys.executable, "-m", "tikscope.cli.main", "connect", "--api", "business",
                 "--base-url", origin, "--port", "0", "--no-browser", "--db", str(store)],
                env=env, stdout=subprocess.PIPE, text=True,
            )  # fmt: skip
            assert child.stdout is not None
            url = ""
            while not url.startswith("http"):
                url = child.stdout.readline().strip()
            httpx.get(url, follow_redirects=True, timeout=30)
            child.wait(timeout=60)
            httpx.post(f"{origin}/_fake/reset", timeout=10)
            started = time.perf_counter()
            tikscope("sync", "--db", str(store), env=env)
            elapsed = time.perf_counter() - started
            stats = httpx.get(f"{origin}/_fake/stats", timeout=10).json()
            print(f"  first sync, 1,000 posts x 60 days          {elapsed:6.2f} s, "
                  f"{stats['requests']} requests")  # fmt: skip
            for path, count in sorted(stats["by_path"].items()):
                print(f"    {path}: {count}")
            started = time.perf_counter()
            tikscope("sync", "--db", str(store), env=env)
            again = time.perf_counter() - started
            print(f"  second sync (nothing new)                  {again:6.2f} s")


if __name__ == "__main__":
    main()
