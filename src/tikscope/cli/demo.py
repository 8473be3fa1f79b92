"""What `tikscope demo` prints: what the demo store holds and what to run next."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any

import typer

from tikscope.cli.output import human_bytes
from tikscope.store.summary import source_label


def print_demo_summary(
    overview: dict[str, Any], account: dict[str, Any], *, db: Path, program: str
) -> None:
    """The store and its account in a few lines, then the commands to try, one per line.

    Plain lines, not Rich: a command must never be wrapped in the middle, so that it can be
    copied whole whatever the terminal's width.
    """
    for line in demo_lines(overview, account):
        typer.echo(line)
    typer.echo("\nNext, try:")
    for command in next_commands(program, db, db.parent):
        typer.echo(f"  {command}")


def demo_lines(overview: dict[str, Any], account: dict[str, Any]) -> list[str]:
    """What the demo store holds: the account, its history and audience, the store's size."""
    sources = ", ".join(source_label(source) for source in account["sources"])
    return [
        f"\nDemo store: {overview['path']} ({human_bytes(overview['size_bytes'])})",
        f"@{account['handle']}: {account['account_type']} account, time zone "
        f"{account['time_zone']}, data from {sources}",
        f"  {account['posts']:,} posts",
        f"  {account['days']:,} days of history, {account['first_day']} to {account['last_day']}",
        f"  {account['followers'] or 0:,} followers on the last day",
        f"  {account['audience_members']:,} audience members, {account['follows']:,} follows",
        f"  {account['comments']:,} comments",
    ]


SAMPLE_TEXTS = "comments.txt"
SAMPLE_LINES = (
    "this is fire 🔥", "im dead 💀😭", "where is this pot from?", "my order arrived broken",
    "jajaja me encanta", "qué tierra usas?", "amei demais", "não gostei", "kkkk",
    "trop bien merci", "c'est nul", "wie süß!", "leider kaputt angekommen",
)  # fmt: skip
"""Texts `tikscope demo` leaves in its folder, for `tikscope sentiment --input`."""


def write_sample_texts(directory: Path) -> Path:
    """Write `SAMPLE_TEXTS` (one comment a line) into the demo folder; return its path."""
    path = directory / SAMPLE_TEXTS
    path.write_text("".join(f"{line}\n" for line in SAMPLE_LINES), "utf-8")
    return path


def next_commands(program: str, db: Path, directory: Path) -> list[str]:
    """Commands to try on the demo store; everything they write goes into the demo folder."""
    store = f"--db {shlex.quote(str(db))}"

    def inside(name: str) -> str:
        return shlex.quote(str(directory / name))

    return [
        f"{program} info {store}",
        f"{program} accounts {store}",
        f"{program} runs {store} --format json",
        f"{program} metrics {store} --last 7 --compare",
        f"{program} posts {store} --last 28 --columns caption,views,engagement --sort -engagement",
        f"{program} posts {store} --last 28 --out {inside('posts.xlsx')}",
        f"{program} report account {store} --last 365 --out {inside('report-365')}",
        f"{program} audience report {store} --clusters 6 --out {inside('audience-6')}",
        f"{program} audience rename {store} --cluster 0 --name 'Plant parents' "
        f"--out {inside('audience-6')}",
        f"{program} recommend {store}   # advice only where a backtest proves it",
        f"{program} rewards {store} --last 60",
        f"{program} comments {store}",
        f"{program} comments {store} --questions",
        f"{program} comments {store} --sentiment negative",
        f"{program} sentiment --input {inside(SAMPLE_TEXTS)}   # one label a line",
        f"{program} report media-kit {store} --out {inside('kit')}",
        f"{program} export parquet {store} --out {inside('parquet')}",
        f"{program} simulate {store} --account-type personal --handle my_personal --members 2000",
        f"{program} serve {store}   # the web app; its first start prints the admin password",
        f"{program} schedules add {store} --workspace default --account casa_verde_demo "
        f"--every week --folder {inside('weekly')}   # once served: a PDF every Monday",
    ]


def program_name() -> str:
    """How to run tikscope from here: the script beside this Python, relative when below here."""
    script = Path(sys.executable).with_name("tikscope")
    if not script.exists():
        return "tikscope"
    try:
        return shlex.quote(str(script.relative_to(Path.cwd())))
    except ValueError:
        return shlex.quote(str(script))
