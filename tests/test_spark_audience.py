"""The audience clustering's second stage on Spark (local mode) gives the single machine's labels."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from tikscope.audience.detection import undirected_edges, whole_graph_clusterer
from tikscope.audience.graph import load_graph
from tikscope.audience.sampling import cluster_by_sample
from tikscope.cli.main import main
from tikscope.metrics.query import find_account
from tikscope.simulate.config import SimulationConfig
from tikscope.simulate.run import simulate_into_store
from tikscope.store.db import open_store

SEED = 11
SHARE = 0.4


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A store with a simulated audience of 2,500 members, and its export with the audience."""
    folder = tmp_path_factory.mktemp("audience")
    db = folder / "store.duckdb"
    with open_store(db, create=True) as connection:
        simulate_into_store(connection, SimulationConfig(
            seed=5, handle="casa_verde_demo", days=20, posts=4, members=2500, communities=5,
            end_date=date(2026, 11, 20)))  # fmt: skip
    assert main(["export", "parquet", "--db", str(db), "--out", str(folder / "export"),
                 "--audience"]) == 0  # fmt: skip
    return db, folder / "export"


def test_spark_audience_gives_the_single_machine_communities(
    spark: object, exported: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, export = exported
    out = tmp_path / "communities"
    code = main(["spark", "audience", "--input", str(export), "--account", "@casa_verde_demo",
                 "--out", str(out), "--seed", str(SEED), "--share", str(SHARE)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    said = capsys.readouterr().out
    on_spark = dict(duckdb.sql(f"SELECT member_key, community "
                               f"FROM read_parquet('{out}/*.parquet')").fetchall())  # fmt: skip
    with open_store(db) as connection:
        account_id = find_account(connection, "casa_verde_demo").account_id
        graph = load_graph(connection, account_id, drop_mass_followers=False, drop_bots=False)
    edges = undirected_edges(graph)
    labels = cluster_by_sample(edges, whole_graph_clusterer(seed=SEED), share=SHARE, seed=SEED)
    here = dict(zip(graph.member_keys.tolist(), labels.tolist(), strict=True))
    assert on_spark == here
    communities = len(set(here.values()))
    assert communities >= 3  # a partition to compare, not one community
    assert said.startswith(f"wrote {communities:,} communities of {len(here):,} members")


def test_spark_audience_refuses_an_export_without_the_audience(
    spark: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "store.duckdb"
    with open_store(db, create=True) as connection:
        simulate_into_store(connection, SimulationConfig(seed=2, days=5, posts=2, members=0))
    assert main(["export", "parquet", "--db", str(db), "--out", str(tmp_path / "export")]) == 0
    capsys.readouterr()
    code = main(["spark", "audience", "--input", str(tmp_path / "export"), "--account",
                 "casa_verde_demo", "--out", str(tmp_path / "out")])  # fmt: skip
    assert code == 2
    assert capsys.readouterr().err == (
        f"error: --input {tmp_path / 'export'}: the export has no audience graph: run "
        "`tikscope export parquet --audience`\n"
    )
