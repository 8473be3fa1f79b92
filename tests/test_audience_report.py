"""`tikscope audience report | merge | rename` end to end on a simulated store, and privacy on
every output: HTML, JSON, the pictures' labels (SVG text), GraphML, GEXF and CSV."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from tikscope.cli.main import main
from tikscope.simulate.config import SimulationConfig
from tikscope.simulate.run import simulate_into_store
from tikscope.store.db import open_store

RARE_CITY = "Vilanova de Arousa"
RARE_WORD = "zyxquokkaword"
TEXT_OUTPUTS = ("index.html", "report.json", "clusters.svg", "clusters.csv", "cluster_edges.csv",
                "clusters.graphml", "clusters.gexf")  # fmt: skip


@pytest.fixture(scope="module")
def audience_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path: Path = tmp_path_factory.mktemp("audience") / "store.duckdb"
    config = SimulationConfig(seed=5, members=4000, posts=10, days=30, end_date=date(2026, 11, 21))
    with open_store(path, create=True) as connection:
        simulate_into_store(connection, config)
        # one member with a city nobody else has, three with a word nobody else uses
        connection.execute(
            "UPDATE audience_members SET city = ? WHERE member_key = 11", [RARE_CITY]
        )
        connection.execute(
            "UPDATE audience_members SET bio = bio || ' ' || ? WHERE member_key IN (1, 2, 3)",
            [RARE_WORD],
        )
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def member_ids(audience_db: Path) -> set[str]:
    with open_store(audience_db) as connection:
        rows = connection.execute("SELECT member_id FROM audience_members").fetchall()
    return {row[0] for row in rows}


def report(capsys: pytest.CaptureFixture[str], db: Path, out: Path, *extra: str) -> dict:  # type: ignore[type-arg]
    code, stdout, stderr = run_cli(
        capsys, "audience", "report", "--db", str(db), "--out", str(out), *extra
    )
    assert (code, stderr) == (0, ""), stderr
    assert stdout.rstrip().endswith(f"wrote {out / 'index.html'}")
    return json.loads((out / "report.json").read_text())


def test_report_writes_every_output(
    capsys: pytest.CaptureFixture[str], audience_db: Path, tmp_path: Path
) -> None:
    data = report(capsys, audience_db, tmp_path)
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {*TEXT_OUTPUTS, "clusters.png", "clusters_no_labels.png"}
    clusters = [c for c in data["clusters"] if c["cluster"] != -1]
    assert 4 <= len(clusters) <= 10
    assert all(c["share"] > 0.02 for c in clusters)
    assert data["clustering"]["mode"] == "follows"
    # Fewer than 10 mass followers: hidden, and so are the isolated members, or the total
    # (4,000) minus the clustered members and the isolated would give the mass followers.
    assert data["audience"] == {
        "total_members": 4000, "clustered_members": 3878,
        "dropped": {"mass_followers": None, "bots": 0, "isolated": None},
    }  # fmt: skip
    page = (tmp_path / "index.html").read_text()
    for card in clusters:
        assert card["name"] in page
    assert "clusters.png" in page and "http://" not in page and "https://" not in page


def test_exactly_k_clusters_and_no_labels(
    capsys: pytest.CaptureFixture[str], audience_db: Path, tmp_path: Path
) -> None:
    data = report(capsys, audience_db, tmp_path, "--clusters", "5", "--no-labels")
    assert sorted(c["cluster"] for c in data["clusters"] if c["cluster"] != -1) == [0, 1, 2, 3, 4]
    page = (tmp_path / "index.html").read_text()
    assert 'class="graph" src="clusters_no_labels.png"' in page


def test_no_output_identifies_a_member(
    capsys: pytest.CaptureFixture[str], audience_db: Path, tmp_path: Path, member_ids: set[str]
) -> None:
    report(capsys, audience_db, tmp_path)
    pseudonym = re.compile(r"p_[0-9a-f]{20}")
    for name in TEXT_OUTPUTS:
        text = (tmp_path / name).read_text()
        assert not (set(pseudonym.findall(text)) & member_ids), name
        assert RARE_CITY not in text, name  # one member: under the minimum group size
        assert RARE_WORD not in text, name  # three members: under the minimum group size


def test_by_affinities_names_public_accounts_only(
    capsys: pytest.CaptureFixture[str], audience_db: Path, tmp_path: Path
) -> None:
    code, stdout, stderr = run_cli(capsys, "audience", "report", "--db", str(audience_db),
                                   "--out", str(tmp_path), "--by", "affinities")  # fmt: skip
    assert (code, stderr) == (0, "")
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["clustering"]["mode"] == "affinities"
    assert 2 <= data["clustering"]["clusters"] <= 10
    with open_store(audience_db) as connection:
        accounts = connection.execute(
            "SELECT handle, verified OR follower_count >= 10000 FROM outside_accounts"
        ).fetchall()
    public = {handle for handle, is_public in accounts if is_public}
    private = {handle for handle, is_public in accounts if not is_public}
    named = {item["handle"] for card in data["clusters"] for item in card["affinities"]}
    assert named and named <= public
    assert any(card["unnamed_affinities"] for card in data["clusters"])  # the small favourites
    # a private handle may be part of no other text (a word of a bio, a public handle): check
    # the report's own words for them, not substrings
    words = set(re.findall(r"@([\w.]+)", stdout))
    for name in TEXT_OUTPUTS:
        words |= set(re.findall(r"@([\w.]+)", (tmp_path / name).read_text()))
    assert words & private == set()
    assert {item["handle"] for item in data["summary"]["affinities"]} <= public


def test_small_clusters_fold_into_other(
    capsys: pytest.CaptureFixture[str], audience_db: Path, tmp_path: Path
) -> None:
    data = report(capsys, audience_db, tmp_path, "--min-cluster-size", "400")
    named = [c for c in data["clusters"] if c["cluster"] != -1]
    assert named and all(c["size"] >= 400 for c in named)
    assert data["privacy"] == {
        "min_group_size": 10, "min_cluster_size": 400, "public_followers": 10_000
    }  # fmt: skip


def test_merge_and_rename_rewrite_the_report(
    capsys: pytest.CaptureFixture[str], audience_db: Path, tmp_path: Path
) -> None:
    before = report(capsys, audience_db, tmp_path)
    sizes = {c["cluster"]: c["size"] for c in before["clusters"]}
    code, out, _ = run_cli(
        capsys,
        "audience",
        "merge",
        "--db",
        str(audience_db),
        "--clusters",
        "1,2",
        "--out",
        str(tmp_path),
    )
    assert code == 0 and "merged cluster(s) 2 into 1" in out
    code, out, _ = run_cli(
        capsys,
        "audience",
        "rename",
        "--db",
        str(audience_db),
        "--cluster",
        "1",
        "--name",
        "Home & garden",
        "--out",
        str(tmp_path),
    )
    assert code == 0 and "cluster 1 is now 'Home & garden'" in out
    after = json.loads((tmp_path / "report.json").read_text())
    merged = next(c for c in after["clusters"] if c["cluster"] == 1)
    assert merged["size"] == sizes[1] + sizes[2]
    assert merged["name"] == "Home & garden"
    assert 2 not in {c["cluster"] for c in after["clusters"]}
    for name in ("index.html", "clusters.svg", "clusters.csv", "clusters.graphml", "clusters.gexf"):
        text = (tmp_path / name).read_text()
        assert "Home &amp; garden" in text or "Home & garden" in text, name


def test_edit_errors_are_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    empty = tmp_path / "empty.duckdb"
    config = SimulationConfig(seed=1, members=0, posts=3, days=5, end_date=date(2026, 11, 21))
    with open_store(empty, create=True) as connection:
        simulate_into_store(connection, config)
    code, _, err = run_cli(
        capsys, "audience", "rename", "--db", str(empty), "--cluster", "0", "--name", "x"
    )
    assert (code, err) == (
        1,
        "error: no saved audience result for this account: run `tikscope audience report` first\n",
    )
