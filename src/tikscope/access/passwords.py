"""Hashing with the standard library: scrypt for passwords, SHA-256 for random tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SCRYPT_COST = 2**14
SCRYPT_BLOCK_SIZE = 8
SCRYPT_PARALLELISM = 1
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    """A salted scrypt hash of `password`, with its parameters, as one string."""
    salt = secrets.token_bytes(16)
    digest = scrypt(password, salt, SCRYPT_COST, SCRYPT_BLOCK_SIZE, SCRYPT_PARALLELISM)
    return "$".join(
        ("scrypt", str(SCRYPT_COST), str(SCRYPT_BLOCK_SIZE), str(SCRYPT_PARALLELISM),
         encode(salt), encode(digest))
    )  # fmt: skip


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches a hash made by `hash_password` (constant-time comparison)."""
    try:
        name, cost, block_size, parallelism, salt, digest = stored.split("$")
        if name != "scrypt":
            return False
        computed = scrypt(password, decode(salt), int(cost), int(block_size), int(parallelism))
    except ValueError:
        return False
    return hmac.compare_digest(computed, decode(digest))


def scrypt(password: str, salt: bytes, cost: int, block_size: int, parallelism: int) -> bytes:
    """The 32-byte scrypt digest of a password."""
    return hashlib.scrypt(
        password.encode(), salt=salt, n=cost, r=block_size, p=parallelism, dklen=32
    )


def hash_token(token: str) -> str:
    """The stored form of an API token or session id: it is random, so SHA-256 suffices."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(prefix: str) -> str:
    """A new random secret, e.g. `tks_...` for API tokens."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def encode(raw: bytes) -> str:
    """URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(text: str) -> bytes:
    """Inverse of `encode`."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
