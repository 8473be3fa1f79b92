"""Handles: TikTok's rule wherever one enters, and one account per handle in the store."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import httpx
import pytest

from test_sources_business import ACCOUNT, CAPTURED, client
from test_sources_http import FakeApi, fixture
from tikscope.cli.main import main
from tikscope.errors import (
    ConflictError,
    FileFormatError,
    InvalidHandleError,
    MalformedResponseError,
    StoreError,
    UsageError,
)
from tikscope.ids import parse_handle
from tikscope.metrics.query import find_account
from tikscope.simulate.config import SimulationConfig
from tikscope.simulate.run import simulate_into_store
from tikscope.sources.files import read_files
from tikscope.store.db import connect, migrate, open_store
from tikscope.store.migrations import MIGRATIONS
from web_support import WebStore, bearer

FIXTURES = Path(__file__).parent / "fixtures" / "files"
HOSTILE = ("../../x", "a/b?c#d", "x y", '=HYPERLINK("x")', "a", "a" * 25, "\ud800x")
RULE = "letters, digits, _ and . only, 2 to 24 of them"


@pytest.mark.parametrize(
    ("text", "handle"),
    [("casa_verde", "casa_verde"), ("@Casa.Verde_2", "casa.verde_2"), (" @ab ", "ab"),
     ("a" * 24, "a" * 24)],
)  # fmt: skip
def test_parse_handle_folds_case_and_drops_one_at(text: str, handle: str) -> None:
    assert parse_handle(text) == handle


@pytest.mark.parametrize("text", [*HOSTILE, "@@ab", "", "ab\u0130"])
def test_parse_handle_refuses_what_tiktok_would(text: str) -> None:
    with pytest.raises(InvalidHandleError) as raised:
        parse_handle(text)
    assert str(raised.value) == f"{text!r} is not a TikTok handle ({RULE})"


def archive(tmp_path: Path, *, user_name: str | None = None, following: str | None = None) -> Path:
    data = json.loads((FIXTURES / "archive_new_layout.json").read_text())
    if user_name is not None:
        data["Profile And Settings"]["Profile Info"]["ProfileMap"]["userName"] = user_name
    if following is not None:
        data["Your Activity"]["Following"]["Following"][0]["UserName"] = following
    path = tmp_path / "user_data.json"
    path.write_text(json.dumps(data))
    return path


def read_problem(path: Path) -> str:
    with pytest.raises(FileFormatError) as raised:
        read_files(path, handle=None, today=date(2026, 5, 2), pseudonymize=lambda name: name)
    return str(raised.value)


@pytest.mark.parametrize("user_name", HOSTILE[:3])
def test_archive_user_name_that_is_no_handle_names_file_and_field(
    tmp_path: Path, user_name: str
) -> None:
    path = archive(tmp_path, user_name=user_name)
    assert read_problem(path) == (
        f"{path}: Profile And Settings/Profile Info/ProfileMap/userName: not a TikTok handle "
        f"({RULE}) (got '{user_name}')"
    )


def test_archive_followed_account_that_is_no_handle_names_file_and_field(tmp_path: Path) -> None:
    path = archive(tmp_path, following="a/b?c#d")
    assert read_problem(path) == (
        f"{path}: Your Activity/Following/Following[0]/UserName: not a TikTok handle ({RULE}) "
        "(got 'a/b?c#d')"
    )


def test_import_of_a_bad_user_name_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "store.duckdb"
    path = archive(tmp_path, user_name="../../x")
    assert main(["import", str(path), "--db", str(db)]) == 1
    assert "ProfileMap/userName: not a TikTok handle" in capsys.readouterr().err
    with open_store(db, create=True) as connection:
        assert connection.execute("SELECT count(*) FROM accounts").fetchone() == (0,)


@pytest.mark.parametrize(
    "argv",
    [["metrics", "--account", "x y"], ["posts", "--account", "../../x"],
     ["import", "missing.json", "--account", "a/b?c#d"], ["simulate", "--handle", "x y"],
     ["workspaces", "add-account", "agency", "../../x"]],
)  # fmt: skip
def test_cli_handle_options_refuse_what_is_no_handle(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv, "--db", str(tmp_path / "store.duckdb")]) == 2
    given = next(text for text in argv if text in HOSTILE)
    option = "HANDLE" if argv[0] == "workspaces" else argv[argv.index(given) - 1]
    assert capsys.readouterr().err == (
        f"error: {option}: {given!r} is not a TikTok handle ({RULE})\n"
    )
    assert not (tmp_path / "store.duckdb").exists()


def test_api_username_that_is_no_handle_is_a_malformed_answer() -> None:
    answer = fixture("business_get.json")
    answer["data"]["username"] = "../../x"
    api = FakeApi()
    api.add_json("GET", ACCOUNT, answer)
    with pytest.raises(MalformedResponseError) as raised:
        client(api).account(start=date(2026, 5, 1), end=date(2026, 5, 2), captured_at=CAPTURED)
    assert str(raised.value) == (
        f'{ACCOUNT} data.username: expected a TikTok handle ({RULE}), got str "../../x" '
        "(request id 20260503081522A1B2C3D4E5F60718293A)"
    )


def test_web_path_that_is_no_handle_is_not_found(web_server: tuple[str, WebStore]) -> None:
    origin, store = web_server
    for handle in ("x%20y", "..%2F..%2Fx", "a", "CASA_VERDE_DEMO"):
        response = httpx.get(
            f"{origin}/api/workspaces/agency/accounts/{handle}/overview",
            headers=bearer(store.tokens["olivia"]), timeout=30,
        )  # fmt: skip
        expected = 200 if handle == "CASA_VERDE_DEMO" else 404
        assert response.status_code == expected, (handle, response.text)


def simulated(db: Path, handle: str) -> None:
    with open_store(db, create=True) as connection:
        simulate_into_store(connection, SimulationConfig(
            seed=3, handle=handle, days=20, posts=4, members=0, end_date=date(2026, 4, 10)))  # fmt: skip


def test_studio_files_for_a_simulated_handle_join_its_account(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "store.duckdb"
    simulated(db, "casa_verde_shop")
    zips = tmp_path / "zips"
    shutil.copytree(FIXTURES / "studio_en_zips", zips)
    assert main(["import", str(zips), "--db", str(db)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert main(["accounts", "--db", str(db), "--format", "json"]) == 0
    accounts = json.loads(capsys.readouterr().out)
    assert [(row["handle"], row["sources"]) for row in accounts] == [
        ("casa_verde_shop", ["simulator", str(zips)])
    ]
    assert main(["metrics", "--db", str(db), "--account", "@Casa_Verde_Shop", "--format",
                 "json"]) == 0  # fmt: skip


def test_simulating_a_handle_another_source_added_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    with open_store(db, create=True) as connection:
        read = read_files(FIXTURES / "studio_en_zips", handle=None, today=date(2026, 5, 2),
                          pseudonymize=lambda name: name)  # fmt: skip
        from tikscope.sync.batches import write_extract

        write_extract(connection, read[0], kind="import", source="zips")
        with pytest.raises(ConflictError) as raised:
            simulate_into_store(connection, SimulationConfig(handle="casa_verde_shop", members=0))
    assert str(raised.value) == (
        "@casa_verde_shop is in the store already (added by studio_export); a simulation would "
        "replace its data: simulate another --handle"
    )


def schema_six_store(path: Path, accounts: list[tuple[str, str, str]]) -> None:
    """A store as tikscope left it before handles were unique, with these accounts."""
    connection = connect(path, create=True)
    migrate(connection, MIGRATIONS[:6], path=path)
    for account_id, handle, source in accounts:
        connection.execute(
            "INSERT INTO accounts (account_id, handle, account_type, time_zone, source, run_id) "
            "VALUES (?, ?, 'business', 'UTC', ?, 1)",
            [account_id, handle, source],
        )
    connection.close()


def test_store_with_two_accounts_of_one_handle_is_refused_clearly(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    schema_six_store(db, [("acc_1", "shop", "simulator"), ("acc_2", "shop", "studio_export"),
                          ("acc_3", "other", "simulator")])  # fmt: skip
    with pytest.raises(StoreError) as raised, open_store(db):
        pass
    assert str(raised.value) == (
        f"cannot upgrade store {db} to schema 7 (one account per handle): accounts share a "
        "handle: @shop (acc_1 from simulator, acc_2 from studio_export). Since schema 7 one "
        "handle is one account, and tikscope cannot tell which data to keep: open this store "
        "with the tikscope that wrote it, or import the account's files (or simulate it) into "
        "a new store with --db"
    )


def test_store_keeps_one_account_per_handle(tmp_path: Path) -> None:
    import duckdb

    db = tmp_path / "store.duckdb"
    schema_six_store(db, [("acc_1", "shop", "simulator")])
    with open_store(db) as connection, pytest.raises(duckdb.ConstraintException):
        connection.execute(
            "INSERT INTO accounts (account_id, handle, account_type, time_zone, source, "
            "run_id) VALUES ('acc_2', 'shop', 'business', 'UTC', 'studio_export', 2)"
        )


def test_find_account_folds_the_handle_as_every_entry_does(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    simulated(db, "casa_verde_shop")
    with open_store(db) as connection:
        assert find_account(connection, " @Casa_Verde_Shop").handle == "casa_verde_shop"
        with pytest.raises(UsageError, match="no account @other_shop in the store"):
            find_account(connection, "@Other_Shop")
