"""A Spark session that answers the metrics code's SQL as a DuckDB connection does.

The metrics code (metrics/query.py, metrics/relations.py) writes DuckDB SQL with `$name` or `?`
parameters and reads rows with `.execute(sql, parameters).fetchall()`. `SparkConnection` takes
the same calls: it writes the parameters into the SQL as literals, translates the statement from
DuckDB's dialect to Spark's with sqlglot, runs it on Spark and returns the rows. So every metric
is the registry's own SQL, defined once, whichever engine runs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

from tikscope.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pyspark.sql import SparkSession

PARAMETER = re.compile(r"\$(\w+)")


@dataclass(frozen=True)
class Rows:
    """What `SparkConnection.execute` returns: the rows of one statement."""

    rows: list[tuple[Any, ...]]

    def fetchall(self) -> list[tuple[Any, ...]]:
        """Every row."""
        return self.rows

    def fetchone(self) -> tuple[Any, ...] | None:
        """The first row, or None."""
        return self.rows[0] if self.rows else None


@dataclass(frozen=True)
class SparkConnection:
    """The part of a DuckDB connection the metrics code uses, answered by Spark."""

    spark: SparkSession

    def execute(self, sql: str, parameters: dict[str, Any] | Sequence[Any] | None = None) -> Rows:
        """Run one DuckDB statement on Spark."""
        statement = spark_sql(sql, parameters)
        return Rows([tuple(row) for row in self.spark.sql(statement).collect()])

    def cursor(self) -> SparkConnection:
        """Itself: a Spark session serves every caller."""
        return self


def spark_sql(sql: str, parameters: dict[str, Any] | Sequence[Any] | None = None) -> str:
    """A DuckDB statement with its parameters written in, in Spark's dialect."""
    if isinstance(parameters, dict):
        named = parameters
        sql = PARAMETER.sub(lambda found: literal(named[found.group(1)]), sql)
    elif parameters:
        values = iter(parameters)
        sql = re.sub(r"\?", lambda _: literal(next(values)), sql)
    tree = sqlglot.parse_one(sql, read="duckdb").transform(empty_count_if_is_null)
    return tree.sql(dialect="spark")


def empty_count_if_is_null(node: exp.Expression) -> exp.Expression:
    """`count_if` as DuckDB means it: NULL over no rows, where Spark's gives 0.

    # TRICKY: sqlglot writes DuckDB's `count_if` as Spark's, which differs only over no rows
    # (a scope without rows, or a FILTER that keeps none): a metric's value there is "missing,
    # with the reason" on DuckDB and would be 0 on Spark.
    """
    if isinstance(node, exp.Filter) and isinstance(node.this, exp.CountIf):
        rows = f"count(*) FILTER ({node.expression.sql(dialect='duckdb')})"
    elif isinstance(node, exp.CountIf) and not isinstance(node.parent, exp.Filter):
        rows = "count(*)"
    else:
        return node
    kept = f"CASE WHEN {rows} > 0 THEN {node.sql(dialect='duckdb')} END"
    replaced: exp.Expression = exp.maybe_parse(kept, dialect="duckdb")
    return replaced


def literal(value: Any) -> str:
    """A Python value as a DuckDB SQL literal."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(literal(item) for item in value) + "]"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise UsageError(f"cannot pass {type(value).__name__} to Spark SQL")
