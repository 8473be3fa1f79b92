"""`tikscope connect` and `tikscope connections`: authorize TikTok APIs, list connections."""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tikscope.cli.options import DbOption, FormatOption, handle_parser
from tikscope.cli.output import OutputFormat, print_rows
from tikscope.config import DEFAULT_DB_PATH
from tikscope.errors import UsageError
from tikscope.sources.families import FAMILIES_BY_KEY, Api, api_help

if TYPE_CHECKING:
    from tikscope.sources.oauth import Identity
    from tikscope.sources.tokens import Token

CLIENT_KEY_ENV_VAR = "TIKSCOPE_CLIENT_KEY"
CLIENT_SECRET_ENV_VAR = "TIKSCOPE_CLIENT_SECRET"
KEY_FILE_ENV_VAR = "TIKSCOPE_KEY_FILE"


# NOTE: typer offers the `Api` literal's values as the choices; a test checks they are the
# registry's keys.
ApiOption = Annotated[Api, typer.Option("--api", help=api_help())]
ClientKeyOption = Annotated[
    str | None,
    typer.Option(
        "--client-key",
        help=f"The app's client key (Business: app id). Default: ${CLIENT_KEY_ENV_VAR}.",
    ),
]
ClientSecretOption = Annotated[
    str | None,
    typer.Option(
        "--client-secret", help=f"The app's client secret. Default: ${CLIENT_SECRET_ENV_VAR}."
    ),
]
BaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        help="Origin of the API and authorize page (a fake server); default TikTok's hosts.",
    ),
]
PortOption = Annotated[
    int,
    typer.Option(
        min=0, max=65535, help="Local port for TikTok's redirect to http://127.0.0.1:PORT/callback."
    ),
]
NoBrowserOption = Annotated[
    bool, typer.Option("--no-browser", help="Print the authorize page's address, do not open it.")
]
HandleOption = Annotated[
    str | None,
    typer.Option(parser=handle_parser("--handle"), metavar="HANDLE",
                 help="Research: the account to crawl (required). Others: the account expected."),
]  # fmt: skip
ScopesOption = Annotated[
    str | None,
    typer.Option(help="Scopes to ask for, comma-separated. Default: all the API's read scopes."),
]
TimeoutOption = Annotated[
    float, typer.Option(min=1, help="Seconds to wait for the authorization in the browser.")
]
KeyFileOption = Annotated[
    Path | None,
    typer.Option(
        "--key-file",
        envvar=KEY_FILE_ENV_VAR,
        help="Key file that encrypts tokens (default in ~/.config/tikscope).",
        dir_okay=False,
    ),
]


def register(app: typer.Typer) -> None:
    """Add `connect` and `connections` to the app."""
    app.command("connect")(connect)
    app.command("connections")(connections)


def connect(
    api: ApiOption,
    client_key: ClientKeyOption = None,
    client_secret: ClientSecretOption = None,
    base_url: BaseUrlOption = None,
    port: PortOption = 8765,
    no_browser: NoBrowserOption = False,
    handle: HandleOption = None,
    scopes: ScopesOption = None,
    timeout: TimeoutOption = 300.0,
    key_file: KeyFileOption = None,
    db: DbOption = DEFAULT_DB_PATH,
) -> None:
    """Connect a TikTok account: authorize in the browser, then store the tokens encrypted."""
    from tikscope.sources import oauth

    key, secret = app_credentials(client_key, client_secret)
    wanted = handle
    if FAMILIES_BY_KEY[api].names_account:
        if not wanted:
            raise UsageError(f"--handle is required with --api {api}: name the account to crawl")
        token = oauth.client_credentials(
            base_url=base_url, client_key=key, client_secret=secret, issued_at=utc_now()
        )
        identity = oauth.Identity(wanted, None, None, None)
    else:
        requested = tuple(s.strip() for s in scopes.split(",") if s.strip()) if scopes else None
        token, identity = authorize(
            api, key, secret, base_url=base_url, port=port,
            scopes=requested, open_browser=not no_browser, timeout=timeout,
        )  # fmt: skip
        if wanted and identity.handle != wanted:
            raise UsageError(f"TikTok authorized @{identity.handle}, not @{wanted}; nothing saved")
    saved = save(db, api, identity, token, key, secret, base_url=base_url, key_file=key_file)
    typer.echo(f"connected {saved}")


def app_credentials(client_key: str | None, client_secret: str | None) -> tuple[str, str]:
    """The app's client key and secret, from the options or the environment."""
    key = client_key or os.environ.get(CLIENT_KEY_ENV_VAR)
    secret = client_secret or os.environ.get(CLIENT_SECRET_ENV_VAR)
    if not key:
        raise UsageError(f"no client key: pass --client-key or set ${CLIENT_KEY_ENV_VAR}")
    if not secret:
        raise UsageError(f"no client secret: pass --client-secret or set ${CLIENT_SECRET_ENV_VAR}")
    return key, secret


def authorize(
    api: Api,
    client_key: str,
    client_secret: str,
    *,
    base_url: str | None,
    port: int,
    scopes: tuple[str, ...] | None,
    open_browser: bool,
    timeout: float,
) -> tuple[Token, Identity]:
    """Send the user to the authorize page, catch the redirect, and trade the code for tokens."""
    import webbrowser

    from tikscope.sources import oauth
    from tikscope.sources.callback import CallbackServer

    state = secrets.token_urlsafe(24)
    family = oauth.authorized_family(api)
    verifier, challenge = oauth.make_pkce_pair() if family.uses_pkce else (None, None)
    with CallbackServer(port, state=state) as server:
        url = oauth.authorize_url(
            api, base_url=base_url, client_key=client_key, redirect_uri=server.redirect_uri,
            state=state, scopes=scopes or family.scopes, code_challenge=challenge,
        )  # fmt: skip
        typer.echo(f"Authorize tikscope on this page (waiting up to {timeout:g} s):\n{url}")
        if open_browser:
            webbrowser.open(url)
        code = server.wait(timeout)
        redirect_uri = server.redirect_uri
    token = oauth.exchange_code(
        api, base_url=base_url, client_key=client_key, client_secret=client_secret, code=code,
        redirect_uri=redirect_uri, code_verifier=verifier, issued_at=utc_now(),
    )  # fmt: skip
    identity = oauth.fetch_identity(
        api, base_url=base_url, token=token.access_token, business_id=token.open_id
    )
    return token, identity


def save(
    db: Path,
    api: Api,
    identity: Identity,
    token: Token,
    client_key: str,
    client_secret: str,
    *,
    base_url: str | None,
    key_file: Path | None,
) -> str:
    """Store the account (when new) and the connection; its id."""
    from tikscope.sources.oauth import api_origin
    from tikscope.sources.tokens import TokenCipher, default_key_file
    from tikscope.store.db import open_store
    from tikscope.sync.connections import record_connection

    cipher = TokenCipher.from_key_file(key_file or default_key_file())
    with open_store(db, create=True) as connection:
        saved = record_connection(
            connection, api=api, identity=identity, base_url=api_origin(api, base_url),
            client_key=client_key, client_secret=client_secret, token=token, cipher=cipher,
            now=utc_now(),
        )  # fmt: skip
    return saved.connection_id


def connections(db: DbOption = DEFAULT_DB_PATH, output: FormatOption = OutputFormat.table) -> None:
    """List the connected accounts: API, status, token expiry and last sync."""
    from tikscope.store.db import open_store
    from tikscope.sync.connections import connection_overview

    with open_store(db) as connection:
        rows = connection_overview(connection)
    columns = ("api", "handle", "status", "access_expires_at", "last_sync", "last_sync_status")
    print_rows(rows, output, title="Connections", table_columns=columns)


def utc_now() -> datetime:
    """The current time, naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)
