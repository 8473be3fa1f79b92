"""Hashtags of a caption, for sources that give the text but no list of tags.

TikTok's owner-facing sources (Business API, Display API, Studio exports) send the caption only;
`posts.hashtags` is parsed from it here, the same way for every source.
"""

from __future__ import annotations

import unicodedata
from itertools import takewhile

TAG_CATEGORIES = ("L", "N", "M")
"""Unicode categories a tag is made of: letters, digits and the marks that belong to letters."""


def hashtags_of(caption: str | None) -> list[str] | None:
    """The caption's hashtags: lower case, without `#`, each once, in order of appearance.

    A tag is the longest run of Unicode letters, digits, combining marks and underscores after a
    `#`, so punctuation ends it (`#plants!` is `plants`) and a `#` followed by none is no tag.
    Tags are NFC-normalized, so the composed and decomposed spellings of `é` are one tag.

    Args:
        caption: the post's text; None when the source gave none.

    Returns:
        The tags, `[]` for a caption without any, None for no caption.
    """
    if caption is None:
        return None
    tags = ("".join(takewhile(is_tag_character, part)) for part in caption.split("#")[1:])
    return list(dict.fromkeys(unicodedata.normalize("NFC", tag).lower() for tag in tags if tag))


def is_tag_character(character: str) -> bool:
    """Whether `character` can be part of a hashtag."""
    return character == "_" or unicodedata.category(character).startswith(TAG_CATEGORIES)
