"""Comment intelligence on a small hand-made store: every number checked by hand.

The store (`small_store`) holds three posts of an account in Europe/Madrid (UTC+2 in May):

- post A, 12 comments on 2026-05-04 (local): 8 negative, 2 neutral, 2 positive; one of the
  negative ones is written at 2026-05-03 23:30 UTC, which is already 05-04 in Madrid;
- post B, 20 comments on 2026-05-05: 2 negative, 6 neutral, 12 positive;
- post C, 10 comments on 2026-04-28: 1 negative, 4 neutral, 5 positive, and the account's own
  positive reply on 05-05, which every count leaves out.

The period is 05-04 to 05-10 (7 days), the previous one 04-27 to 05-03.
"""

from __future__ import annotations

import math
from datetime import date, datetime

import pyarrow as pa
import pytest

from factories import ACCOUNT, account_table, make_batch, posts_table
from tikscope.errors import UsageError
from tikscope.metrics.comment_clusters import cluster_comments
from tikscope.metrics.comment_themes import (
    COMMENT_PRIOR_SIZE,
    QuestionGroup,
    group_questions,
    sentiment_themes,
)
from tikscope.metrics.comment_views import (
    CommentFilter,
    comment_summary,
    period_comments,
    post_comments,
)
from tikscope.metrics.comments import SentimentCounts, ShareChange, TrendPoint
from tikscope.metrics.periods import Period
from tikscope.metrics.query import Account, find_account
from tikscope.store.db import DuckDBPyConnection
from tikscope.store.ingest import ingest
from tikscope.text.questions import is_question

POST_A, POST_B, POST_C = (str(7498123456789012345 + index) for index in range(3))
PERIOD = Period(date(2026, 5, 4), date(2026, 5, 10))


def comment_rows() -> list[dict[str, object]]:
    """(post, when, sentiment, text, author, owner) of every comment, as table rows."""
    plan = [
        (POST_A, datetime(2026, 5, 4, 10), ["negative"] * 7 + ["neutral"] * 2 + ["positive"] * 2),
        (POST_A, datetime(2026, 5, 3, 23, 30), ["negative"]),
        (POST_B, datetime(2026, 5, 5, 10), ["negative"] * 2 + ["neutral"] * 6 + ["positive"] * 12),
        (POST_C, datetime(2026, 4, 28, 10), ["negative"] + ["neutral"] * 4 + ["positive"] * 5),
    ]
    rows = []
    for post, when, labels in plan:
        for label in labels:
            number = len(rows)
            rows.append({"comment_id": f"c{number}", "post_id": post, "author_id": f"fan{number}",
                         "text": f"{label} words {number}", "create_time": when,
                         "is_owner": False, "sentiment": label})  # fmt: skip
    rows.append({"comment_id": "owner", "post_id": POST_C, "author_id": "the_owner",
                 "text": "thank you!", "create_time": datetime(2026, 5, 5, 12), "is_owner": True,
                 "sentiment": "positive"})  # fmt: skip
    return rows


@pytest.fixture
def small_store(store: DuckDBPyConnection) -> tuple[DuckDBPyConnection, Account]:
    rows = comment_rows()
    comments = pa.table(
        {name: [row[name] for row in rows]
         for name in ("comment_id", "post_id", "author_id", "text", "create_time", "is_owner")}
    )  # fmt: skip
    ingest(store, make_batch(accounts=account_table(), posts=posts_table(3), comments=comments))
    # NOTE: the model's labels replaced by planted ones, so that every count is known.
    for row in rows:
        store.execute(
            "UPDATE comments SET sentiment = ? WHERE comment_id = ?",
            [row["sentiment"], row["comment_id"]],
        )
    return store, find_account(store, None)


def test_comment_summary_counts_shares_and_changes_by_local_day(
    small_store: tuple[DuckDBPyConnection, Account],
) -> None:
    summary = comment_summary(*small_store, PERIOD)
    # period: A 8/2/2 + B 2/6/12 = 10/8/14 of 32; previous: C 1/4/5 of 10 (the reply left out)
    assert summary.counts == SentimentCounts(32, 10, 8, 14)
    assert summary.counts.net == (14 - 10) / 32
    assert summary.previous == SentimentCounts(10, 1, 4, 5)
    assert summary.changes == (
        ShareChange("negative", 10 / 32, 1 / 10, 10 / 32 - 1 / 10),
        ShareChange("neutral", 8 / 32, 4 / 10, 8 / 32 - 4 / 10),
        ShareChange("positive", 14 / 32, 5 / 10, 14 / 32 - 5 / 10),
    )
    assert summary.granularity == "day"
    empty = [TrendPoint(date(2026, 5, day), 0, None, None, None) for day in range(6, 11)]
    assert summary.trend == (
        TrendPoint(date(2026, 5, 4), 12, 8 / 12, 2 / 12, (2 - 8) / 12),
        TrendPoint(date(2026, 5, 5), 20, 2 / 20, 12 / 20, (12 - 2) / 20),
        *empty,
    )


def fisher_upper_tail(hits: int, draws: int, successes: int, population: int) -> float:
    """P(X >= hits) for X hypergeometric, summed term by term."""
    total = math.comb(population, draws)
    return sum(math.comb(successes, x) * math.comb(population - successes, draws - x)
               for x in range(hits, min(draws, successes) + 1)) / total  # fmt: skip


def test_negative_alert_is_raised_for_a_far_more_negative_post(
    small_store: tuple[DuckDBPyConnection, Account],
) -> None:
    summary = comment_summary(*small_store, PERIOD)
    posts = {post.post_id: post for post in summary.posts}
    assert [post.post_id for post in summary.posts] == [POST_B, POST_A]
    alert = posts[POST_A].alert
    assert alert is not None
    # all time: 42 comments, 11 negative; A has 8 of 12, the others 3 of 30
    usual = 3 / 30
    assert (alert.comments, alert.negative, alert.share) == (12, 8, 8 / 12)
    assert alert.usual == pytest.approx(usual)
    assert alert.effect == pytest.approx(2 * math.asin(math.sqrt(8 / 12)) - 2 * math.asin(0.1**0.5))
    # one-sided (the upper tail), times the 2 posts tested (Bonferroni)
    assert alert.p_value == pytest.approx(2 * fisher_upper_tail(8, 12, 11, 42))
    assert alert.raised and alert.p_value < 0.01
    calm = posts[POST_B].alert
    assert calm is not None and calm.share == 2 / 20 and not calm.raised
    assert summary.alerts == (posts[POST_A],)


def test_post_comments_filters_and_compares_with_the_account(
    small_store: tuple[DuckDBPyConnection, Account],
) -> None:
    found = post_comments(*small_store, POST_A, CommentFilter(sentiment="negative"))
    assert found.counts == SentimentCounts(12, 8, 2, 2)
    assert found.usual == SentimentCounts(30, 3, 10, 17)
    assert found.matching == 8
    assert {line.sentiment for line in found.comments} == {"negative"}
    assert found.comments[-1].text == "negative words 11"  # the oldest: 05-03 23:30 UTC


def test_period_comments_filter_by_theme_word_and_questions(
    small_store: tuple[DuckDBPyConnection, Account],
) -> None:
    store, account = small_store
    store.execute("UPDATE comments SET text = 'where is the pot from?' WHERE comment_id = 'c12'")
    matching, lines = period_comments(store, account, PERIOD, CommentFilter(theme="POT"))
    assert (matching, [line.text for line in lines]) == (1, ["where is the pot from?"])
    matching, _ = period_comments(store, account, PERIOD, CommentFilter(questions=True))
    assert matching == 1
    # "words" is in every generated text: the 32 of the period, but for c12 rewritten above
    assert period_comments(store, account, PERIOD, CommentFilter(theme="words"))[0] == 31
    with pytest.raises(UsageError, match="unknown sentiment 'sad'"):
        CommentFilter(sentiment="sad")


def test_sentiment_themes_match_the_log_odds_z_written_out() -> None:
    texts = ["love this pot"] * 30 + ["pot arrived broken"] * 20 + ["nice pot"] * 10
    labels = ["positive"] * 30 + ["negative"] * 20 + ["positive"] * 10
    positive, negative = sentiment_themes(texts, labels)
    # words counted once per comment: love 30 (positive), broken and arrived 20 (negative),
    # pot 60, nice 10; 40 positive comments use 30 + 30 + 10 + 10 = 80 words, 20 negative 60
    words, alpha_0 = 140, COMMENT_PRIOR_SIZE

    def z(in_group: int, group_words: int, word_total: int) -> float:
        alpha = alpha_0 * word_total / words
        rest, rest_words = word_total - in_group, words - group_words
        delta = math.log(
            (in_group + alpha) / (group_words + alpha_0 - in_group - alpha)
        ) - math.log((rest + alpha) / (rest_words + alpha_0 - rest - alpha))
        return delta / math.sqrt(1 / (in_group + alpha) + 1 / (rest + alpha))

    assert [(t.term, t.count, t.share, t.baseline) for t in positive] == [("love", 30, 0.75, 0.0)]
    assert positive[0].z_score == pytest.approx(z(30, 80, 30))
    assert [(t.term, t.count) for t in negative] == [("arrived", 20), ("broken", 20)]
    assert negative[0].z_score == pytest.approx(z(20, 60, 20))
    assert z(10, 80, 10) < 3.29  # "nice": too weak to list


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("Where did you get the pot?", True), ("what soil do you use", True),
        ("¿Dónde compraste la maceta", True), ("onde comprou", True),
        ("Où avez-vous acheté ce pot ?", True), ("wo gibt es den Topf", True),
        ("I love this", False), ("Me encanta 😍", False), ("amei", False),
        ("J'adore", False), ("Toll!", False),
    ],
)  # fmt: skip
def test_is_question_in_five_languages(text: str, asks: bool) -> None:
    assert is_question(text) is asks


def test_group_questions_by_the_word_most_of_them_share() -> None:
    texts = [
        "Where did you get the pot?", "¿Dónde compraste la maceta?", "Onde comprou o vaso?",
        "Où avez-vous acheté ce pot ?", "Wo gibt es den Topf?", "what soil do you use",
        "Which soil is best?", "I love it", "what soil do you use",
    ]  # fmt: skip
    # "pot" and "soil" both gather two questions... "soil" three (the repeat counts): soil first
    assert group_questions(texts) == (
        QuestionGroup("soil", 3, ("what soil do you use", "Which soil is best?")),
        QuestionGroup("pot", 2, ("Where did you get the pot?", "Où avez-vous acheté ce pot ?")),
        QuestionGroup("(other)", 3, ("¿Dónde compraste la maceta?", "Onde comprou o vaso?",
                                     "Wo gibt es den Topf?")),
    )  # fmt: skip


def add_clusters(store: DuckDBPyConnection, sizes: dict[int, int]) -> None:
    """Members fan0, fan1... in clusters of the given sizes, saved as result 1."""
    store.execute("INSERT INTO audience_results VALUES (1, ?, now(), 'graph', 'test', 'louvain', "
                  "1, NULL, '{\"privacy\": {\"min_group_size\": 10, \"min_cluster_size\": 10}}')",
                  [ACCOUNT])  # fmt: skip
    key = 0
    for cluster, size in sizes.items():
        store.execute("INSERT INTO audience_result_clusters VALUES (1, ?, ?)",
                      [cluster, f"cluster {cluster}"])  # fmt: skip
        for _ in range(size):
            store.execute("INSERT INTO audience_members (account_id, member_key, member_id, run_id) "
                          "VALUES (?, ?, ?, 1)", [ACCOUNT, key, f"fan{key}"])  # fmt: skip
            store.execute("INSERT INTO audience_result_members VALUES (1, ?, ?)", [key, cluster])
            key += 1


def test_cluster_comments_shows_only_clusters_of_ten_commenters(
    small_store: tuple[DuckDBPyConnection, Account],
) -> None:
    store, account = small_store
    none = cluster_comments(store, account, PERIOD)
    assert (none.result_id, none.clusters) == (None, ())
    assert none.note == "no saved audience clusters: run `tikscope audience report` first"
    # fan0..fan11 wrote post A's comments (fan11 the one at 23:30 UTC), fan12..fan31 post B's
    add_clusters(store, {0: 10, 1: 9})
    found = cluster_comments(store, account, PERIOD)
    assert (found.result_id, found.min_group_size, found.hidden_clusters) == (1, 10, 1)
    assert [cluster.cluster for cluster in found.clusters] == [0]
    shown = found.clusters[0]
    assert shown.counts == SentimentCounts(10, 7, 2, 1)  # fan0..fan9 of post A
    assert shown.previous is None  # nobody of cluster 0 commented in the previous period
    assert [change.previous for change in shown.changes] == [None, None, None]
    # cluster 1 (fan10..fan18, 9 commenters) is hidden: its comments count as outside
    assert found.outside == 32 - 10
