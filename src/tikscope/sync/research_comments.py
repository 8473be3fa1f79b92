"""Comments on the account's videos from the Research API, resumably and within the daily quota.

The Research API's video and comment endpoints allow 1,000 requests a UTC day (spec §3), apart
from the 20,000 graph calls. A pass reads the comments of every video the store holds for the
account whose comment count changed since its comments were last read (or that was never read;
a count of 0 needs no request), one page per transaction together with the pass's position, so
a pass stopped by the quota, an error or a kill goes on from the last page written.

The Research API does not say who wrote a comment, but `comments.author_id` is required: each
comment gets the pseudonym of its own id, i.e. one unknown author per comment. A richer source
(the Business API) that reads the same comment replaces it with the pseudonym of the real author
(see `sync.precedence`); the Research API never replaces the Business API's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tikscope.errors import MalformedResponseError
from tikscope.sources.families import RESEARCH
from tikscope.sources.records import AccountFacts, Extract, Row
from tikscope.store.db import fetch_value
from tikscope.sync.log import load_daily_state

if TYPE_CHECKING:
    from tikscope.sources.research import ResearchClient
    from tikscope.store.db import DuckDBPyConnection
    from tikscope.sync.connections import Connection

DAILY_VIDEO_CALLS = 1_000
"""Research API video and comment requests allowed per UTC day."""
STATE = "research_comments"
UNKNOWN_AUTHOR = "research comment {comment_id}"
"""What is pseudonymized for the author of a Research API comment, which names none."""


class CommentCrawler:
    """One page of one video's comments at a time; each page is one batch."""

    state_name = STATE
    daily_limit = DAILY_VIDEO_CALLS
    what = "video comments"

    def __init__(
        self,
        connection: DuckDBPyConnection,
        stored: Connection,
        client: ResearchClient,
        pseudonym: Callable[[str], str],
    ) -> None:
        """Read comments on `stored.handle`'s videos into the store."""
        self.connection, self.stored, self.client = connection, stored, client
        self.pseudonym = pseudonym

    def load_state(self, now: datetime) -> dict[str, Any]:
        """The pass in progress, or a new one over the videos whose comment count moved."""
        state = load_daily_state(
            self.connection, self.stored.account_id, STATE, now=now,
            fresh={"queue": [], "cursor": None, "seen": {}, "quota_requests": 0},
        )  # fmt: skip
        if not state["queue"]:
            state["queue"] = self.videos_to_read(state["seen"])
        return state

    def videos_to_read(self, seen: dict[str, int | None]) -> list[str]:
        """Stored videos never read or whose latest comment count is new; none with 0 comments."""
        rows = self.connection.execute(
            "SELECT p.post_id, (SELECT arg_max(s.comments, s.captured_at) FROM post_snapshots s "
            "WHERE s.account_id = p.account_id AND s.post_id = p.post_id) FROM posts p "
            "WHERE p.account_id = ? AND NOT p.is_deleted ORDER BY p.post_id",
            [self.stored.account_id],
        ).fetchall()
        return [
            post for post, count in rows if count != 0 and (post not in seen or seen[post] != count)
        ]

    def is_done(self, state: dict[str, Any]) -> bool:
        """Whether this pass has read every video of its queue."""
        return not state["queue"]

    def step(self, state: dict[str, Any]) -> tuple[Extract, dict[str, Any]]:
        """Read one page of the first queued video's comments; the state after it."""
        video, cursor = state["queue"][0], state["cursor"]
        rows, next_cursor, has_more = self.client.comments(video, cursor=cursor)
        state = {**state, "seen": dict(state["seen"])}
        if has_more:
            if next_cursor is None or next_cursor == cursor:
                raise MalformedResponseError(
                    f"Research API /v2/research/video/comment/list/ (video {video}): has_more "
                    f"is true but the cursor did not move ({next_cursor!r})"
                )
            state["cursor"] = next_cursor
        else:
            state["seen"][video] = self.comment_count(video)
            state["queue"], state["cursor"] = state["queue"][1:], None
        comments = [self.with_author(row) for row in rows]
        facts = AccountFacts(self.stored.handle, None, RESEARCH.source)
        return Extract(facts, {"comments": comments}), state

    def with_author(self, row: Row) -> Row:
        """A comment row with its (unknown) author's pseudonym."""
        author = UNKNOWN_AUTHOR.format(comment_id=row["comment_id"])
        return {**row, "author_id": self.pseudonym(author)}

    def comment_count(self, video: str) -> int | None:
        """The video's comment count in its latest stored snapshot."""
        value = fetch_value(
            self.connection,
            "SELECT arg_max(comments, captured_at) FROM post_snapshots "
            "WHERE account_id = ? AND post_id = ?",
            [self.stored.account_id, video],
        )
        return None if value is None else int(value)
