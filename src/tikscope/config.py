"""Settings read from the environment, with their defaults."""

from __future__ import annotations

import os
from pathlib import Path

DB_ENV_VAR = "TIKSCOPE_DB"
DEFAULT_DB_PATH = Path("tikscope.duckdb")
DEMO_DIR = Path("demo")
MAX_BODY_BYTES = 2**20
"""The largest request body the web app reads (`tikscope serve --max-body-bytes`)."""
MAX_COMMAND_BODY_BYTES = 16 * 2**20
"""The largest body of a command run through the server (`--max-command-body-bytes`)."""


def default_db_path() -> Path:
    """The store used when no `--db` is given: `$TIKSCOPE_DB`, else `./tikscope.duckdb`."""
    return Path(os.environ.get(DB_ENV_VAR) or DEFAULT_DB_PATH)
