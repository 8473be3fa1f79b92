"""Commands on a store that `tikscope serve` holds run through that server.

DuckDB lets one process write a file, and a running server keeps its store open. So before a
command runs, `forward_if_served` looks for the server file next to the command's store
(`<store>.server.json`, see `tikscope.web.server_file`); when it is trusted and names a live
server, the command line goes to that server, which runs it on its own connection and streams
the output back. The command then behaves as if it ran here: same output, prompts, exit code.

# NOTE: forwarding is decided before the command starts, so that a command with effects before
# it opens the store (`connect` authorizes in the browser first) runs once, in the server.
"""

from __future__ import annotations

import getpass
import json
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tikscope.errors import StoreLockedError

if TYPE_CHECKING:
    from tikscope.web.server_file import ServerFile

HEARTBEAT_TIMEOUT_SECONDS = 60.0
"""The server sends a line at least every few seconds; silence this long means it is gone."""
NOT_FORWARDED = frozenset({("serve",)})
"""Commands that run here even when the store is served (`serve` says where the server runs)."""


def command_target(command: Any, argv: list[str]) -> tuple[tuple[str, ...], dict[str, Any]] | None:
    """The subcommand names and parsed parameters of a command line, or None when unclear."""
    try:
        context = command.make_context("tikscope", list(argv), resilient_parsing=True)
        names: list[str] = []
        while hasattr(context.command, "resolve_command"):
            rest = [*getattr(context, "_protected_args", []), *context.args]
            if not rest:
                return None
            name, sub, remaining = context.command.resolve_command(context, rest)
            if sub is None:
                return None
            names.append(name)
            context = sub.make_context(name, remaining, parent=context, resilient_parsing=True)
        return tuple(names), dict(context.params)
    except Exception:  # a command line the parser refuses runs here and fails as usual
        return None


def store_of(command: Any, argv: list[str]) -> Path | None:
    """The store a command line works on, or None for commands without one (and for help)."""
    if any(argument in ("--help", "-h") for argument in argv):
        return None
    target = command_target(command, argv)
    if target is None or target[0] in NOT_FORWARDED:
        return None
    db = target[1].get("db")
    return Path(db) if isinstance(db, str | Path) else None


def forward_if_served(command: Any, argv: list[str]) -> int | None:
    """Run `argv` through the server holding its store; its exit code, or None to run here."""
    from tikscope.store.db import shared_connection
    from tikscope.web.server_file import live_server

    db = store_of(command, argv)
    if db is None or shared_connection(db) is not None:
        return None  # no store, or this is the server itself running a forwarded command
    server = live_server(db, warn=warn_ignored)
    if server is None:
        return None
    return forward(server, argv, db)


def warn_ignored(message: str) -> None:
    """Say on standard error why a server file is ignored (the command then runs here)."""
    sys.stderr.write(f"warning: {message}; running the command here\n")
    sys.stderr.flush()


def refusal(command: Any, argv: list[str]) -> str | None:
    """Why the server does not run a command line, or None when it does."""
    target = command_target(command, argv)
    if target is None:
        return None
    names, parameters = target
    if names == ("sync",) and parameters.get("every"):
        return (
            "`sync --every` does not run through the server; the server syncs on a schedule "
            "itself: restart it with `tikscope serve --sync-every 15m`"
        )
    if names == ("serve",):
        return "the store is served already"
    return None


def request_body(argv: list[str]) -> bytes:
    """The command line with this process's directory, `TIKSCOPE_*` settings and piped input."""
    environment = {name: value for name, value in os.environ.items()
                   if name.startswith("TIKSCOPE_") or name == "COLUMNS"}  # fmt: skip
    if sys.stdout.isatty() and "COLUMNS" not in environment:
        environment["COLUMNS"] = str(shutil.get_terminal_size().columns)
    # NOTE: standard input is read only for options that take it (`--password-stdin`, `-`):
    # reading an open pipe nobody writes to would wait forever.
    wants_stdin = any(argument == "-" or argument.endswith("-stdin") for argument in argv)
    piped = sys.stdin.read() if wants_stdin and not sys.stdin.isatty() else None
    body = {"argv": argv, "cwd": os.getcwd(), "environment": environment, "stdin": piped}
    return json.dumps(body).encode()


def forward(server: ServerFile, argv: list[str], db: Path) -> int | None:
    """Post `argv` to the server and replay its output; None when the server cannot be reached."""
    import urllib.error
    import urllib.request

    from tikscope.web.server_file import COMMAND_PATH, SECRET_HEADER

    request = urllib.request.Request(
        server.url + COMMAND_PATH, data=request_body(argv), method="POST",
        headers={"Content-Type": "application/json", SECRET_HEADER: server.secret},
    )  # fmt: skip
    try:
        response = urllib.request.urlopen(request, timeout=HEARTBEAT_TIMEOUT_SECONDS)
    except urllib.error.HTTPError as error:
        raise StoreLockedError(
            f"store {db} is in use by the tikscope server at {server.url} (process "
            f"{server.pid}), which refused to run this command: {refused_detail(error)}"
        ) from error
    except (urllib.error.URLError, OSError):
        return None  # a server that is gone: run here (and meet DuckDB's lock if any)
    with response:
        return replay(response, server)


def refused_detail(error: Any) -> str:
    """The `detail` of a refusal, or its HTTP status."""
    try:
        return str(json.loads(error.read())["detail"])
    except (ValueError, KeyError, TypeError, OSError):
        return f"HTTP {error.code}"


def replay(response: Any, server: ServerFile) -> int:
    """Print the streamed output, answer prompts, and return the command's exit code."""
    run_id = ""
    for line in response:
        event = json.loads(line)
        if "run" in event:
            run_id = str(event["run"])
        elif "out" in event:
            sys.stdout.write(event["out"])
            sys.stdout.flush()
        elif "err" in event:
            sys.stderr.write(event["err"])
            sys.stderr.flush()
        elif "ask" in event:
            answer_prompt(server, run_id, event["ask"])
        elif "exit" in event:
            return int(event["exit"])
    raise StoreLockedError(
        f"the tikscope server at {server.url} stopped before the command finished; "
        "see its log, then run the command again"
    )


def answer_prompt(server: ServerFile, run_id: str, ask: dict[str, Any]) -> None:
    """Ask the user here, and send the answer (None for end of input) to the waiting command."""
    import urllib.request

    from tikscope.web.server_file import COMMAND_PATH, SECRET_HEADER

    text = str(ask.get("text", ""))
    try:
        answer: str | None = getpass.getpass(text) if ask.get("hidden") else input(text)
    except EOFError:
        answer = None
    request = urllib.request.Request(
        f"{server.url}{COMMAND_PATH}/{run_id}/answer", data=json.dumps({"text": answer}).encode(),
        method="POST", headers={"Content-Type": "application/json", SECRET_HEADER: server.secret},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=HEARTBEAT_TIMEOUT_SECONDS):
        pass


def run_forwarded(argv: list[str], ask: Callable[[str, bool], str]) -> int:
    """Run a forwarded command line in the server; prompts go to `ask(text, hidden)`.

    # TRICKY: Typer's prompt functions are module globals; forwarded commands run one at a time.
    """
    from typer._click import termui

    from tikscope.cli.main import main

    saved = (termui.visible_prompt_func, termui.hidden_prompt_func)

    def visible(prompt: str) -> str:
        return ask(prompt, False)

    def hidden(prompt: str) -> str:
        return ask(prompt, True)

    termui.visible_prompt_func, termui.hidden_prompt_func = visible, hidden
    try:
        return main(argv)
    finally:
        termui.visible_prompt_func, termui.hidden_prompt_func = saved
