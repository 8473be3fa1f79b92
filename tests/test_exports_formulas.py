"""Every CSV and XLSX tikscope writes, from a store with hostile text in every text field.

A spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a
formula (OWASP's CSV injection). The store gets such text in every text column that can hold
free text (found from the schema, so a new column is covered without touching this test); then
every export runs, enumerated from the CLI's commands and the web app's routes, and no cell may
start with one of those characters unless it is a number.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from openpyxl import load_workbook

from tikscope import access
from tikscope.audience.insights import compute_insights
from tikscope.cli.main import app as cli_app
from tikscope.cli.main import main
from tikscope.metrics.query import find_account
from tikscope.metrics.registry import POST_COLUMNS
from tikscope.reports.spreadsheet import FORMULA_STARTS
from tikscope.simulate.config import SimulationConfig
from tikscope.simulate.run import simulate_into_store
from tikscope.store.db import open_store
from tikscope.web.app import create_app
from tikscope.web.state import WebConfig
from web_support import END, NOW, bearer, serve_app

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

HANDLE = "casa_verde_demo"
PAYLOADS = (
    '=HYPERLINK("http://x.example","y")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|'/C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
)
NOT_FREE_TEXT = {
    "accounts.handle": "handles are validated where they enter (letters, digits, _ and .)",
    "connections.handle": "the handle of the connected account, validated as above",
    "users.username": "user names are validated names (`access.users.NAME_PATTERN`)",
    "workspaces.slug": "workspace slugs are validated names, as user names",
    "accounts.time_zone": "an IANA zone, checked where it enters",
    "_migrations.name": "tikscope's own name of a schema step",
    "sync_state.name": "tikscope's own name of a sync cursor",
    "runs.fingerprint": "a hash tikscope computes",
}
"""Text columns that hold no free text, and why (ids, keys and hashes are left out by name)."""
KEY_SUFFIXES = ("_id", "_hash", "csrf_token", "_key")


def text_columns(connection: DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(table, column, type) of every text column that may hold free text."""
    rows = connection.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE data_type IN ('VARCHAR', 'VARCHAR[]') ORDER BY table_name, column_name"
    ).fetchall()
    return [
        (table, column, kind)
        for table, column, kind in rows
        if not column.endswith(KEY_SUFFIXES) and f"{table}.{column}" not in NOT_FREE_TEXT
    ]


def make_hostile(connection: DuckDBPyConnection) -> list[str]:
    """Put formula text in every free-text column; the columns a constraint keeps clean."""
    import duckdb

    refused = []
    for index, (table, column, kind) in enumerate(text_columns(connection)):
        payload = PAYLOADS[index % len(PAYLOADS)]
        value: object = payload
        if kind.endswith("[]"):
            value = [payload, PAYLOADS[(index + 1) % len(PAYLOADS)]]
        try:
            connection.execute(f'UPDATE "{table}" SET "{column}" = ?', [value])
        except duckdb.ConstraintException:
            refused.append(f"{table}.{column}")
    return refused


@dataclass(frozen=True)
class HostileStore:
    path: Path
    token: str


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> HostileStore:
    path = tmp_path_factory.mktemp("hostile") / "store.duckdb"
    with open_store(path, create=True) as connection:
        simulate_into_store(connection, SimulationConfig(
            seed=5, account_type="business", handle=HANDLE, days=60, posts=20, members=400,
            communities=3, end_date=END))  # fmt: skip
        account = find_account(connection, HANDLE)
        compute_insights(connection, account.account_id, HANDLE, seed=7)
        access.create_workspace(connection, "agency", "Agency", NOW)
        access.add_account(connection, "agency", HANDLE)
        user = access.create_user(connection, "olivia", "password-123456", NOW)
        access.set_member(connection, "agency", "olivia", access.Role.owner)
        token = access.create_api_token(connection, user.user_id, "tests", NOW)[1]
        refused = make_hostile(connection)
    # NOTE: columns with a CHECK of their values cannot hold formulas; the list says which.
    assert refused == [
        "accounts.account_type", "audience_members.gender", "audience_snapshots.dimension",
        "comments.status", "follows.followee_type", "planted_comment_sentiment.sentiment",
        "planted_follower_events.event", "planted_membership.role", "posts.media_type",
        "runs.kind", "workspace_members.role",
    ]  # fmt: skip
    return HostileStore(path, token)


ALL_POST_COLUMNS = ",".join(column.name for column in POST_COLUMNS)
METRIC_SECTIONS = ("community", "account", "studio", "posts viewed", "posts published", "series",
                   "demographics", "activity")  # fmt: skip
CLI_EXPORTS: dict[str, list[str]] = {
    "info": ["--format", "csv"],
    "accounts": ["--format", "csv"],
    "runs": ["--format", "csv"],
    "metrics": ["--compare", "--format", "csv"],
    **{f"metrics --section {name}": ["--section", name, "--format", "csv"]
       for name in METRIC_SECTIONS},
    "posts": ["--columns", ALL_POST_COLUMNS, "--format", "csv"],
    "posts --out csv": ["--columns", ALL_POST_COLUMNS, "--out", "{out}/posts.csv"],
    "posts --out xlsx": ["--columns", ALL_POST_COLUMNS, "--out", "{out}/posts.xlsx"],
    "connections": ["--format", "csv"],
    "users list": ["--format", "csv"],
    "workspaces list": ["--format", "csv"],
    "tokens list": ["--user", "olivia", "--format", "csv"],
    "audience report": ["--out", "{out}"],
    "audience rename": ["--cluster", "0", "--name", PAYLOADS[1], "--out", "{out}"],
    "audience merge": ["--clusters", "0,1", "--out", "{out}"],
    "rewards": ["--last", "60", "--format", "csv"],
    "recommend": ["--format", "csv"],
    "portfolio": ["--workspace", "agency", "--format", "csv"],
    "comments": ["--last", "365", "--format", "csv"],
    "schedules list": ["--format", "csv"],
    "schedules deliveries": ["--format", "csv"],
}  # fmt: skip
"""Each command that writes CSV or XLSX (standard output or files), with its arguments."""
CLI_ELSEWHERE = {
    "simulate": "writes a store; its output is counts (run on a fresh store below)",
    "import": "prints what a file wrote (run below on a file with a formula for a name)",
    "report account": "writes HTML, PNG and PDF, no spreadsheet",
    "report media-kit": "writes HTML and PDF, no spreadsheet",
    "export parquet": "writes Parquet files and a JSON manifest, no spreadsheet",
    "spark metrics": "writes Parquet files, no spreadsheet",
    "spark audience": "writes Parquet files, no spreadsheet",
    "sync": "needs a TikTok connection (tests/test_sync_end_to_end.py); prints connection ids, "
    "statuses and counts through the same `rows_csv` as the commands here",
}
WEB_EXPORTS = {
    "/api/workspaces/{workspace}/accounts/{handle}/posts.csv",
    "/api/workspaces/{workspace}/accounts/{handle}/posts.xlsx",
}


def command_options() -> dict[str, set[str]]:
    """Every CLI command (`group sub` for groups) with the options it takes."""
    root = __import__("typer").main.get_command(cli_app)  # only tikscope.cli imports typer
    context = root.context_class(root)
    found: dict[str, set[str]] = {}

    def walk(command: object, names: list[str]) -> None:
        if hasattr(command, "list_commands"):
            for name in command.list_commands(context):
                walk(command.get_command(context, name), [*names, name])
            return
        options = {opt for param in command.params for opt in getattr(param, "opts", [])}  # type: ignore[attr-defined]
        found[" ".join(names)] = options

    walk(root, [])
    return found


def test_every_export_is_enumerated() -> None:
    writers = {
        name for name, options in command_options().items() if {"--format", "--out"} & options
    }
    covered = {name.split(" --")[0] for name in CLI_EXPORTS} | set(CLI_ELSEWHERE)
    assert writers == covered
    app = create_app(WebConfig(db=Path("unused")))
    routes = {path for path in route_paths(app.routes) if path.endswith((".csv", ".xlsx"))}
    assert routes == WEB_EXPORTS


def route_paths(routes: list[Any]) -> Iterator[str]:
    """The paths of an app's routes, into included routers."""
    for route in routes:
        if hasattr(route, "original_router"):
            yield from route_paths(route.original_router.routes)
        elif hasattr(route, "path"):
            yield route.path


def formula_cells(cells: list[object]) -> list[object]:
    """Cells a spreadsheet would run: text starting with a formula character, not a number."""
    return [cell for cell in cells if isinstance(cell, str) and cell.startswith(FORMULA_STARTS)
            and not is_number(cell)]  # fmt: skip


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_cells(text: str) -> list[object]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def xlsx_cells(data: bytes) -> list[object]:
    workbook = load_workbook(io.BytesIO(data))
    cells: list[object] = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula in {cell.coordinate}: {cell.value!r}"
                cells.append(cell.value)
    return cells


def spreadsheet_cells(folder: Path) -> dict[str, list[object]]:
    """The cells of every CSV and XLSX in a folder, by file name."""
    found: dict[str, list[object]] = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".csv":
            found[path.name] = csv_cells(path.read_text("utf-8"))
        elif path.suffix == ".xlsx":
            found[path.name] = xlsx_cells(path.read_bytes())
    return found


def neutralised(cells: list[object]) -> int:
    """Cells that hold a payload, neutralised."""
    return sum(isinstance(cell, str) and cell.startswith("'") and cell[1:] in PAYLOADS
               for cell in cells)  # fmt: skip


SHOWS_PAYLOADS = {"runs", "posts", "posts --out csv", "posts --out xlsx", "workspaces list",
                  "tokens list", "audience rename"}  # fmt: skip
"""Exports with a free-text column, where the payloads must show up (neutralised)."""


@pytest.mark.parametrize("export", list(CLI_EXPORTS))
def test_cli_export_neutralises_formulas(
    export: str, hostile: HostileStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "store.duckdb"
    shutil.copy(hostile.path, db)
    command = export.split(" --")[0].split()
    arguments = [
        argument.replace("{out}", str(tmp_path / "out")) for argument in CLI_EXPORTS[export]
    ]
    (tmp_path / "out").mkdir()
    if command[0] in ("metrics", "posts", "audience"):
        arguments += ["--account", HANDLE]
    code = main([*command, "--db", str(db), *arguments])
    out, err = capsys.readouterr()
    assert code == 0, err
    outputs = spreadsheet_cells(tmp_path / "out")
    if "--format" in arguments:
        outputs["stdout"] = csv_cells(out)
    assert outputs, f"{export} wrote no spreadsheet"
    for name, cells in outputs.items():
        assert formula_cells(cells) == [], f"{export}: {name}"
    if export in SHOWS_PAYLOADS:
        assert sum(neutralised(cells) for cells in outputs.values()) > 0


def test_cli_import_and_simulate_neutralise_formulas(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = Path(__file__).parent / "fixtures" / "files" / "archive_new_layout.json"
    hostile_name = tmp_path / "=1+cmd.json"
    shutil.copy(archive, hostile_name)
    db = tmp_path / "store.duckdb"
    for argv in (["import", str(hostile_name)],
                 ["simulate", "--members", "0", "--posts", "2", "--days", "3"]):  # fmt: skip
        code = main([*argv, "--db", str(db), "--format", "csv"])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert formula_cells(csv_cells(out)) == []


@pytest.fixture(scope="module")
def hostile_server(hostile: HostileStore) -> Iterator[str]:
    app = create_app(WebConfig(db=hostile.path, secure_cookies=False))
    with serve_app(app) as origin:
        yield origin


@pytest.mark.parametrize("route", sorted(WEB_EXPORTS))
def test_web_export_neutralises_formulas(
    route: str, hostile: HostileStore, hostile_server: str
) -> None:
    path = route.format(workspace="agency", handle=HANDLE)
    query = f"?days=60&columns={ALL_POST_COLUMNS}"
    response = httpx.get(hostile_server + path + query, headers=bearer(hostile.token),
                         timeout=60)  # fmt: skip
    assert response.status_code == 200, response.text
    if path.endswith(".csv"):
        cells = csv_cells(response.content.decode("utf-8"))
    else:
        cells = xlsx_cells(response.content)
    assert formula_cells(cells) == []
    assert neutralised(cells) > 0
