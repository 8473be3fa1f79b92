"""`tikscope export parquet`: every exported row read back, incremental writes, what never leaves."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tikscope.cli.main import main
from tikscope.simulate.config import SimulationConfig
from tikscope.simulate.run import simulate_into_store
from tikscope.store.db import open_store
from tikscope.store.export import EXPORTED, export_parquet
from tikscope.store.migrations import LATEST_VERSION

END = date(2026, 11, 20)


def simulate(db: Path, handle: str, *, days: int = 75, seed: int = 3) -> None:
    with open_store(db, create=True) as connection:
        simulate_into_store(connection, SimulationConfig(
            seed=seed, handle=handle, days=days, posts=20, members=120, end_date=END))  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Path:
    db = tmp_path / "store.duckdb"
    simulate(db, "casa_verde_demo")
    simulate(db, "otra_cuenta", seed=4)
    return db


def key(table: str) -> str:
    """`account_id, ` for tables partitioned by account."""
    return "account_id, " if next(s for s in EXPORTED if s.table == table).per_account else ""


def read_back(out: Path, table: str) -> list[tuple[object, ...]]:
    """A table's rows as the manifest lists them, with account_id from the partition paths."""
    manifest = json.loads((out / "manifest.json").read_text())
    entry = manifest["tables"][table]
    files = [str(out / part["file"]) for part in entry["partitions"].values()]
    names = ", ".join(f'"{column["name"]}"' for column in entry["columns"])
    if not files:
        return []
    return sorted(duckdb.sql(
        f"SELECT {key(table)}{names} FROM read_parquet($files, hive_partitioning = true)",
        params={"files": files},
    ).fetchall(), key=repr)  # fmt: skip


def stored(db: Path, table: str, columns: list[str]) -> list[tuple[object, ...]]:
    names = ", ".join(f'"{name}"' for name in columns)
    with open_store(db) as connection:
        rows = connection.execute(f"SELECT {key(table)}{names} FROM {table}").fetchall()
    return sorted(rows, key=repr)


def test_every_exported_row_reads_back_equal_with_the_manifest(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    with open_store(store) as connection:
        result = export_parquet(connection, out, audience=True)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["schema_version"] == result.schema_version == LATEST_VERSION
    assert list(manifest["tables"]) == [spec.table for spec in EXPORTED]
    for spec in EXPORTED:
        columns = [column["name"] for column in manifest["tables"][spec.table]["columns"]]
        rows = read_back(out, spec.table)
        assert rows == stored(store, spec.table, columns), spec.table
        if spec.table in ("accounts", "posts", "post_snapshots", "post_daily", "follows"):
            assert len({row[0] for row in rows}) == 2, spec.table
        assert rows or spec.table in ("workspaces", "workspace_accounts"), spec.table
    months = manifest["tables"]["post_snapshots"]["partitions"]
    assert {key.split("/")[1] for key in months} == {"month=2026-09", "month=2026-10",
                                                      "month=2026-11"}  # fmt: skip


def test_what_never_leaves_the_store(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    with open_store(store) as connection:
        export_parquet(connection, out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert not {"users", "api_tokens", "web_sessions", "connections", "audience_members",
                "follows", "outside_accounts"} & set(manifest["tables"])  # fmt: skip
    comments = [column["name"] for column in manifest["tables"]["comments"]["columns"]]
    assert "author_id" not in comments and "text" in comments
    assert {path.name for path in out.iterdir()} <= {*manifest["tables"], "manifest.json"}
    with open_store(store) as connection:
        export_parquet(connection, out, audience=True)
    members = json.loads((out / "manifest.json").read_text())["tables"]["audience_members"]
    assert [column["name"] for column in members["columns"]] == ["member_key", "followed_at"]
    with open_store(store) as connection:
        export_parquet(connection, out)  # without the audience again: its folders go
    assert not (out / "follows").exists() and not (out / "audience_members").exists()


def test_an_export_writes_only_the_partitions_that_changed(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    with open_store(store) as connection:
        first = export_parquet(connection, out)
    files = {path: path.stat().st_mtime_ns for path in out.rglob("*.parquet")}
    with open_store(store) as connection:
        second = export_parquet(connection, out)
    assert second.rows_written == 0 < first.rows_written
    assert {path: path.stat().st_mtime_ns for path in out.rglob("*.parquet")} == files
    simulate(store, "otra_cuenta", days=40, seed=5)  # replaces that account: fewer months
    with open_store(store) as connection:
        third = export_parquet(connection, out)
    by_table = {table.table: table for table in third.tables}
    assert by_table["post_snapshots"].removed >= 1
    assert by_table["post_snapshots"].unchanged == 3  # casa_verde_demo's months
    kept = [path for path in files if "otra_cuenta" not in str(path) and path.exists()]
    assert kept and all(path.stat().st_mtime_ns == files[path] for path in kept)
    listed = {str(out / part["file"]) for table in json.loads(
        (out / "manifest.json").read_text())["tables"].values()
        for part in table["partitions"].values()}  # fmt: skip
    assert {str(path) for path in out.rglob("*.parquet")} == listed
    for spec in EXPORTED:
        if not spec.audience:
            columns = [c["name"] for c in json.loads((out / "manifest.json").read_text())
                       ["tables"][spec.table]["columns"]]  # fmt: skip
            assert read_back(out, spec.table) == stored(store, spec.table, columns)


@pytest.mark.parametrize("kind", ["file", "foreign folder", "bad manifest"])
def test_export_refuses_an_out_that_is_not_an_export(
    store: Path, tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    if kind == "file":
        out.write_text("x")
    else:
        out.mkdir()
        (out / ("notes.txt" if kind == "foreign folder" else "manifest.json")).write_text("{")
    before = sorted(p.name for p in out.iterdir()) if out.is_dir() else None
    code = main(["export", "parquet", "--db", str(store), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and "Traceback" not in err
    assert err.count("\n") == 1 and str(out) in err
    assert (sorted(p.name for p in out.iterdir()) if out.is_dir() else None) == before
