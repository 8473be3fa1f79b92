"""Crawl an account's audience graph from the Research API, resumably and within the daily quota.

Two passes over the account's follower list: the first stores every follower (as a pseudonym),
the second walks the list again and reads each follower's following list, keeping follows to
other followers as member follows and the rest as follows of outside accounts. Every page is
written together with the crawl's position, so a crawl stopped by the daily quota, an error or a
kill goes on from the last page written. Usernames of followers are never stored: the position is
the follower-page cursor and an index in that page. After the graph, the same loop reads the
comments on the account's videos (`research_comments`), within their own daily quota.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from tikscope.errors import QuotaExhaustedError
from tikscope.sources.families import RESEARCH
from tikscope.sources.records import AccountFacts, Extract, Row
from tikscope.sync.batches import write_extract
from tikscope.sync.log import load_daily_state

if TYPE_CHECKING:
    from tikscope.sources.http import ApiSession
    from tikscope.sources.research import Page, ResearchClient
    from tikscope.store.db import DuckDBPyConnection
    from tikscope.sync.connections import Connection
    from tikscope.sync.run import SyncOutcome

DAILY_GRAPH_CALLS = 20_000
"""Research API follower/following calls allowed per UTC day."""
STATE = "research_crawl"
ENRICH_GRAPH_RESERVE = 2_000
"""Graph calls a day the crawl leaves to the enrichment of a sample while it is not done."""


class Step(Protocol):
    """A resumable crawl: one page per step, its position in `sync_state` under `state_name`."""

    state_name: str
    daily_limit: int
    what: str

    def load_state(self, now: datetime) -> dict[str, Any]:
        """Where the last written page left the crawl; the quota count restarts each UTC day."""
        ...

    def is_done(self, state: dict[str, Any]) -> bool:
        """Whether nothing is left to read."""
        ...

    def step(self, state: dict[str, Any]) -> tuple[Extract, dict[str, Any]]:
        """Read one page and return its rows and the state after it."""
        ...


@dataclass
class Progress:
    """What the crawls of one sync wrote, and what the user should know."""

    written: int = 0
    last_run: int | None = None
    notes: list[str] = field(default_factory=list)


def crawl_research(
    connection: DuckDBPyConnection,
    stored: Connection,
    session: ApiSession,
    *,
    now: datetime,
    key_file: Path,
) -> SyncOutcome:
    """Go on with the graph crawl, then with the video comments, until done or out of quota."""
    from tikscope.config import enrichment_settings
    from tikscope.sources.research import ResearchClient
    from tikscope.sync.enrich import Enricher, run_enrichment
    from tikscope.sync.pseudonyms import pseudonymizer
    from tikscope.sync.research_comments import DAILY_VIDEO_CALLS, CommentCrawler
    from tikscope.sync.run import finish_sync

    started = datetime.now().replace(tzinfo=None)
    client, pseudonym = ResearchClient(session), pseudonymizer(key_file)
    progress = Progress()
    graph = Crawler(connection, stored, client, pseudonym)
    enricher = Enricher(
        connection, stored, client, pseudonym, settings=enrichment_settings(), graph=graph, now=now
    )
    # NOTE: the sample's profiles are worth more per call than a huge graph crawl's next pages,
    # so the graph crawl leaves the enrichment a reserve of the day's graph calls.
    reserve = 0 if enricher.load_state(now)["phase"] == "done" else ENRICH_GRAPH_RESERVE
    graph.daily_limit = DAILY_GRAPH_CALLS - reserve
    run_steps(connection, stored, session, graph, now=now, progress=progress)
    graph_used = graph.load_state(now)["quota_requests"]
    enricher.graph_limit = DAILY_GRAPH_CALLS - graph_used
    enriched = run_enrichment(connection, stored, enricher, progress=progress)
    comments = CommentCrawler(connection, stored, client, pseudonym)
    comments.daily_limit = min(comments.daily_limit, DAILY_VIDEO_CALLS - enriched["quota_requests"])
    run_steps(connection, stored, session, comments, now=now, progress=progress)
    return finish_sync(
        connection, stored, session, started=started, changed=progress.written > 0,
        written=progress.written, run_id=progress.last_run, notes=tuple(progress.notes),
    )  # fmt: skip


def run_steps(
    connection: DuckDBPyConnection,
    stored: Connection,
    session: ApiSession,
    crawler: Step,
    *,
    now: datetime,
    progress: Progress,
) -> None:
    """Step `crawler` until it is done or today's quota for it is used up; one batch a step."""
    state = crawler.load_state(now)
    while not crawler.is_done(state):
        if state["quota_requests"] >= crawler.daily_limit:
            progress.notes.append(f"today's Research API quota for {crawler.what} is used up; "
                                  "the crawl goes on after 00:00 UTC")  # fmt: skip
            return
        before = session.stats.requests
        try:
            extract, state = crawler.step(state)
        except QuotaExhaustedError as error:
            progress.notes.append(f"{error}; the crawl of {crawler.what} goes on after 00:00 UTC")
            return
        state["quota_requests"] += session.stats.requests - before
        result = write_extract(
            connection, extract, kind="sync", source=f"{RESEARCH.source} {stored.base_url}",
            state={crawler.state_name: state},
        )  # fmt: skip
        progress.written += sum(count.written for count in result.counts.values())
        progress.last_run = result.run_id or progress.last_run


class Crawler:
    """One step of the graph crawl at a time; each step is one page and one batch."""

    state_name = STATE
    daily_limit = DAILY_GRAPH_CALLS
    what = "the follower graph"

    def __init__(
        self,
        connection: DuckDBPyConnection,
        stored: Connection,
        client: ResearchClient,
        pseudonym: Callable[[str], str],
    ) -> None:
        """Crawl `stored.handle`'s audience into the store."""
        self.connection, self.stored, self.client, self.pseudonym = (
            connection,
            stored,
            client,
            pseudonym,
        )
        self.pages: dict[int | None, Page] = {}

    def load_state(self, now: datetime) -> dict[str, Any]:
        """Where the last written page left the crawl; the quota count restarts each UTC day."""
        return load_daily_state(
            self.connection, self.stored.account_id, STATE, now=now,
            fresh={"phase": "followers", "cursor": None, "position": 0, "following_cursor": None,
                   "members": 0, "outside": 0, "quota_requests": 0},
        )  # fmt: skip

    def is_done(self, state: dict[str, Any]) -> bool:
        """Whether both passes are over."""
        return bool(state["phase"] == "done")

    def step(self, state: dict[str, Any]) -> tuple[Extract, dict[str, Any]]:
        """Read one page and return its rows and the state after it."""
        state = dict(state)
        if state["phase"] == "followers":
            return self.list_followers(state)
        return self.read_following(state)

    def follower_page(self, cursor: int | None) -> Page:
        """A page of the account's followers (kept for the second pass of this run)."""
        if cursor not in self.pages:
            self.pages[cursor] = self.client.followers(self.stored.handle, cursor=cursor)
        return self.pages[cursor]

    def list_followers(self, state: dict[str, Any]) -> tuple[Extract, dict[str, Any]]:
        """First pass: store one page of followers."""
        page = self.follower_page(state["cursor"])
        known = self.member_keys([self.pseudonym(name) for name in page.usernames])
        rows: list[Row] = []
        for name in page.usernames:
            member = self.pseudonym(name)
            if member not in known:
                known[member] = state["members"] + len(rows)
                rows.append({"member_key": known[member], "member_id": member})
        state["members"] += len(rows)
        if page.has_more:
            state["cursor"] = page.cursor
        else:
            state.update(phase="following", cursor=None, position=0, following_cursor=None)
        return self.extract({"audience_members": rows}), state

    def read_following(self, state: dict[str, Any]) -> tuple[Extract, dict[str, Any]]:
        """Second pass: one page of one follower's following list."""
        page = self.follower_page(state["cursor"])
        if state["position"] >= len(page.usernames):
            if page.has_more:
                state.update(cursor=page.cursor, position=0, following_cursor=None)
            else:
                state.update(phase="done")
            return self.extract({}), state
        name = page.usernames[state["position"]]
        follower = self.member_keys([self.pseudonym(name)])[self.pseudonym(name)]
        following = self.client.following(name, cursor=state["following_cursor"])
        follows, outside = self.follow_rows(follower, following.usernames, state)
        if following.has_more:
            state["following_cursor"] = following.cursor
        else:
            state.update(position=state["position"] + 1, following_cursor=None)
        return self.extract({"follows": follows, "outside_accounts": outside}), state

    def follow_rows(
        self, follower: int, followees: list[str], state: dict[str, Any]
    ) -> tuple[list[Row], list[Row]]:
        """Follows of one follower: to members by key, to others as outside accounts.

        New outside accounts get keys after `state["outside"]` and after every stored one (the
        enrichment of a sample, `sync.enrich`, adds outside accounts too).
        """
        members = self.member_keys([self.pseudonym(name) for name in followees])
        outside = self.outside_keys(followees)
        state["outside"] = max(state["outside"], self.next_outside_key())
        follows: list[Row] = []
        new_outside: list[Row] = []
        for name in dict.fromkeys(followees):
            member = members.get(self.pseudonym(name))
            if member is not None:
                follows.append({"follower_key": follower, "followee_key": member,
                                "followee_type": "member"})  # fmt: skip
                continue
            if name not in outside:
                outside[name] = state["outside"]
                state["outside"] += 1
                new_outside.append({"outside_key": outside[name], "handle": name})
            follows.append({"follower_key": follower, "followee_key": outside[name],
                            "followee_type": "outside"})  # fmt: skip
        return follows, new_outside

    def member_keys(self, members: list[str]) -> dict[str, int]:
        """Stored member keys of these pseudonyms."""
        if not members:
            return {}
        rows = self.connection.execute(
            "SELECT member_id, member_key FROM audience_members "
            "WHERE account_id = ? AND list_contains(?, member_id)",
            [self.stored.account_id, members],
        ).fetchall()
        return {str(member): int(key) for member, key in rows}

    def outside_keys(self, handles: list[str]) -> dict[str, int]:
        """Stored outside-account keys of these handles."""
        if not handles:
            return {}
        rows = self.connection.execute(
            "SELECT handle, outside_key FROM outside_accounts "
            "WHERE account_id = ? AND list_contains(?, handle)",
            [self.stored.account_id, handles],
        ).fetchall()
        return {str(handle): int(key) for handle, key in rows}

    def next_outside_key(self) -> int:
        """One more than the highest stored outside-account key (0 when none)."""
        value = self.connection.execute(
            "SELECT coalesce(max(outside_key) + 1, 0) FROM outside_accounts WHERE account_id = ?",
            [self.stored.account_id],
        ).fetchall()  # NOTE: fetched whole: DuckDB 2 refuses new work while a result is half-read
        return int(value[0][0]) if value else 0

    def extract(self, tables: dict[str, list[Row]]) -> Extract:
        """The rows of one step, for the crawled account."""
        facts = AccountFacts(self.stored.handle, None, RESEARCH.source)
        return Extract(facts, tables)
