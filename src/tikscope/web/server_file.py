"""The file a running server leaves next to its store: where it listens and how to reach it.

`<store>.server.json` (mode 0600) holds the server's URL, its process id and a random secret.
Other tikscope commands read it when the store is in use, and run through the server (see
`tikscope.web.forward`); only the user who can read the file knows the secret.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

SUFFIX = ".server.json"
COMMAND_PATH = "/api/_internal/commands"
"""Where a server takes command lines of other processes (see `tikscope.web.forward`)."""
SECRET_HEADER = "x-tikscope-secret"


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
    """Write this process's server file for `db`, readable by its owner only."""
    written = ServerFile(url=url, pid=os.getpid(), secret=secret)
    path = server_file_path(db)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump({"url": url, "pid": written.pid, "secret": secret}, file)
    os.replace(temporary, path)
    return written


def read_server_file(db: Path) -> ServerFile | None:
    """The server file of `db`, or None when there is none or it cannot be read."""
    try:
        data = json.loads(server_file_path(db).read_text(encoding="utf-8"))
        return ServerFile(url=str(data["url"]), pid=int(data["pid"]), secret=str(data["secret"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def live_server(db: Path) -> ServerFile | None:
    """The server file of `db` when the process it names is still running, else None."""
    found = read_server_file(db)
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
