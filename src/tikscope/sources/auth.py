"""The seam between API clients and stored tokens.

Clients ask a `TokenSource` for the access token before each call and, when TikTok says the
token is invalid (Business code 40105, v2 `access_token_invalid`), ask it to refresh once. The
store-backed implementation (`tikscope.sync.connections`) refreshes ahead of expiry, keeps the
newest refresh token, and marks the connection as needing re-authorization when a refresh fails.
"""

from __future__ import annotations

from typing import Protocol


class TokenSource(Protocol):
    """Where an API client gets its access token."""

    def access_token(self) -> str:
        """A token valid now, refreshed first if it expires soon."""
        ...

    def refresh(self, reason: str) -> str:
        """A fresh token after TikTok rejected the current one.

        Raises:
            ReauthorizationNeededError: the token cannot be refreshed; the user must connect again.
        """
        ...


class StaticTokens:
    """A fixed token that cannot be refreshed (tests, one-off scripts)."""

    def __init__(self, token: str) -> None:
        """Hold `token`."""
        self.token = token

    def access_token(self) -> str:
        """The fixed token."""
        return self.token

    def refresh(self, reason: str) -> str:
        """Fail: a fixed token cannot be refreshed."""
        from tikscope.errors import ReauthorizationNeededError

        raise ReauthorizationNeededError(f"the access token was rejected ({reason})")
