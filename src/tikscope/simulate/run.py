"""Build a whole simulated account as one batch and write it to the store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa

from tikscope.errors import ConflictError
from tikscope.ids import AccountId, make_account_id
from tikscope.simulate import account, audience_stats, comments, followers, post_tables, posts
from tikscope.simulate.audience import simulate_audience
from tikscope.simulate.config import SimulationConfig
from tikscope.store.db import fetch_value
from tikscope.store.ingest import Batch, IngestResult, ProgressCallback, ingest

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

StepCallback = Callable[[str], None]
STEPS = ("audience", "posts", "followers", "comments")


def simulated_account_id(config: SimulationConfig) -> AccountId:
    """The store id of a simulated account: one per handle."""
    return make_account_id("simulator", config.handle)


def streams(seed: int) -> dict[str, np.random.Generator]:
    """Independent random streams per part, so changing one part leaves the others identical."""
    names = ("posts", "snapshots", "followers", "daily", "audience_stats", "comments", "account")
    children = np.random.SeedSequence([seed, 2026]).spawn(len(names))
    return {name: np.random.default_rng(child) for name, child in zip(names, children, strict=True)}


def build_batch(config: SimulationConfig, on_step: StepCallback | None = None) -> Batch:
    """Every table of a simulated account, ready to ingest."""
    step = on_step or (lambda name: None)
    rng = streams(config.seed)
    audience = simulate_audience(
        seed=config.seed, members=config.members, communities=config.communities
    )
    step("audience")
    draws = posts.draw_posts(config, rng["posts"])
    ids = posts.post_ids(rng["posts"], config.posts)
    post_table = post_tables.build_posts(config, rng["posts"], draws, ids)
    if config.planted_effects:
        draws = with_planted_effects(config, draws, post_table)
    views = posts.cumulative_views(draws, config.days)
    views = freeze_after_deletion(views, draws.deleted_day)
    mix = audience_stats.audience_mix(audience["audience_members"]) if config.members else {}
    countries = mix.get("country") or {"ES": 0.5, "MX": 0.2, "US": 0.2, "BR": 0.1}
    tables: dict[str, pa.Table] = {
        "posts": post_table,
        "post_snapshots": post_tables.build_post_snapshots(
            config, draws, views, ids, countries, rng["snapshots"]
        ),
    }
    step("posts")
    lifetime = lifetime_counters(draws, views)
    events = followers.simulate_follower_events(
        config, account.daily_gains(views).astype(np.float64), rng["followers"]
    )
    counts = followers.daily_follower_counts(events, config.days)
    tables["account_daily"] = account.build_account_daily(config, lifetime, counts, rng["daily"])
    if config.account_type == "business" and config.followers_at_end >= 100:
        if mix:
            tables["audience_snapshots"] = audience_stats.build_audience_snapshots(
                mix, config.end_date, config.days, rng["audience_stats"]
            )
        tables["follower_activity"] = audience_stats.build_follower_activity(
            countries, counts["total"], config.start_date, rng["audience_stats"]
        )
    members = audience["audience_members"]
    audience["audience_members"] = members.append_column(
        "followed_at", account.followed_at(config, events, members.num_rows, rng["followers"])
    )
    tables["planted_follower_events"] = follower_event_table(config, events)
    step("followers")
    tables["comments"], tables["planted_comment_sentiment"] = comments.build_comments(
        handle=config.handle,
        posts=tables["posts"],
        final_comments=lifetime["comments"][:, -1],
        end=datetime.combine(config.end_date + timedelta(days=1), time()),
        countries=countries,
        commenters=members["member_id"].to_pylist()[:20_000],
        secret=f"simulator-{config.seed}",
        rng=rng["comments"],
    )
    step("comments")
    audience["planted_facts"] = add_facts(audience["planted_facts"], draws, views, events)
    tables |= audience
    tables["accounts"] = account.build_account(
        config,
        rng["account"],
        total_likes=int(lifetime["likes"][:, -1].sum()),
        videos=int((draws.deleted_day < 0).sum()),
    )
    return Batch(
        account_id=simulated_account_id(config),
        kind="simulate",
        source="simulator",
        tables=tables,
        mode="replace",
        parameters={**asdict(config), "end_date": config.end_date.isoformat()},
    )


def with_planted_effects(
    config: SimulationConfig, draws: posts.PostDraws, post_table: pa.Table
) -> posts.PostDraws:
    """`draws` with each post's views scaled by `posts.PLANTED` (no random draw is added)."""
    zone = ZoneInfo(config.time_zone)
    hours = np.array([moment.replace(tzinfo=UTC).astimezone(zone).hour
                      for moment in post_table["create_time"].to_pylist()])  # fmt: skip
    factor = posts.planted_factor(
        hours, post_table["hashtags"].to_pylist(), draws.media_type, draws.duration
    )
    return replace(draws, lifetime_views=draws.lifetime_views * factor,
                   second_wind=draws.second_wind * factor)  # fmt: skip


def freeze_after_deletion(views: np.ndarray, deleted_day: np.ndarray) -> np.ndarray:
    """A deleted post stops counting: its counters stay where they were the day before."""
    frozen = views.copy()
    for post in np.nonzero(deleted_day >= 1)[0]:
        frozen[post, deleted_day[post] :] = frozen[post, deleted_day[post] - 1]
    return frozen


def lifetime_counters(draws: posts.PostDraws, views: np.ndarray) -> dict[str, np.ndarray]:
    """Lifetime views, likes, comments, shares and profile views of every post at every day end."""
    result = {"views": views}
    for name in ("likes", "comments", "shares", "profile_views"):
        result[name] = np.floor(views * draws.rates[name][:, None]).astype(np.int64)
    return result


def follower_event_table(config: SimulationConfig, events: followers.FollowerEvents) -> pa.Table:
    """The planted follow and unfollow events, dated."""
    start = np.datetime64(config.start_date, "D")
    return pa.table(
        {
            "follower_key": events.follower_key,
            "event_date": start + events.day,
            "event": np.where(events.is_follow, "follow", "unfollow"),
        }
    )


def add_facts(
    facts: pa.Table, draws: posts.PostDraws, views: np.ndarray, events: followers.FollowerEvents
) -> pa.Table:
    """The audience facts plus what the account part planted."""
    refollowers = np.unique(events.follower_key[~events.is_follow])
    refollowed = np.isin(
        refollowers,
        events.follower_key[events.is_follow & (events.follower_key < len(events.followed_day))],
    )
    extra = {
        "followers_before_window": str(events.followers_before),
        "refollowers": str(int(refollowed.sum())),
        "downward_corrections": str(int((np.diff(views, axis=1) < 0).any(axis=1).sum())),
        "deleted_posts": str(int((draws.deleted_day >= 0).sum())),
        "filtered_posts": str(int(draws.is_filtered.sum())),
    }
    return pa.concat_tables(
        [facts, pa.table({"name": list(extra), "value": list(extra.values())}, schema=facts.schema)]
    )


def simulate_into_store(
    connection: DuckDBPyConnection,
    config: SimulationConfig,
    *,
    on_step: StepCallback | None = None,
    on_table: ProgressCallback | None = None,
) -> IngestResult:
    """Simulate an account and write it, replacing any earlier simulation of the same handle.

    Raises:
        ConflictError: the handle is an account that another source added: a simulation
            replaces an account's data, and one handle is one account.
    """
    source = fetch_value(
        connection, "SELECT source FROM accounts WHERE handle = ? AND account_id <> ?",
        [config.handle, simulated_account_id(config)],
    )  # fmt: skip
    if source is not None:
        raise ConflictError(
            f"@{config.handle} is in the store already (added by {source}); a simulation would "
            "replace its data: simulate another --handle"
        )
    return ingest(connection, build_batch(config, on_step), on_table=on_table)
