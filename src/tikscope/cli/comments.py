"""`tikscope comments`: what the comments say, per period, post and audience cluster."""

from __future__ import annotations

import dataclasses
import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tikscope.cli.analytics import AccountOption, FromOption, LastOption, ToOption
from tikscope.cli.options import DbOption, FormatOption
from tikscope.cli.output import OutputFormat, plain, print_rows, rows_csv
from tikscope.cli.tables import print_table
from tikscope.config import DEFAULT_DB_PATH
from tikscope.errors import UsageError

if TYPE_CHECKING:
    from tikscope.metrics.comment_clusters import ClusterComments
    from tikscope.metrics.comment_themes import QuestionGroup, Theme
    from tikscope.metrics.comment_views import (
        CommentLine,
        CommentSummary,
        PostComments,
    )
    from tikscope.metrics.comments import PostSentiment, ShareChange

TEXT_WIDTH = 50


def register(app: typer.Typer) -> None:
    """Add `comments` and `sentiment` (cli/sentiment.py) to the app."""
    from tikscope.cli.sentiment import sentiment

    app.command("comments")(comments)
    app.command("sentiment")(sentiment)


def comments(
    db: DbOption = DEFAULT_DB_PATH,
    account: AccountOption = None,
    start: FromOption = None,
    end: ToOption = None,
    last: LastOption = None,
    post: Annotated[
        str | None, typer.Option("--post", metavar="POST_ID", help="One post's comments.")
    ] = None,
    cluster: Annotated[
        bool,
        typer.Option("--cluster", help="Sentiment per audience cluster (newest saved result)."),
    ] = False,
    sentiment_label: Annotated[
        str | None,
        typer.Option(
            "--sentiment",
            metavar="LABEL",
            help="List the comments of one sentiment: negative, neutral or positive.",
        ),
    ] = None,
    language: Annotated[
        str | None,
        typer.Option(
            "--language", metavar="CODE", help="List only comments in this language (en, es...)."
        ),
    ] = None,
    theme: Annotated[
        str | None,
        typer.Option("--theme", metavar="WORD", help="List only comments using this word."),
    ] = None,
    questions: Annotated[
        bool, typer.Option("--questions", help="The questions, grouped by theme.")
    ] = False,
    output: FormatOption = OutputFormat.table,
) -> None:
    """What the comments say: sentiment, its trend, themes, questions and alerts.

    Without options: the period's summary (default: the last 28 days with data).
    A comment's text is shown, never its author; no commenter is counted.
    """
    from tikscope.cli import comment_commands as run
    from tikscope.metrics.comment_views import CommentFilter

    filters = CommentFilter(sentiment_label, language, theme)
    if post is not None and cluster:
        raise UsageError("--post and --cluster: choose one")
    if post is not None:
        found = run.post(db, account, post, filters)
        print_post(found, output, questions=questions)
    elif cluster:
        title, clusters = run.clusters(db, account, start, end, last)
        print_clusters(title, clusters, output)
    elif questions and filters == CommentFilter():
        title, summary = run.summary(db, account, start, end, last)
        print_questions(title, summary.questions, output)
    elif filters != CommentFilter() or questions:
        chosen = dataclasses.replace(filters, questions=questions)
        title, matching, lines = run.listed(db, account, start, end, last, chosen)
        print_lines(f"{title}: {matching:,} comments", lines, output)
    else:
        title, summary = run.summary(db, account, start, end, last)
        print_summary(title, summary, output)


def say(text: str) -> None:
    """Print text with each of its lines wrapped to the terminal's width."""
    import shutil
    import textwrap

    width = shutil.get_terminal_size().columns
    typer.echo("\n".join(textwrap.fill(line, width) if line else "" for line in text.split("\n")))


def percent(value: float | None) -> str | None:
    """A share as a percentage with one decimal, or None."""
    return None if value is None else f"{value:.1%}"


def points(value: float | None) -> str | None:
    """A change of shares in percentage points, signed."""
    return None if value is None else f"{100 * value:+.1f} pts"


def short(text: str | None, width: int = TEXT_WIDTH) -> str:
    """One line of at most `width` characters."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def write_json(value: Any) -> None:
    """A dataclass as indented JSON."""
    sys.stdout.write(json.dumps(dataclasses.asdict(value), indent=2, default=plain) + "\n")


def change_rows(changes: tuple[ShareChange, ...]) -> list[dict[str, Any]]:
    """One row per sentiment: share, previous share, change in points."""
    return [
        {
            "sentiment": c.label,
            "share": percent(c.share),
            "previous": percent(c.previous),
            "change": points(c.change),
        }
        for c in changes
    ]


def theme_rows(themes: tuple[Theme, ...]) -> list[dict[str, Any]]:
    """One row per theme."""
    return [
        {
            "theme": t.term,
            "comments": t.count,
            "share": percent(t.share),
            "elsewhere": percent(t.baseline),
            "z": round(t.z_score, 1),
        }
        for t in themes
    ]


def question_rows(groups: tuple[QuestionGroup, ...]) -> list[dict[str, Any]]:
    """One row per question theme, with its most asked question."""
    return [
        {"theme": g.theme, "questions": g.comments, "for example": short(g.examples[0], 44)}
        for g in groups
    ]


def post_rows(posts: tuple[PostSentiment, ...]) -> list[dict[str, Any]]:
    """One row per post: its comments, shares and alert."""
    return [
        {
            "post_id": p.post_id,
            "caption": short(p.caption, 30),
            "comments": p.counts.comments,
            "negative": percent(p.counts.share("negative")),
            "positive": percent(p.counts.share("positive")),
            "alert": "yes" if p.alert is not None and p.alert.raised else "",
        }
        for p in posts
    ]


def print_summary(title: str, summary: CommentSummary, output: OutputFormat) -> None:
    """The period's summary: shares, trend, languages, themes, questions, alerts, posts."""
    if output is OutputFormat.json:
        write_json(summary)
        return
    if output is OutputFormat.csv:
        sys.stdout.write(rows_csv(post_csv_rows(summary.posts)))
        return
    counts = summary.counts
    say(
        f"{title}: {counts.comments:,} comments "
        f"({summary.previous.comments:,} in {summary.previous_period})"
    )
    print_table(change_rows(summary.changes), title="Sentiment against the previous period")
    trend = [
        {
            summary.granularity: p.start,
            "comments": p.comments,
            "negative": percent(p.negative_share),
            "positive": percent(p.positive_share),
            "net": points(p.net),
        }
        for p in summary.trend
    ]
    print_table(trend, title=f"Net sentiment (positive - negative share) by {summary.granularity}")
    languages = [
        {"language": x.language, "comments": x.comments, "share": percent(x.share)}
        for x in summary.languages
    ]
    print_table(languages, title="Languages")
    for name, themes in (
        ("positive", summary.positive_themes),
        ("negative", summary.negative_themes),
    ):
        other = "negative" if name == "positive" else "positive"
        if themes:
            print_table(theme_rows(themes), title=f"Words of {name} comments (vs {other})")
        else:
            say(f"\nNo word sets {name} comments apart from {other} ones in the period.")
    print_questions("Questions", summary.questions, output)
    print_alerts(summary.alerts)
    print_table(post_rows(summary.posts[:10]), title="Most commented posts")


def print_alerts(alerts: tuple[PostSentiment, ...]) -> None:
    """The posts whose negative share is far above the usual one, or a line saying none is."""
    if not alerts:
        say("\nNo post has a negative share far above the account's usual one.")
        return
    rows = [
        {
            "post_id": p.post_id,
            "comments": a.comments,
            "negative": percent(a.share),
            "usual": percent(a.usual),
            "h": round(a.effect, 2),
            "p": f"{a.p_value:.1g}",
        }
        for p in alerts
        if (a := p.alert) is not None
    ]
    print_table(rows, title="Alerts: negative share far above the account's usual one")


def print_questions(title: str, groups: tuple[QuestionGroup, ...], output: OutputFormat) -> None:
    """Question themes with counts (JSON and CSV: every example too)."""
    rows = [
        {"theme": g.theme, "questions": g.comments, "examples": " | ".join(g.examples)}
        for g in groups
    ]
    if output is OutputFormat.table:
        if groups:
            print_table(question_rows(groups), title=title)
        else:
            say(f"\n{title}: none.")
    else:
        print_rows(rows, output)


def print_post(found: PostComments, output: OutputFormat, *, questions: bool) -> None:
    """A post's comments: shares against the usual ones, themes, questions, the comments."""
    if output is OutputFormat.json:
        write_json(found)
        return
    if questions:
        print_questions(f"Questions on post {found.post_id}", found.questions, output)
        return
    if output is OutputFormat.csv:
        sys.stdout.write(rows_csv(line_rows(found.comments)))
        return
    say(f"Post {found.post_id}: {short(found.caption, 60)}")
    say(f"{found.counts.comments:,} comments; the account's others: {found.usual.comments:,}")
    rows = [
        {
            "sentiment": label,
            "post": percent(found.counts.share(label)),
            "usual": percent(found.usual.share(label)),
        }
        for label in LABELS_ORDER
    ]
    print_table(rows, title="Sentiment against the account's other comments")
    alert = found.alert
    if alert is not None:
        verdict = "far above" if alert.raised else "not far above"
        say(
            f"Negative share {alert.share:.1%} of {alert.comments} comments, "
            f"{verdict} the usual {alert.usual:.1%} (h {alert.effect:.2f}, "
            f"p {alert.p_value:.1g})"
        )
    if found.themes:
        print_table(theme_rows(found.themes), title="Words of this post's comments")
    print_lines(
        f"Comments ({found.matching:,} shown by the filters, newest first)", found.comments, output
    )


LABELS_ORDER = ("negative", "neutral", "positive")


def line_rows(lines: tuple[CommentLine, ...]) -> list[dict[str, Any]]:
    """One row per comment: when, language, sentiment, score, text."""
    return [
        {
            "created": c.created.replace(microsecond=0),
            "language": c.language,
            "sentiment": c.sentiment,
            "score": c.score,
            "text": c.text,
        }
        for c in lines
    ]


def print_lines(title: str, lines: tuple[CommentLine, ...], output: OutputFormat) -> None:
    """Comments, one per row; the text cut to the terminal in the table."""
    rows = line_rows(lines)
    if output is OutputFormat.table:
        rows = [
            {
                "day": row["created"].date(),
                "lang": row["language"],
                "sentiment": row["sentiment"],
                "text": short(row["text"]),
            }
            for row in rows
        ]
    print_rows(rows, output, title=title)


def print_clusters(title: str, found: ClusterComments, output: OutputFormat) -> None:
    """Sentiment per cluster shown; how many were not shown and why."""
    if output is OutputFormat.json:
        write_json(found)
        return
    rows = [
        {
            "cluster": c.cluster,
            "name": short(c.name, 26),
            "comments": c.counts.comments,
            "negative": percent(c.counts.share("negative")),
            "change": points(c.changes[0].change),
            "positive": percent(c.counts.share("positive")),
            "themes": " ".join(t.term for t in c.themes[:3]),
        }
        for c in found.clusters
    ]
    if output is OutputFormat.csv:
        sys.stdout.write(rows_csv(rows))
        return
    if found.note:
        say(f"{title}: {found.note}.")
    if rows:
        print_table(
            rows, title=f"{title}: comments per audience cluster (result {found.result_id})"
        )
    say(
        f"Not shown: {found.hidden_clusters} clusters with fewer than {found.min_group_size} "
        f"commenters.\nComments by people in no cluster shown: {found.outside:,}."
    )


def post_csv_rows(posts: tuple[PostSentiment, ...]) -> list[dict[str, Any]]:
    """Every post commented on, with counts, shares and its alert test, for CSV."""
    return [
        {
            "post_id": p.post_id,
            "caption": p.caption,
            "comments": p.counts.comments,
            "negative": p.counts.negative,
            "neutral": p.counts.neutral,
            "positive": p.counts.positive,
            "net": p.counts.net,
            "usual_negative_share": p.alert.usual if p.alert else None,
            "effect_h": p.alert.effect if p.alert else None,
            "p_value": p.alert.p_value if p.alert else None,
            "alert": bool(p.alert and p.alert.raised),
        }
        for p in posts
    ]
