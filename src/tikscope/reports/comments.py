"""The comments section of the account report: the period's `CommentSummary` as typed tables.

Shares are fractions (shown as %), changes of shares are percentage points (shown as text, so
that no renderer reads them as a % change). Comment texts appear only as question examples; no
table names or counts a commenter.
"""

from __future__ import annotations

from tikscope.metrics.comment_themes import Theme
from tikscope.metrics.comment_views import CommentSummary
from tikscope.metrics.model import Unit
from tikscope.reports.tables import Cell, CellValue, Column, Table, TableRow

SHOWN_POSTS = 10


def points(value: float | None) -> str | None:
    """A change of shares in percentage points, signed; None where a side has no comments."""
    return None if value is None else f"{100 * value:+.1f} pts"


def table(key: str, title: str, columns: tuple[Column, ...], rows: list[list[CellValue]]) -> Table:
    """A table of plain cells."""
    return Table(key, title, columns, tuple(TableRow(tuple(Cell(v) for v in row)) for row in rows))


def theme_rows(side: str, themes: tuple[Theme, ...]) -> list[list[CellValue]]:
    """One row per theme of one side (positive or negative)."""
    return [[side, t.term, t.count, t.share, t.baseline, round(t.z_score, 1)] for t in themes]


def comment_tables(summary: CommentSummary) -> tuple[Table, ...]:
    """Sentiment against the previous period, the trend, themes, questions, alerts, posts."""
    share = Column("share", "Share", Unit.FRACTION, "Share of the period's comments.")
    sentiment = table(
        "comment_sentiment", "Sentiment against the previous period",
        (Column("sentiment", "Sentiment", Unit.TEXT), share,
         Column("previous", "Previous period", Unit.FRACTION),
         Column("change", "Change", Unit.TEXT, "Change of the share, in percentage points.")),
        [[c.label, c.share, c.previous, points(c.change)] for c in summary.changes],
    )  # fmt: skip
    trend = table(
        "comment_trend", f"Net sentiment by {summary.granularity}",
        (Column("start", summary.granularity.capitalize(), Unit.TEXT),
         Column("comments", "Comments", Unit.COUNT),
         Column("negative", "Negative", Unit.FRACTION),
         Column("positive", "Positive", Unit.FRACTION),
         Column("net", "Net", Unit.TEXT, "Positive share minus negative share, in points.")),
        [[p.start.isoformat(), p.comments, p.negative_share, p.positive_share, points(p.net)]
         for p in summary.trend],
    )  # fmt: skip
    themes = table(
        "comment_themes", "Words that set positive and negative comments apart",
        (Column("side", "Comments", Unit.TEXT), Column("term", "Word", Unit.TEXT),
         Column("count", "Used in", Unit.COUNT), Column("share", "Share", Unit.FRACTION),
         Column("baseline", "In the other side", Unit.FRACTION),
         Column("z_score", "z", Unit.RATE, "Log-odds z-score (shown from 3.29).")),
        theme_rows("positive", summary.positive_themes)
        + theme_rows("negative", summary.negative_themes),
    )  # fmt: skip
    questions = table(
        "comment_questions", "Questions, grouped by theme",
        (Column("theme", "Theme", Unit.TEXT), Column("comments", "Questions", Unit.COUNT),
         Column("example", "For example", Unit.TEXT)),
        [[g.theme, g.comments, " · ".join(g.examples)] for g in summary.questions],
    )  # fmt: skip
    posts = table(
        "comment_posts", "Most commented posts, with the negative-share test",
        (Column("post_id", "Post", Unit.TEXT), Column("comments", "Comments", Unit.COUNT),
         Column("negative", "Negative", Unit.FRACTION),
         Column("usual", "Usual negative", Unit.FRACTION),
         Column("alert", "Far above usual", Unit.TEXT)),
        [[p.post_id, p.counts.comments, p.counts.share("negative"),
          p.alert.usual if p.alert else None,
          ("yes" if p.alert.raised else "no") if p.alert else "too few comments"]
         for p in summary.posts[:SHOWN_POSTS]],
    )  # fmt: skip
    return (sentiment, trend, themes, questions, posts)
