"""The same files and seed give the same clusters, whatever the key file of the pseudonyms."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np

from tikscope.audience.communities import detect_clusters
from tikscope.audience.graph import load_graph
from tikscope.store.db import open_store
from tikscope.sync.imports import import_path
from tikscope.sync.pseudonyms import pseudonymizer


def write_files(folder: Path) -> list[str]:
    """A members CSV and a one-way edges CSV of a loosely grouped audience; the member ids."""
    rng = np.random.default_rng(11)
    groups = np.repeat(np.arange(6), 50)
    names = [f"user{index:03d}" for index in rng.permutation(len(groups))]
    lines = ["follower,followee"]
    for first in range(len(groups)):
        for second in range(first + 1, len(groups)):
            chance = 0.08 if groups[first] == groups[second] else 0.015
            if rng.random() < chance:
                lines.append(f"{names[first]},{names[second]}")
    folder.mkdir()
    (folder / "members.csv").write_text("id\n" + "\n".join(names) + "\n", encoding="utf-8")
    (folder / "edges.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return names


def clusters_by_member(tmp_path: Path, files: Path, names: list[str], key: str) -> list[int]:
    """Import the files under a new key file and cluster them; each member's cluster."""
    key_file = tmp_path / f"{key}.key"
    with open_store(tmp_path / f"{key}.duckdb", create=True) as connection:
        [imported] = import_path(
            connection, files, handle="casa_verde_shop", today=date(2026, 12, 1), key_file=key_file
        )
        graph = load_graph(connection, imported.account_id)
        clustering = detect_clusters(graph, seed=7)
        keys = dict(
            connection.execute(
                "SELECT member_id, member_key FROM audience_members WHERE account_id = ?",
                [imported.account_id],
            ).fetchall()
        )
    label_of = dict(zip(graph.member_keys.tolist(), clustering.labels.tolist(), strict=True))
    pseudonym = pseudonymizer(key_file)
    return [label_of.get(keys[pseudonym(name)], -2) for name in names]


def test_the_key_file_does_not_change_the_clusters(tmp_path: Path) -> None:
    files = tmp_path / "files"
    names = write_files(files)

    first = clusters_by_member(tmp_path, files, names, "first")
    second = clusters_by_member(tmp_path, files, names, "second")
    third = clusters_by_member(tmp_path, files, names, "third")

    assert len(set(first)) >= 4
    assert first == second == third
