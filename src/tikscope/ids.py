"""Identifier types. TikTok ids exceed 2**53, so every id is a string."""

from __future__ import annotations

import hashlib
from typing import NewType

AccountId = NewType("AccountId", str)
PostId = NewType("PostId", str)
CommentId = NewType("CommentId", str)
MemberId = NewType("MemberId", str)


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
