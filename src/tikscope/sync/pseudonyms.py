"""Pseudonyms for people other than the account: keyed by a secret kept outside the store.

The secret is derived from the key file that also encrypts tokens (`sources.tokens`), so a copy of
the store alone cannot be used to test guessed usernames against `member_id` or `author_id`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from tikscope.ids import pseudonymize


def pseudonymizer(key_file: Path) -> Callable[[str], str]:
    """A function from a username to its stable pseudonym under this key file."""
    from tikscope.sources.tokens import TokenCipher

    TokenCipher.from_key_file(key_file)  # creates the key on first use
    secret = hashlib.sha256(b"tikscope pseudonyms\x1f" + key_file.read_bytes()).hexdigest()

    def pseudonym(username: str) -> str:
        return pseudonymize(secret, username.strip().lower().lstrip("@"))

    return pseudonym
