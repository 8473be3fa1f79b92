"""What the commands do, apart from parsing and printing: open stores and call the library."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tikscope.cli.progress import simulation_progress
from tikscope.errors import UsageError
from tikscope.metrics.activity import ActiveHour, local_heatmap
from tikscope.metrics.period_range import resolve_period
from tikscope.metrics.periods import AskedPeriod, ChosenPeriod
from tikscope.metrics.post_rows import PostRow
from tikscope.metrics.query import Settings, compute_periods, find_account
from tikscope.metrics.run import MetricLine, metric_lines
from tikscope.metrics.sections import (
    DEFAULT_POST_COLUMNS,
    DailyTotals,
    Demographics,
    demographics,
    follower_series,
    post_list,
)
from tikscope.metrics.studio import data_freshness, freshness_text
from tikscope.simulate.config import SimulationConfig
from tikscope.simulate.run import simulate_into_store
from tikscope.store import summary
from tikscope.store.db import open_store

if TYPE_CHECKING:
    from tikscope.metrics.portfolio import PortfolioLine
    from tikscope.metrics.recommend import Recommendations
    from tikscope.metrics.rewards import Earnings, Eligibility

Row = dict[str, Any]
# What `composite_section` gives: a series, demographics, or the activity heatmap.
Composite = list[DailyTotals] | Demographics | list[ActiveHour]


def demo_config(seed: int, end_date: date) -> SimulationConfig:
    """The demo account: a business account with a year of history and a 50k audience."""
    return SimulationConfig(
        seed=seed, account_type="business", days=365, posts=300, members=50_000, end_date=end_date
    )


def simulate(db: Path, config: SimulationConfig) -> list[Row]:
    """Simulate into `db`, with progress bars, and describe what was written."""
    with open_store(db, create=True) as connection, simulation_progress() as progress:
        result = simulate_into_store(
            connection, config, on_step=progress.on_step, on_table=progress.on_table
        )
        if not result.changed:
            progress.nothing_to_write()
    if not result.changed:
        return [{"table": "(all)", "written": 0, "deleted": 0, "note": "already in the store"}]
    return [
        {"table": name, "written": count.written, "deleted": count.deleted}
        for name, count in result.counts.items()
    ]


def info(db: Path) -> tuple[Row, list[Row]]:
    """The store's overview and its tables' row counts."""
    with open_store(db) as connection:
        return summary.store_overview(connection, db), summary.table_counts(connection)


def accounts(db: Path) -> list[Row]:
    """The accounts in the store."""
    with open_store(db) as connection:
        return summary.list_accounts(connection)


def runs(db: Path, limit: int) -> list[Row]:
    """The latest runs."""
    with open_store(db) as connection:
        return summary.list_runs(connection, limit=limit)


def demo_facts(db: Path) -> tuple[Row, Row]:
    """The demo store's overview (path, size) and its one account with its totals."""
    with open_store(db) as connection:
        return summary.store_overview(connection, db), summary.list_accounts(connection)[0]


def choose_period(
    connection: Any, account: Any, start: date | None, end: date | None, last: int | None
) -> ChosenPeriod:
    """The period from --from/--to or --last (default: the last 28 days with data).

    Fitted to the days the store holds: refused wholly outside them, cut with a note partly.
    """
    return resolve_period(connection, account, AskedPeriod(days=last, start=start, end=end))


def metrics(
    db: Path, handle: str | None, start: date | None, end: date | None,
    last: int | None, *, compare: bool, section: str | None, rate: int, basis: str,
) -> tuple[list[MetricLine], str, list[str], str | None]:  # fmt: skip
    """Metric lines, a title naming account and period, the data-quality notes, the period's note.

    The period's note says how the period was cut to the store's data (None when it was not).
    """
    settings = Settings(engagement_rate=rate, engagement_basis=basis)
    with open_store(db) as connection:
        account = find_account(connection, handle)
        chosen = choose_period(connection, account, start, end, last)
        period = chosen.period
        lines, flags = metric_lines(
            connection, account, period, settings, compare=compare, section=section
        )
        fresh = freshness_text(data_freshness(connection, account))
    versus = f" vs {period.previous()}" if compare else ""
    title = f"@{account.handle} ({account.account_type}), {period}{versus}"
    previous = [chosen.previous_note] if compare and chosen.previous_note else []
    return lines, title, [*previous, *flags, fresh], chosen.note


def posts(
    db: Path, handle: str | None, start: date | None, end: date | None,
    last: int | None, *, columns: list[str] | None, sort: str, rate: int, basis: str,
) -> tuple[list[PostRow], str, str | None]:  # fmt: skip
    """The list of posts published in the period, a title, and the period's note."""
    settings = Settings(engagement_rate=rate, engagement_basis=basis)
    with open_store(db) as connection:
        account = find_account(connection, handle)
        chosen = choose_period(connection, account, start, end, last)
        shown = tuple(columns) if columns else DEFAULT_POST_COLUMNS
        rows = post_list(connection, account, chosen.period, settings, columns=shown, sort=sort)
    return rows, f"Posts of @{account.handle} published {chosen.period}", chosen.note


def report_account(
    db: Path, handle: str | None, start: date | None, end: date | None,
    last: int | None, *, out: Path, rate: int, basis: str,
) -> tuple[Path, str | None]:  # fmt: skip
    """Write the account report for the period into `out`; return the page and the period's note."""
    from tikscope.reports.account import write_account_report

    settings = Settings(engagement_rate=rate, engagement_basis=basis)
    with open_store(db) as connection:
        account = find_account(connection, handle)
        chosen = choose_period(connection, account, start, end, last)
        page = write_account_report(
            connection, account, chosen.period, settings, out,
            period_note=chosen.note, comparison_note=chosen.previous_note,
        )  # fmt: skip
    return page, chosen.note


def report_media_kit(
    db: Path, handle: str | None, start: date | None, end: date | None, last: int | None, *,
    out: Path,
) -> tuple[Path, Path, str | None]:  # fmt: skip
    """Write the media kit for the period into `out`: the HTML, the PDF and the period's note."""
    from tikscope.reports.media_kit import gather_media_kit, write_media_kit

    with open_store(db) as connection:
        account = find_account(connection, handle)
        chosen = choose_period(connection, account, start, end, last)
        kit = gather_media_kit(connection, account, chosen.period)
    page, pdf = write_media_kit(kit, out)
    return page, pdf, chosen.note


def rewards(
    db: Path, handle: str | None, start: date | None, end: date | None,
    last: int | None, *, key: str, rate_low: float | None, rate_high: float | None,
) -> tuple[str, Eligibility, Earnings, str | None]:  # fmt: skip
    """A program's rules judged on the period's last day and its earnings over the period.

    Returns the handle, the eligibility, the earnings and the period's note.
    """
    from tikscope.metrics.rewards import earnings, eligibility, program

    chosen_program = program(key, rate_low=rate_low, rate_high=rate_high)
    with open_store(db) as connection:
        account = find_account(connection, handle)
        chosen = choose_period(connection, account, start, end, last)
        judged = eligibility(connection, account, chosen_program, chosen.period.end)
        earned = earnings(connection, account, chosen_program, chosen.period)
    return account.handle, judged, earned, chosen.note


def recommend(db: Path, handle: str | None) -> tuple[str, str, Recommendations]:
    """Recommendations from the account's whole history; returns the handle and time zone too."""
    from tikscope.metrics.recommend import recommend as fit

    with open_store(db) as connection:
        account = find_account(connection, handle)
        chosen = choose_period(connection, account, None, None, 28)
        heatmap, _ = local_heatmap(connection, account, chosen.period)
        found = fit(connection, account, heatmap=heatmap)
    return account.handle, account.time_zone, found


def portfolio(
    db: Path, slug: str, start: date | None, end: date | None, last: int | None
) -> tuple[str, list[PortfolioLine]]:
    """A workspace's portfolio for a period (fitted to its first account's data) and a title."""
    from tikscope.access import workspace_handles
    from tikscope.metrics.portfolio import portfolio as combine

    with open_store(db) as connection:
        handles = workspace_handles(connection, slug)
        if not handles:
            raise UsageError(f"workspace {slug!r} has no accounts (or does not exist)")
        chosen = choose_period(connection, find_account(connection, handles[0]), start, end, last)
        values = {
            handle: {name: value.value for name, value in compute_periods(
                connection, find_account(connection, handle), [chosen.period], Settings()
            )[0][0].items()}
            for handle in handles
        }  # fmt: skip
    title = f"Workspace {slug}: {len(handles)} accounts, {chosen.period}"
    return title, combine(values)


def write_demo_report(db: Path, directory: Path) -> Path:
    """Write the demo account's report for its last 28 days into `directory/report/`."""
    page, _ = report_account(
        db, None, None, None, None, out=directory / "report", rate=100, basis="reach"
    )
    return page


def composite_section(
    db: Path, handle: str | None, start: date | None, end: date | None,
    last: int | None, *, section: str, granularity: str,
) -> tuple[str, Composite, str | None]:  # fmt: skip
    """The follower and daily series, the demographics, or the activity heatmap of a period.

    Returns a title, the data (typed, made into rows only where printed), and the period's note.
    """
    with open_store(db) as connection:
        account = find_account(connection, handle)
        chosen = choose_period(connection, account, start, end, last)
        period = chosen.period
        data: Composite
        if section == "series":
            data = follower_series(connection, account, period, granularity)
            title = f"Followers and daily totals by {granularity}, {period}"
        elif section == "demographics":
            data, title = demographics(connection, account, period), "Demographics"
        else:
            hours, zone = local_heatmap(connection, account, period)
            data = hours
            title = f"Active followers by weekday and hour ({zone.name}), {period}"
    return f"@{account.handle}: {title}", data, chosen.note


def audience_report(
    db: Path, handle: str | None, out: Path, *, clusters: int | None, labels: bool, seed: int,
    min_group_size: int, min_cluster_size: int, keep: tuple[bool, bool, bool], by: str = "follows",
    public_followers: int = 10_000,
) -> tuple[Path, list[str]]:  # fmt: skip
    """Compute, save and write the audience report; returns the page and a summary."""
    from tikscope.audience.insights import SEGMENTATIONS, GraphOptions, compute_insights
    from tikscope.audience.model import PrivacySettings
    from tikscope.reports.audience import write_audience_report

    segmentation = next((known for known in SEGMENTATIONS if known == by), None)
    if segmentation is None:
        raise UsageError(f"--by: {by!r} is not one of {', '.join(SEGMENTATIONS)}")
    privacy = PrivacySettings(min_group_size=min_group_size, min_cluster_size=min_cluster_size,
                              public_followers=public_followers)  # fmt: skip
    options = GraphOptions(drop_isolated=not keep[0], drop_mass_followers=not keep[1],
                           drop_bots=not keep[2])  # fmt: skip
    with open_store(db) as connection:
        account = find_account(connection, handle)
        insights = compute_insights(
            connection, account.account_id, account.handle, clusters=clusters, seed=seed,
            privacy=privacy, options=options, by=segmentation,
        )  # fmt: skip
    page = write_audience_report(insights, out, labels=labels)
    return page, audience_lines(insights)


def audience_lines(insights: Any) -> list[str]:
    """A few lines saying what the audience report found."""
    # NOTE: None is a count hidden for privacy (docs/privacy.md).
    dropped = ", ".join(
        f"{'hidden' if count is None else f'{count:,}'} {reason}"
        for reason, count in insights.dropped.items()
        if count != 0
    )
    total = "" if insights.total_members is None else f" of {insights.total_members:,}"
    lines = [
        f"@{insights.handle}: {insights.graph_size:,}{total} members "
        f"clustered ({insights.clustering.mode} mode, {insights.clustering.algorithm}); "
        f"left out: {dropped or 'nobody'}",
        f"saved as audience result {insights.result_id}",
    ]
    summary = insights.summary
    if summary.profiled:
        lines.append(
            f"{summary.profiled:,} members profiled from a sample (Research API): "
            f"{', '.join(summary.sampled)} shares carry 95% Wilson intervals"
        )
    for card in sorted(insights.cards, key=lambda card: -card.size):
        lines.append(f"  cluster {card.cluster:>2}: {card.name} — {card.size:,} ({card.share:.1%})")
        lines += affinity_lines(card.affinities, card.unnamed_affinities, indent="      ")
    summary = insights.summary
    if summary.affinities or summary.unnamed_affinities:
        top = ", ".join(f"@{item.handle} {item.share:.0%}" for item in summary.affinities)
        lines.append(
            f"  audience follows most: {top or 'no public account'}"
            + unnamed_note(summary.unnamed_affinities)
        )
    return lines


def affinity_lines(affinities: list[Any], unnamed: int, *, indent: str) -> list[str]:
    """A card's affinities: at most one line, named public accounts then the unnamed count."""
    if not affinities and not unnamed:
        return []
    named = ", ".join(f"@{item.handle} ×{item.affinity:.1f} ({item.members:,})"
                      for item in affinities[:5])  # fmt: skip
    return [f"{indent}follows far more: {named or 'no public account'}"
            + unnamed_note(unnamed)]  # fmt: skip


def unnamed_note(count: int) -> str:
    """The unnamed count as "; and 3 accounts that are not public figures (...)", or nothing."""
    if not count:
        return ""
    accounts = "account that is" if count == 1 else "accounts that are"
    return f"; and {count:,} {accounts} not public figures (counted, not named)"


def audience_merge(db: Path, handle: str | None, clusters: list[int], out: Path | None) -> str:
    """Merge clusters of the newest saved result; re-write the report if asked."""
    from tikscope.audience.results import merge_clusters

    with open_store(db) as connection:
        account = find_account(connection, handle)
        result_id, kept = merge_clusters(connection, account.account_id, clusters)
    merged = ", ".join(str(c) for c in clusters[1:])
    message = f"result {result_id}: merged cluster(s) {merged} into {kept}"
    return message + rewrite_audience(db, account, out)


def audience_rename(db: Path, handle: str | None, cluster: int, name: str, out: Path | None) -> str:
    """Rename a cluster of the newest saved result; re-write the report if asked."""
    from tikscope.audience.results import rename_cluster

    with open_store(db) as connection:
        account = find_account(connection, handle)
        result_id = rename_cluster(connection, account.account_id, cluster, name)
    message = f"result {result_id}: cluster {cluster} is now {name.strip()!r}"
    return message + rewrite_audience(db, account, out)


def rewrite_audience(db: Path, account: Any, out: Path | None) -> str:
    """Write the report of the newest saved result into `out`, if given."""
    if out is None:
        return ""
    from tikscope.audience.insights import saved_insights
    from tikscope.reports.audience import write_audience_report

    with open_store(db) as connection:
        insights = saved_insights(connection, account.account_id, account.handle)
    return f"\nwrote {write_audience_report(insights, out)}"
