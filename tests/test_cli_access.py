"""`tikscope users`, `workspaces` and `tokens`: every command, its errors, and the password prompt."""

from __future__ import annotations

import io
import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner  # noqa: TID251

from factories import make_batch
from tikscope import access
from tikscope.access.sessions import find_session, start_session
from tikscope.cli.main import app, main
from tikscope.store.db import open_store
from tikscope.store.ingest import ingest

PASSWORD = "correct horse battery"
NOW = datetime(2026, 11, 21, 12)


@pytest.fixture(scope="module")
def agency_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with account casa_verde in workspace agency ("Agency X"), owned by olivia."""
    path = tmp_path_factory.mktemp("access") / "store.duckdb"
    with open_store(path, create=True) as connection:
        ingest(connection, make_batch())
        access.create_workspace(connection, "agency", "Agency X", NOW)
        access.add_account(connection, "agency", "casa_verde")
        access.create_user(connection, "olivia", PASSWORD, NOW)
        access.set_member(connection, "agency", "olivia", access.Role.owner)
    return path


@pytest.fixture
def agency(agency_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the agency store."""
    return Path(shutil.copy(agency_template, tmp_path / "store.duckdb"))


def run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *args: str,
    stdin: str = "",
) -> tuple[int, str, str]:
    """Run the CLI with standard input; its exit code, output and errors."""
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def listed(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    """The rows a listing command prints as JSON, without their timestamps."""
    assert main([*args, "--format", "json"]) == 0
    rows: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
    return [{k: v for k, v in row.items() if not k.endswith("_at")} for row in rows]


def test_cli_users_add_and_list_show_workspaces_and_roles(
    store_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_store(store_path, create=True) as connection:
        ingest(connection, make_batch())
    db = str(store_path)
    assert run(capsys, monkeypatch, "workspaces", "create", "agency", "--name", "Agency X",
               "--account", "@casa_verde", "--db", db) == (
        0, "created workspace agency with @casa_verde\n", ""
    )  # fmt: skip
    assert run(capsys, monkeypatch, "users", "add", "Olivia", "--workspace", "agency", "--role",
               "owner", "--password-stdin", "--db", db, stdin=PASSWORD + "\n") == (
        0, "added user olivia as owner of agency\n", ""
    )  # fmt: skip
    assert run(capsys, monkeypatch, "users", "add", "eddie", "--password-stdin", "--db", db,
               stdin=PASSWORD + "\r\n")[1] == "added user eddie\n"  # fmt: skip
    assert listed(capsys, "users", "list", "--db", db) == [
        {"username": "eddie", "workspaces": ""},
        {"username": "olivia", "workspaces": "agency (owner)"},
    ]
    with open_store(store_path) as connection:
        assert access.authenticate(connection, "olivia", PASSWORD) is not None
        assert access.authenticate(connection, "eddie", PASSWORD) is not None


def test_cli_users_add_asks_for_the_password_twice_hidden(agency: Path) -> None:
    result = CliRunner().invoke(
        app, ["users", "add", "vera", "--workspace", "agency", "--db", str(agency)],
        input=f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Password: \nRepeat for confirmation: \nError: The two entered values do not match.\n"
        "Password: \nRepeat for confirmation: \nadded user vera as viewer of agency\n"
    )
    assert PASSWORD not in result.output
    with open_store(agency) as connection:
        assert access.authenticate(connection, "vera", PASSWORD) is not None


@pytest.mark.parametrize(
    ("args", "stdin", "code", "message"),
    [
        # a name taken is a conflict with the store (1); the others are usage errors (2)
        (["users", "add", "olivia"], PASSWORD, 1, "error: user 'olivia' exists already\n"),
        (["users", "add", "x"], PASSWORD, 2, "error: username 'x' is not allowed: use 2-40 "
         "letters, digits, '_', '.' or '-', starting with a letter or digit\n"),
        (["users", "add", "vera", "--workspace", "nope"], PASSWORD, 2,
         "error: no workspace 'nope'; see `tikscope workspaces list`\n"),
        (["users", "add", "vera"], "short", 2,
         "error: a password needs at least 10 characters\n"),
        (["users", "add", "vera"], "", 2, "error: --password-stdin: standard input held no "
         "password\n"),
        (["users", "password", "nobody"], PASSWORD, 2,
         "error: no user 'nobody'; see `tikscope users list`\n"),
    ],
)  # fmt: skip
def test_cli_users_refuse_with_one_line(
    agency: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    stdin: str,
    code: int,
    message: str,
) -> None:
    result = run(capsys, monkeypatch, *args, "--password-stdin", "--db", str(agency),
                 stdin=stdin + "\n" if stdin else "")  # fmt: skip
    assert result == (code, "", message)
    assert [row["username"] for row in listed(capsys, "users", "list", "--db", str(agency))] == [
        "olivia"
    ]


def test_cli_users_password_changes_it_ends_sessions_and_says_tokens_stay_valid(
    agency: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    new = "a brand new password"
    cookie, token = session_and_token(agency)
    assert run(capsys, monkeypatch, "users", "password", "olivia", "--password-stdin", "--db",
               str(agency), stdin=new + "\n") == (
        0, "changed the password of olivia; their sessions ended; their 1 active API token "
           "stays valid until revoked (`tikscope tokens list --user olivia`)\n", ""
    )  # fmt: skip
    with open_store(agency) as connection:
        assert access.authenticate(connection, "olivia", PASSWORD) is None
        assert access.authenticate(connection, "olivia", new) is not None
        assert find_session(connection, cookie, NOW) is None
        assert access.token_user(connection, token) == access.User(1, "olivia")


def test_cli_users_password_revokes_tokens_when_asked(
    agency: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cookie, token = session_and_token(agency)
    db = str(agency)
    run(capsys, monkeypatch, "tokens", "create", "--user", "olivia", "--db", db)
    assert run(capsys, monkeypatch, "users", "password", "olivia", "--revoke-tokens",
               "--password-stdin", "--db", db, stdin=PASSWORD + "\n") == (
        0, "changed the password of olivia; their sessions ended; their 2 active API tokens "
           "were revoked\n", ""
    )  # fmt: skip
    with open_store(agency) as connection:
        assert find_session(connection, cookie, NOW) is None
        assert access.token_user(connection, token) is None
        assert [row["revoked_at"] is not None for row in access.list_api_tokens(connection, 1)] == [
            True, True
        ]  # fmt: skip
    assert run(capsys, monkeypatch, "users", "password", "olivia", "--revoke-tokens",
               "--password-stdin", "--db", db, stdin=PASSWORD + "\n")[1] == (
        "changed the password of olivia; their sessions ended; they have no active API tokens\n"
    )  # fmt: skip


def session_and_token(store: Path) -> tuple[str, str]:
    """A browser session (its cookie) and an API token of olivia's."""
    with open_store(store) as connection:
        olivia = access.require_user(connection, "olivia")
        cookie, _ = start_session(connection, olivia, NOW)
        _, token = access.create_api_token(connection, olivia.user_id, "script", NOW)
        assert find_session(connection, cookie, NOW) is not None
    return cookie, token


def test_cli_users_remove_refuses_a_last_owner_then_removes_everything_of_the_user(
    agency: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = str(agency)
    assert run(capsys, monkeypatch, "users", "remove", "olivia", "--db", db) == (
        1, "", "error: olivia is the last owner of agency; add another owner first\n"
    )  # fmt: skip
    run(capsys, monkeypatch, "users", "add", "rita", "--password-stdin", "--db", db,
        stdin=PASSWORD + "\n")  # fmt: skip
    assert run(capsys, monkeypatch, "workspaces", "add-member", "agency", "rita", "--role",
               "owner", "--db", db)[1] == "rita is now owner of agency\n"  # fmt: skip
    run(capsys, monkeypatch, "tokens", "create", "--user", "olivia", "--db", db)
    assert run(capsys, monkeypatch, "users", "remove", "olivia", "--db", db) == (
        0, "removed user olivia\n", ""
    )  # fmt: skip
    with open_store(agency) as connection:
        counts = connection.execute(
            "SELECT (SELECT count(*) FROM api_tokens), (SELECT count(*) FROM workspace_members)"
        ).fetchone()
    assert counts == (0, 1)
    assert run(capsys, monkeypatch, "users", "remove", "olivia", "--db", db) == (
        2, "", "error: no user 'olivia'; see `tikscope users list`\n"
    )  # fmt: skip


def test_cli_workspaces_manage_accounts_and_members(
    agency: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = str(agency)
    run(capsys, monkeypatch, "users", "add", "eddie", "--password-stdin", "--db", db,
        stdin=PASSWORD + "\n")  # fmt: skip
    steps = [
        (["workspaces", "add-member", "agency", "eddie", "--role", "editor"],
         "eddie is now editor of agency\n"),
        (["workspaces", "remove-account", "agency", "casa_verde"],
         "removed @casa_verde from agency\n"),
        (["workspaces", "create", "rival"], "created workspace rival\n"),
        (["workspaces", "add-account", "rival", "@Casa_Verde"], "added @casa_verde to rival\n"),
    ]  # fmt: skip
    for args, out in steps:
        assert run(capsys, monkeypatch, *args, "--db", db) == (0, out, "")
    assert listed(capsys, "workspaces", "list", "--db", db) == [
        {"slug": "agency", "name": "Agency X", "accounts": "",
         "members": "eddie (editor), olivia (owner)"},
        {"slug": "rival", "name": "rival", "accounts": "casa_verde", "members": ""},
    ]  # fmt: skip
    assert run(capsys, monkeypatch, "workspaces", "remove-member", "agency", "eddie", "--db",
               db) == (0, "removed eddie from agency\n", "")  # fmt: skip


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        # conflicts with the store (a name taken, the last owner) exit 1; usage errors exit 2
        (["workspaces", "create", "agency"], 1, "workspace 'agency' exists already"),
        (["workspaces", "create", "new", "--account", "ghost"], 2,
         "no account @ghost in the store; see `tikscope accounts`"),
        (["workspaces", "add-account", "nope", "casa_verde"], 2,
         "no workspace 'nope'; see `tikscope workspaces list`"),
        (["workspaces", "remove-account", "agency", "ghost"], 2,
         "no account @ghost in the store; see `tikscope accounts`"),
        (["workspaces", "add-member", "agency", "nobody", "--role", "viewer"], 2,
         "no user 'nobody'; see `tikscope users list`"),
        (["workspaces", "add-member", "agency", "olivia", "--role", "viewer"], 1,
         "olivia is the last owner of agency; add another owner first"),
        (["workspaces", "remove-member", "agency", "olivia"], 1,
         "olivia is the last owner of agency; add another owner first"),
    ],
)  # fmt: skip
def test_cli_workspaces_refuse_with_one_line_and_change_nothing(
    agency: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    code: int,
    message: str,
) -> None:
    assert run(capsys, monkeypatch, *args, "--db", str(agency)) == (code, "", f"error: {message}\n")
    assert listed(capsys, "workspaces", "list", "--db", str(agency)) == [
        {"slug": "agency", "name": "Agency X", "accounts": "casa_verde",
         "members": "olivia (owner)"}
    ]  # fmt: skip


def test_cli_workspaces_role_must_be_known(
    agency: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(capsys, monkeypatch, "workspaces", "add-member", "agency", "olivia",
                       "--role", "boss", "--db", str(agency))  # fmt: skip
    assert (code, err) == (
        2, "error: Invalid value for '--role': Value error, 'boss' is not one of 'owner', "
        "'editor', 'viewer'. (see `tikscope workspaces add-member --help`)\n",
    )  # fmt: skip


def test_cli_tokens_create_list_and_revoke(
    agency: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = str(agency)
    code, out, _ = run(capsys, monkeypatch, "tokens", "create", "--user", "olivia", "--name",
                       "reporting", "--db", db)  # fmt: skip
    heading, token = out.splitlines()
    assert (code, heading) == (0, "token 1 for olivia (shown once, keep it safe):")
    with open_store(agency) as connection:
        user = access.token_user(connection, token)
        assert user is not None and user.username == "olivia"
    assert listed(capsys, "tokens", "list", "--user", "olivia", "--db", db) == [
        {"token_id": 1, "name": "reporting"}
    ]
    assert token not in capsys.readouterr().out
    assert run(capsys, monkeypatch, "tokens", "revoke", "1", "--user", "olivia", "--db", db) == (
        0, "revoked token 1\n", ""
    )  # fmt: skip
    with open_store(agency) as connection:
        assert access.token_user(connection, token) is None
    assert run(capsys, monkeypatch, "tokens", "revoke", "1", "--user", "olivia", "--db", db) == (
        2, "", "error: olivia has no active token 1\n"
    )  # fmt: skip
    assert run(capsys, monkeypatch, "tokens", "list", "--user", "ghost", "--db", db) == (
        2, "", "error: no user 'ghost'; see `tikscope users list`\n"
    )  # fmt: skip


def test_cli_access_commands_need_a_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "none.duckdb"
    code, _, err = run(capsys, monkeypatch, "users", "list", "--db", str(missing))
    assert (code, err) == (
        1, f"error: no store at {missing}: run `tikscope demo` or `tikscope simulate --db "
        f"{missing}` first\n",
    )  # fmt: skip
    assert not missing.exists()
