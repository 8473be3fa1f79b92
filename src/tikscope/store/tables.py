"""What ingest needs to know about each data table: its key within an account.

Every data table also has `account_id` (the scope of a batch) and `run_id` (the run that wrote the
row); ingest fills both, so batches never carry them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    """A data table and the columns that identify one of its rows within an account."""

    name: str
    key: tuple[str, ...]


TABLES: tuple[Table, ...] = (
    Table("accounts", ()),
    Table("account_daily", ("date",)),
    Table("audience_snapshots", ("snapshot_date", "dimension", "value")),
    Table("follower_activity", ("date", "hour")),
    Table("posts", ("post_id",)),
    Table("post_snapshots", ("post_id", "captured_at")),
    Table("comments", ("comment_id",)),
    Table("audience_members", ("member_key",)),
    Table("outside_accounts", ("outside_key",)),
    Table("follows", ("follower_key", "followee_key", "followee_type")),
    Table("member_profiles", ("member_key",)),
    Table("planted_communities", ("community",)),
    Table("planted_membership", ("member_key",)),
    Table("planted_facts", ("name",)),
    Table("planted_follower_events", ("follower_key", "event_date", "event")),
    Table("planted_comment_sentiment", ("comment_id",)),
    Table("following", ("handle",)),
    Table("sync_state", ("name",)),
)

TABLES_BY_NAME = {table.name: table for table in TABLES}
