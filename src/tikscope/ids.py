"""Identifier types. TikTok ids exceed 2**53, so every id is a string."""

from __future__ import annotations

import hashlib
import re
from typing import NewType

from tikscope.errors import InvalidHandleError

AccountId = NewType("AccountId", str)
Handle = NewType("Handle", str)
"""A TikTok handle as stored: lower case, without `@`."""
PostId = NewType("PostId", str)
CommentId = NewType("CommentId", str)
MemberId = NewType("MemberId", str)

HANDLE_PATTERN = re.compile(r"[a-z0-9_.]{2,24}")
HANDLE_RULE = "letters, digits, _ and . only, 2 to 24 of them"
"""TikTok's rule for usernames; TikTok compares them without regard to case."""


def parse_handle(text: str) -> Handle:
    """A TikTok handle from what a user, a file or an API gave: `@Casa_Verde` -> `casa_verde`.

    Surrounding space and one leading `@` are dropped and letters folded to lower case, so that
    one account has one handle however it is written.

    Raises:
        InvalidHandleError: the rest is not a handle (`../../x`, `a/b?c#d`, `x y`).
    """
    stripped = text.strip()
    clean = (stripped[1:] if stripped.startswith("@") else stripped).lower()
    if not (clean.isascii() and HANDLE_PATTERN.fullmatch(clean)):
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise InvalidHandleError(f"{shown!r} is not a TikTok handle ({HANDLE_RULE})")
    return Handle(clean)


def handle_or_none(text: str) -> Handle | None:
    """`text` as a handle, or None when it is not one (a connection id, a stray path)."""
    try:
        return parse_handle(text)
    except InvalidHandleError:
        return None


def make_account_id(source: str, identity: str) -> AccountId:
    """A stable internal account id from where an account came from and how it is known there.

    The same (source, identity) always gives the same id, so ingesting twice cannot fork an account.
    """
    digest = hashlib.sha256(f"{source}\x1f{identity}".encode()).hexdigest()
    return AccountId(f"acc_{digest[:16]}")


def pseudonymize(secret: str, value: str) -> str:
    """A one-way pseudonym for a person's identifier (a commenter, an audience member).

    Keyed with a secret so that the pseudonym cannot be reversed by hashing known usernames.
    """
    digest = hashlib.blake2b(value.encode(), key=secret.encode()[:64], digest_size=10).hexdigest()
    return f"p_{digest}"
