"""Every stored comment gets a language and a sentiment: at ingest, on upgrade, on a new model."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pytest

from factories import dump
from tikscope.errors import IngestError
from tikscope.ids import AccountId
from tikscope.simulate.config import SimulationConfig
from tikscope.simulate.run import simulate_into_store
from tikscope.store.comment_scores import score_comments
from tikscope.store.db import migrate, open_store
from tikscope.store.ingest import Batch, ingest
from tikscope.store.migrations import COMMENT_SCORES_VERSION, MIGRATIONS, Migration
from tikscope.text import scorer_version, shipped_model

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

CONFIG = SimulationConfig(seed=5, days=90, posts=40, members=3000, end_date=date(2026, 11, 21))
ACCOUNT = AccountId("acct_comments")
BEFORE_SCORES = tuple(m for m in MIGRATIONS if m.version < COMMENT_SCORES_VERSION)
TEXTS = {
    "1": ("this is fire 🔥 best video ever", None),
    "2": ("não gostei, que vídeo chato", None),
    "3": ("que horror, odio esto", "es"),
    "4": ("🔥🔥🔥", None),
}


def scores(connection: DuckDBPyConnection) -> dict[str, tuple[object, ...]]:
    rows = connection.execute(
        "SELECT comment_id, language, sentiment, sentiment_score, sentiment_model FROM comments"
    ).fetchall()
    return {str(row[0]): tuple(row[1:]) for row in rows}


def comments_table(texts: dict[str, tuple[str, str | None]]) -> pa.Table:
    return pa.table(
        {
            "comment_id": list(texts),
            "post_id": ["p1"] * len(texts),
            "author_id": [f"p_{key}" for key in texts],
            "text": [text for text, _ in texts.values()],
            "language": pa.array([language for _, language in texts.values()], pa.string()),
            "create_time": [datetime(2026, 11, 1, 12)] * len(texts),
        }
    )


def insert_raw(connection: DuckDBPyConnection) -> None:
    """Comments as a store before schema 10 holds them (no scores)."""
    for key, (text, language) in TEXTS.items():
        connection.execute(
            "INSERT INTO comments (account_id, comment_id, post_id, author_id, text, language, "
            "create_time, run_id) VALUES (?, ?, 'p1', 'p_x', ?, ?, TIMESTAMP '2026-11-01', 1)",
            [ACCOUNT, key, text, language],
        )


def test_simulated_store_has_language_and_sentiment_for_every_comment(
    store: DuckDBPyConnection,
) -> None:
    simulate_into_store(store, CONFIG)
    total, missing, versions = store.execute(
        "SELECT count(*), count(*) FILTER (language IS NULL OR sentiment IS NULL "
        "OR sentiment_score IS NULL), list(DISTINCT sentiment_model) FROM comments"
    ).fetchall()[0]
    assert total > 50
    assert missing == 0
    assert versions == [scorer_version()]
    labels = {row[0] for row in store.execute("SELECT DISTINCT sentiment FROM comments").fetchall()}
    assert labels <= {"negative", "neutral", "positive"}
    assert len(labels) >= 2


def test_simulated_sentiment_agrees_with_the_planted_sentiment_mostly(
    store: DuckDBPyConnection,
) -> None:
    simulate_into_store(store, CONFIG)
    agree, total = store.execute(
        "SELECT count(*) FILTER (c.sentiment = p.sentiment), count(*) FROM comments c "
        "JOIN planted_comment_sentiment p USING (account_id, comment_id)"
    ).fetchall()[0]
    assert total > 50
    assert agree / total > 0.6


def test_rescoring_and_reopening_change_nothing(store_path: Path) -> None:
    with open_store(store_path, create=True) as connection:
        simulate_into_store(connection, CONFIG)
        before = dump(connection)
        assert score_comments(connection) == 0
        assert not simulate_into_store(connection, CONFIG).changed
    with open_store(store_path) as connection:
        assert dump(connection) == before


def test_new_model_version_rescores_and_records_its_version(store: DuckDBPyConnection) -> None:
    ingest(store, Batch(ACCOUNT, "import", "test", {"comments": comments_table(TEXTS)}))
    first = scores(store)
    assert {row[3] for row in first.values()} == {scorer_version()}
    newer = replace(shipped_model(), version="tikscope-sentiment-test-next")
    assert score_comments(store, model=newer) == len(TEXTS)
    second = scores(store)
    assert {row[3] for row in second.values()} == {scorer_version(newer)}
    assert {k: v[:3] for k, v in second.items()} == {k: v[:3] for k, v in first.items()}
    assert score_comments(store, model=newer) == 0


def test_reopening_rescores_what_an_older_model_scored(store_path: Path) -> None:
    with open_store(store_path, create=True) as connection:
        ingest(connection, Batch(ACCOUNT, "import", "test", {"comments": comments_table(TEXTS)}))
        current = scores(connection)
        connection.execute("UPDATE comments SET sentiment_model = 'old' WHERE comment_id = '2'")
    with open_store(store_path) as connection:
        assert scores(connection) == current


def test_upgrade_fills_an_existing_store(store_path: Path) -> None:
    with open_store(store_path, create=True, migrations=BEFORE_SCORES) as connection:
        insert_raw(connection)
    with open_store(store_path) as connection:
        filled = scores(connection)
    assert set(filled) == set(TEXTS)
    assert all(None not in row for row in filled.values())
    assert filled["1"][:2] == ("en", "positive")
    assert filled["2"][:2] == ("pt", "negative")
    assert filled["3"][0] == "es"  # a language the row had is kept
    assert filled["4"][0] == "und"


def test_merge_that_changes_a_text_rescores_it(store: DuckDBPyConnection) -> None:
    ingest(store, Batch(ACCOUNT, "sync", "test", {"comments": comments_table(TEXTS)}, "merge"))
    assert scores(store)["1"][1] == "positive"
    changed = {"1": ("this is trash, worst video ever 👎", None)}
    result = ingest(
        store, Batch(ACCOUNT, "sync", "test", {"comments": comments_table(changed)}, "merge")
    )
    assert result.counts["comments"].updated == 1
    assert scores(store)["1"][1] == "negative"


def test_a_batch_cannot_carry_scores(store: DuckDBPyConnection) -> None:
    rows = comments_table(TEXTS).append_column("sentiment", pa.array(["positive"] * len(TEXTS)))
    with pytest.raises(IngestError, match="unknown column"):
        ingest(store, Batch(ACCOUNT, "import", "test", {"comments": rows}))


def test_a_migration_numbered_below_the_store_is_still_applied(store_path: Path) -> None:
    with open_store(store_path, create=True):
        pass
    late = Migration(COMMENT_SCORES_VERSION - 1, "landed later", "CREATE TABLE late (x INTEGER)")
    with open_store(store_path) as connection:
        ordered = tuple(sorted((*MIGRATIONS, late), key=lambda m: m.version))
        assert migrate(connection, ordered, path=store_path) == [late.version]
        assert migrate(connection, ordered, path=store_path) == []
