"""Affinities: clusters by outside follows, the accounts each cluster follows far more than the
audience, and who may be named. A small store where three groups follow distinct accounts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pytest
from sklearn.metrics import normalized_mutual_info_score

from tikscope.audience.affinities import empty_follows, load_outside_follows
from tikscope.audience.affinity_clusters import detect_affinity_clusters
from tikscope.audience.insights import AudienceInsights, compute_insights, saved_insights
from tikscope.audience.model import OTHER, PrivacySettings
from tikscope.cli.commands import audience_lines
from tikscope.errors import UsageError
from tikscope.reports.audience import write_audience_report

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

ACCOUNT = "acc_affinity"
GROUPS, SIZE = 3, 150
POPULAR = ("pop.one", "pop.two", "pop.three", "pop.four")
# (handle, verified, followers, chance a member of its group follows it)
GROUP_ACCOUNTS = (
    ("star{}", True, 50_000, 0.8),  # public: verified
    ("big{}", False, 20_000, 0.6),  # public: many followers
    ("tiny{}", False, 300, 0.5),  # private: small and unverified
)
CROSS_CHANCE = 0.08
"""Members of other groups follow a group's accounts too: under 10 of them in all would be a
small count the audience total gives away, and hide the group's count (secondary suppression)."""
UNKNOWN = "edge.list.account"  # no verified flag nor count, as from an edge-list import
PRIVATE = (*(f"tiny{group}" for group in range(GROUPS)), UNKNOWN)


def outside_accounts() -> list[tuple[str, bool | None, int | None]]:
    accounts: list[tuple[str, bool | None, int | None]] = [(h, True, 5_000_000) for h in POPULAR]
    for group in range(GROUPS):
        accounts += [(name.format(group), verified, count)
                     for name, verified, count, _ in GROUP_ACCOUNTS]  # fmt: skip
    return [*accounts, (UNKNOWN, None, None)]


def planted_follows(rng: np.random.Generator, truth: np.ndarray) -> list[tuple[int, int]]:
    """(member, outside key) pairs: each group its own accounts, everyone the popular ones."""
    keys = {handle: key for key, (handle, _, _) in enumerate(outside_accounts())}
    pairs = []
    for member, group in enumerate(truth.tolist()):
        pairs += [(member, keys[h]) for h in POPULAR if rng.random() < 0.3]
        for other in range(GROUPS):
            for name, _, _, chance in GROUP_ACCOUNTS:
                if rng.random() < (chance if other == group else CROSS_CHANCE):
                    pairs.append((member, keys[name.format(other)]))
        if group == 0 and rng.random() < 0.5:
            pairs.append((member, keys[UNKNOWN]))
    return pairs


def fill_store(connection: DuckDBPyConnection, *, shuffled: bool = False) -> np.ndarray:
    """Three groups of 150 that follow each other, and their outside follows; the groups.

    `shuffled`: each member gets the outside follows of another, at random (the control).
    """
    rng = np.random.default_rng(11)
    truth = np.repeat(np.arange(GROUPS), SIZE)
    members = pa.table({
        "member_key": np.arange(len(truth), dtype=np.int32),
        "member_id": [f"p_{key}" for key in range(len(truth))],
        "bio": [f"member of group{group}" for group in truth.tolist()],
    })  # fmt: skip
    connection.register("planted_members", members)
    connection.execute(
        "INSERT INTO audience_members (account_id, member_key, member_id, bio, run_id) "
        "SELECT ?, member_key, member_id, bio, 1 FROM planted_members",
        [ACCOUNT],
    )
    connection.executemany(
        "INSERT INTO outside_accounts VALUES (?, ?, ?, NULL, 1, ?, ?)",
        [[ACCOUNT, key, h, verified, count]
         for key, (h, verified, count) in enumerate(outside_accounts())],
    )  # fmt: skip
    same = truth[:, None] == truth[None, :]
    inside = (rng.random(same.shape) < 0.2) & same & ~np.eye(len(truth), dtype=bool)
    sources, targets = np.nonzero(inside)
    pairs = np.array(planted_follows(rng, truth), dtype=np.int64)
    if shuffled:
        pairs[:, 0] = rng.permutation(len(truth))[pairs[:, 0]]
    follows = pa.table({
        "follower_key": np.concatenate([sources, pairs[:, 0]]),
        "followee_key": np.concatenate([targets, pairs[:, 1]]),
        "followee_type": ["member"] * len(sources) + ["outside"] * len(pairs),
    })  # fmt: skip
    connection.register("planted_follows", follows)
    connection.execute(
        "INSERT INTO follows SELECT ?, follower_key, followee_key, followee_type, 1 "
        "FROM planted_follows",
        [ACCOUNT],
    )
    return truth


def affinities_of(insights: AudienceInsights) -> dict[int, tuple[set[str], int]]:
    return {
        card.cluster: ({item.handle for item in card.affinities}, card.unnamed_affinities)
        for card in insights.cards
    }


def group_of_cluster(insights: AudienceInsights, truth: np.ndarray) -> dict[int, int]:
    """Each cluster's planted group, checked to hold at least 85% of the cluster.

    (4% of a group follow none of its accounts: by affinities they land anywhere.)
    """
    labels = insights.clustering.labels
    found = {}
    for cluster in range(insights.clustering.clusters):
        counts = np.bincount(truth[labels == cluster], minlength=GROUPS)
        assert counts.max() >= 0.85 * counts.sum()
        found[cluster] = int(counts.argmax())
    return found


def test_affinity_clusters_find_groups_that_follow_distinct_accounts(
    store: DuckDBPyConnection,
) -> None:
    truth = fill_store(store)
    automatic = compute_insights(store, ACCOUNT, "affinity", by="affinities")
    assert automatic.clustering.mode == "affinities"
    assert automatic.clustering.clusters == GROUPS  # k chosen by silhouette
    placed = automatic.clustering.labels != OTHER
    score = normalized_mutual_info_score(truth[placed], automatic.clustering.labels[placed])
    assert score >= 0.7, score  # 0.73 measured; shuffled follows give about 0
    insights = compute_insights(store, ACCOUNT, "affinity", by="affinities", clusters=GROUPS)
    assert insights.clustering.clusters == GROUPS
    groups = group_of_cluster(insights, truth)
    assert sorted(groups.values()) == list(range(GROUPS))
    assert int(np.count_nonzero(insights.clustering.labels == OTHER)) < 10
    found = affinities_of(insights)
    for cluster, group in groups.items():
        # tiny{group} is followed far more too, and counted; group 0 also has the unknown one,
        # unless the few of group 0 placed in other clusters hide it (secondary suppression)
        named, unnamed = found[cluster]
        assert named == {f"star{group}", f"big{group}"}
        assert 1 <= unnamed <= (2 if group == 0 else 1)


def test_follows_mode_cards_list_affinities_too(store: DuckDBPyConnection) -> None:
    truth = fill_store(store)
    insights = compute_insights(store, ACCOUNT, "affinity")
    assert insights.clustering.mode == "follows"
    groups = group_of_cluster(insights, truth)
    found = affinities_of(insights)
    assert len(groups) == GROUPS
    for cluster, group in groups.items():
        assert found[cluster] == ({f"star{group}", f"big{group}"}, 2 if group == 0 else 1)
    summary = insights.summary
    members = [item.members for item in summary.affinities]
    assert members == sorted(members, reverse=True)
    assert {item.handle for item in summary.affinities} == {
        *POPULAR,
        *(f"{name}{group}" for name in ("star", "big") for group in range(GROUPS)),
    }
    assert summary.unnamed_affinities == len(PRIVATE)


def test_shuffled_outside_follows_give_no_affinity(store: DuckDBPyConnection) -> None:
    fill_store(store, shuffled=True)
    insights = compute_insights(store, ACCOUNT, "affinity")
    assert insights.clustering.clusters == GROUPS
    assert affinities_of(insights) == {card.cluster: (set(), 0) for card in insights.cards}


def test_a_private_account_is_never_named_in_any_output(
    store: DuckDBPyConnection, tmp_path: Path
) -> None:
    fill_store(store)
    for by in ("affinities", "follows"):
        insights = compute_insights(store, ACCOUNT, "affinity", by=by)  # type: ignore[arg-type]
        out = tmp_path / by
        write_audience_report(insights, out)
        texts = [path.read_text("utf-8") for path in out.iterdir() if path.suffix != ".png"]
        texts.append("\n".join(audience_lines(insights)))
        texts.append(json.dumps([vars(card) for card in insights.cards], default=str))
        assert any("star0" in text for text in texts)
        leaked = [(handle, text[:80]) for handle in PRIVATE for text in texts if handle in text]
        assert leaked == []
        assert "not a public figure" in (out / "index.html").read_text("utf-8")


def test_the_public_follower_threshold_is_the_users(store: DuckDBPyConnection) -> None:
    truth = fill_store(store)
    privacy = PrivacySettings(public_followers=100)
    insights = compute_insights(store, ACCOUNT, "affinity", privacy=privacy)
    for cluster, group in group_of_cluster(insights, truth).items():
        assert affinities_of(insights)[cluster] == (
            {f"star{group}", f"big{group}", f"tiny{group}"},
            1 if group == 0 else 0,
        )
    again = saved_insights(store, ACCOUNT, "affinity")
    assert affinities_of(again) == affinities_of(insights)


def test_affinities_survive_a_saved_result(store: DuckDBPyConnection) -> None:
    fill_store(store)
    insights = compute_insights(store, ACCOUNT, "affinity", by="affinities", clusters=3)
    again = saved_insights(store, ACCOUNT, "affinity")
    assert again.clustering.mode == "affinities"
    assert affinities_of(again) == affinities_of(insights)


def test_outside_follows_load_as_a_bag_over_handles(store: DuckDBPyConnection) -> None:
    fill_store(store)
    keys = np.arange(GROUPS * SIZE, dtype=np.int32)
    outside = load_outside_follows(store, ACCOUNT, keys)
    handles = sorted(handle for handle, _, _ in outside_accounts())
    assert outside.follows.vocabulary == tuple(handles)
    assert outside.public(10_000).tolist() == [
        not handle.startswith("tiny") and handle != UNKNOWN for handle in handles
    ]
    stored = store.execute(
        "SELECT count(*) FROM follows WHERE account_id = ? AND followee_type = 'outside'",
        [ACCOUNT],
    ).fetchone()
    assert stored is not None and len(outside.follows.indices) == stored[0]


def test_affinity_clusters_with_too_few_followers_put_everyone_in_other() -> None:
    clustering = detect_affinity_clusters(empty_follows(30).follows)
    assert clustering.clusters == 0 and (clustering.labels == OTHER).all()
    assert "too few for two clusters" in clustering.reason


def test_affinity_clusters_refuse_a_k_out_of_range() -> None:
    with pytest.raises(UsageError, match="clusters must be 2-20, not 21"):
        detect_affinity_clusters(empty_follows(30).follows, clusters=21)
