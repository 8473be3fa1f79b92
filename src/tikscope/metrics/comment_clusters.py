"""Comments per audience cluster of the newest saved clustering, at the minimum group size.

A cluster's figures are shown only when at least the audience cards' minimum group size of its
members commented in the period (`PrivacySettings.min_group_size`, saved with the result); its
previous-period figures only when as many commented then. Comments of the clusters not shown
are counted with those of people in no cluster, so that no figure of a small cluster can be
recovered by subtraction. Authors are read to place comments in clusters and never leave here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from tikscope.audience.model import PrivacySettings
from tikscope.audience.results import load_result, newest_result_id
from tikscope.metrics.comment_themes import Theme, comment_words, slot_themes
from tikscope.metrics.comments import (
    SentimentCounts,
    ShareChange,
    StoredComment,
    count_sentiments,
    in_period,
    load_comments,
    share_changes,
)
from tikscope.metrics.periods import Period

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

    from tikscope.metrics.query import Account


@dataclass(frozen=True)
class ClusterSentiment:
    """One audience cluster's comments in the period (shown only above the minimum group size).

    Attributes:
        cluster: its number in the saved result.
        name: its name.
        counts: its members' comments in the period by sentiment.
        previous: the same in the previous period; None when fewer than the minimum group size
            of its members commented then.
        changes: each label's share now and before (None before when `previous` is None).
        themes: words its commenters use more than the other clusters' commenters (counted once
            per commenter, shown only when at least the minimum group size use them).
    """

    cluster: int
    name: str
    counts: SentimentCounts
    previous: SentimentCounts | None
    changes: tuple[ShareChange, ...]
    themes: tuple[Theme, ...]


@dataclass(frozen=True)
class ClusterComments:
    """The comments of each audience cluster of the newest saved clustering.

    Attributes:
        result_id: the saved clustering (None when the account has none).
        min_group_size: a cluster is shown only if at least this many of its members commented
            in the period (the audience cards' minimum group size).
        clusters: the clusters shown.
        hidden_clusters: clusters with fewer commenters than that, not shown.
        outside: comments in the period by people in no cluster shown (in no cluster of the
            result, or in a cluster not shown).
        note: why nothing is shown, or None.
    """

    result_id: int | None
    min_group_size: int
    clusters: tuple[ClusterSentiment, ...]
    hidden_clusters: int
    outside: int
    note: str | None


def cluster_comments(
    connection: DuckDBPyConnection, account: Account, period: Period
) -> ClusterComments:
    """Sentiment and themes of each cluster's comments, for clusters with enough commenters."""
    result_id = newest_result_id(connection, account.account_id)
    if result_id is None:
        return ClusterComments(
            None,
            PrivacySettings().min_group_size,
            (),
            0,
            0,
            "no saved audience clusters: run `tikscope audience report` first",
        )
    saved = load_result(connection, account.account_id, result_id)
    minimum = int(
        saved.parameters.get("privacy", {}).get("min_group_size", PrivacySettings().min_group_size)
    )
    cluster_of = member_clusters(connection, account, saved.member_keys, saved.labels)
    every = load_comments(connection, account)
    current, before = in_period(every, period), in_period(every, period.previous())
    shown, hidden = [], 0
    numbers = sorted(saved.names)
    themes = commenter_themes(current, cluster_of, numbers, minimum)
    for position, number in enumerate(numbers):
        mine = [c for c in current if cluster_of.get(c.author_id) == number]
        if commenters(mine) < minimum:
            hidden += 1
            continue
        counts = count_sentiments(mine)
        earlier = [c for c in before if cluster_of.get(c.author_id) == number]
        previous = count_sentiments(earlier) if commenters(earlier) >= minimum else None
        changes = share_changes(counts, previous or SentimentCounts(0, 0, 0, 0))
        shown.append(ClusterSentiment(number, saved.names[number], counts, previous, changes,
                                      themes[position]))  # fmt: skip
    outside = len(current) - sum(cluster.counts.comments for cluster in shown)
    note = None if shown else (f"no cluster has {minimum} or more commenters in the period")
    return ClusterComments(result_id, minimum, tuple(shown), hidden, outside, note)


def commenters(comments: list[StoredComment]) -> int:
    """How many distinct people wrote the comments."""
    return len({comment.author_id for comment in comments})


def member_clusters(
    connection: DuckDBPyConnection, account: Account, keys: np.ndarray, labels: np.ndarray
) -> dict[str, int]:
    """The cluster of each clustered member, by the id comments name their authors with."""
    rows = connection.execute(
        "SELECT member_key, member_id FROM audience_members WHERE account_id = ?",
        [account.account_id],
    ).fetchall()
    label_of = dict(zip(keys.tolist(), labels.tolist(), strict=True))
    return {
        member: int(label_of[key]) for key, member in rows if key in label_of and label_of[key] >= 0
    }


def commenter_themes(
    comments: list[StoredComment], cluster_of: dict[str, int], numbers: list[int], minimum: int
) -> list[tuple[Theme, ...]]:
    """Per cluster, the words its commenters use more than other clustered commenters.

    A row is a commenter (the distinct words of all their comments), so a word counts people,
    as on the audience cards, and is shown only when `minimum` or more of them use it.
    """
    words: dict[str, set[str]] = {}
    for comment in comments:
        if comment.author_id in cluster_of:
            words.setdefault(comment.author_id, set()).update(comment_words(comment.text))
    authors = sorted(words)
    slot = {number: position for position, number in enumerate(numbers)}
    return slot_themes(
        [frozenset(words[a]) for a in authors],
        [slot[cluster_of[a]] for a in authors],
        len(numbers),
        min_count=minimum,
    )
