"""The registry's metrics on Spark (local mode) equal DuckDB's, for every metric of every account."""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from tikscope import access
from tikscope.cli.main import main
from tikscope.metrics import registry
from tikscope.metrics.periods import Period
from tikscope.metrics.query import Settings, compute_periods, find_account
from tikscope.simulate.config import SimulationConfig
from tikscope.simulate.run import simulate_into_store
from tikscope.spark.connection import spark_sql
from tikscope.store.db import open_store

END = date(2026, 11, 20)
PERIOD = Period(date(2026, 10, 15), date(2026, 11, 13))
NOW = datetime(2026, 11, 21, 8)


def same(left: float | None, right: float | None) -> bool:
    if left is None or right is None:
        return left is right
    return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-12)


def test_every_metric_of_every_account_is_the_same_on_spark_and_duckdb(
    spark: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "store.duckdb"
    with open_store(db, create=True) as connection:
        # The third account lives in another time zone and began 20 days ago: the previous
        # period has no data, and its rollups end before the period does.
        for seed, handle, kind, days, end, zone in (
            (3, "casa_verde_demo", "business", 75, END, "Europe/Madrid"),
            (4, "mi_cuenta", "personal", 75, END, "Europe/Madrid"),
            (6, "tercera_cuenta", "business", 20, date(2026, 11, 10), "America/Mexico_City"),
        ):
            simulate_into_store(connection, SimulationConfig(
                seed=seed, handle=handle, account_type=kind, days=days, posts=days // 3,
                members=0, end_date=end, time_zone=zone))  # fmt: skip
        access.create_workspace(connection, "agency", "Agency", NOW)
        for handle in ("casa_verde_demo", "mi_cuenta"):
            access.add_account(connection, "agency", handle)
    assert main(["export", "parquet", "--db", str(db), "--out", str(tmp_path / "export")]) == 0
    out = tmp_path / "metrics"
    code = main(["spark", "metrics", "--input", str(tmp_path / "export"), "--from",
                 str(PERIOD.start), "--to", str(PERIOD.end), "--out", str(out),
                 "--master", "local[2]"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    rows = duckdb.sql(f"SELECT handle, period, metric, value, unavailable, note "
                      f"FROM read_parquet('{out}/metrics/*.parquet')").fetchall()  # fmt: skip
    on_spark = {(handle, period, metric): (value, unavailable, note)
             for handle, period, metric, value, unavailable, note in rows}  # fmt: skip
    assert len(on_spark) == 3 * 2 * len(registry.METRICS)
    compared = 0
    with open_store(db) as connection:
        for handle in ("casa_verde_demo", "mi_cuenta", "tercera_cuenta"):
            account = find_account(connection, handle)
            computed = compute_periods(connection, account, [PERIOD, PERIOD.previous()], Settings())
            for name, (values, _) in zip(("current", "previous"), computed, strict=True):
                for metric, value in values.items():
                    theirs = on_spark[(handle, name, metric)]
                    assert same(value.value, theirs[0]), (handle, name, metric, value, theirs)
                    assert (value.unavailable, value.note) == theirs[1:], (handle, metric)
                    compared += value.value is not None
    assert compared > len(registry.METRICS)  # most values exist: the comparison is not of Nones
    portfolio_rows = duckdb.sql(f"SELECT metric, combined, value, accounts, best FROM "
                                f"read_parquet('{out}/portfolio/*.parquet') "
                                "WHERE workspace = 'agency' AND period = 'current'").fetchall()  # fmt: skip
    capsys.readouterr()
    assert main(["portfolio", "--db", str(db), "--workspace", "agency", "--from",
                 str(PERIOD.start), "--to", str(PERIOD.end), "--format", "json"]) == 0  # fmt: skip
    here = {line["metric"]: line for line in json.loads(capsys.readouterr().out)}
    assert len(portfolio_rows) == len(registry.METRICS) == len(here)
    for metric, combined, value, accounts, best in portfolio_rows:
        line = here[metric]
        assert (combined, accounts) == (line["combined"], line["accounts"])
        assert same(value, line["value"]), metric
        assert best == (line["ranking"][0][0] if line["ranking"] else None)
    followers = here["followers"]
    assert followers["combined"] == "sum" and followers["accounts"] == 2
    assert followers["value"] == sum(value for _, value in followers["ranking"])


def test_parameters_are_written_into_the_statement_as_literals() -> None:
    sql = spark_sql("SELECT $a AS a, $b AS b, $c AS c, $d AS d",
                    {"a": "it's", "b": date(2026, 1, 2), "c": None, "d": [1, 2]})  # fmt: skip
    assert (
        sql == "SELECT 'it\\'s' AS a, CAST('2026-01-02' AS DATE) AS b, NULL AS c, ARRAY(1, 2) AS d"
    )


def test_spark_metrics_refuses_a_folder_without_an_export(
    spark: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["spark", "metrics", "--input", str(tmp_path), "--from", "2026-01-01",
                 "--to", "2026-01-31", "--out", str(tmp_path / "out"), "--master", "local[1]"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(f"error: --input {tmp_path}: no readable tikscope export")


def test_count_if_stays_null_over_no_rows_as_in_duckdb() -> None:
    sql = "SELECT count_if(a > 0) AS n, count_if(a > 0) FILTER (WHERE b) AS m FROM t"
    assert spark_sql(sql) == (
        "SELECT CASE WHEN COUNT(*) > 0 THEN COUNT_IF(a > 0) END AS n, "
        "CASE WHEN COUNT(*) FILTER(WHERE b) > 0 THEN COUNT_IF(a > 0) FILTER(WHERE b) END AS m "
        "FROM t"
    )
    empty = "SELECT count_if(a > 0) AS n FROM (SELECT 1 AS a) AS t WHERE false"
    assert duckdb.sql(empty).fetchall() == [(None,)]  # what the rewrite keeps on Spark
