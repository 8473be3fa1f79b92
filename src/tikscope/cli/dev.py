"""`tikscope dev fake-tiktok`: a fake TikTok server for development and end-to-end tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from tikscope.cli.options import add_group, handle_parser
from tikscope.simulate.config import SimulationConfig

if TYPE_CHECKING:
    from tikscope.fake import FakeConfig


def register(app: typer.Typer) -> None:
    """Add the `dev` command group to the app."""
    add_group(app, "dev", "Developer tools.", {"fake-tiktok": fake_tiktok})


def fake_tiktok(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65_535, help="Port to listen on.")] = 8900,
    seed: Annotated[int, typer.Option(help="Random seed of the simulated account.")] = 7,
    posts: Annotated[int, typer.Option(min=0, max=100_000, help="Posts published.")] = 300,
    days: Annotated[int, typer.Option(min=1, max=3650, help="Days of history.")] = 365,
    members: Annotated[int, typer.Option(min=0, max=5_000_000, help="Followers listed.")] = 2000,
    handle: Annotated[
        str,
        typer.Option(
            parser=handle_parser("--handle"), metavar="HANDLE", help="Handle of the account."
        ),
    ] = SimulationConfig.handle,
    end_date: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"], help="Last simulated day (UTC). Default: today - 1, or yesterday."
        ),
    ] = None,
    today: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="The server's current day. Default: end date + 1."),
    ] = None,
    fault: Annotated[
        list[str] | None,
        typer.Option(
            "--fault",
            help="Fault NAME[:N], repeatable: rate-limit:N, server-error:N, truncated:N, "
            "slow:S, expire-tokens, revoke-refresh, quota:N.",
        ),
    ] = None,
    client_key: Annotated[
        str | None, typer.Option(help="The only client key accepted (default: any).")
    ] = None,
    client_secret: Annotated[
        str | None, typer.Option(help="The only client secret accepted (default: any).")
    ] = None,
) -> None:
    """Serve the Business, Display and Research APIs and OAuth from a simulated account."""
    import uvicorn

    from tikscope.fake import FakeConfig, create_app, parse_faults

    faults = parse_faults(fault or [])
    current = today.date() if today else datetime.now(UTC).date()
    last_day = end_date.date() if end_date else current - timedelta(days=1)
    config = FakeConfig(
        seed=seed, posts=posts, days=days, members=members, handle=handle,
        end_date=last_day, today=today.date() if today else None,
        client_key=client_key, client_secret=client_secret,
    )  # fmt: skip
    typer.echo(f"Simulating @{config.handle} ({posts} posts, {days} days, {members} members)...")
    app = create_app(config, faults)
    describe(app.state.fake.account.business_id, config, host, port, [str(f) for f in faults])
    uvicorn.run(app, host=host, port=port, log_level="warning", lifespan="off", ws="none")
    typer.echo("Fake TikTok stopped.")


def describe(business_id: str, config: FakeConfig, host: str, port: int, faults: list[str]) -> None:
    """Print where the fake listens and whom it serves."""
    serving = config.serving_day
    typer.echo(f"Fake TikTok on http://{host}:{port}  (Ctrl-C to stop)")
    typer.echo(f"  handle       {config.handle}")
    typer.echo(f"  business_id  {business_id}  (= open_id)")
    typer.echo(f"  today        {serving}  (data up to {serving - timedelta(days=1)})")
    typer.echo(f"  faults       {', '.join(faults) or 'none'}  (change: POST /_fake/faults)")
