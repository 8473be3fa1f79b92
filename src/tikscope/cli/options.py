"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tikscope.cli.output import OutputFormat
from tikscope.config import DB_ENV_VAR

DbOption = Annotated[
    Path,
    typer.Option(
        "--db", envvar=DB_ENV_VAR, help="The DuckDB store file.", dir_okay=False, show_default=True
    ),
]
FormatOption = Annotated[OutputFormat, typer.Option("--format", help="How to print results.")]
