"""Commands of other processes, run inside the server on its connection to the store.

DuckDB lets one process write a file. While `tikscope serve` runs, another `tikscope` command on
the same store cannot open it, so it posts its arguments here instead (see
`tikscope.cli.forward`); the server runs the same command in-process, one at a time, and streams
its output back as JSON lines: `{"out": text}`, `{"err": text}`, `{"ask": {"hidden": bool}}`
(the command waits for a typed answer, posted to the answer route), and last `{"exit": code}`.
A command holds the store's one writer lock while it runs, so web writes and syncs wait for it;
it gives up with an error when they keep the store longer than `COMMAND_WAIT_SECONDS`.

Only the loopback interface may ask, and only with the secret of the server file, which only the
user who started the server can read; the routes are not in the OpenAPI description.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import os
import queue
import secrets
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import StringIO, TextIOBase
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from tikscope.errors import TikscopeError, UsageError
from tikscope.web.scheduler import command_turn
from tikscope.web.security import server_state
from tikscope.web.server_file import COMMAND_PATH, SECRET_HEADER
from tikscope.web.state import BUSY_MESSAGE, ServerStore, StoreBusyError

ANSWER_WAIT_SECONDS = 600.0
COMMAND_WAIT_SECONDS = 30.0
"""How long a command waits for a sync, another command or a web write to finish before it gives
up (the caller sees a one-line error)."""
ENVIRONMENT_PREFIX = "TIKSCOPE_"
HEARTBEAT_SECONDS = 5.0
router = APIRouter(include_in_schema=False)

Event = dict[str, Any]
Asker = Callable[[str, bool], str]


class CommandRequest(BaseModel):
    """A command line of another process, with what it needs of that process's surroundings."""

    argv: list[str]
    cwd: str
    environment: dict[str, str] = {}
    stdin: str | None = None


class AnswerRequest(BaseModel):
    """What the user typed at a prompt of a forwarded command; None for end of input."""

    text: str | None


@dataclass
class Forwarding:
    """How this server runs forwarded commands.

    Attributes:
        secret: the secret of the server file.
        run: runs a command line (`tikscope.cli.forward.run_forwarded`): argv and a prompt
            function `ask(text, hidden)` in, exit code out.
        refuse: a reason not to run an argv here, or None.
        answers: the queue of typed answers of each command running now, by run id.
    """

    secret: str
    run: Callable[[list[str], Asker], int]
    refuse: Callable[[list[str]], str | None] = lambda argv: None
    answers: dict[str, queue.Queue[str | None]] = field(default_factory=dict)


def forwarding_of(request: Request) -> Forwarding:
    """The server's forwarding, after checking the caller is local and knows the secret."""
    host = request.client.host if request.client else ""
    refused = forwarding_refusal(request.app.state, host, request.headers)
    if refused is not None:
        raise refused
    forwarding: Forwarding = request.app.state.forwarding
    return forwarding


def forwarding_refusal(
    app_state: Any, client_host: str, headers: Mapping[str, str]
) -> HTTPException | None:
    """Why a caller may not run commands here (404: no forwarding; 403), or None when it may.

    Also checked before a command's body is read (see `tikscope.web.limits`).
    """
    forwarding: Forwarding | None = getattr(app_state, "forwarding", None)
    if forwarding is None:
        return HTTPException(404, "Not Found")
    if not is_loopback(client_host):
        return HTTPException(403, "commands run through the server only from the same machine")
    sent = headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(sent.encode(), forwarding.secret.encode()):
        return HTTPException(403, "wrong or missing server secret")
    return None


def is_loopback(host: str) -> bool:
    """Whether a client address is this machine's loopback interface."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@router.post(COMMAND_PATH)
def run_command(request: Request, command: CommandRequest) -> StreamingResponse:
    """Run a command line in this process and stream its output."""
    forwarding = forwarding_of(request)
    store = server_state(request).store
    refusal = forwarding.refuse(command.argv)
    run_id = secrets.token_urlsafe(12)
    events: queue.Queue[Event | None] = queue.Queue()
    if refusal:
        events.put({"err": f"error: {refusal}\n"})
        events.put({"exit": 2})
        events.put(None)
    else:
        answers: queue.Queue[str | None] = queue.Queue()
        forwarding.answers[run_id] = answers

        def execute() -> None:
            try:
                events.put({"exit": run_in_turn(forwarding.run, command, events, answers, store)})
            finally:
                forwarding.answers.pop(run_id, None)
                events.put(None)

        threading.Thread(target=execute, name=f"tikscope-command-{run_id}", daemon=True).start()
    return StreamingResponse(
        stream_events(run_id, events), media_type="application/x-ndjson",
        headers={"Cache-Control": "no-store"},
    )  # fmt: skip


@router.post(COMMAND_PATH + "/{run_id}/answer")
def answer_prompt(request: Request, run_id: str, answer: AnswerRequest) -> dict[str, str]:
    """Pass what the user typed to the command waiting for it."""
    forwarding = forwarding_of(request)
    waiting = forwarding.answers.get(run_id)
    if waiting is None:
        raise HTTPException(404, "no command waits for an answer")
    waiting.put(answer.text)
    return {"status": "ok"}


def stream_events(run_id: str, events: queue.Queue[Event | None]) -> Iterator[bytes]:
    """The command's events as JSON lines, first its run id; `{}` while it is quiet."""
    yield (json.dumps({"run": run_id}) + "\n").encode()
    while True:
        try:
            event = events.get(timeout=HEARTBEAT_SECONDS)
        except queue.Empty:
            yield b"{}\n"  # tells the caller the server is alive
            continue
        if event is None:
            return
        yield (json.dumps(event) + "\n").encode()


def run_in_turn(
    run: Callable[[list[str], Asker], int],
    command: CommandRequest,
    events: queue.Queue[Event | None],
    answers: queue.Queue[str | None],
    store: ServerStore,
) -> int:
    """Run `command` as the store's one writer; exit code 1 when the store stays busy."""
    try:
        with command_turn(store, wait_seconds=COMMAND_WAIT_SECONDS):
            try:
                return run_here(run, command, events, answers)
            finally:
                store.changed()
    except StoreBusyError:
        events.put({"err": f"error: the tikscope server waited {COMMAND_WAIT_SECONDS:g} s for "
                           f"the store: {BUSY_MESSAGE}\n"})  # fmt: skip
        return 1


def run_here(
    run: Callable[[list[str], Asker], int],
    command: CommandRequest,
    events: queue.Queue[Event | None],
    answers: queue.Queue[str | None],
) -> int:
    """Run `command` with its directory, environment and standard streams; its exit code."""
    try:
        with surroundings(command, events):
            return run(list(command.argv), asker(events, answers))
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 1
    except TikscopeError as error:
        events.put({"err": f"error: {error}\n"})
        return 1
    except Exception as error:  # a bug in a command must not kill the server
        events.put({"err": f"error: {type(error).__name__}: {error}\n"})
        return 1


class EventStream(TextIOBase):
    """A text stream whose writes become events of one kind."""

    def __init__(self, kind: str, events: queue.Queue[Event | None]) -> None:
        super().__init__()
        self.kind = kind
        self.events = events

    @property
    def encoding(self) -> str:  # type: ignore[override]
        """Text is sent as UTF-8 JSON."""
        return "utf-8"

    def writable(self) -> bool:
        """Always."""
        return True

    def isatty(self) -> bool:
        """Never a terminal: no colours, no live progress bars."""
        return False

    def write(self, text: str | bytes) -> int:
        """Send the text (or UTF-8 bytes, which click's echo may write) to the client."""
        if text:
            decoded = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
            self.events.put({self.kind: decoded})
        return len(text)


@contextmanager
def surroundings(command: CommandRequest, events: queue.Queue[Event | None]) -> Iterator[None]:
    """The caller's directory, `TIKSCOPE_*` environment and standard streams, then ours again.

    # TRICKY: all of these belong to the whole process. Forwarded commands and syncs run one at
    # a time (the store's writer lock), and nothing else in the server reads them.
    """
    saved_directory = os.getcwd()
    saved_environment = dict(os.environ)
    saved_streams = (sys.stdin, sys.stdout, sys.stderr)
    try:
        os.chdir(command.cwd)
    except OSError as error:
        raise UsageError(f"cannot run in {command.cwd}: {error.strerror}") from error
    try:
        set_environment(command.environment)
        sys.stdin = StringIO(command.stdin or "")
        sys.stdout, sys.stderr = EventStream("out", events), EventStream("err", events)
        yield
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        os.environ.clear()
        os.environ.update(saved_environment)
        os.chdir(saved_directory)


def set_environment(environment: dict[str, str]) -> None:
    """Replace the `TIKSCOPE_*` variables (and COLUMNS) with the caller's."""
    for name in [name for name in os.environ if forwarded_variable(name)]:
        del os.environ[name]
    for name, value in environment.items():
        if forwarded_variable(name):
            os.environ[name] = value


def forwarded_variable(name: str) -> bool:
    """Whether an environment variable of the caller applies to its forwarded command."""
    return name.startswith(ENVIRONMENT_PREFIX) or name == "COLUMNS"


def asker(events: queue.Queue[Event | None], answers: queue.Queue[str | None]) -> Asker:
    """A prompt function that asks the client's user and waits for the answer.

    It raises EOFError when no answer comes (the client went away), as `input()` does at the end
    of its input.
    """

    def ask(text: str, hidden: bool) -> str:
        events.put({"ask": {"hidden": hidden, "text": text}})
        try:
            answer = answers.get(timeout=ANSWER_WAIT_SECONDS)
        except queue.Empty:
            answer = None
        if answer is None:
            raise EOFError  # click turns it into an abort
        return answer

    return ask
