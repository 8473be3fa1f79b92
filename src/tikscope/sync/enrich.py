"""Profiles of a sample of the audience from the Research API, resumably and within the quotas.

After the graph crawl has stored the follower list, a seeded sample of the members
(`EnrichmentSettings.sample`, default 2,000) is drawn and written to `member_profiles`. Then the
follower list is walked again (usernames are never stored, only pseudonyms, so the walk is how a
sampled member's username is found); the sampled members of each follower page get, in one step
and one batch:

- `user/info`: bio into `audience_members.bio`; follower and following counts and the verified
  flag into `member_profiles`;
- `video/query` over the last 30 days, one query (`username IN`, paged) for the sampled members
  of a follower page: the most common `region_code` of a member's videos is the country,
  hashtags and captions (with the bio) give interests through the taxonomy (`text.taxonomy`),
  bio and captions give the language (`text.language`, offline);
- `user/following`: follows and outside accounts, as the graph crawl stores them. The graph crawl
  reads every follower's following list; enrichment reads it only for a member the finished
  crawl did not (one who followed since).

Quotas (spec §3): user and video requests share 1,000 a UTC day with the comments crawl;
enrichment spends at most `EnrichmentSettings.daily_requests` of them (a user/info request per
member, and a video query page per 50 or so).
Follower and following pages count against the 20,000 graph calls. The walk's position and the
day's counts are saved with every batch, and a profiled member is never asked for again: a sync
stopped by a quota, an error or a kill goes on where the last batch left it. A member not found
on the follower list any more (unfollowed) or no longer public is marked `gone`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from tikscope.errors import ApiError, QuotaExhaustedError
from tikscope.sources.families import RESEARCH
from tikscope.sources.records import AccountFacts, Extract, Row
from tikscope.store.db import fetch_value
from tikscope.sync.batches import write_extract
from tikscope.sync.crawl import DAILY_GRAPH_CALLS
from tikscope.sync.enrich_rows import Findings, profile_tables
from tikscope.sync.log import load_daily_state

if TYPE_CHECKING:
    from tikscope.config import EnrichmentSettings
    from tikscope.sources.research import Page, ResearchClient
    from tikscope.store.db import DuckDBPyConnection
    from tikscope.sync.connections import Connection
    from tikscope.sync.crawl import Crawler, Progress

STATE = "research_enrichment"
SOURCE = "research_api"
"""`member_profiles.source` of what this module writes."""
RECENT_DAYS = 30
"""How far back a member's videos are read: one video query (the API's longest range)."""
MAX_FOLLOWING_PAGES = 20
"""Following pages read per member (100 each): the first 2,000 accounts a member follows."""
MEMBERS_PER_VIDEO_PAGE = 50
"""Members whose 30 days of videos one video query page (100 videos) is expected to hold; the
share sets a page aside per this many members (more pages are read when needed)."""
GONE_CODES = frozenset({"invalid_params", "invalid_request"})
"""What the Research API answers for a user that does not exist or is not public."""


@dataclass
class Spent:
    """Requests one step made, by quota."""

    research: int = 0
    graph: int = 0


class Enricher:
    """One page of the follower list's walk per step; each step is one batch."""

    state_name = STATE
    what = "audience profiles"

    def __init__(
        self,
        connection: DuckDBPyConnection,
        stored: Connection,
        client: ResearchClient,
        pseudonym: Callable[[str], str],
        *,
        settings: EnrichmentSettings,
        graph: Crawler,
        now: datetime,
    ) -> None:
        """Profile a sample of `stored.handle`'s audience; `graph` is the graph crawl's step."""
        self.connection, self.stored, self.client = connection, stored, client
        self.pseudonym, self.settings, self.graph, self.now = pseudonym, settings, graph, now
        self.pages: dict[int | None, Page] = {}
        self.spent = Spent()
        self.stopped: str | None = None
        self.graph_limit = DAILY_GRAPH_CALLS
        """Graph calls this enrichment may make today (what the graph crawl left)."""

    def load_state(self, now: datetime) -> dict[str, Any]:
        """The walk in progress; a new sample when the setting asks for more members."""
        state = load_daily_state(
            self.connection, self.stored.account_id, STATE, now=now,
            fresh={"phase": "waiting", "cursor": None, "position": 0, "quota_requests": 0,
                   "graph_requests": 0, "graph_day": None},
        )  # fmt: skip
        if state["graph_day"] != state["quota_day"]:
            state["graph_day"], state["graph_requests"] = state["quota_day"], 0
        if not self.follower_list_stored():
            state["phase"] = "waiting"
        elif state["phase"] == "waiting" or (state["phase"] == "done" and self.wanted() > 0):
            state.update(phase="sample", cursor=None, position=0)
        return state

    def is_done(self, state: dict[str, Any]) -> bool:
        """Whether the sample is profiled (or the follower list is not stored yet)."""
        return state["phase"] in ("waiting", "done")

    def step(self, state: dict[str, Any]) -> tuple[Extract, dict[str, Any]]:
        """Draw the sample, or profile the sampled members of one page of the follower list.

        Within the page, members are profiled while today's quota shares allow; where one runs
        out (or TikTok says the daily quota is spent) the step ends there, keeping what it read,
        and `stopped` says why.
        """
        state, self.stopped = dict(state), None
        if state["phase"] == "sample":
            rows = self.draw_sample()
            state.update(phase="walk", cursor=None, position=0)
            return self.extract({"member_profiles": rows}), state
        pending = self.pending()
        if not pending:
            state["phase"] = "done"
            return self.extract({}), state
        page = self.follower_page(state["cursor"])
        wanted = [
            position
            for position in range(state["position"], len(page.usernames))
            if self.pseudonym(page.usernames[position]) in pending
        ]
        tables: dict[str, list[Row]] = {}
        if wanted:
            tables, at = self.profile_page(page, wanted, pending, state)
            if at is not None:
                state["position"] = at
                return self.extract(tables), state
        if page.has_more:
            state.update(cursor=page.cursor, position=0)
        else:
            state["phase"] = "done"
            gone = [self.profile_row(key, rank, status="gone") for key, rank in pending.values()]
            tables.setdefault("member_profiles", []).extend(gone)
        return self.extract(tables), state

    def profile_page(
        self,
        page: Page,
        wanted: list[int],
        pending: dict[str, tuple[int, int]],
        state: dict[str, Any],
    ) -> tuple[dict[str, list[Row]], int | None]:
        """Profile the sampled members at `wanted` positions of a page, as the quotas allow.

        Their recent videos come from one video query for all of them (`username IN`); each then
        gets its `user/info`. Returns the rows and, when the step must end before the page's
        end (a quota, or followings read: see below), the position to go on from.
        """
        tables: dict[str, list[Row]] = {}
        chosen = wanted[: self.room(state)]
        if not chosen:
            self.stopped = self.quota_short(state) or self.share_used()
            return tables, wanted[0]
        try:
            videos = self.read_videos([page.usernames[position] for position in chosen])
        except QuotaExhaustedError as error:
            self.stopped = str(error)
            return tables, wanted[0]
        for position in chosen:
            name = page.usernames[position]
            self.stopped = self.quota_short(state)
            if self.stopped is None:
                key, rank = pending.pop(self.pseudonym(name))
                try:
                    found = self.profile(name, key, rank, videos.get(name.lower(), []))
                except QuotaExhaustedError as error:
                    self.stopped = str(error)
            if self.stopped is not None:
                return tables, position
            for table, rows in found.items():
                tables.setdefault(table, []).extend(rows)
            if "outside_accounts" in found:
                # NOTE: new outside accounts are numbered after the stored ones, so the next
                # member's must wait until these are written.
                return tables, position + 1
        if len(chosen) < len(wanted):
            self.stopped = self.share_used()
            return tables, wanted[len(chosen)]
        return tables, None

    def room(self, state: dict[str, Any]) -> int:
        """How many members today's share still lets be profiled.

        Each needs a user/info request, and the video query a page per `MEMBERS_PER_VIDEO_PAGE`.
        """
        left = int(self.settings.daily_requests - state["quota_requests"] - self.spent.research)
        members = max(0, left - 1)
        while members and members + -(-members // MEMBERS_PER_VIDEO_PAGE) > left:
            members -= 1
        return members

    def share_used(self) -> str:
        """The note of a spent share."""
        return (f"today's share of Research API video and user requests "
                f"({self.settings.daily_requests}) is used")  # fmt: skip

    def read_videos(self, names: list[str]) -> dict[str, list[Row]]:
        """The recent videos of these users (one query, paged), by lowercase username."""
        last = self.now.date()
        query = {"and": [{"field_name": "username", "operation": "IN", "field_values": names}]}
        videos: list[Row] = self.counted(
            "research",
            lambda: self.client.videos(
                query, start=last - timedelta(days=RECENT_DAYS - 1), end=last
            ),
        )
        found: dict[str, list[Row]] = {}
        for video in videos:
            found.setdefault(str(video.get("username") or "").lower(), []).append(video)
        return found

    def quota_short(self, state: dict[str, Any]) -> str | None:
        """Why the next member may not be profiled today (its user/info request), if any."""
        daily = self.settings.daily_requests
        if state["quota_requests"] + self.spent.research + 1 > daily:
            return self.share_used()
        if state["graph_requests"] + self.spent.graph >= self.graph_limit:
            return f"today's Research API graph calls ({self.graph_limit}) are used"
        return None

    def follower_list_stored(self) -> bool:
        """Whether the graph crawl has stored the whole follower list (its first pass)."""
        value = fetch_value(
            self.connection,
            "SELECT json_extract_string(value, '$.phase') FROM sync_state "
            "WHERE account_id = ? AND name = 'research_crawl'",
            [self.stored.account_id],
        )
        return value is not None and value != "followers"

    def wanted(self) -> int:
        """Members the sample still lacks: the setting, at most the audience, less those drawn."""
        members, drawn = self.connection.execute(
            "SELECT (SELECT count(*) FROM audience_members WHERE account_id = $1), "
            "(SELECT count(*) FROM member_profiles WHERE account_id = $1)",
            [self.stored.account_id],
        ).fetchall()[0]
        return max(0, min(self.settings.sample, int(members)) - int(drawn))

    def draw_sample(self) -> list[Row]:
        """New `sampled` rows up to the sample size: members in order of a seeded hash."""
        members = self.connection.execute(
            "SELECT member_key, member_id FROM audience_members WHERE account_id = ? "
            "AND member_key NOT IN (SELECT member_key FROM member_profiles WHERE account_id = ?)",
            [self.stored.account_id, self.stored.account_id],
        ).fetchall()
        drawn = int(
            fetch_value(
                self.connection,
                "SELECT count(*) FROM member_profiles WHERE account_id = ?",
                [self.stored.account_id],
            )
            or 0
        )
        ordered = sorted(members, key=lambda row: sample_order(self.settings.seed, str(row[1])))
        chosen = ordered[: self.wanted()]
        return [
            self.profile_row(int(key), drawn + rank, status="sampled")
            for rank, (key, _) in enumerate(chosen)
        ]

    def pending(self) -> dict[str, tuple[int, int]]:
        """Sampled members not profiled yet: pseudonym -> (member key, sample rank)."""
        rows = self.connection.execute(
            "SELECT m.member_id, p.member_key, p.sample_rank FROM member_profiles p "
            "JOIN audience_members m "
            "ON m.account_id = p.account_id AND m.member_key = p.member_key "
            "WHERE p.account_id = ? AND p.status = 'sampled'",
            [self.stored.account_id],
        ).fetchall()
        return {str(member): (int(key), int(rank)) for member, key, rank in rows}

    def follower_page(self, cursor: int | None) -> Page:
        """A page of the account's followers (kept for the rest of this run)."""
        if cursor not in self.pages:
            self.pages[cursor] = self.counted(
                "graph", lambda: self.client.followers(self.stored.handle, cursor=cursor)
            )
        return self.pages[cursor]

    def counted(self, quota: str, call: Callable[[], Any]) -> Any:
        """`call()`, its requests added to what this run spent of `quota`."""
        before = self.client.session.stats.requests
        try:
            return call()
        finally:
            spent = self.client.session.stats.requests - before
            if quota == "graph":
                self.spent.graph += spent
            else:
                self.spent.research += spent

    def profile(self, name: str, key: int, rank: int, videos: list[Row]) -> dict[str, list[Row]]:
        """Every row one member's profile gives (or the member marked gone)."""
        try:
            found = self.read_member(name, key, videos)
        except QuotaExhaustedError:
            raise
        except ApiError as error:
            if error.code not in GONE_CODES:
                raise
            return {"member_profiles": [self.profile_row(key, rank, status="gone")]}
        return profile_tables(self, name, key, rank, found)

    def read_member(self, name: str, key: int, videos: list[Row]) -> Findings:
        """The member's profile, and followings when the crawl will not read them.

        While the graph crawl is under way it reads every follower's following list
        itself, in an order of its own; reading some here would number outside accounts in an
        order that depends on where quotas stopped each day. After it (a member who followed
        later), the following list is read here.
        """
        info = self.counted("research", lambda: self.client.user_info(name))
        needed = self.graph_read() and not self.has_follows(key)
        return Findings(info, videos, self.read_following(name) if needed else None)

    def has_follows(self, key: int) -> bool:
        """Whether the member's follows are stored already."""
        value = fetch_value(
            self.connection,
            "SELECT count(*) FROM follows WHERE account_id = ? AND follower_key = ?",
            [self.stored.account_id, key],
        )
        return bool(value)

    def graph_read(self) -> bool:
        """Whether the graph crawl has read every follower's following list already."""
        value = fetch_value(
            self.connection,
            "SELECT json_extract_string(value, '$.phase') FROM sync_state "
            "WHERE account_id = ? AND name = 'research_crawl'",
            [self.stored.account_id],
        )
        return bool(value == "done")

    def read_following(self, name: str) -> list[str]:
        """Whom the member follows: up to `MAX_FOLLOWING_PAGES` pages."""
        found: list[str] = []
        cursor: int | None = None
        for _ in range(MAX_FOLLOWING_PAGES):
            page: Page = self.counted("graph", partial(self.client.following, name, cursor=cursor))
            found += page.usernames
            if not page.has_more:
                break
            cursor = page.cursor
        return found

    def profile_row(self, key: int, rank: int, *, status: str, **values: Any) -> Row:
        """A `member_profiles` row."""
        return {"member_key": key, "sample_rank": rank, "status": status, "source": SOURCE,
                **values}  # fmt: skip

    def extract(self, tables: dict[str, list[Row]]) -> Extract:
        """The rows of one step, for the enriched account."""
        return Extract(AccountFacts(self.stored.handle, None, RESEARCH.source), tables)


def sample_order(seed: int, member_id: str) -> str:
    """Where a member falls in the seeded order of the sample."""
    return hashlib.sha256(f"{seed}\x1f{member_id}".encode()).hexdigest()


def run_enrichment(
    connection: DuckDBPyConnection,
    stored: Connection,
    enricher: Enricher,
    *,
    progress: Progress,
) -> dict[str, Any]:
    """Step `enricher` until the sample is profiled or a quota stops it; its last state."""
    state = enricher.load_state(enricher.now)
    profiled = 0
    while not enricher.is_done(state):
        enricher.spent = Spent()
        try:
            extract, state = enricher.step(state)
        except QuotaExhaustedError as error:  # the follower page itself
            enricher.stopped = str(error)
            break
        finally:
            state["quota_requests"] += enricher.spent.research
            state["graph_requests"] += enricher.spent.graph
        rows = extract.tables.get("member_profiles", [])
        profiled += sum(row["status"] == "profiled" for row in rows)
        result = write_extract(
            connection, extract, kind="sync", source=f"{RESEARCH.source} {stored.base_url}",
            state={STATE: state},
        )  # fmt: skip
        progress.written += sum(count.written for count in result.counts.values())
        progress.last_run = result.run_id or progress.last_run
        if enricher.stopped:
            break
    if profiled:
        progress.notes.append(f"profiled {profiled} sampled audience members ({summary(enricher)})")
    if enricher.stopped:
        progress.notes.append(f"{enricher.stopped}; the profiles go on after 00:00 UTC")
    return state


def summary(enricher: Enricher) -> str:
    """How far the sample is: profiled, left, gone."""
    rows = dict(
        enricher.connection.execute(
            "SELECT status, count(*) FROM member_profiles WHERE account_id = ? GROUP BY status",
            [enricher.stored.account_id],
        ).fetchall()
    )
    return (f"{rows.get('profiled', 0)} of a sample of {sum(rows.values())} profiled, "
            f"{rows.get('sampled', 0)} left, {rows.get('gone', 0)} gone")  # fmt: skip
