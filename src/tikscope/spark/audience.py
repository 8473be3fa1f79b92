"""`tikscope spark audience`: an audience clustered on a node sample, the rest voting on Spark.

The same two stages as `audience.sampling.cluster_by_sample`, split between the machines:

- on the executors: the export's members and member -> member follows of the account, members
  with no follow left out (as `audience.graph.load_graph`'s isolated rule), positions 0..n-1 by
  ascending member key, the follows as undirected weighted edges (weight 2 when mutual);
- on the driver: the seeded sample drawn over those positions (`sampling.draw_sample`), the
  edges among the sample collected and clustered by the single-machine code (Leiden and the split
  check), the largest communities kept (`sampling.keep_largest`);
- on the executors again: the voting rounds (`EXTEND_ROUNDS` outwards from the sample, then up to
  `POLISH_ROUNDS` over every member), each a join of the edges with the current labels and an
  aggregation per member, and the final renumbering.

With the same seed and share this gives the same labels as `cluster_by_sample` on the same graph:
the sample is the same draw, the sample graph reaches Leiden in the same order, and a vote sums
whole weights (exact in floating point) and breaks ties towards the lower label, as numpy's
argmax does. The mass-follower and bot rules of `load_graph` are not applied: the bot rule reads
bios, which an export leaves out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tikscope.audience.detection import WeightedEdges, whole_graph_clusterer
from tikscope.audience.sampling import (
    EXTEND_ROUNDS,
    POLISH_ROUNDS,
    SETTLED_SHARE,
    draw_sample,
    keep_largest,
    share_for_edges,
)
from tikscope.errors import UsageError
from tikscope.ids import handle_or_none
from tikscope.spark.connection import literal
from tikscope.spark.session import register_export

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


@dataclass(frozen=True)
class SparkClustering:
    """What `cluster_audience` did.

    Attributes:
        labels: `member_key` and `community` (0..c-1) of every clustered member.
        members: members clustered (those with a follow to or from another member).
        edges: undirected edges among them.
        share: the share of members sampled.
        sampled: members in the sample.
        communities: communities found.
        rounds: voting rounds run (extending, then polishing).
    """

    labels: DataFrame
    members: int
    edges: int
    share: float
    sampled: int
    communities: int
    rounds: tuple[int, int]


def cluster_audience(
    spark: SparkSession, folder: Path, handle: str, *, seed: int, share: float | None = None
) -> SparkClustering:
    """The communities of an exported account's audience (see the module's docstring).

    Args:
        spark: the session.
        folder: a `tikscope export parquet --audience` folder.
        handle: the account.
        seed: seeds the sample and Leiden, as `tikscope audience --seed`.
        share: the share of members to sample; by default the single-machine pipeline's choice
            (`sampling.share_for_edges`: every member up to 2M edges).

    Raises:
        UsageError: no audience in the export, or no such account.
    """
    manifest = register_export(spark, folder)
    if not manifest.get("audience"):
        raise UsageError(
            f"--input {folder}: the export has no audience graph: run `tikscope export parquet "
            "--audience`"
        )
    if share is not None and not 0 < share <= 1:
        raise UsageError(f"--share must be above 0 and at most 1, not {share}")
    account_id = find_account_id(spark, handle)
    positions, edges = audience_edges(spark, account_id)
    members, edge_count = positions.count(), edges.count()
    share = share_for_edges(edge_count) if share is None else share
    inside = draw_sample(members, share=share, seed=seed)
    sample_labels = cluster_sample(spark, edges, inside, seed=seed)
    count = int(sample_labels.max()) + 1 if len(sample_labels) else 0
    labels = start_labels(spark, positions, np.flatnonzero(inside), sample_labels)
    labels, rounds = vote_rounds(spark, edges, labels, count, members)
    numbered, communities = renumber(spark, labels)
    final = numbered.join(positions, "node").select("member_key", "community")
    return SparkClustering(final, members, edge_count, share, int(inside.sum()), communities,
                           rounds)  # fmt: skip


def find_account_id(spark: SparkSession, handle: str) -> str:
    """The exported account with this handle."""
    wanted = handle_or_none(handle) or handle.strip().lstrip("@")
    rows = spark.sql("SELECT account_id, handle FROM accounts ORDER BY handle").collect()
    found = [row[0] for row in rows if row[1] == wanted]
    if not found:
        names = ", ".join(row[1] for row in rows) or "none"
        raise UsageError(f"no account @{wanted} in the export (it has {names})")
    return str(found[0])


def audience_edges(spark: SparkSession, account_id: str) -> tuple[DataFrame, DataFrame]:
    """The clustered members (`member_key`, `node`) and their edges (`first`, `second`, `weight`).

    # NOTE: positions by ascending member key, as `load_graph`'s, so that the driver's seeded
    # sample picks the same members as the single-machine pipeline.
    """
    account = literal(account_id)
    follows = spark.sql(f"""
        SELECT f.follower_key AS source, f.followee_key AS target
        FROM follows f
        JOIN audience_members a ON a.account_id = {account} AND a.member_key = f.follower_key
        JOIN audience_members b ON b.account_id = {account} AND b.member_key = f.followee_key
        WHERE f.account_id = {account} AND f.followee_type = 'member'
          AND f.follower_key <> f.followee_key
    """).cache()  # fmt: skip
    touched = follows.selectExpr("source AS member_key").union(
        follows.selectExpr("target AS member_key")
    )
    ordered = touched.distinct().orderBy("member_key")
    positions = spark.createDataFrame(
        ordered.rdd.zipWithIndex().map(lambda pair: (int(pair[0][0]), int(pair[1]))),
        "member_key int, node bigint",
    ).cache()
    positions.createOrReplaceTempView("audience_positions")
    follows.createOrReplaceTempView("audience_follows")
    edges = spark.sql("""
        SELECT least(s.node, t.node) AS first, greatest(s.node, t.node) AS second,
               CAST(count(*) AS DOUBLE) AS weight
        FROM audience_follows f
        JOIN audience_positions s ON s.member_key = f.source
        JOIN audience_positions t ON t.member_key = f.target
        GROUP BY 1, 2
    """).cache()  # fmt: skip
    return positions, edges


def cluster_sample(
    spark: SparkSession, edges: DataFrame, inside: np.ndarray, *, seed: int
) -> np.ndarray:
    """On the driver: the sample's communities (largest kept, others -1), in sample order."""
    import pyarrow as pa

    members = np.flatnonzero(inside)
    sample = spark.createDataFrame(pa.table({"node": pa.array(members, pa.int64())}))
    among = (
        edges.join(sample.withColumnRenamed("node", "first"), "first", "left_semi")
        .join(sample.withColumnRenamed("node", "second"), "second", "left_semi")
        .orderBy("first", "second")  # the order `combine_edges` gives Leiden
        .toArrow()
    )
    local = np.full(len(inside), -1, dtype=np.int64)
    local[members] = np.arange(len(members))
    graph = WeightedEdges(
        local[among["first"].to_numpy()],
        local[among["second"].to_numpy()],
        among["weight"].to_numpy().astype(np.float64),
        len(members),
    )
    found = whole_graph_clusterer(seed=seed)(graph)
    return keep_largest(found, len(members))


def start_labels(
    spark: SparkSession, positions: DataFrame, sampled: np.ndarray, labels: np.ndarray
) -> DataFrame:
    """Every member's label before voting: its sample community, or -1."""
    import pyarrow as pa
    from pyspark.sql import functions as F

    known = spark.createDataFrame(
        pa.table({"node": pa.array(sampled, pa.int64()), "label": pa.array(labels, pa.int64())})
    )
    return (
        positions.select("node")
        .join(known, "node", "left")
        .select("node", F.coalesce("label", F.lit(-1)).cast("bigint").alias("label"))
        .localCheckpoint()
    )


def vote_rounds(
    spark: SparkSession, edges: DataFrame, labels: DataFrame, count: int, members: int
) -> tuple[DataFrame, tuple[int, int]]:
    """`cluster_by_sample`'s rounds: extend from the sample, then polish until settled."""
    both = edges.union(edges.selectExpr("second AS first", "first AS second", "weight")).cache()
    extended = polished = 0
    for _ in range(EXTEND_ROUNDS if count else 0):
        if labels.where("label < 0").isEmpty():
            break
        labels = vote(both, labels, movable="label < 0")
        extended += 1
    for _ in range(POLISH_ROUNDS if count else 0):
        voted = vote(both, labels, movable="label >= 0")
        polished += 1
        moved = voted.where("label <> previous").count()
        labels = voted
        if moved < SETTLED_SHARE * members:
            break
    return labels.select("node", "label"), (extended, polished)


def vote(both: DataFrame, labels: DataFrame, *, movable: str) -> DataFrame:
    """Each movable member takes the label carrying most of its edge weight (ties: the lower).

    A member with no labelled neighbour keeps its label; `previous` holds the label before.
    """
    from pyspark.sql import functions as F

    known = labels.where("label >= 0").selectExpr("node AS second", "label AS theirs")
    tallies = both.join(known, "second").groupBy("first", "theirs").agg(F.sum("weight").alias("w"))
    best = tallies.groupBy("first").agg(
        F.max(F.struct(F.col("w"), (-F.col("theirs")).alias("lower"))).alias("top")
    )
    best = best.select(F.col("first").alias("node"), (-F.col("top.lower")).alias("best"))
    moving = F.expr(movable) & F.col("best").isNotNull()
    return (
        labels.select("node", "label")
        .join(best, "node", "left")
        .select(
            "node",
            F.when(moving, F.col("best")).otherwise(F.col("label")).alias("label"),
            F.col("label").alias("previous"),
        )
        .localCheckpoint()
    )


def renumber(spark: SparkSession, labels: DataFrame) -> tuple[DataFrame, int]:
    """Communities 0..c-1, and c: the voted labels in order, then each unreached member alone.

    As `cluster_by_sample`: unreached members take labels after the others, by position.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    used = sorted(row[0] for row in labels.where("label >= 0").select("label").distinct().collect())
    mapping = spark.createDataFrame([(label, index) for index, label in enumerate(used)],
                                    "label bigint, community bigint")  # fmt: skip
    voted = labels.join(F.broadcast(mapping), "label").select("node", "community")
    alone = labels.where("label < 0").select(
        "node", (F.row_number().over(Window.orderBy("node")) - 1 + len(used)).alias("community")
    )
    return voted.union(alone), len(used) + alone.count()


def write_labels(clustering: SparkClustering, out: Path) -> None:
    """The labels as Parquet under `out` (replaced)."""
    clustering.labels.orderBy("member_key").coalesce(1).write.mode("overwrite").parquet(str(out))
