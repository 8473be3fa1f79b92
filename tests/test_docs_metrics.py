from __future__ import annotations

from pathlib import Path

from tikscope.metrics.docs import render_metrics_markdown
from tikscope.metrics.registry import METRICS, POST_COLUMNS

DOC = Path(__file__).parents[1] / "docs" / "metrics.md"


def test_metrics_doc_is_generated_from_the_registry() -> None:
    assert DOC.read_text() == render_metrics_markdown(), "docs/metrics.md is stale: run `make docs`"


def test_every_metric_and_column_is_described_and_documented() -> None:
    text = DOC.read_text()
    for item in (*METRICS, *POST_COLUMNS):
        assert item.description.strip(), f"{item.name} has no description"
        assert f"| `{item.name}` |" in text


def test_metric_names_are_unique() -> None:
    names = [metric.name for metric in METRICS]
    assert len(names) == len(set(names))
    columns = [column.name for column in POST_COLUMNS]
    assert len(columns) == len(set(columns))
