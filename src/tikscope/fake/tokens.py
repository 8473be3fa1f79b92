"""Authorization codes and tokens of the fake server.

Tokens are signed, self-describing strings (kind, issue time, lifetime, serial) so that a
restarted fake with the same config still accepts tokens it issued before, until they expire.
What cannot be read off a token lives in memory: used codes, rotated refresh tokens, and the
moment the `expire-tokens` fault invalidated every access token issued until then.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

TokenKind = Literal["business", "user", "client"]
AccessCheck = Literal["ok", "invalid", "expired", "invalidated"]
CODE_LIFETIME = 600
REFRESH_LIFETIME = {"business": 31_536_000, "user": 15_552_000}
PREFIX = {"access": "act.", "client": "clt.", "refresh": "rft.", "code": ""}


class FakeClock:
    """Wall-clock time that tests can move forward (`POST /_fake/clock`)."""

    def __init__(self) -> None:
        """Start at the real time."""
        self.offset = 0.0

    def now(self) -> float:
        """Epoch seconds, moved by the offset."""
        return time.time() + self.offset

    def today(self) -> date:
        """The UTC day of `now`."""
        return datetime.fromtimestamp(self.now(), UTC).date()

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.offset += seconds


@dataclass(frozen=True)
class Grant:
    """What a valid token or code says about itself."""

    kind: TokenKind
    use: str
    issued_at: float
    expires_in: int
    serial: int
    scope: str
    redirect_uri: str
    token: str


class TokenAuthority:
    """Issues and checks codes and tokens; refresh rotates the refresh token."""

    def __init__(self, secret: str, clock: FakeClock, lifetimes: dict[TokenKind, int]) -> None:
        """Sign with `secret`; access tokens live `lifetimes[kind]` seconds."""
        self.key = hashlib.sha256(f"tikscope-fake-token:{secret}".encode()).digest()
        self.clock = clock
        self.lifetimes = lifetimes
        self.serial = 0
        self.spent: set[str] = set()  # used codes and rotated refresh tokens
        self.invalid_before = 0.0

    def sign(self, payload: Mapping[str, object], use: str) -> str:
        """A token string carrying `payload`."""
        self.serial += 1
        body = json.dumps({**payload, "n": self.serial, "u": use}, sort_keys=True)
        encoded = base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")
        signature = hmac.new(self.key, encoded.encode(), hashlib.sha256).hexdigest()[:24]
        return f"{PREFIX[use]}{encoded}.{signature}"

    def read(self, token: str, use: str) -> Grant | None:
        """The grant of a well-signed token of that use, whatever its age; None otherwise."""
        encoded, _, signature = token.removeprefix(PREFIX[use]).rpartition(".")
        expected = hmac.new(self.key, encoded.encode(), hashlib.sha256).hexdigest()[:24]
        if not encoded or not hmac.compare_digest(signature, expected):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
            grant = Grant(
                kind=data["k"], use=data["u"], issued_at=float(data["i"]),
                expires_in=int(data["e"]), serial=int(data["n"]), scope=str(data.get("s", "")),
                redirect_uri=str(data.get("r", "")), token=token,
            )  # fmt: skip
        except (ValueError, KeyError, TypeError):
            return None
        return grant if grant.use == use else None

    def is_live(self, grant: Grant) -> bool:
        """Not expired by the fake clock."""
        return self.clock.now() < grant.issued_at + grant.expires_in

    def issue_code(self, scope: str, redirect_uri: str) -> str:
        """An authorization code, valid 10 minutes, usable once."""
        payload = {"k": "user", "i": self.clock.now(), "e": CODE_LIFETIME, "s": scope}
        return self.sign({**payload, "r": redirect_uri}, "code")

    def redeem_code(self, code: str) -> Grant | None:
        """The code's grant, spending it; None when unknown, used or expired."""
        grant = self.read(code, "code")
        if grant is None or code in self.spent or not self.is_live(grant):
            return None
        self.spent.add(code)
        return grant

    def issue(self, kind: TokenKind, scope: str) -> dict[str, object]:
        """A token answer: access token, and a refresh token unless client credentials."""
        now = self.clock.now()
        lifetime = self.lifetimes[kind]
        use = "client" if kind == "client" else "access"
        answer: dict[str, object] = {
            "access_token": self.sign({"k": kind, "i": now, "e": lifetime}, use),
            "expires_in": lifetime,
            "scope": scope,
            "token_type": "Bearer",
        }
        if kind != "client":
            refresh_lifetime = REFRESH_LIFETIME[kind]
            refresh = {"k": kind, "i": now, "e": refresh_lifetime, "s": scope}
            answer["refresh_token"] = self.sign(refresh, "refresh")
            answer["refresh_expires_in"] = refresh_lifetime
        return answer

    def check_access(self, token: str, kind: TokenKind) -> AccessCheck:
        """Whether `token` is a live access token of that kind.

        `expired`: it ran out; `invalidated`: the `expire-tokens` fault made it stop working.
        """
        grant = self.read(token, "client" if kind == "client" else "access")
        if grant is None or grant.kind != kind:
            return "invalid"
        if not self.is_live(grant):
            return "expired"
        return "invalidated" if grant.issued_at <= self.invalid_before else "ok"

    def rotate(self, refresh_token: str, kind: TokenKind) -> dict[str, object] | None:
        """New tokens for a live refresh token, which stops working; None when refused."""
        grant = self.read(refresh_token, "refresh")
        if grant is None or grant.kind != kind or refresh_token in self.spent:
            return None
        if not self.is_live(grant):
            return None
        self.spent.add(refresh_token)
        return self.issue(kind, grant.scope)

    def invalidate_access_tokens(self) -> None:
        """Every access token issued until now stops working (refresh tokens still do)."""
        self.invalid_before = self.clock.now()
