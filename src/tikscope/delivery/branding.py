"""A workspace's branding in the store: name, logo and colours (tikscope.reports.branding)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tikscope.errors import UsageError
from tikscope.reports.branding import TIKSCOPE, Branding

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
MAX_LOGO_BYTES = 512 * 1024
"""A logo is embedded in every report and e-mail; half a megabyte is plenty for one."""


def check_colour(value: str, option: str) -> str:
    """`value` as a lower-case `#rrggbb` colour, or a UsageError naming `option`."""
    if not COLOUR.match(value.strip()):
        raise UsageError(f"{option}: {value!r} is not a colour written as #rrggbb (e.g. #0e7490)")
    return value.strip().lower()


def read_logo(path: Path) -> tuple[bytes, str]:
    """A PNG, JPEG or SVG logo file's bytes and media type, or a UsageError saying what is wrong."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UsageError(f"logo {path}: {error.strerror or error}") from None
    return check_logo(data, f"logo {path}")


def check_logo(data: bytes, where: str) -> tuple[bytes, str]:
    """The logo's bytes and media type, or a UsageError starting with `where`."""
    if len(data) > MAX_LOGO_BYTES:
        raise UsageError(f"{where}: more than the limit of 512 KiB")
    for magic, media_type in LOGO_TYPES.items():
        if data.startswith(magic):
            return data, media_type
    head = data[:512].lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        if b"<script" in data.lower() or b"javascript:" in data.lower():
            raise UsageError(f"{where}: an SVG with a script is refused")
        return data, "image/svg+xml"
    raise UsageError(f"{where}: not a PNG, JPEG or SVG image")


def workspace_branding(connection: DuckDBPyConnection, workspace_id: int) -> Branding:
    """The workspace's branding, or tikscope's when it has set none."""
    rows = connection.execute(
        "SELECT display_name, primary_colour, accent_colour, logo, logo_type "
        "FROM workspace_branding WHERE workspace_id = ?",
        [workspace_id],
    ).fetchall()
    if not rows:
        return TIKSCOPE
    name, primary, accent, logo, logo_type = rows[0]
    return Branding(name=name, primary=primary, accent=accent,
                    logo=bytes(logo) if logo is not None else None, logo_type=logo_type,
                    white_label=True)  # fmt: skip


def set_branding(
    connection: DuckDBPyConnection, workspace_id: int, branding: Branding, now: datetime
) -> None:
    """Replace the workspace's branding."""
    connection.execute("DELETE FROM workspace_branding WHERE workspace_id = ?", [workspace_id])
    connection.execute(
        "INSERT INTO workspace_branding VALUES (?, ?, ?, ?, ?, ?, ?)",
        [workspace_id, branding.name, branding.logo, branding.logo_type, branding.primary,
         branding.accent, now],
    )  # fmt: skip


def clear_branding(connection: DuckDBPyConnection, workspace_id: int) -> None:
    """Go back to tikscope's branding."""
    connection.execute("DELETE FROM workspace_branding WHERE workspace_id = ?", [workspace_id])
