"""How a post is named wherever it appears: its caption shortened, or its type and day.

A post is any `metrics.post_rows.NamedPost`: a row of the list of posts (`PostRow`), a top post
(`TopPost`), a post's estimated earnings (`Earning`).
"""

from __future__ import annotations

from tikscope.metrics.post_rows import NamedPost

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


def post_title(post: NamedPost, limit: int = TITLE_LENGTH) -> str:
    """The caption shortened; without a caption, the type and publish day ("video, 2026-11-14")."""
    caption = (post.caption or "").strip()
    if caption:
        return shorten(caption, limit)
    kind = post.kind or "post"
    published = post.published
    return f"{kind}, {published:%Y-%m-%d}" if published else f"{kind}, unknown day"


def post_label(post: NamedPost, limit: int = TITLE_LENGTH) -> str:
    """A chart label: caption (or type) and publish time ("Repotting a monstera · 14 Nov 18:05").

    Captions repeat, so the publish time tells two posts with the same caption apart.
    """
    caption = (post.caption or "").strip()
    name = shorten(caption, limit) if caption else post.kind or "post"
    published = post.published
    return f"{name} · {published.day} {published:%b %H:%M}" if published else name


def post_url(post: NamedPost) -> str | None:
    """The post's address on TikTok, or None when the row has none that points to TikTok.

    # NOTE: `share_url` comes from TikTok's API; only an https address on www.tiktok.com becomes a
    # link, so a stored value can never turn into a `javascript:` link on a page.
    """
    link = post.link
    return link if isinstance(link, str) and link.startswith(TIKTOK) else None
