"""Options shared by several commands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from tikscope.cli.output import OutputFormat
from tikscope.config import DB_ENV_VAR
from tikscope.errors import InvalidHandleError, UsageError
from tikscope.ids import parse_handle

DbOption = Annotated[
    Path,
    typer.Option(
        "--db", envvar=DB_ENV_VAR, help="The DuckDB store file.", dir_okay=False, show_default=True
    ),
]
FormatOption = Annotated[OutputFormat, typer.Option("--format", help="How to print results.")]


def date_parser(option: str) -> Callable[[str], date]:
    """A parser of `option`'s YYYY-MM-DD value whose error names the option and the format."""

    def parse(text: str) -> date:
        try:
            return datetime.strptime(text, "%Y-%m-%d").date()
        except ValueError:
            raise UsageError(f"{option}: {text!r} is not a date; use YYYY-MM-DD") from None

    return parse


def handle_parser(option: str) -> Callable[[str], str]:
    """A parser of a handle (`@Casa_Verde` -> `casa_verde`) whose error names the option."""

    def parse(text: str) -> str:
        try:
            return parse_handle(text)
        except InvalidHandleError as error:
            raise UsageError(f"{option}: {error}") from None

    return parse


def add_group(
    app: typer.Typer, name: str, description: str, commands: dict[str, Callable[..., None]]
) -> None:
    """Add a command group `name` with its commands (name -> function) to the app."""
    group = typer.Typer(help=description, no_args_is_help=True)
    for command_name, command in commands.items():
        group.command(command_name)(command)
    app.add_typer(group, name=name)
