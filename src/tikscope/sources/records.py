"""What a source hands to the store: rows in the shape of store tables, not yet written.

Connectors (`business`, `display`, `research`) and importers (`files`) map TikTok's fields to store
columns (docs/schema.md says which field fills which column) and return an `Extract`. They never
touch the store: `tikscope.sync` turns an extract into an ingest batch and writes it atomically.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

AccountType = Literal["business", "personal"]
Row = dict[str, Any]
"""One store row: column name -> value, without `account_id` and `run_id` (ingest fills them)."""


@dataclass(frozen=True)
class AccountFacts:
    """What a source knows about the account itself; None where it does not say.

    Attributes:
        handle: the username, without `@`; the account's identity across sources.
        account_type: business or personal, when the source tells.
        source: the source's name as stored in `accounts.source`, e.g. `business_api`.
        columns: other `accounts` columns the source fills (`display_name`, `bio`, ...).
    """

    handle: str
    account_type: AccountType | None
    source: str
    columns: Row = field(default_factory=dict)


@dataclass(frozen=True)
class Extract:
    """Rows read from one source for one account.

    Attributes:
        account: who the rows belong to.
        tables: store table name -> rows; a table present with no rows means "the source says
            there is nothing", a table absent means "the source does not speak of it".
        replace: tables that are the whole truth for the account (a generic audience import);
            the others are merged by key.
        notes: things the user should know (rows dropped as not final, years inferred), one line
            each, shown after the import or sync.
    """

    account: AccountFacts
    tables: dict[str, list[Row]]
    replace: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()
