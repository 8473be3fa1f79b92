"""`tikscope users`, `workspaces` and `tokens`: who may use the web app and the REST API."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from tikscope.cli.options import DbOption, FormatOption, add_group, handle_parser
from tikscope.cli.output import OutputFormat, print_rows
from tikscope.config import DEFAULT_DB_PATH
from tikscope.errors import ConflictError, UsageError

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

Result = TypeVar("Result")


class RoleChoice(StrEnum):
    """Roles a member can have in a workspace."""

    owner = "owner"
    editor = "editor"
    viewer = "viewer"


RoleOption = Annotated[
    RoleChoice,
    typer.Option(help="owner: everything incl. members; editor: sync, clusters; viewer: read."),
]
UserOption = Annotated[str, typer.Option("--user", help="Whose tokens.")]
PasswordStdinOption = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from standard input (for scripts)."),
]


def register(app: typer.Typer) -> None:
    """Add the `users`, `workspaces` and `tokens` command groups to the app."""
    add_group(app, "users", "Users who can log in to the web app.", {
        "add": users_add, "list": users_list, "password": users_password, "remove": users_remove,
    })  # fmt: skip
    add_group(app, "workspaces", "Workspaces: accounts and their members.", {
        "create": workspaces_create, "list": workspaces_list,
        "add-account": workspaces_add_account, "remove-account": workspaces_remove_account,
        "add-member": workspaces_add_member, "remove-member": workspaces_remove_member,
    })  # fmt: skip
    add_group(app, "tokens", "API tokens for the REST API.", {
        "create": tokens_create, "list": tokens_list, "revoke": tokens_revoke,
    })  # fmt: skip


def utc_now() -> datetime:
    """The current time, naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


@contextmanager
def transaction(db: Path, *, create: bool = False) -> Iterator[DuckDBPyConnection]:
    """The store inside one transaction: every change of a command lands, or none does."""
    from tikscope.store.db import open_store

    with open_store(db, create=create) as connection:
        connection.execute("BEGIN TRANSACTION")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")


def change(db: Path, action: Callable[[DuckDBPyConnection], Result]) -> Result:
    """Run one change in one transaction."""
    with transaction(db) as connection:
        return action(connection)


def read_password(from_stdin: bool) -> str:
    """A new password: the first line of standard input, or typed twice at a hidden prompt."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UsageError("--password-stdin: standard input held no password")
        return password
    typed: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return typed


def users_add(
    name: Annotated[str, typer.Argument(help="User name (2-40 letters, digits, '_', '.', '-').")],
    workspace: Annotated[
        str | None, typer.Option(help="Make the user a member of this workspace.")
    ] = None,
    role: RoleOption = RoleChoice.viewer,
    password_stdin: PasswordStdinOption = False,
    db: DbOption = DEFAULT_DB_PATH,
) -> None:
    """Add a user who can log in; the password is asked for twice (hidden)."""
    from tikscope import access

    username = access.check_name("username", name)

    def check(connection: DuckDBPyConnection) -> None:
        if access.find_user(connection, username) is not None:
            raise ConflictError(f"user {username!r} exists already")
        if workspace:
            access.require_workspace(connection, workspace)

    change(db, check)  # before asking for a password that would be thrown away
    password = access.check_password(read_password(password_stdin))

    def add(connection: DuckDBPyConnection) -> None:
        access.create_user(connection, username, password, utc_now())
        if workspace:
            access.set_member(connection, workspace, username, access.Role(role.value))

    change(db, add)
    where = f" as {role.value} of {workspace.lower()}" if workspace else ""
    typer.echo(f"added user {username}{where}")


def users_list(db: DbOption = DEFAULT_DB_PATH, output: FormatOption = OutputFormat.table) -> None:
    """List the users and the workspaces they belong to."""
    from tikscope import access

    print_rows(change(db, access.list_users), output, title="Users")


def users_password(
    name: Annotated[str, typer.Argument(help="The user.")],
    revoke_tokens: Annotated[
        bool,
        typer.Option(
            "--revoke-tokens",
            help="Also revoke all the user's API tokens (do so when the password may have "
            "leaked: whoever knew it could create tokens).",
        ),
    ] = False,
    password_stdin: PasswordStdinOption = False,
    db: DbOption = DEFAULT_DB_PATH,
) -> None:
    """Set a user's password (asked for twice, hidden); their browser sessions end.

    Their API tokens stay valid until revoked (`tikscope tokens revoke`) or --revoke-tokens.
    """
    from tikscope import access

    user = change(db, lambda connection: access.require_user(connection, name))
    password = access.check_password(read_password(password_stdin))
    revoke_at = utc_now() if revoke_tokens else None
    tokens = change(db, lambda connection: access.set_password(
        connection, user.username, password, revoke_tokens_at=revoke_at))  # fmt: skip
    typer.echo(f"changed the password of {user.username}; their sessions ended; "
               + describe_tokens(tokens, user.username, revoked=revoke_tokens))  # fmt: skip


def describe_tokens(count: int, username: str, *, revoked: bool) -> str:
    """What became of a user's active API tokens when their password changed."""
    if count == 0:
        return "they have no active API tokens"
    tokens = "1 active API token" if count == 1 else f"{count} active API tokens"
    if revoked:
        return f"their {tokens} {'was' if count == 1 else 'were'} revoked"
    stay = "stays" if count == 1 else "stay"
    return f"their {tokens} {stay} valid until revoked (`tikscope tokens list --user {username}`)"


def users_remove(
    name: Annotated[str, typer.Argument(help="The user.")], db: DbOption = DEFAULT_DB_PATH
) -> None:
    """Delete a user with their memberships, sessions and API tokens."""
    from tikscope import access

    change(db, lambda connection: access.remove_user(connection, name))
    typer.echo(f"removed user {name.strip().lower()}")


def workspaces_create(
    slug: Annotated[str, typer.Argument(help="Short name used in addresses, e.g. agency-x.")],
    name: Annotated[str | None, typer.Option(help='Display name, e.g. "Agency X".')] = None,
    account: Annotated[
        list[str] | None,
        typer.Option(
            "--account",
            parser=handle_parser("--account"),
            metavar="HANDLE",
            help="Handle of an account to add; repeat.",
        ),
    ] = None,
    db: DbOption = DEFAULT_DB_PATH,
) -> None:
    """Create a workspace, optionally with accounts of the store."""
    from tikscope import access

    def create(connection: DuckDBPyConnection) -> str:
        created = access.create_workspace(connection, slug, name, utc_now())
        for handle in account or []:
            access.add_account(connection, created, handle)
        return created

    created = change(db, create)
    handles = ", ".join(f"@{handle}" for handle in account or [])
    typer.echo(f"created workspace {created}" + (f" with {handles}" if handles else ""))


def workspaces_list(
    db: DbOption = DEFAULT_DB_PATH, output: FormatOption = OutputFormat.table
) -> None:
    """List the workspaces with their accounts and members."""
    from tikscope import access

    print_rows(change(db, access.list_workspaces), output, title="Workspaces")


SlugArgument = Annotated[str, typer.Argument(help="The workspace.")]
HandleArgument = Annotated[
    str,
    typer.Argument(parser=handle_parser("HANDLE"), metavar="HANDLE",
                   help="Handle of an account in the store."),
]  # fmt: skip
MemberArgument = Annotated[str, typer.Argument(help="The user.")]


def workspaces_add_account(
    slug: SlugArgument, handle: HandleArgument, db: DbOption = DEFAULT_DB_PATH
) -> None:
    """Put an account of the store into a workspace."""
    from tikscope import access

    change(db, lambda connection: access.add_account(connection, slug, handle))
    typer.echo(f"added @{handle} to {slug.lower()}")


def workspaces_remove_account(
    slug: SlugArgument, handle: HandleArgument, db: DbOption = DEFAULT_DB_PATH
) -> None:
    """Take an account out of a workspace (its data stays in the store)."""
    from tikscope import access

    change(db, lambda connection: access.remove_account(connection, slug, handle))
    typer.echo(f"removed @{handle} from {slug.lower()}")


def workspaces_add_member(
    slug: SlugArgument,
    user: MemberArgument,
    role: Annotated[RoleChoice, typer.Option(help="The member's role.")],
    db: DbOption = DEFAULT_DB_PATH,
) -> None:
    """Give a user a role in a workspace (or change their role)."""
    from tikscope import access

    change(db, lambda c: access.set_member(c, slug, user, access.Role(role.value)))
    typer.echo(f"{user.strip().lower()} is now {role.value} of {slug.lower()}")


def workspaces_remove_member(
    slug: SlugArgument, user: MemberArgument, db: DbOption = DEFAULT_DB_PATH
) -> None:
    """Take a user out of a workspace (never its last owner)."""
    from tikscope import access

    change(db, lambda connection: access.remove_member(connection, slug, user))
    typer.echo(f"removed {user.strip().lower()} from {slug.lower()}")


def tokens_create(
    user: UserOption,
    name: Annotated[str, typer.Option(help="A label to recognise the token by.")] = "cli",
    db: DbOption = DEFAULT_DB_PATH,
) -> None:
    """Create an API token; it is printed once and cannot be shown again."""
    from tikscope import access

    def create(connection: DuckDBPyConnection) -> tuple[int, str]:
        found = access.require_user(connection, user)
        return access.create_api_token(connection, found.user_id, name, utc_now())

    token_id, token = change(db, create)
    typer.echo(f"token {token_id} for {user.strip().lower()} (shown once, keep it safe):")
    typer.echo(token)


def tokens_list(
    user: UserOption, db: DbOption = DEFAULT_DB_PATH, output: FormatOption = OutputFormat.table
) -> None:
    """List a user's API tokens (never the secrets)."""
    from tikscope import access

    def tokens(connection: DuckDBPyConnection) -> list[dict[str, Any]]:
        return access.list_api_tokens(connection, access.require_user(connection, user).user_id)

    print_rows(change(db, tokens), output, title=f"API tokens of {user.strip().lower()}")


def tokens_revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (see `tokens list`).")],
    user: UserOption,
    db: DbOption = DEFAULT_DB_PATH,
) -> None:
    """Revoke one of a user's API tokens: requests with it are refused from now on."""
    from tikscope import access

    def revoke(connection: DuckDBPyConnection) -> bool:
        found = access.require_user(connection, user)
        return access.revoke_api_token(connection, found.user_id, token_id, utc_now())

    if not change(db, revoke):
        raise UsageError(f"{user.strip().lower()} has no active token {token_id}")
    typer.echo(f"revoked token {token_id}")
