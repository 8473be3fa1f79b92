"""OAuth tokens as values, read from TikTok's token answers, and encrypted for storage.

Two token answer shapes exist: the Business API's (`expires_in`, `refresh_token_expires_in`; older
answers `expires`, `refresh_expires`, `creator_id`) and the open API v2's (`expires_in`,
`refresh_expires_in`). `token_from_answer` reads both.

Tokens and client secrets are stored encrypted with Fernet; the key lives in a file outside the
store (`default_key_file()`), so a copied store file alone gives away no token. Nothing here logs
or prints a token or a secret.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tikscope.errors import MalformedResponseError, UsageError

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

KEY_FILE_ENV_VAR = "TIKSCOPE_KEY_FILE"
EPOCH_THRESHOLD = 1_000_000_000
"""Seconds; a lifetime above this is an epoch timestamp, not a duration (31 years)."""


@dataclass(frozen=True)
class Token:
    """An access token and what came with it.

    Attributes:
        access_token: the token sent with API calls.
        refresh_token: the token that gets a new access token; None for client credentials.
        access_expires_at: when the access token expires, naive UTC.
        refresh_expires_at: when the refresh token expires, naive UTC, when TikTok said.
        open_id: TikTok's id of the authorizing user (= Business `business_id`).
        scope: granted scopes, comma-separated.
    """

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    access_expires_at: datetime
    refresh_expires_at: datetime | None = None
    open_id: str | None = None
    scope: str | None = None


def token_from_answer(
    answer: dict[str, Any], *, issued_at: datetime, endpoint: str = "token answer"
) -> Token:
    """The token in a token endpoint's answer (the Business `data` object or the v2 body).

    Args:
        answer: the token fields, e.g. `{"access_token": ..., "expires_in": 86400, ...}`.
        issued_at: when the answer came (naive UTC); lifetimes count from it.
        endpoint: named in errors.

    Raises:
        MalformedResponseError: the access token or its lifetime is missing or mistyped.
    """
    access_token = answer.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise MalformedResponseError(f"{endpoint}: field access_token is missing or empty")
    access_expires_at = expiry(answer, ("expires_in", "expires"), issued_at, endpoint)
    if access_expires_at is None:
        raise MalformedResponseError(f"{endpoint}: field expires_in is missing")
    refresh_keys = ("refresh_expires_in", "refresh_token_expires_in", "refresh_expires")
    return Token(
        access_token=access_token,
        refresh_token=optional_text(answer.get("refresh_token")),
        access_expires_at=access_expires_at,
        refresh_expires_at=expiry(answer, refresh_keys, issued_at, endpoint),
        open_id=optional_text(answer.get("open_id") or answer.get("creator_id")),
        scope=optional_text(answer.get("scope")),
    )


def expiry(
    answer: dict[str, Any], keys: tuple[str, ...], issued_at: datetime, endpoint: str
) -> datetime | None:
    """When a token expires, from the first of `keys` present in `answer`."""
    for key in keys:
        value = answer.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise MalformedResponseError(f"{endpoint}: field {key} is not a number: {value!r}")
        try:
            seconds = float(value)
        except ValueError as error:
            raise MalformedResponseError(
                f"{endpoint}: field {key} is not a number: {value!r}"
            ) from error
        # TRICKY: older Business answers may give `expires` as a moment, not a lifetime.
        if seconds > EPOCH_THRESHOLD:
            return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
        return issued_at + timedelta(seconds=seconds)
    return None


def optional_text(value: Any) -> str | None:
    """A non-empty string as itself, anything else as None."""
    return str(value) if value not in (None, "") else None


def default_key_file() -> Path:
    """The key file: `$TIKSCOPE_KEY_FILE`, else `~/.config/tikscope/secret.key`."""
    configured = os.environ.get(KEY_FILE_ENV_VAR)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".config" / "tikscope" / "secret.key"


class TokenCipher:
    """Encrypts tokens and secrets for the store, with a key kept in a file outside it."""

    def __init__(self, key: bytes, *, key_file: Path | None = None) -> None:
        """Use `key` (a Fernet key); `key_file` is only named in error messages.

        Raises:
            UsageError: `key` is not a Fernet key.
        """
        from cryptography.fernet import Fernet

        self.key_file = key_file
        try:
            self.fernet: Fernet = Fernet(key)
        except ValueError as error:
            where = f"key file {key_file}" if key_file else "the key"
            raise UsageError(
                f"{where} does not hold a tikscope key (32 url-safe base64-encoded bytes); "
                "restore the right file or remove it to make a new one"
            ) from error

    @classmethod
    def from_key_file(cls, path: Path) -> TokenCipher:
        """The cipher keyed by `path`, which is made (mode 0600) on first use."""
        if not path.exists():
            create_key_file(path)
        try:
            key = path.read_bytes().strip()
        except OSError as error:
            raise UsageError(f"cannot read key file {path}: {error.strerror}") from error
        return cls(key, key_file=path)

    def encrypt(self, text: str) -> bytes:
        """`text` encrypted."""
        return self.fernet.encrypt(text.encode())

    def decrypt(self, sealed: bytes) -> str:
        """The text `sealed` was made from.

        Raises:
            UsageError: the key is not the one the value was encrypted with.
        """
        from cryptography.fernet import InvalidToken

        try:
            return self.fernet.decrypt(bytes(sealed)).decode()
        except InvalidToken:
            where = f"key file {self.key_file}" if self.key_file else "the key"
            raise UsageError(
                f"cannot decrypt the stored tokens: {where} does not match the store; restore "
                "the key file the store was used with, or run 'tikscope connect' again"
            ) from None


def create_key_file(path: Path) -> None:
    """Write a new random key to `path`, readable by its owner only."""
    from cryptography.fernet import Fernet

    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # made by another process just now; use that one
    except OSError as error:
        raise UsageError(f"cannot create key file {path}: {error.strerror}") from error
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(Fernet.generate_key() + b"\n")
    os.chmod(path, 0o600)  # NOTE: os.open's mode is reduced by the umask; be exact
