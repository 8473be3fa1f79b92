"""Connecting the live fake's accounts to a store without OAuth (tests and benchmarks/realtime.py)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tikscope.fake.live import LiveAccount
from tikscope.sources.tokens import Token, TokenCipher
from tikscope.store.db import DuckDBPyConnection
from tikscope.sync.connections import ensure_account, save_connection

FAR_FUTURE = datetime(2099, 1, 1)


def connect_live_accounts(
    connection: DuckDBPyConnection,
    accounts: list[LiveAccount],
    *,
    origin: str,
    key_file: Path,
    now: datetime,
    client_key: str = "live-app",
) -> None:
    """Store a Business connection for each live account, all on one app (`client_key`)."""
    cipher = TokenCipher.from_key_file(key_file)
    for account in accounts:
        account_id = ensure_account(connection, api="business", handle=account.handle,
                                    account_type="business", open_id=account.business_id)  # fmt: skip
        token = Token(account.token, "rft.unused", FAR_FUTURE, FAR_FUTURE, account.business_id,
                      "user.info.basic,video.list")  # fmt: skip
        save_connection(connection, api="business", handle=account.handle, account_id=account_id,
                        base_url=origin, client_key=client_key, client_secret="live-secret",
                        token=token, cipher=cipher, now=now)  # fmt: skip
