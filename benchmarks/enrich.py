"""Benchmark: enrich a 2,000-member sample of an audience through the fake Research API.

Starts the fake TikTok server with 2,000 audience members, connects a research account, runs one
sync that stores the follower list (the graph crawl's first pass; enrichment off), then times the
sync that profiles all 2,000 members (user/info each, a 30-day video query per follower page, the
list walked again), printing the requests by path. The graph crawl's second pass (every follower's
following list, which it reads for sampled members too) is kept out by giving the crawl no graph
calls beyond the first pass, and the daily share is raised so the sample fits one sync (with the
default share of 500 requests a day it takes 5). Usage:

    .venv/bin/python benchmarks/enrich.py [--members 2000]
"""

from __future__ import annotations

import argparse
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
RUN = """
import sys
import tikscope.sync.crawl as crawl
# The crawl gets exactly the follower list's pages; enrichment gets the reserve.
crawl.DAILY_GRAPH_CALLS = crawl.ENRICH_GRAPH_RESERVE + int(sys.argv[1])
from tikscope.cli.main import main
sys.exit(main(sys.argv[2:]))
"""


def tikscope(pages: int, *args: str, env: dict[str, str]) -> str:
    """Run a tikscope command in a child process; its output."""
    done = subprocess.run([sys.executable, "-c", RUN, str(pages), *args], env=env,
                          capture_output=True, text=True, check=True)  # fmt: skip
    return done.stdout


def by_path(origin: str) -> dict[str, int]:
    return dict(httpx.get(f"{origin}/_fake/stats", timeout=10).json()["by_path"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=2_000)
    members = parser.parse_args().members
    pages = -(-members // 100)
    print(f"enrichment benchmark, {members:,} members, {platform.machine()}, "
          f"Python {platform.python_version()}, {date.today()}")  # fmt: skip
    config = FakeConfig(seed=11, posts=5, days=40, members=members, end_date=END)
    with tempfile.TemporaryDirectory() as scratch, serve_in_thread(config) as origin:
        folder = Path(scratch)
        store = str(folder / "store.duckdb")
        env = {**os.environ, "TIKSCOPE_KEY_FILE": str(folder / "key"),
               "TIKSCOPE_NOW": f"{END + timedelta(days=1)}T06:00:00",
               "TIKSCOPE_CLIENT_KEY": "bench", "TIKSCOPE_CLIENT_SECRET": "bench",
               "TIKSCOPE_ENRICH_SAMPLE": "0"}  # fmt: skip
        tikscope(pages, "connect", "--api", "research", "--base-url", origin, "--port", "0",
                 "--db", store, "--handle", config.handle, env=env)  # fmt: skip
        started = time.perf_counter()
        tikscope(pages, "sync", "--db", store, env=env)
        print(f"  follower list ({pages} pages), no enrichment  "
              f"{time.perf_counter() - started:7.1f} s")  # fmt: skip
        before = by_path(origin)
        env |= {"TIKSCOPE_ENRICH_SAMPLE": str(members),
                "TIKSCOPE_ENRICH_DAILY_REQUESTS": str(2 * members + 100)}  # fmt: skip
        started = time.perf_counter()
        out = tikscope(pages, "sync", "--db", store, env=env)
        elapsed = time.perf_counter() - started
        after = by_path(origin)
        spent = {path: after[path] - before.get(path, 0) for path in after}
        spent = {path: count for path, count in spent.items() if count}
        print(f"  enrichment of {members:,} members           {elapsed:7.1f} s, "
              f"{sum(spent.values()):,} requests")  # fmt: skip
        for path, count in sorted(spent.items()):
            print(f"    {path}: {count:,}")
        print("  " + next(line for line in out.splitlines() if "profiled" in line))


if __name__ == "__main__":
    main()
