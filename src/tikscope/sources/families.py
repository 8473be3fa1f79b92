"""TikTok's API families, each declared once: Business, Display and Research.

A family is one frozen `Family`: its key (the `--api` choice and the `connections.api` column),
label, TikTok host, wire style, how its tokens are granted, the scopes it asks for, and what the
store records about it. OAuth, sessions, sync, the CLI and the store's labels read this registry;
none of them names a family in an `if`. The rules tests check over it: unique keys and sources,
`Api` lists exactly the keys, and every family has a sync (`tikscope.sync.run.PULLS`).

Only the fake server (`tikscope.fake`) spells TikTok's paths and answers on its own, as it plays
the other side of the wire.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from tikscope.sources.http import Style
    from tikscope.sources.records import AccountType

Api = Literal["business", "display", "research"]
"""A family's key: the `--api` choice and the `connections.api` column."""

BUSINESS_ORIGIN = "https://business-api.tiktok.com"
OPEN_API_ORIGIN = "https://open.tiktokapis.com"


class Grant(StrEnum):
    """How a connection of a family gets its tokens."""

    AUTHORIZATION_CODE = "authorization_code"
    """The account holder authorizes in the browser; TikTok says who they are and hands back a
    refresh token."""
    CLIENT_CREDENTIALS = "client_credentials"
    """The app alone (about 2 hours per token, no refresh token): no user, so the user names the
    account to read."""


@dataclass(frozen=True)
class Family:
    """One TikTok API family.

    Attributes:
        key: the `--api` choice and the `connections.api` value.
        label: the family's name as shown, e.g. "Business API".
        note: a few words on who it is for, shown after the label in `--api` help.
        source: the `accounts.source` and `runs.source` name, e.g. `business_api`.
        origin: TikTok's host for its calls (a fake server's origin replaces it).
        style: the wire format (`tikscope.sources.http`): auth header, envelope, parameters.
        grant: how its tokens are obtained and renewed.
        scopes: what the authorize page asks for by default; empty without a user.
        uses_pkce: whether the authorize page wants a PKCE challenge (Login Kit for desktop).
        account_type: the account type assumed when the API does not tell.
        precedence: rank of its rows against other sources' (`tikscope.sync.precedence`).
    """

    key: Api
    label: str
    note: str
    source: str
    origin: str
    style: Style
    grant: Grant
    scopes: tuple[str, ...]
    uses_pkce: bool
    account_type: AccountType
    precedence: int

    @property
    def names_account(self) -> bool:
        """Whether the user names the account (`--handle`), as no user authorizes."""
        return self.grant is Grant.CLIENT_CREDENTIALS

    def connect_command(self, handle: str) -> str:
        """The command that connects (or re-authorizes) `handle` through this family."""
        extra = f" --handle {handle}" if self.names_account else ""
        return f"tikscope connect --api {self.key}{extra}"


BUSINESS = Family(
    key="business", label="Business API", note="TikTok Accounts", source="business_api",
    origin=BUSINESS_ORIGIN, style="business", grant=Grant.AUTHORIZATION_CODE,
    scopes=("user.info.basic", "user.info.username", "user.info.stats", "user.info.profile",
            "user.account.type", "user.insights", "video.list", "video.insights",
            "comment.list"),
    uses_pkce=False, account_type="business", precedence=3,
)  # fmt: skip
DISPLAY = Family(
    key="display", label="Display API", note="Login Kit", source="display_api",
    origin=OPEN_API_ORIGIN, style="open", grant=Grant.AUTHORIZATION_CODE,
    scopes=("user.info.basic", "user.info.profile", "user.info.stats", "video.list"),
    uses_pkce=True, account_type="personal", precedence=2,
)  # fmt: skip
RESEARCH = Family(
    key="research", label="Research API", note="academic, client credentials",
    source="research_api", origin=OPEN_API_ORIGIN, style="open",
    grant=Grant.CLIENT_CREDENTIALS, scopes=(), uses_pkce=False, account_type="personal",
    precedence=2,
)  # fmt: skip

FAMILIES: tuple[Family, ...] = (BUSINESS, DISPLAY, RESEARCH)
FAMILIES_BY_KEY: dict[str, Family] = {family.key: family for family in FAMILIES}


def api_help() -> str:
    """The `--api` option's help: each key with its label and note."""
    return "; ".join(f"{f.key}: {f.label} ({f.note})" for f in FAMILIES) + "."
