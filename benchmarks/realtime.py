"""Benchmark: real-time freshness of fresh posts, 200 accounts on one Business app, two days.

The live fake (`tikscope.fake.live`, its own process) serves `--accounts` accounts on one app,
each publishing about once a simulated day, with views that change every simulated minute and the
Business limits (10/s, 600/min, 864,000/day) counted in simulated time. `tikscope serve
--realtime` (its own process, on the same fast clock through `$TIKSCOPE_FAST_CLOCK`) re-reads
them. At the end it reports:

- the exact freshness: for every minute a post under 2 hours old changed on the fake, the time
  until tikscope read it (p50, p95, max), from the fake's own curve and the stored capture times;
- tikscope's own estimate (`store.intraday.freshness`, what the Sync status page shows);
- rate-limit errors (answers 40100) and the busiest simulated second and minute;
- the server process's CPU time and peak resident memory (from /proc, sampled every second).

Goal: zero rate-limit errors, p95 freshness of posts under 2 hours old at most 6 minutes.

    python benchmarks/realtime.py --accounts 200 --days 2 --speed 60
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from realtime_support import connect_live_accounts
from tikscope.fake.data import epoch_seconds
from tikscope.fake.live import live_accounts, views_at
from tikscope.store.db import open_store
from tikscope.store.intraday import YOUNG, freshness, percentile
from tikscope.sync.clock import FAST_CLOCK_ENV_VAR, FastClock

START = datetime(2026, 5, 3)
GOAL_P95_SECONDS = 360


def free_port() -> int:
    """A port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def process_usage(pid: int) -> tuple[float, int]:
    """CPU seconds (user + system) and resident kilobytes of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    rss = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
    return cpu, rss


def exact_lags(
    db: Path, accounts: int, days: float, seed: int, posts_per_day: float
) -> list[float]:
    """Seconds from each change of a young post on the fake to the first stored read after it."""
    with open_store(db) as connection:
        rows = connection.execute(
            "SELECT post_id, list(captured_at ORDER BY captured_at) FROM post_intraday "
            "GROUP BY post_id"
        ).fetchall()
    reads = {str(post_id): [epoch_seconds(moment) for moment in times] for post_id, times in rows}
    end = epoch_seconds(START + timedelta(days=days))
    lags: list[float] = []
    found = live_accounts(accounts, start=START, days=days, posts_per_day=posts_per_day, seed=seed)
    for account in found:
        for post in account.posts:
            if post.published < epoch_seconds(START):
                continue
            times = reads.get(post.post_id, [])
            for minute in range(1, int(YOUNG.total_seconds() // 60) + 1):
                change = post.published + minute * 60
                if change > end:
                    break
                if views_at(post.total_views, minute * 60) == views_at(
                    post.total_views, (minute - 1) * 60
                ):
                    continue
                later = [moment for moment in times if moment >= change]
                if later:
                    lags.append(float(later[0] - change))
    return lags


def run(args: argparse.Namespace) -> dict[str, object]:
    """Prepare the store, run the fake and the server, measure."""
    folder = Path(tempfile.mkdtemp(prefix="tikscope-realtime-"))
    db, key = folder / "store.duckdb", folder / "secret.key"
    port = free_port()
    accounts = live_accounts(args.accounts, start=START, days=args.days,
                             posts_per_day=args.posts_per_day, seed=args.seed)  # fmt: skip
    with open_store(db, create=True) as connection:
        connect_live_accounts(connection, accounts, origin=f"http://127.0.0.1:{port}",
                              key_file=key, now=START)  # fmt: skip
    clock = FastClock(START, args.speed, time.time() + args.warmup)
    env = {**os.environ, FAST_CLOCK_ENV_VAR: clock.describe(), "TIKSCOPE_KEY_FILE": str(key)}
    fake = subprocess.Popen(
        [sys.executable, "-m", "tikscope.fake.live", "--accounts", str(args.accounts),
         "--days", str(args.days), "--start", START.isoformat(), "--speed", str(args.speed),
         "--origin", repr(clock.origin), "--port", str(port), "--seed", str(args.seed),
         "--posts-per-day", str(args.posts_per_day)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert fake.stdout is not None
    origin = fake.stdout.readline().strip()
    server = subprocess.Popen(
        [sys.executable, "-m", "tikscope.cli.main", "serve", "--db", str(db), "--port", "0",
         "--realtime"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    peak_rss, cpu = 0, 0.0
    started = time.time()
    end = START + timedelta(days=args.days)
    try:
        while clock.now() < end and server.poll() is None:
            time.sleep(1.0)
            cpu, rss = process_usage(server.pid)
            peak_rss = max(peak_rss, rss)
        wall = time.time() - started
        stats = httpx.get(f"{origin}/_fake/live/stats", timeout=10).json()
    finally:
        server.send_signal(signal.SIGINT)
        _, errors = server.communicate(timeout=120)
        fake.send_signal(signal.SIGTERM)
        fake.wait(timeout=30)
    if server.returncode not in (0, -signal.SIGINT):
        print(errors, file=sys.stderr)
    lags = exact_lags(db, args.accounts, args.days, args.seed, args.posts_per_day)
    with open_store(db) as connection:
        estimate = freshness(connection, since=START)
        reads = connection.execute("SELECT count(*) FROM post_intraday").fetchone()
    return {
        "accounts": args.accounts,
        "simulated_days": args.days,
        "speed": args.speed,
        "posts_per_day": args.posts_per_day,
        "wall_seconds": round(wall, 1),
        "requests": stats["requests"],
        "rate_limit_errors": stats["throttled"],
        "busiest_simulated_second": stats["busiest_second"],
        "busiest_simulated_minute": stats["busiest_minute"],
        "intraday_rows": reads[0] if reads else 0,
        "changes_measured": len(lags),
        "freshness_p50_seconds": percentile(lags, 0.50),
        "freshness_p95_seconds": percentile(lags, 0.95),
        "freshness_max_seconds": max(lags, default=None),
        "estimate_p50_seconds": estimate.p50_seconds,
        "estimate_p95_seconds": estimate.p95_seconds,
        "server_cpu_seconds": round(cpu, 1),
        "server_cpu_share_of_one_core": round(cpu / wall, 3) if wall else None,
        "server_peak_rss_mib": round(peak_rss / 1024, 1),
        "server_log_tail": errors.strip().splitlines()[-3:],
    }


def main() -> None:
    """Parse options, run, print the figures and whether the goals are met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--days", type=float, default=2.0)
    parser.add_argument("--speed", type=float, default=60.0,
                        help="simulated seconds per real second")  # fmt: skip
    parser.add_argument("--warmup", type=float, default=8.0,
                        help="real seconds before the simulated clock starts")  # fmt: skip
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--posts-per-day", type=float, default=1.0,
                        help="new posts per account and simulated day")  # fmt: skip
    result = run(parser.parse_args())
    print(json.dumps(result, indent=2))
    p95 = result["freshness_p95_seconds"]
    ok = result["rate_limit_errors"] == 0 and isinstance(p95, float) and p95 <= GOAL_P95_SECONDS
    print("goals met" if ok else "goals NOT met")


if __name__ == "__main__":
    main()
