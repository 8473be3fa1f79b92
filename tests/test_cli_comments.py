"""`tikscope comments` and `tikscope sentiment`, run in-process on a simulated store."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.encoders import jsonable_encoder

from tikscope.cli.demo import SAMPLE_LINES, next_commands, write_sample_texts
from tikscope.cli.main import main
from tikscope.metrics.comment_views import comment_summary
from tikscope.metrics.periods import Period
from tikscope.metrics.query import find_account
from tikscope.simulate.config import SimulationConfig
from tikscope.simulate.run import simulate_into_store
from tikscope.store.db import open_store
from tikscope.text import score_texts

END = date(2026, 11, 20)
LAST_28 = Period(date(2026, 10, 24), END)


@pytest.fixture(scope="module")
def simulated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A business account with 120 days of comments and a saved 4-cluster audience result."""
    path: Path = tmp_path_factory.mktemp("cli_comments") / "store.duckdb"
    with open_store(path, create=True) as connection:
        simulate_into_store(connection, SimulationConfig(
            seed=3, account_type="business", handle="casa_verde_demo", days=120, posts=40,
            members=1500, communities=4, end_date=END))  # fmt: skip
    assert main(["audience", "report", "--db", str(path), "--clusters", "4",
                 "--out", str(path.parent / "audience")]) == 0  # fmt: skip
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def busiest_post(path: Path) -> str:
    with open_store(path) as connection:
        summary = comment_summary(connection, find_account(connection, None), LAST_28)
    return summary.posts[0].post_id


def test_comments_json_is_the_summary_of_the_last_28_days(
    capsys: pytest.CaptureFixture[str], simulated_db: Path
) -> None:
    code, out, err = run_cli(capsys, "comments", "--db", str(simulated_db), "--format", "json")
    assert (code, err) == (0, "")
    with open_store(simulated_db) as connection:
        summary = comment_summary(connection, find_account(connection, None), LAST_28)
    assert json.loads(out) == jsonable_encoder(dataclasses.asdict(summary))


COMMANDS = [
    (), ("--questions",), ("--sentiment", "negative"), ("--language", "de"),
    ("--cluster", "--last", "120"), ("--post", "BUSIEST"), ("--post", "BUSIEST", "--questions"),
    ("--post", "BUSIEST", "--sentiment", "positive"),
]  # fmt: skip


@pytest.mark.parametrize("options", COMMANDS)
def test_comments_tables_fit_80_columns_and_never_name_an_author(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    simulated_db: Path,
    options: tuple[str, ...],
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    chosen = [busiest_post(simulated_db) if item == "BUSIEST" else item for item in options]
    with open_store(simulated_db) as connection:
        authors = {
            row[0] for row in connection.execute("SELECT author_id FROM comments").fetchall()
        }
    for output in ("table", "json", "csv"):
        code, out, err = run_cli(capsys, "comments", "--db", str(simulated_db), *chosen,
                                 "--format", output)  # fmt: skip
        assert (code, err) == (0, "")
        assert out.strip()
        assert [author for author in authors if author in out] == []
        if output == "table":
            assert max(len(line) for line in out.splitlines()) <= 80


def test_comments_cluster_table_shows_only_clusters_of_ten_commenters(
    capsys: pytest.CaptureFixture[str], simulated_db: Path
) -> None:
    code, out, _ = run_cli(capsys, "comments", "--db", str(simulated_db), "--cluster",
                           "--last", "120", "--format", "json")  # fmt: skip
    found = json.loads(out)
    with open_store(simulated_db) as connection:
        zone = ZoneInfo(find_account(connection, None).time_zone)
        rows = connection.execute(
            "SELECT r.cluster, c.author_id, c.create_time FROM comments c "
            "JOIN audience_members m ON m.member_id = c.author_id "
            "JOIN audience_result_members r ON r.member_key = m.member_key WHERE NOT c.is_owner"
        ).fetchall()
    commenters: dict[int, set[str]] = {}
    for cluster, author, created in rows:
        # the period is the last 120 local days: 2026-07-24 to 2026-11-20 in the account's zone
        if created.replace(tzinfo=UTC).astimezone(zone).date() <= END:
            commenters.setdefault(cluster, set()).add(author)
    counts = {cluster: len(authors) for cluster, authors in commenters.items()}
    assert code == 0
    assert [c["cluster"] for c in found["clusters"]] == sorted(
        cluster for cluster, count in counts.items() if count >= 10
    )
    assert found["hidden_clusters"] == sum(1 for count in counts.values() if count < 10)


def test_comments_unknown_post_and_sentiment_are_clear_errors(
    capsys: pytest.CaptureFixture[str], simulated_db: Path
) -> None:
    code, _, err = run_cli(capsys, "comments", "--db", str(simulated_db), "--post", "42")
    assert code != 0
    assert "post 42 of @casa_verde_demo has no comments in the store" in err
    code, _, err = run_cli(capsys, "comments", "--db", str(simulated_db), "--sentiment", "sad")
    assert code != 0
    assert "unknown sentiment 'sad'; choose from negative, neutral, positive" in err


LINES = ["this is fire 🔥", "im dead 💀😭", "Terrible advice, my plant died", "", "não gostei",
         "where is this from?\u2028really?"]  # fmt: skip


def test_sentiment_prints_one_label_per_line_in_order(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "texts.txt"
    source.write_bytes(("\r\n".join(LINES) + "\r\n").encode("utf-8"))
    code, out, err = run_cli(capsys, "sentiment", "--input", str(source))
    assert (code, err) == (0, "")
    assert out.splitlines() == [item.sentiment for item in score_texts(LINES)]
    code, out, _ = run_cli(capsys, "sentiment", "--input", str(source), "--language", "pt")
    assert out.splitlines() == [item.sentiment for item in score_texts(LINES, ["pt"] * 6)]
    assert out.splitlines()[4] == "negative"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "--input: {path}: no such file"),
        (b"fine\nalso fine\n\x00\x01binary", "--input: {path}, line 3: a NUL byte: this is not a "
         "text file"),
        (b"ok\n\xff\xfe broken", "--input: {path}, line 2: not UTF-8 text"),
    ],
)  # fmt: skip
def test_sentiment_refuses_a_missing_or_binary_file_clearly(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "input.txt"
    if content is not None:
        path.write_bytes(content)
    code, out, err = run_cli(capsys, "sentiment", "--input", str(path))
    assert (code, out) == (2, "")
    assert message.format(path=path) in err
    assert "Traceback" not in err


def test_demo_sample_texts_get_one_label_each(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_sample_texts(tmp_path)
    commands = next_commands("tikscope", tmp_path / "tikscope.duckdb", tmp_path)
    assert f"tikscope sentiment --input {path}   # one label a line" in commands
    short = next_commands(".venv/bin/tikscope", Path("demo/tikscope.duckdb"), Path("demo"))
    assert [len(c) < 80 for c in short if " comments " in c or " sentiment " in c] == [True] * 4
    code, out, _ = run_cli(capsys, "sentiment", "--input", str(path))
    assert code == 0
    assert out.splitlines() == [item.sentiment for item in score_texts(SAMPLE_LINES)]


def test_report_account_comments_section_shows_the_summary(
    capsys: pytest.CaptureFixture[str], simulated_db: Path, tmp_path: Path
) -> None:
    import re
    from html import unescape

    out = tmp_path / "report"
    code, _, _ = run_cli(capsys, "report", "account", "--db", str(simulated_db), "--last", "28",
                         "--out", str(out))  # fmt: skip
    assert code == 0
    page = unescape((out / "index.html").read_text("utf-8"))
    table = page.split('data-table="comment_sentiment"')[1].split("</table>")[0]
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in table.split("<tr>")[2:]]
    with open_store(simulated_db) as connection:
        summary = comment_summary(connection, find_account(connection, None), LAST_28)
    expected = [
        [c.label, f"{c.share:.1%}", f"{c.previous:.1%}", f"{100 * c.change:+.1f} pts"]
        for c in summary.changes
        if c.share is not None and c.previous is not None and c.change is not None
    ]
    assert cells == expected and len(expected) == 3
    for name in ("comment_trend", "comment_questions", "comment_posts"):
        assert f'data-table="{name}"' in page
    authors = {row[0] for row in connection_authors(simulated_db)}
    assert [author for author in authors if author in page] == []


def connection_authors(path: Path) -> list[tuple[str]]:
    with open_store(path) as connection:
        return connection.execute("SELECT DISTINCT author_id FROM comments").fetchall()
