"""`tikscope import` and `tikscope sync`: bring data in from files and from connected APIs."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from tikscope.cli.options import DbOption, FormatOption, handle_parser
from tikscope.cli.output import OutputFormat, print_rows
from tikscope.config import DEFAULT_DB_PATH, IMPORT_LIMIT_NAMES, LIMIT_OPTION, import_limits
from tikscope.errors import UsageError

NOW_ENV_VAR = "TIKSCOPE_NOW"
"""An ISO time (UTC) that replaces the clock of syncs and imports; for tests and replays."""
KEY_FILE_ENV_VAR = "TIKSCOPE_KEY_FILE"
INTERVAL = re.compile(r"^(\d+)\s*([smhd])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

LimitOption = Annotated[
    list[str] | None,
    typer.Option(
        LIMIT_OPTION,
        metavar="NAME=VALUE",
        help=(
            "Change an import limit (repeatable), e.g. file_bytes=1GiB. Limits: "
            + ", ".join(IMPORT_LIMIT_NAMES)
            + "; also TIKSCOPE_IMPORT_<NAME>. See docs/sources.md."
        ),
    ),
]
KeyFileOption = Annotated[
    Path | None,
    typer.Option(
        "--key-file",
        envvar=KEY_FILE_ENV_VAR,
        help="Key file that encrypts tokens and keys pseudonyms (default in ~/.config/tikscope).",
        dir_okay=False,
    ),
]


def register(app: typer.Typer) -> None:
    """Add `import` and `sync` to the app."""
    app.command("import")(import_files)
    app.command("sync")(sync)


def clock() -> datetime:
    """Now, naive UTC, or `$TIKSCOPE_NOW` when set."""
    fixed = os.environ.get(NOW_ENV_VAR)
    if fixed:
        try:
            return datetime.fromisoformat(fixed).replace(tzinfo=None)
        except ValueError as error:
            raise UsageError(f"{NOW_ENV_VAR}={fixed!r} is not an ISO date and time") from error
    return datetime.now(UTC).replace(tzinfo=None)


def key_path(key_file: Path | None) -> Path:
    """The key file to use."""
    from tikscope.sources.tokens import default_key_file

    return key_file or default_key_file()


def import_files(
    path: Annotated[Path, typer.Argument(help="A file, a zip, or a folder of TikTok downloads.")],
    db: DbOption = DEFAULT_DB_PATH,
    account: Annotated[
        str | None,
        typer.Option(
            "--account",
            parser=handle_parser("--account"),
            metavar="HANDLE",
            help="Handle, when the files do not name it.",
        ),
    ] = None,
    time_zone: Annotated[
        str | None, typer.Option(help="IANA time zone of a new account (default UTC).")
    ] = None,
    key_file: KeyFileOption = None,
    limit: LimitOption = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Import TikTok Studio exports, a "Download your data" archive, or an audience graph.

    The kind of each file is told from its content, not its name. The store changes for every
    file or, if any file is malformed, for none.
    """
    from tikscope.store.db import open_store
    from tikscope.sync.imports import import_path

    if not path.exists():
        raise UsageError(f"no such file or folder: {path}")
    limits = import_limits(limit or ())
    with removed_if_failed(db), open_store(db, create=True) as connection:
        imported = import_path(
            connection, path, handle=account, today=clock().date(), key_file=key_path(key_file),
            time_zone=time_zone, limits=limits,
        )  # fmt: skip
    rows: list[dict[str, Any]] = []
    for item in imported:
        for table, count in item.result.counts.items():
            if table in ("accounts", "sync_state"):
                continue
            rows.append({"account": item.handle, "kind": item.kind, "table": table,
                         "inserted": count.inserted, "updated": count.updated,
                         "deleted": count.deleted})  # fmt: skip
    print_rows(rows, output, title=f"Imported {path}")
    for item in imported:
        if not item.result.changed:
            typer.echo(f"{item.handle}: nothing new, the store already holds these rows")
        for note in item.notes:
            typer.echo(f"note: {note}")


@contextmanager
def removed_if_failed(db: Path) -> Iterator[None]:
    """Remove the store `db` (and its write-ahead log) if the block fails and `db` is new.

    A failed import into a path that held no store leaves none behind, not an empty one.
    """
    existed = db.exists()
    try:
        yield
    except BaseException:
        if not existed:
            for path in (db, db.with_name(db.name + ".wal")):
                path.unlink(missing_ok=True)
        raise


def sync(
    db: DbOption = DEFAULT_DB_PATH,
    account: Annotated[
        str | None,
        typer.Option(
            "--account",
            parser=handle_parser("--account"),
            metavar="HANDLE",
            help="Only this handle (default: every one).",
        ),
    ] = None,
    every: Annotated[
        str | None, typer.Option(help="Keep syncing at this interval, e.g. 15m, 1h (Ctrl-C stops).")
    ] = None,
    key_file: KeyFileOption = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Pull new data from every connected TikTok account (or one), incrementally."""
    from tikscope.cli import sync_commands

    interval = parse_interval(every) if every else None

    def sync_once() -> list[str]:
        rows, failures = sync_commands.sync_all(db, account, now=clock(), key=key_path(key_file))
        print_rows(rows, output, title=f"Synced at {clock():%Y-%m-%d %H:%M} UTC")
        return failures

    if every is None or interval is None:
        if sync_once():
            raise typer.Exit(1)
        return
    sync_commands.sync_every(interval, sync_once, label=every.strip())


def parse_interval(text: str) -> int:
    """Seconds in an interval like `15m`, `1h`, `30s`, `1d`; at least one minute."""
    match = INTERVAL.match(text.strip())
    if not match:
        raise UsageError(f"--every {text!r}: give a number and a unit s, m, h or d, e.g. 15m")
    seconds = int(match.group(1)) * UNIT_SECONDS[match.group(2)]
    if seconds < 60:
        raise UsageError(f"--every {text!r}: sync at most once a minute")
    return seconds
