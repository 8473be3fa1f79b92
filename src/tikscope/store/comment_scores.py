"""Language and sentiment of stored comments, written next to them (columns of schema 10).

Ingest calls `score_comments` inside the transaction of every batch that writes comments, and
opening a store calls it for the comments a previous model (or no model) scored, so sync, import,
simulation and stores from before schema 10 all end up with every comment scored. A comment is
scored again only when `sentiment_model` differs from the current model and detector, so running
it twice changes nothing. A comment's `language` is kept when its source gave one (the simulator
does; TikTok does not) and detected from the text otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from tikscope.ids import AccountId
from tikscope.text import SentimentModel, score_texts, scorer_version

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

STAGED = "_scored_comments"


def score_comments(
    connection: DuckDBPyConnection,
    *,
    account_id: AccountId | None = None,
    run_id: int | None = None,
    model: SentimentModel | None = None,
) -> int:
    """Score the comments (of one account, or all) not yet scored by this model; return how many.

    With `run_id`, the comments that run wrote are scored again too (a merge may have changed
    their text). Runs in the caller's transaction when there is one.
    """
    version = scorer_version(model)
    condition = "(sentiment_model IS DISTINCT FROM $version OR run_id = $run)"
    parameters: dict[str, object] = {"version": version, "run": run_id}
    if account_id is not None:
        condition += " AND account_id = $account"
        parameters["account"] = account_id
    rows = connection.execute(
        f"SELECT account_id, comment_id, text, language FROM comments WHERE {condition}",
        parameters,
    ).fetchall()
    if not rows:
        return 0
    scored = score_texts([row[2] for row in rows], [row[3] for row in rows], model=model)
    staged = pa.table(
        {
            "account_id": [row[0] for row in rows],
            "comment_id": [row[1] for row in rows],
            "language": [item.language for item in scored],
            "sentiment": [item.sentiment for item in scored],
            "sentiment_score": pa.array([item.score for item in scored], pa.float64()),
        }
    )
    connection.register(STAGED, staged)
    try:
        connection.execute(
            f"UPDATE comments SET language = coalesce(comments.language, s.language), "
            f"sentiment = s.sentiment, sentiment_score = s.sentiment_score, sentiment_model = ? "
            f"FROM {STAGED} AS s "
            f"WHERE comments.account_id = s.account_id AND comments.comment_id = s.comment_id",
            [version],
        )
    finally:
        connection.unregister(STAGED)
    return len(rows)


def fill_comment_scores(connection: DuckDBPyConnection) -> int:
    """Score, in one transaction, every stored comment the current model has not scored."""
    connection.execute("BEGIN TRANSACTION")
    try:
        count = score_comments(connection)
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return count
