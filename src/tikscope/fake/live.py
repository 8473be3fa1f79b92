"""A live fake Business API: many accounts on one app, a fast clock, posts that grow by the minute.

The daily fake (`fake.server`) serves one simulated account as of a day. This one serves what
the real-time scheduler reads: `/business/video/list/` of many accounts that keep publishing,
with lifetime counters that change every simulated minute, under the app's rate limits counted
in simulated time (Business: 10 a second, 600 a minute, 864,000 a day; over them it answers
code 40100 as TikTok does, and counts it).

The clock (`sync.clock.FastClock`) is a pure function of the real time, so that the fake and
tikscope, in two processes, read the same simulated time without talking: 1 simulated minute per
`60 / speed` real seconds, from `start` at real epoch `origin`.

Control endpoints: `GET /_fake/live/stats` (requests, throttled answers, the busiest simulated
second and minute), `GET /_fake/live/accounts` (handles, business ids and tokens).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tikscope.fake.business import VIDEO_FIELDS, video_values
from tikscope.fake.data import Post, epoch_seconds
from tikscope.fake.server import time_page
from tikscope.sync.clock import FastClock

if TYPE_CHECKING:
    from starlette.requests import Request

VIDEOS_PATH = "/open_api/v1.3/business/video/list/"
HALF_LIFE_HOURS = 10.0
"""A post reaches half its lifetime views after about 10 hours (most reach comes in day one)."""
STEEPNESS = 1.3


def views_at(total: int, age_seconds: float) -> int:
    """Lifetime views `age_seconds` after publishing, counted at whole minutes.

    A log-logistic early-life curve: slow in the first minutes, fastest in the first hours,
    half of `total` at `HALF_LIFE_HOURS`, flattening over the following days.
    """
    minutes = math.floor(max(age_seconds, 0.0) / 60)
    if minutes <= 0:
        return 0
    ratio = (minutes / (HALF_LIFE_HOURS * 60)) ** STEEPNESS
    return int(total * ratio / (1 + ratio))


@dataclass(frozen=True)
class LivePost:
    """One post of a live account: when it goes up and the views it will end with."""

    post_id: str
    published: int
    total_views: int

    def counters(self, now: float) -> dict[str, int]:
        """The post's lifetime counters at simulated epoch `now`."""
        views = views_at(self.total_views, now - self.published)
        return {"views": views, "likes": views * 7 // 100, "comments": views * 4 // 1000,
                "shares": views * 2 // 1000}  # fmt: skip


@dataclass(frozen=True)
class LiveAccount:
    """One connected account of the app, with its token and every post it will publish."""

    handle: str
    business_id: str
    token: str
    posts: tuple[LivePost, ...]

    def visible(self, now: float) -> list[LivePost]:
        """Posts published by simulated epoch `now`, newest first."""
        return sorted((post for post in self.posts if post.published <= now),
                      key=lambda post: (-post.published, post.post_id))  # fmt: skip


def live_accounts(
    count: int, *, start: datetime, days: float, posts_per_day: float = 1.0, seed: int = 11
) -> list[LiveAccount]:
    """`count` accounts, each with two older posts and new ones spread over `days` from `start`."""
    rng = random.Random(seed)
    base = epoch_seconds(start)
    accounts = []
    for number in range(count):
        handle = f"live_{number:04d}"
        business_id = "-000" + hashlib.sha256(f"live:{handle}".encode()).hexdigest()[:16]
        times = [base - rng.randint(3, 9) * 86_400, base - rng.randint(1, 2) * 86_400 - 3_600]
        times += sorted(base + int(rng.uniform(0, days * 86_400))
                        for _ in range(max(1, round(days * posts_per_day))))  # fmt: skip
        posts = tuple(
            LivePost(f"{7_400_000_000_000_000_000 + number * 1_000 + index}", published,
                     int(rng.lognormvariate(math.log(20_000), 1.0)))
            for index, published in enumerate(times)
        )  # fmt: skip
        accounts.append(LiveAccount(handle, business_id, f"act.live.{handle}", posts))
    return accounts


@dataclass
class AppCounter:
    """Requests the app sent, by simulated second, minute and UTC day, and those refused."""

    per_second: int = 10
    per_minute: int = 600
    per_day: int = 864_000
    seconds: Counter[int] = field(default_factory=Counter)
    minutes: Counter[int] = field(default_factory=Counter)
    days: Counter[int] = field(default_factory=Counter)
    requests: int = 0
    throttled: int = 0

    def admit(self, now: float) -> bool:
        """Count one request at `now`; False (and counted as throttled) when over a limit."""
        second, minute, day = int(now), int(now // 60), int(now // 86_400)
        self.requests += 1
        # TRICKY: TikTok does not say whether its windows slide; the fake counts fixed ones and
        # the scheduler keeps to sliding ones, which is the stricter of the two.
        if (self.seconds[second] >= self.per_second or self.minutes[minute] >= self.per_minute
                or self.days[day] >= self.per_day):  # fmt: skip
            self.throttled += 1
            return False
        self.seconds[second] += 1
        self.minutes[minute] += 1
        self.days[day] += 1
        return True

    def stats(self) -> dict[str, Any]:
        """Totals and the busiest second and minute."""
        return {
            "requests": self.requests,
            "throttled": self.throttled,
            "busiest_second": max(self.seconds.values(), default=0),
            "busiest_minute": max(self.minutes.values(), default=0),
            "limits": {
                "per_second": self.per_second,
                "per_minute": self.per_minute,
                "per_day": self.per_day,
            },
        }


def business_error(code: int, message: str) -> Response:
    """A Business API error envelope (HTTP 200)."""
    return JSONResponse({"code": code, "message": message, "request_id": "live", "data": {}})


def create_live_app(
    accounts: list[LiveAccount], clock: FastClock, counter: AppCounter | None = None
) -> Starlette:
    """The live fake for `accounts` on one app, counted by `counter` (default: Business limits)."""
    counts = counter or AppCounter()
    by_id = {account.business_id: account for account in accounts}

    async def list_videos(request: Request) -> Response:
        now = clock.epoch()
        if not counts.admit(now):
            return business_error(40100, "Too many requests. Please retry in some time.")
        account = by_id.get(request.query_params.get("business_id", ""))
        if account is None or request.headers.get("Access-Token") != account.token:
            return business_error(40105, "Access token is incorrect or has been revoked.")
        fields = [str(name) for name in json.loads(request.query_params.get("fields", "[]"))]
        wanted = json.loads(request.query_params.get("filters", "{}")).get("video_ids")
        posts = account.visible(now)
        if wanted is not None:
            posts = [post for post in posts if post.post_id in set(map(str, wanted))]
        max_count = int(request.query_params.get("max_count", "10"))
        cursor = int(request.query_params.get("cursor") or int(now + 1) * 1000)
        page, has_more = time_page(posts, lambda post: post.published * 1000, before=cursor,
                                   inclusive=False, max_count=max_count)  # fmt: skip
        videos = [video(post, now, [name for name in fields if name in VIDEO_FIELDS])
                  for post in page]  # fmt: skip
        next_cursor = page[-1].published * 1000 if page else cursor
        data = {"videos": videos, "cursor": next_cursor, "has_more": has_more}
        return JSONResponse({"code": 0, "message": "OK", "request_id": "live", "data": data})

    async def stats(request: Request) -> Response:
        return JSONResponse({**counts.stats(), "now": clock.now().isoformat()})

    async def listing(request: Request) -> Response:
        return JSONResponse([{"handle": account.handle, "business_id": account.business_id,
                              "token": account.token} for account in accounts])  # fmt: skip

    app = Starlette(routes=[
        Route(VIDEOS_PATH, list_videos, methods=["GET"]),
        Route("/_fake/live/stats", stats, methods=["GET"]),
        Route("/_fake/live/accounts", listing, methods=["GET"]),
    ])  # fmt: skip
    app.state.counter = counts
    return app


def video(post: LivePost, now: float, fields: list[str]) -> dict[str, Any]:
    """The `/business/video/list/` entry of a live post."""
    counters = post.counters(now)
    shaped = Post(
        post_id=post.post_id, create_time=post.published, caption=f"live post {post.post_id[-6:]}",
        media_type="video", duration=21.5, is_ad=False,
        share_url=f"https://www.tiktok.com/video/{post.post_id}", sound_id=None, hashtags=(),
        snapshot=counters,
    )  # fmt: skip
    values = video_values(shaped)
    return {name: values[name] for name in fields if name in values}


def main(argv: list[str] | None = None) -> None:
    """Serve live accounts until interrupted; prints the origin first (benchmarks, development).

    `python -m tikscope.fake.live --accounts 200 --days 2 --start 2026-05-03T00:00:00
    --speed 360 --origin EPOCH`
    """
    import argparse
    import signal
    import sys
    import threading

    from tikscope.fake.app import serve_app_in_thread

    parser = argparse.ArgumentParser(prog="python -m tikscope.fake.live")
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--days", type=float, default=2.0)
    parser.add_argument("--start", type=datetime.fromisoformat, required=True)
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--origin", type=float, required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--posts-per-day", type=float, default=1.0)
    args = parser.parse_args(argv)
    clock = FastClock(args.start, args.speed, args.origin)
    accounts = live_accounts(args.accounts, start=args.start, days=args.days,
                             posts_per_day=args.posts_per_day, seed=args.seed)  # fmt: skip
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    with serve_app_in_thread(create_live_app(accounts, clock), port=args.port) as origin:
        sys.stdout.write(origin + "\n")
        sys.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):
            stopping.wait()


if __name__ == "__main__":
    main()
