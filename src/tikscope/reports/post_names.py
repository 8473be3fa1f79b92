"""How a post is named wherever it appears: its caption shortened, or its type and day.

Post rows come in two shapes: `metrics.sections.post_list` (`type`, `published`) and
`metrics.studio.top_posts` (`media_type`, `create_time`); both carry `caption` and `link`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

ELLIPSIS = "…"
TITLE_LENGTH = 40
TIKTOK = "https://www.tiktok.com/"


def shorten(text: str, limit: int = TITLE_LENGTH) -> str:
    """`text` on one line, cut at a word to at most `limit` characters with an ellipsis.

    A first word longer than the limit is cut inside the word.
    """
    words = " ".join(text.split())
    if len(words) <= limit:
        return words
    cut = words[: limit - 1]
    if " " in cut and words[limit - 1] != " ":
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-–—") + ELLIPSIS


def post_published(post: dict[str, Any]) -> datetime | None:
    """When the post was published (UTC), whichever shape the row has."""
    published: datetime | None = post.get("published") or post.get("create_time")
    return published


def post_title(post: dict[str, Any], limit: int = TITLE_LENGTH) -> str:
    """The caption shortened; without a caption, the type and publish day ("video, 2026-11-14")."""
    caption = (post.get("caption") or "").strip()
    if caption:
        return shorten(caption, limit)
    kind = post.get("type") or post.get("media_type") or "post"
    published = post_published(post)
    return f"{kind}, {published:%Y-%m-%d}" if published else f"{kind}, unknown day"


def post_label(post: dict[str, Any], limit: int = TITLE_LENGTH) -> str:
    """A chart label: caption (or type) and publish time ("Repotting a monstera · 14 Nov 18:05").

    Captions repeat, so the publish time tells two posts with the same caption apart.
    """
    caption = (post.get("caption") or "").strip()
    name = (
        shorten(caption, limit) if caption else post.get("type") or post.get("media_type") or "post"
    )
    published = post_published(post)
    return f"{name} · {published.day} {published:%b %H:%M}" if published else name


def post_url(post: dict[str, Any]) -> str | None:
    """The post's address on TikTok, or None when the row has none that points to TikTok.

    # NOTE: `share_url` comes from TikTok's API; only an https address on www.tiktok.com becomes a
    # link, so a stored value can never turn into a `javascript:` link on a page.
    """
    link = post.get("link")
    return link if isinstance(link, str) and link.startswith(TIKTOK) else None
