from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import pytest

from factories import daily_table, make_batch
from tikscope.cli.demo import demo_lines, next_commands, print_demo_summary
from tikscope.cli.main import main
from tikscope.store.db import open_store
from tikscope.store.ingest import ingest
from tikscope.store.migrations import LATEST_VERSION


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def filled_store(store_path: Path) -> Path:
    with open_store(store_path, create=True) as connection:
        ingest(connection, make_batch())
    return store_path


def test_help_lists_every_command_with_a_description(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "--help")
    assert code == 0
    for command in ("simulate", "demo", "info", "accounts", "runs"):
        line = next(line for line in out.splitlines() if f" {command} " in line)
        assert len(line.split(command, 1)[1].strip(" │")) > 10


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["simulate", "--days", "0"],
            2,
            "error: Invalid value for '--days': Input should be greater than or equal to 1 (see `tikscope simulate --help`)",
        ),
        (
            ["simulate", "--account-type", "creator"],
            2,
            "error: Invalid value for '--account-type': Value error, 'creator' is not one of 'business', 'personal'.",
        ),
        (
            ["info", "--format", "xml"],
            2,
            "error: Invalid value for '--format': Value error, 'xml' is not one of 'table', 'json', 'csv'.",
        ),
        (
            ["infoo"],
            2,
            "error: No such command 'infoo'. Did you mean 'info'? (see `tikscope --help`)",
        ),
        (
            ["runs", "--limit", "many"],
            2,
            "error: Invalid value for '--limit': Input should be a valid integer",
        ),
    ],
)
def test_bad_options_give_one_line_and_exit_code(
    capsys: pytest.CaptureFixture[str], args: list[str], code: int, message: str
) -> None:
    result, out, err = run_cli(capsys, *args)
    assert result == code
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(message)


def test_missing_store_is_one_line_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "nope.duckdb"
    code, _, err = run_cli(capsys, "info", "--db", str(missing))
    assert (code, err) == (
        1,
        f"error: no store at {missing}: run `tikscope demo` or `tikscope simulate --db {missing}` first\n",
    )
    assert not missing.exists()


def test_corrupt_store_is_one_line_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    corrupt = tmp_path / "corrupt.duckdb"
    corrupt.write_bytes(b"this is not a database" * 100)
    code, _, err = run_cli(capsys, "accounts", "--db", str(corrupt))
    assert (code, err) == (
        1,
        f"error: {corrupt} is not a tikscope store: it is not a DuckDB database file "
        "(damaged or another format)\n",
    )
    assert corrupt.read_bytes() == b"this is not a database" * 100


def test_store_in_use_is_one_line_error(
    capsys: pytest.CaptureFixture[str], filled_store: Path
) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(filled_store)!r}); print('ok', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        code, _, err = run_cli(capsys, "runs", "--db", str(filled_store))
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()  # type: ignore[union-attr]
    assert code == 1
    assert err == (
        f"error: store {filled_store} is in use by process {holder.pid}; "
        "wait for it to finish or stop it, then try again\n"
    )


def test_db_comes_from_environment(
    capsys: pytest.CaptureFixture[str], filled_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIKSCOPE_DB", str(filled_store))
    code, out, _ = run_cli(capsys, "accounts", "--format", "json")
    assert code == 0
    assert [row["handle"] for row in json.loads(out)] == ["casa_verde"]


def test_info_formats(capsys: pytest.CaptureFixture[str], filled_store: Path) -> None:
    _, out, _ = run_cli(capsys, "info", "--db", str(filled_store), "--format", "json")
    [overview] = json.loads(out)
    assert overview["tables"]["posts"] == 3 and overview["tables"]["follows"] == 0
    assert overview["schema_version"] == LATEST_VERSION and overview["runs"] == 1
    _, out, _ = run_cli(capsys, "runs", "--db", str(filled_store), "--format", "csv")
    header, row = out.splitlines()
    assert (
        header
        == "run_id,kind,source,handle,started_at,finished_at,rows_written,rows_deleted,row_counts"
    )
    assert row.startswith("1,import,test,casa_verde,")


def test_console_script_never_prints_a_traceback(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.duckdb"
    corrupt.write_text("garbage")
    result = subprocess.run(
        [str(Path(sys.executable).with_name("tikscope")), "info", "--db", str(corrupt)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


def test_unreadable_duckdb_file_does_not_get_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.duckdb"
    connection = duckdb.connect(str(other))
    connection.execute("CREATE TABLE mine (x INTEGER)")
    connection.close()
    code, _, err = run_cli(
        capsys, "simulate", "--db", str(other), "--members", "0", "--posts", "1", "--days", "3"
    )
    assert code == 1
    assert (
        err
        == "error: this DuckDB file is not a tikscope store (it has tables but no _migrations table)\n"
    )


def test_accounts_show_time_zone_and_the_sources_of_their_data(
    capsys: pytest.CaptureFixture[str], filled_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_store(filled_store) as connection:
        synced = make_batch("merge", account_daily=daily_table(7, views=200))
        ingest(connection, replace(synced, kind="sync", source="business_api"))
    _, out, _ = run_cli(capsys, "accounts", "--db", str(filled_store), "--format", "json")
    [account] = json.loads(out)
    assert {key: account[key] for key in ("handle", "time_zone", "sources", "days")} == {
        "handle": "casa_verde", "time_zone": "Europe/Madrid",
        "sources": ["test", "business_api"], "days": 7,
    }  # fmt: skip
    monkeypatch.setenv("COLUMNS", "120")
    _, out, _ = run_cli(capsys, "accounts", "--db", str(filled_store))
    assert [line.rstrip() for line in out.splitlines()] == [
        "Accounts",
        "            account                                             audience",
        "handle      type      time zone      sources             posts   members  first day"
        "   last day    followers",
        "─" * 107,
        "casa_verde  business  Europe/Madrid  test, Business API      3         0  2026-05-01"
        "  2026-05-07      1,006",
    ]
    monkeypatch.setenv("COLUMNS", "80")  # too narrow for the table: one record per account
    _, out, _ = run_cli(capsys, "accounts", "--db", str(filled_store))
    assert [line.rstrip() for line in out.splitlines()] == [
        "Accounts",
        "casa_verde",
        " account type       business",
        " time zone          Europe/Madrid",
        " sources            test, Business API",
        " posts              3",
        " audience members   0",
        " first day          2026-05-01",
        " last day           2026-05-07",
        " followers          1,006",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["audience", "merge", "--clusters", "a,b"],
            "error: --clusters: 'a' is not a cluster number; give e.g. 0,3\n",
        ),
        (
            ["audience", "merge", "--clusters", "1,,2"],
            "error: --clusters: '' is not a cluster number; give e.g. 0,3\n",
        ),
        (
            ["simulate", "--end-date", "2026-02-30"],
            "error: --end-date: '2026-02-30' is not a date; use YYYY-MM-DD\n",
        ),
        (
            ["report", "account", "--out", "r", "--from", "yesterday", "--to", "2026-01-01"],
            "error: --from: 'yesterday' is not a date; use YYYY-MM-DD\n",
        ),
    ],
)
def test_bad_values_are_one_line_usage_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], message: str
) -> None:
    code, out, err = run_cli(capsys, *args, "--db", str(tmp_path / "none.duckdb"))
    assert (code, out, err) == (2, "", message)


def test_demo_summary_says_what_a_user_cares_about() -> None:
    account = {
        "handle": "casa_verde_demo", "account_type": "business", "time_zone": "Europe/Madrid",
        "sources": ["simulator"], "posts": 300, "days": 365, "first_day": date(2025, 12, 3),
        "last_day": date(2026, 12, 2), "followers": 50000, "audience_members": 50000,
        "follows": 1032338, "comments": 6435,
    }  # fmt: skip
    overview = {"path": "/home/ana/tikscope/demo/tikscope.duckdb", "size_bytes": 13_631_488}
    assert demo_lines(overview, account) == [
        "\nDemo store: /home/ana/tikscope/demo/tikscope.duckdb (13.0 MB)",
        "@casa_verde_demo: business account, time zone Europe/Madrid, data from simulator",
        "  300 posts",
        "  365 days of history, 2025-12-03 to 2026-12-02",
        "  50,000 followers on the last day",
        "  50,000 audience members, 1,032,338 follows",
        "  6,435 comments",
    ]


def test_demo_next_commands_write_into_the_demo_folder_and_print_whole(
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = Path("my demo/tikscope.duckdb")
    commands = next_commands(".venv/bin/tikscope", db, db.parent)
    outs = [command.split("--out ")[1] for command in commands if "--out " in command]
    assert outs == [
        "'my demo/posts.xlsx'",
        "'my demo/report-365'",
        "'my demo/audience-6'",
        "'my demo/audience-6'",
        "'my demo/kit'",
        "'my demo/parquet'",
    ]
    overview = {"path": "/x/my demo/tikscope.duckdb", "size_bytes": 1}
    account = {"handle": "h", "account_type": "business", "time_zone": "UTC", "sources": [],
               "posts": 0, "days": 0, "first_day": None, "last_day": None, "followers": None,
               "audience_members": 0, "follows": 0, "comments": 0}  # fmt: skip
    print_demo_summary(overview, account, db=db, program=".venv/bin/tikscope")
    out = capsys.readouterr().out
    assert out.split("Next, try:\n")[1].splitlines() == [f"  {c}" for c in commands]
    assert max(len(line) for line in out.splitlines()) > 80  # unwrapped, whatever the width
