"""`tikscope serve`: the web app, scheduled syncs, and the store for every other command."""

from __future__ import annotations

import ipaddress
import logging
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tikscope.cli.options import DbOption
from tikscope.cli.sources import KeyFileOption, clock, key_path, parse_interval
from tikscope.config import DEFAULT_DB_PATH, MAX_BODY_BYTES, MAX_COMMAND_BODY_BYTES
from tikscope.errors import ConflictError, UsageError

if TYPE_CHECKING:
    from tikscope.web.first_run import FirstOwner
    from tikscope.web.scheduler import SyncSettings
    from tikscope.web.state import ServerState, WebConfig

WILDCARD_HOSTS = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")
"""The names a browser on this machine uses for a server on the loopback interface."""


def register(app: typer.Typer) -> None:
    """Add `serve` to the app."""
    app.command("serve")(serve)


def serve(
    db: DbOption = DEFAULT_DB_PATH,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0 picks a free one).")] = 8000,
    sync_every: Annotated[
        str | None,
        typer.Option(help="Sync every connected account at this interval, e.g. 15m, 1h."),
    ] = None,
    insecure_cookies: Annotated[
        bool,
        typer.Option(help="Send the session cookie over plain http to other machines too."),
    ] = False,
    realtime: Annotated[
        bool,
        typer.Option(
            help="Re-read fresh posts on the cadence of their age (every 5 minutes in their "
            "first 2 hours), within each TikTok app's rate limits; --sync-every then sets the "
            "full syncs' cadence."
        ),
    ] = False,
    post_cadence: Annotated[
        str | None,
        typer.Option(help="With --realtime: AGE=INTERVAL tiers, e.g. 2h=5m,12h=15m,48h=1h."),
    ] = None,
    key_file: KeyFileOption = None,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            metavar="NAME",
            help="Also accept requests addressed to this host name, e.g. a reverse proxy's "
            "public name (repeatable). A server on every interface (0.0.0.0) accepts any name.",
        ),
    ] = None,
    max_body_bytes: Annotated[
        int,
        typer.Option(min=1024, help="Refuse larger request bodies (413) before reading them."),
    ] = MAX_BODY_BYTES,
    max_command_body_bytes: Annotated[
        int,
        typer.Option(
            min=1024, help="The same for commands other processes run through the server."
        ),
    ] = MAX_COMMAND_BODY_BYTES,
) -> None:
    """Start the web app on the store (Ctrl-C stops it).

    While it runs, other tikscope commands on the same store run through it. On a store without
    users it creates the owner `admin` with a random password, printed once.
    """
    from tikscope.web.server_file import live_server
    from tikscope.web.state import WebConfig

    interval = sync_interval(sync_every)
    running = live_server(db, warn=lambda message: typer.echo(f"warning: {message}", err=True))
    if running is not None:
        raise ConflictError(
            f"store {db} is served already by process {running.pid} at {running.url}; open "
            "that, or stop it first (Ctrl-C where it runs)"
        )
    config = WebConfig(db=db, secure_cookies=not insecure_cookies,
                       sync_every=timedelta(seconds=interval) if interval else None,
                       allowed_hosts=allowed_hosts(host, allowed_host or []),
                       max_body_bytes=max_body_bytes,
                       max_command_body_bytes=max_command_body_bytes,
                       realtime=realtime, post_cadence=post_cadence)  # fmt: skip
    if post_cadence is not None:
        from tikscope.sync.plan import PostCadence

        PostCadence.parse(post_cadence)  # a bad cadence stops the server before it starts
    with ExitStack() as stack:
        state = stack.enter_context(opened_state(config))
        listener = stack.enter_context(listening(host, port))
        url = origin(host, listener.getsockname()[1])
        hosted = stack.enter_context(hosting(state, url, key_file=key_path(key_file)))
        announce(state, url, interval)
        run_uvicorn(state, listener, hosted)
    typer.echo("tikscope stopped")


def sync_interval(text: str | None) -> int | None:
    """Seconds between scheduled syncs, or None for none."""
    if text is None:
        return None
    try:
        return parse_interval(text)
    except UsageError as error:
        raise UsageError(str(error).replace("--every", "--sync-every", 1)) from error


def allowed_hosts(host: str, extra: list[str]) -> tuple[str, ...]:
    """The `Host` names the server answers to when it listens on `host`; () for any.

    Against DNS rebinding: a page of another site whose name resolves to this machine is refused.
    A server on every interface answers to any name (its addresses are not known here).
    """
    if host in WILDCARD_HOSTS:
        return ()
    if is_loopback_host(host):
        names = [*LOOPBACK_NAMES, host_name(host)]
    else:
        names = [host_name(host), "localhost", "127.0.0.1"]
    names.extend(host_name(name.strip()) for name in extra if name.strip())
    return tuple(dict.fromkeys(names))


def is_loopback_host(host: str) -> bool:
    """Whether a listening address is this machine's loopback interface."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_name(host: str) -> str:
    """A host as a `Host` header names it: lower-case, an IPv6 address in brackets."""
    bare = host.strip("[]").lower()
    return f"[{bare}]" if ":" in bare else bare


@contextmanager
def opened_state(config: WebConfig) -> Iterator[ServerState]:
    """The server's state over its one store connection, closed at the end."""
    from tikscope.web.state import open_state

    state = open_state(config)
    try:
        yield state
    finally:
        state.store.close()


@contextmanager
def listening(host: str, port: int) -> Iterator[socket.socket]:
    """A bound socket on host:port, or a UsageError saying why not."""
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM
        )[0]
        listener = socket.socket(family, kind, protocol)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        # NOTE: listening now queues connections of commands forwarded while uvicorn starts.
        listener.listen(2048)
    except OSError as error:
        raise UsageError(
            f"cannot listen on {host}:{port}: {error.strerror or error}; pick another --port"
        ) from error
    try:
        yield listener
    finally:
        listener.close()


def origin(host: str, port: int) -> str:
    """The URL of the server as seen from this machine."""
    local = WILDCARD_HOSTS.get(host, host)
    return f"http://[{local}]:{port}" if ":" in local else f"http://{local}:{port}"


@dataclass(frozen=True)
class Hosted:
    """What the app of a hosted store needs: the server file's secret and the sync settings."""

    secret: str
    settings: SyncSettings


@contextmanager
def hosting(state: ServerState, url: str, *, key_file: Path) -> Iterator[Hosted]:
    """Share the store with forwarded commands, write the server file, run scheduled syncs."""
    from tikscope.cli.sync_commands import retry_policy
    from tikscope.store.db import share_connection
    from tikscope.web.deliveries import DeliveryScheduler
    from tikscope.web.scheduler import SyncScheduler, SyncSettings
    from tikscope.web.server_file import new_secret, remove_server_file, write_server_file

    settings = SyncSettings(key_file=key_file, policy=retry_policy(), clock=clock)
    hosted = Hosted(new_secret(), settings)
    with share_connection(state.store.path, state.store.connection):
        write_server_file(state.store.path, url, hosted.secret)
        scheduler: Any = None
        if state.config.realtime:
            scheduler = realtime_scheduler(state, key_file=key_file)
            scheduler.start()
        elif state.config.sync_every is not None:
            seconds = state.config.sync_every.total_seconds()
            scheduler = SyncScheduler(
                state.store, interval_seconds=seconds, settings=hosted.settings
            )
            scheduler.start()
        reports = DeliveryScheduler(state.store, key_file=key_file, clock=clock)
        reports.start()
        try:
            yield hosted
        finally:
            reports.stop()
            if scheduler is not None:
                scheduler.stop()
            remove_server_file(state.store.path)


def realtime_scheduler(state: ServerState, *, key_file: Path) -> Any:
    """The server's real-time scheduler, on `$TIKSCOPE_FAST_CLOCK` when set (benchmarks)."""
    from tikscope.cli.sync_commands import retry_policy
    from tikscope.sync.clock import scheduler_clock
    from tikscope.sync.plan import AccountCadence, PostCadence
    from tikscope.sync.realtime import RealtimeSettings
    from tikscope.web.scheduler import RealtimeScheduler

    config = state.config
    posts = PostCadence.parse(config.post_cadence) if config.post_cadence else PostCadence()
    accounts = AccountCadence(series=config.sync_every)
    settings = RealtimeSettings(key_file=key_file, posts=posts, accounts=accounts,
                                policy=retry_policy(), clock=scheduler_clock())  # fmt: skip
    state.realtime = RealtimeScheduler(state.store, settings)
    return state.realtime


def announce(state: ServerState, url: str, interval: int | None) -> None:
    """Print where the server runs, and the first owner's password on a store without users."""
    from tikscope.web.first_run import create_first_owner

    first = create_first_owner(state.store, state.config.clock())
    typer.echo(f"tikscope serves {state.store.path} at {url} (Ctrl-C stops it)")
    if state.config.realtime:
        typer.echo("re-reading fresh posts in real time, within each TikTok app's limits")
    if interval:
        typer.echo(f"syncing every connected account every {timedelta(seconds=interval)}")
    typer.echo("other tikscope commands on this store now run through this server")
    if first is not None:
        print_first_owner(first)
    sys.stdout.flush()


def print_first_owner(first: FirstOwner) -> None:
    """The new owner's login, shown this once."""
    accounts = ", ".join(f"@{handle}" for handle in first.accounts) or "none yet"
    typer.echo(
        f"\nFirst start on this store: created the owner {first.username!r} with the password\n"
        f"\n    {first.password}\n\n"
        f"It is shown only now. Log in, then change it: tikscope users password {first.username}"
        f"\nWorkspace {first.workspace!r} holds every account of the store ({accounts})."
    )


def run_uvicorn(state: ServerState, listener: socket.socket, hosted: Hosted) -> None:
    """Serve the app on the socket until Ctrl-C or SIGTERM."""
    from tikscope.cli.forward import refusal, run_forwarded
    from tikscope.cli.main import app as cli_app
    from tikscope.web.app import create_app
    from tikscope.web.forward import Forwarding

    command = typer.main.get_command(cli_app)
    app = create_app(state.config, state=state)
    app.state.forwarding = Forwarding(
        secret=hosted.secret, run=run_forwarded, refuse=lambda argv: refusal(command, argv)
    )
    app.state.sync_settings = hosted.settings
    show_sync_log()
    GracefulServer(uvicorn_config(app)).run(sockets=[listener])


def uvicorn_config(app: Any) -> Any:
    """The settings of uvicorn for the app.

    # NOTE: no proxy headers: uvicorn would otherwise take the client address from
    # X-Forwarded-For on connections from 127.0.0.1, letting any local process pose as another
    # address (the login limit counts per address; forwarded commands need a loopback client).
    """
    import uvicorn

    return uvicorn.Config(app, log_level="warning", access_log=False, ws="none", lifespan="on",
                          workers=1, proxy_headers=False)  # fmt: skip


def show_sync_log() -> None:
    """Print the scheduler's outcomes to standard error."""
    logger = logging.getLogger("tikscope.web")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


class GracefulServer:
    """uvicorn's server, stopping on SIGINT and SIGTERM without re-raising the signal.

    # NOTE: uvicorn raises a caught signal again after its shutdown, which for SIGTERM ends the
    # process before the server file is removed and the store closed.
    """

    def __init__(self, config: Any) -> None:
        import uvicorn

        class Server(uvicorn.Server):
            @contextmanager
            def capture_signals(self) -> Iterator[None]:
                if threading.current_thread() is not threading.main_thread():
                    yield
                    return
                handled = (signal.SIGINT, signal.SIGTERM)
                saved = {number: signal.signal(number, self.handle_exit) for number in handled}
                try:
                    yield
                finally:
                    for number, handler in saved.items():
                        signal.signal(number, handler)

        self.server = Server(config)

    def run(self, *, sockets: list[socket.socket]) -> None:
        """Serve until stopped."""
        self.server.run(sockets=sockets)
