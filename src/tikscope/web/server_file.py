"""The file a running server leaves next to its store: where it listens and how to reach it.

`<store>.server.json` (mode 0600) holds the server's URL, its process id and a random secret.
Other tikscope commands read it when the store is in use, and run through the server (see
`tikscope.web.forward`); only the user who can read the file knows the secret.

A command sends its arguments, directory and piped input to the URL of that file, so it trusts
the file only when it cannot come from someone else: a regular file (not a link), owned by this
user, that no other user may read or change, naming an http URL on this machine's loopback
interface. Any other file is ignored with a warning.
"""

from __future__ import annotations

import errno
import json
import os
import secrets
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

SUFFIX = ".server.json"
COMMAND_PATH = "/api/_internal/commands"
"""Where a server takes command lines of other processes (see `tikscope.web.forward`)."""
SECRET_HEADER = "x-tikscope-secret"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
"""The hosts a trusted server file may name: a command posts its arguments there."""
MAXIMUM_SIZE = 64 * 1024

Warn = Callable[[str], None]


@dataclass(frozen=True)
class ServerFile:
    """What a running server tells other processes.

    Attributes:
        url: the origin it listens on, e.g. `http://127.0.0.1:8000`.
        pid: its process id.
        secret: the key that admits commands run through it.
    """

    url: str
    pid: int
    secret: str


def server_file_path(db: Path) -> Path:
    """Where the server of the store `db` writes its file."""
    store = db.resolve()
    return store.with_name(store.name + SUFFIX)


def new_secret() -> str:
    """A random secret for one server run."""
    return secrets.token_urlsafe(32)


def write_server_file(db: Path, url: str, secret: str) -> ServerFile:
    """Write this process's server file for `db`, readable by its owner only.

    # NOTE: a fresh temporary file (never an existing file or a link someone placed there) is
    # renamed over the path, which replaces a link itself rather than the file it points to.
    """
    written = ServerFile(url=url, pid=os.getpid(), secret=secret)
    path = server_file_path(db)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    descriptor = os.open(temporary, flags, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump({"url": url, "pid": written.pid, "secret": secret}, file)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return written


def read_server_file(db: Path, *, warn: Warn | None = None) -> ServerFile | None:
    """The server file of `db` when it can be trusted, else None.

    None as well when there is none or it cannot be read; an untrusted file (see the module's
    description) is ignored, and `warn` gets a line saying why.
    """
    path = server_file_path(db)
    try:
        text, problem = read_private_file(path)
    except OSError:
        return None
    if problem is None:
        try:
            data = json.loads(text)
            found = ServerFile(str(data["url"]), int(data["pid"]), str(data["secret"]))
        except (ValueError, KeyError, TypeError):
            return None
        problem = url_problem(found.url)
        if problem is None:
            return found
    if warn is not None:
        warn(f"ignoring {path}: {problem}")
    return None


def read_private_file(path: Path) -> tuple[str, str | None]:
    """The text of a file and why it is not trusted (None when it is); OSError when unreadable.

    # NOTE: the checks are made on the opened file (no link followed, not a pipe that blocks),
    # so the file cannot be swapped between the check and the read.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "", "it is a symbolic link"
        raise
    with os.fdopen(descriptor, "rb") as file:
        status = os.fstat(file.fileno())
        problem = ownership_problem(status)
        text = "" if problem else file.read(MAXIMUM_SIZE).decode("utf-8", "replace")
    return text, problem


def ownership_problem(status: os.stat_result) -> str | None:
    """Why a file with this status may come from another user, or None."""
    if not stat.S_ISREG(status.st_mode):
        return "it is not a regular file"
    if status.st_uid != os.getuid():
        return f"it belongs to user id {status.st_uid}, not to you ({os.getuid()})"
    mode = stat.S_IMODE(status.st_mode)
    if mode & 0o077:
        return f"other users may read or change it (mode {mode:04o}, expected 0600)"
    return None


def url_problem(url: str) -> str | None:
    """Why a server URL is not an http origin on this machine's loopback interface, or None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return f"its URL {url!r} is not valid"
    local = (
        parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS and port is not None
        and parts.username is None and parts.path in ("", "/") and not parts.query
        and not parts.fragment
    )  # fmt: skip
    return None if local else f"its URL {url!r} is not http on this machine's loopback interface"


def live_server(db: Path, *, warn: Warn | None = None) -> ServerFile | None:
    """The trusted server file of `db` when the process it names still runs, else None."""
    found = read_server_file(db, warn=warn)
    if found is None or not process_is_alive(found.pid):
        return None
    return found


def process_is_alive(pid: int) -> bool:
    """Whether a process with this id exists."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, owned by someone else
    return True


def remove_server_file(db: Path) -> None:
    """Remove this process's server file of `db` (one another process wrote stays)."""
    found = read_server_file(db)
    if found is not None and found.pid == os.getpid():
        server_file_path(db).unlink(missing_ok=True)
