"""Starting Spark and showing it a `tikscope export parquet` folder as the store's tables."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tikscope.errors import UsageError
from tikscope.store.migrations import LATEST_VERSION

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def start(master: str | None = None) -> SparkSession:
    """A Spark session: on `master`, else on spark-submit's `--master`, else `local[*]`.

    Under spark-submit without `master`, its settings apply (`--conf`, the cluster's defaults);
    elsewhere the session has no UI and 8 shuffle partitions (enough for one machine).

    Raises:
        UsageError: pyspark or a Java runtime is missing.
    """
    if shutil.which("java") is None:
        raise UsageError(
            "Spark needs a Java runtime (17 or later): run `make system-packages` or install "
            "one (Debian: apt-get install default-jre-headless)"
        )
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise UsageError("Spark needs pyspark: pip install 'tikscope[spark]'") from None
    builder = (
        SparkSession.builder.appName("tikscope")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
    )  # fmt: skip
    # NOTE: spark-submit starts the driver's Python with the address of its own JVM, which holds
    # its --master and --conf: set on the builder, a master or a setting would override them.
    if master is None and "PYSPARK_GATEWAY_PORT" in os.environ:
        return builder.getOrCreate()
    return (
        builder.master(master or "local[*]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate()
    )  # fmt: skip


@contextmanager
def session(master: str | None = None) -> Iterator[SparkSession]:
    """`start`'s session for the block, stopped after it unless it was already running.

    # NOTE: a session already running in this process (a test's shared one, or `spark-submit`'s
    # own) is used as it is and left running: starting Spark's JVM costs about 25 seconds.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        running = None  # `start` says what is missing
    else:
        running = SparkSession.getActiveSession()
    spark = running or start(master)
    try:
        yield spark
    finally:
        if running is None:
            spark.stop()


def register_export(spark: SparkSession, folder: Path) -> dict[str, Any]:
    """Every table of the export as a temporary view of its name; returns the manifest.

    Raises:
        UsageError: no manifest, or one written for another schema version than this tikscope's.
    """
    path = folder / "manifest.json"
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UsageError(
            f"--input {folder}: no readable tikscope export manifest ({error})"
        ) from None
    if manifest.get("schema_version") != LATEST_VERSION:
        raise UsageError(
            f"{path}: the export is of schema {manifest.get('schema_version')}; this tikscope "
            f"reads schema {LATEST_VERSION}: export the store again"
        )
    for table, entry in manifest["tables"].items():
        files = [str(folder / part["file"]) for part in entry["partitions"].values()]
        if files:
            frame = spark.read.option("basePath", str(folder / table)).parquet(*files)
            frame = frame.drop("month") if "month" in frame.columns else frame
        else:
            schema = ", ".join(f"`{c['name']}` {spark_type(c['type'])}" for c in entry["columns"])
            frame = spark.createDataFrame([], f"account_id string, {schema}")
        frame.createOrReplaceTempView(table)
    return manifest


def spark_type(duckdb_type: str) -> str:
    """A DuckDB column type as Spark's, for the empty tables of an export."""
    if duckdb_type.endswith("[]"):
        return f"array<{spark_type(duckdb_type[:-2])}>"
    simple = {"VARCHAR": "string", "BIGINT": "bigint", "INTEGER": "int", "DOUBLE": "double",
              "BOOLEAN": "boolean", "DATE": "date", "TIMESTAMP": "timestamp_ntz"}  # fmt: skip
    return simple.get(duckdb_type, "string")
