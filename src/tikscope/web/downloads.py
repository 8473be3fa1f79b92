"""File downloads: a Content-Disposition that every browser reads and no name can break."""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi.responses import Response

UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def attachment(content: bytes, media_type: str, filename: str) -> Response:
    """A download of `content` named `filename`.

    The plain `filename` keeps only safe ASCII (handles may hold any character, quotes or line
    breaks included); `filename*` carries the full name in UTF-8 (RFC 6266).
    """
    plain = UNSAFE.sub("_", filename).strip("._") or "download"
    disposition = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})
