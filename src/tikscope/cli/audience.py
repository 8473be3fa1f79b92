"""`tikscope audience report | merge | rename`: audience insights."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from tikscope.cli.analytics import AccountOption
from tikscope.cli.options import DbOption, add_group
from tikscope.config import DEFAULT_DB_PATH
from tikscope.errors import UsageError

OutOption = Annotated[
    Path,
    typer.Option(
        "--out", help="Folder for the report (HTML, JSON, PNG, exports).", file_okay=False
    ),
]
RerenderOption = Annotated[
    Path | None,
    typer.Option(
        "--out", help="Write the report of the edited result to this folder.", file_okay=False
    ),
]


class SegmentationChoice(StrEnum):
    """What `audience report` clusters members by."""

    FOLLOWS = "follows"
    AFFINITIES = "affinities"


def register(app: typer.Typer) -> None:
    """Add the `audience` command group to the app."""
    add_group(app, "audience", "Audience insights: clusters, cards and the distribution graph.",
              {"report": report, "merge": merge, "rename": rename})  # fmt: skip


def report(
    out: OutOption,
    db: DbOption = DEFAULT_DB_PATH,
    account: AccountOption = None,
    by: Annotated[
        SegmentationChoice,
        typer.Option(
            help="Cluster by follows among members, or by the outside accounts they follow."
        ),
    ] = SegmentationChoice.FOLLOWS,
    clusters: Annotated[
        int | None, typer.Option(min=2, max=20, help="Exactly K clusters (default: automatic).")
    ] = None,
    no_labels: Annotated[
        bool, typer.Option("--no-labels", help="Show the graph without labels.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Random seed of the community detection.")] = 7,
    min_group_size: Annotated[
        int, typer.Option(min=2, help="Hide keywords, values and follows of fewer members.")
    ] = 10,
    min_cluster_size: Annotated[
        int | None,
        typer.Option(
            min=2, help="Fold clusters of fewer members into Other (default: --min-group-size)."
        ),
    ] = None,
    public_followers: Annotated[
        int,
        typer.Option(
            min=0,
            help="Name an outside account among affinities only when it is verified or has at "
            "least this many followers (others are counted, never named).",
        ),
    ] = 10_000,
    keep_isolated: Annotated[
        bool, typer.Option(help="Keep members with no follows (always, --by affinities).")
    ] = False,
    keep_mass_followers: Annotated[bool, typer.Option(help="Keep mass-followers.")] = False,
    keep_bots: Annotated[bool, typer.Option(help="Keep bot-like accounts.")] = False,
) -> None:
    """Cluster an account's audience and write the report: cards, graph, JSON and exports."""
    from tikscope.cli import commands

    page, lines = commands.audience_report(
        db, account, out, clusters=clusters, labels=not no_labels, seed=seed,
        min_group_size=min_group_size, by=by.value, public_followers=public_followers,
        min_cluster_size=min_group_size if min_cluster_size is None else min_cluster_size,
        keep=(keep_isolated, keep_mass_followers, keep_bots),
    )  # fmt: skip
    for line in lines:
        typer.echo(line)
    typer.echo(f"wrote {page}")


def merge(
    clusters: Annotated[
        str, typer.Option(help="Clusters to merge, comma-separated; into the first.")
    ],
    db: DbOption = DEFAULT_DB_PATH,
    account: AccountOption = None,
    out: RerenderOption = None,
) -> None:
    """Merge clusters of the latest saved audience result."""
    from tikscope.cli import commands

    typer.echo(commands.audience_merge(db, account, cluster_numbers(clusters), out))


def cluster_numbers(text: str) -> list[int]:
    """The numbers of `--clusters 0,3`; anything else is a usage error that names it."""
    numbers = []
    for part in (part.strip() for part in text.split(",")):
        if not part.isdigit():
            raise UsageError(f"--clusters: {part!r} is not a cluster number; give e.g. 0,3")
        numbers.append(int(part))
    return numbers


def rename(
    cluster: Annotated[int, typer.Option(help="The cluster's number (see the report).")],
    name: Annotated[str, typer.Option(help="Its new name.")],
    db: DbOption = DEFAULT_DB_PATH,
    account: AccountOption = None,
    out: RerenderOption = None,
) -> None:
    """Rename a cluster of the latest saved audience result."""
    from tikscope.cli import commands

    typer.echo(commands.audience_rename(db, account, cluster, name, out))
