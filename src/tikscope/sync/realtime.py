"""Real-time refreshes: fresh posts read on the cadence of their age, every app within its limits.

`Refresher` holds one scheduler's state (a `RequestBudget` per TikTok app, when each account's
newest posts, full sync and audience crawl were last read, each app's stretch) and does the
reading; `web.scheduler.RealtimeScheduler` runs it in the server and writes what it read.

Per Business connection and round:

1. the posts it tracks (published within the cadence's last tier, from `posts` and
   `post_intraday`) and whether their (stretched) interval has passed (`plan.due_posts`);
2. when its newest posts are due (`AccountCadence.new_posts`), one request for the newest page
   (20 posts), which finds new posts and refreshes every young one on it;
3. due posts not on that page, by id, 20 a request (`filters.video_ids`).

Account series, comments (one full `tikscope sync`) and Research crawls run on their own cadence.
Every request of every connection on one app (same API and app key) waits on that app's budget,
so the scheduler never sends more than its share of the app's limits, whatever the number of
accounts: with too many, `plan.stretch_factor` makes every interval longer instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tikscope.sources.families import BUSINESS, RESEARCH
from tikscope.store.intraday import tracked_posts
from tikscope.sync.clock import Clock, RealClock
from tikscope.sync.plan import (
    DEFAULT_HEADROOM,
    LIMITS,
    POSTS_PER_REQUEST,
    AccountCadence,
    AppLimits,
    PostCadence,
    RequestBudget,
    TrackedPost,
    due_posts,
    planned_demand,
    stretch_factor,
)

if TYPE_CHECKING:
    from tikscope.sources.http import ApiSession, RetryPolicy
    from tikscope.sources.records import Row
    from tikscope.store.db import DuckDBPyConnection
    from tikscope.sync.connections import Connection

App = tuple[str, str]
"""An app: its API family key and app (client) key."""


@dataclass(frozen=True)
class RealtimeSettings:
    """What the real-time scheduler needs.

    Attributes:
        key_file: the key that decrypts tokens and keys pseudonyms.
        posts: the cadence of fresh posts by age.
        accounts: the cadence of new posts, full syncs and audience crawls.
        headroom: the share of each app's limits left to syncs people start.
        limits: each API family's limits, by family key.
        policy: retries and backoff; TikTok's defaults when None.
        clock: the scheduler's clock (a fast one against the live fake).
        tick_seconds: how long the scheduler waits between rounds, on its clock.
    """

    key_file: Path
    posts: PostCadence = field(default_factory=PostCadence)
    accounts: AccountCadence = field(default_factory=AccountCadence)
    headroom: float = DEFAULT_HEADROOM
    limits: Mapping[str, AppLimits] = field(default_factory=lambda: dict(LIMITS))
    policy: RetryPolicy | None = None
    clock: Clock = field(default_factory=RealClock)
    tick_seconds: float = 20.0


@dataclass
class Refresher:
    """One scheduler's memory: budgets, last reads, stretch."""

    settings: RealtimeSettings
    budgets: dict[App, RequestBudget] = field(default_factory=dict)
    listed: dict[str, datetime] = field(default_factory=dict)
    synced: dict[str, datetime] = field(default_factory=dict)
    stretch: dict[App, float] = field(default_factory=dict)
    known: dict[str, dict[str, tuple[datetime, datetime]]] = field(default_factory=dict)
    """Per connection, its young posts: publication and last read times (`datetime.min`: never)."""
    loaded: set[str] = field(default_factory=set)
    """Connections whose young posts were read from the store."""
    ciphers: dict[Path, Any] = field(default_factory=dict)
    sessions: dict[str, ApiSession] = field(default_factory=dict)
    transport: Any = None

    def app_of(self, stored: Connection) -> App:
        """The app a connection's requests count against."""
        return (stored.api, stored.client_key)

    def budget(self, stored: Connection) -> RequestBudget:
        """The request budget of the connection's app."""
        app = self.app_of(stored)
        if app not in self.budgets:
            self.budgets[app] = RequestBudget(self.settings.limits[stored.api],
                                              headroom=self.settings.headroom)  # fmt: skip
        return self.budgets[app]

    def gate(self, stored: Connection) -> Callable[[], None]:
        """Waits, on the scheduler's clock, until the app's budget lets one request go."""
        budget, clock = self.budget(stored), self.settings.clock

        def wait_turn() -> None:
            while (seconds := budget.wait(epoch(clock.now()))) > 0:
                clock.sleep(seconds)
            budget.take(epoch(clock.now()))

        return wait_turn

    def plan(self, connection: DuckDBPyConnection, connections: list[Connection]) -> None:
        """Work out each app's stretch from what its connections will ask for."""
        now = self.settings.clock.now()
        apps: dict[App, list[Connection]] = {}
        for stored in connections:
            apps.setdefault(self.app_of(stored), []).append(stored)
        for app, members in apps.items():
            extra: dict[timedelta, int] = {}
            for stored in members:
                if stored.api != BUSINESS.key:
                    continue
                for post in self.tracked(connection, stored, now)[POSTS_PER_REQUEST:]:
                    interval = self.settings.posts.interval(now - post.published_at)
                    if interval is not None:
                        extra[interval] = extra.get(interval, 0) + 1
            cadence = self.settings.accounts
            if app[0] != BUSINESS.key:
                cadence = AccountCadence(new_posts=None, series=cadence.series,
                                         audience=cadence.audience)  # fmt: skip
            demand = planned_demand(
                accounts=len(members), fresh_posts=extra, account_cadence=cadence,
                audience_cost=40 if app[0] == RESEARCH.key else 0,
            )  # fmt: skip
            self.stretch[app] = stretch_factor(demand, self.settings.limits[app[0]],
                                               headroom=self.settings.headroom)  # fmt: skip

    def tracked(
        self, connection: DuckDBPyConnection, stored: Connection, now: datetime
    ) -> list[TrackedPost]:
        """The connection's posts young enough to refresh, newest first."""
        since = now - self.settings.posts.tracked_for
        memory = self.known.setdefault(stored.connection_id, {})
        if stored.connection_id not in self.loaded:
            # NOTE: read from the store once (and after each full sync); then the scheduler's own
            # memory is as new as the store, and a round costs no query per connection.
            for post_id, published, last in tracked_posts(connection, stored.account_id,
                                                          since=since):  # fmt: skip
                remembered = memory.get(post_id)
                when = max(last or since, remembered[1]) if remembered else last
                memory[post_id] = (published, when or datetime.min)
            self.loaded.add(stored.connection_id)
        found = {
            post_id: (published, None if last == datetime.min else last)
            for post_id, (published, last) in memory.items()
            if published >= since
        }
        posts = [TrackedPost(post_id, published, last)
                 for post_id, (published, last) in found.items()]  # fmt: skip
        return sorted(posts, key=lambda post: (post.published_at, post.post_id), reverse=True)

    def sync_due(self, stored: Connection, now: datetime) -> bool:
        """Whether the connection's full sync (or Research crawl) is due."""
        every = (self.settings.accounts.audience if stored.api == RESEARCH.key
                 else self.settings.accounts.series)  # fmt: skip
        if every is None:
            return False
        last = self.synced.get(stored.connection_id)
        return last is None or now - last >= every * self.stretch.get(self.app_of(stored), 1.0)

    def read_posts(self, connection: DuckDBPyConnection, stored: Connection) -> list[Row]:
        """Read the connection's due posts (and newest page when due); `post_intraday` rows."""
        from tikscope.sources.business import BusinessClient

        clock = self.settings.clock
        now = clock.now()
        stretch = self.stretch.get(self.app_of(stored), 1.0)
        tracked = self.tracked(connection, stored, now)
        due = due_posts(tracked, now=now, cadence=self.settings.posts, stretch=stretch)
        every = self.settings.accounts.new_posts
        last = self.listed.get(stored.connection_id)
        list_newest = every is not None and (last is None or now - last >= every * stretch)
        if not due and not list_newest:
            return []
        session = self.session(connection, stored)
        rows: list[Row] = []
        assert stored.open_id is not None, "a Business connection has a business id"
        client = BusinessClient(session, stored.open_id)
        if list_newest:
            rows += self.intraday_rows(stored, client.recent_videos(captured_at=now))
            self.listed[stored.connection_id] = now
        seen = {row["post_id"] for row in rows}
        rest = [post_id for post_id in due if post_id not in seen]
        for start in range(0, len(rest), POSTS_PER_REQUEST):
            chunk = rest[start : start + POSTS_PER_REQUEST]
            rows += self.intraday_rows(stored, client.videos_by_id(chunk, captured_at=now))
        return rows

    def session(self, connection: DuckDBPyConnection, stored: Connection) -> ApiSession:
        """The connection's API session, kept open between rounds.

        # NOTE: opening an `httpx.Client` costs about 0.2 s (its TLS context); one per
        # connection and round would cost more than the requests.
        """
        from tikscope.sources.http import ApiSession, RetryPolicy, pooled_transport
        from tikscope.sources.tokens import TokenCipher
        from tikscope.sync.connections import StoredTokens

        kept = self.sessions.get(stored.connection_id)
        if kept is not None and kept.client.base_url == stored.base_url:
            return kept
        if kept is not None:
            kept.close()
        key_file = self.settings.key_file
        cipher = self.ciphers.get(key_file) or TokenCipher.from_key_file(key_file)
        self.ciphers[key_file] = cipher
        clock = self.settings.clock
        tokens = StoredTokens(connection, stored.connection_id, cipher, now=clock.now)
        if self.transport is None:
            self.transport = pooled_transport()
        session = ApiSession(stored.base_url, tokens=tokens, style="business",
                             policy=self.settings.policy or RetryPolicy(), sleep=clock.sleep,
                             gate=self.gate(stored), transport=self.transport)  # fmt: skip
        self.sessions[stored.connection_id] = session
        return session

    def close(self) -> None:
        """Close every kept session."""
        for session in self.sessions.values():
            session.close()
        self.sessions.clear()

    def intraday_rows(self, stored: Connection, tables: dict[str, list[Row]]) -> list[Row]:
        """`post_intraday` rows of one answer, stamped when it came (to the second)."""
        captured_at = self.settings.clock.now().replace(microsecond=0)
        published = {row["post_id"]: row["create_time"] for row in tables["posts"]}
        oldest = captured_at - self.settings.posts.tracked_for
        rows = []
        memory = self.known.setdefault(stored.connection_id, {})
        for snapshot in tables["post_snapshots"]:
            post_id = snapshot["post_id"]
            if published.get(post_id) is None or published[post_id] < oldest:
                continue  # older posts are the daily sync's
            memory[post_id] = (published[post_id], captured_at)
            rows.append({
                "account_id": stored.account_id, "post_id": post_id, "captured_at": captured_at,
                "published_at": published[post_id], "views": snapshot["views"],
                "likes": snapshot["likes"], "comments": snapshot["comments"],
                "shares": snapshot["shares"],
            })  # fmt: skip
        for post_id, (when, _) in list(memory.items()):
            if when < oldest:
                del memory[post_id]
        return rows

    def describe(self) -> dict[str, Any]:
        """Each app's stretch and requests sent, for the Sync status page."""
        return {
            f"{api} {key[:6]}…" if len(key) > 6 else f"{api} {key}": {
                "stretch": round(self.stretch.get((api, key), 1.0), 3),
                "requests": self.budgets[(api, key)].taken if (api, key) in self.budgets else 0,
            }
            for api, key in sorted(set(self.stretch) | set(self.budgets))
        }


def epoch(moment: datetime) -> float:
    """Epoch seconds of a naive UTC time."""
    return moment.replace(tzinfo=UTC).timestamp()
