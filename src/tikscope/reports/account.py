"""The account report: one HTML page with PNG charts for an account and a period."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tikscope.metrics import registry
from tikscope.metrics.periods import Period
from tikscope.metrics.query import Account, Settings
from tikscope.metrics.run import MetricLine
from tikscope.reports.branding import TIKSCOPE, Branding
from tikscope.reports.charts import Chart, render_charts
from tikscope.reports.html import render_page
from tikscope.reports.model import AccountReportData, gather_account_report, page_sections
from tikscope.reports.sections import SECTIONS_BY_KEY, headline
from tikscope.reports.tables import Table

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

PAGE = "index.html"


@dataclass(frozen=True)
class Section:
    """One section of the page: its metric table, its cards and its drawn charts."""

    key: str
    title: str
    intro: str
    rows: tuple[MetricLine, ...]
    charts: list[Chart]
    cards: tuple[MetricLine, ...]
    tables: tuple[Table, ...]


def write_account_report(
    connection: DuckDBPyConnection,
    account: Account,
    period: Period,
    settings: Settings,
    out_dir: Path,
    *,
    period_note: str | None = None,
    comparison_note: str | None = None,
    branding: Branding = TIKSCOPE,
    only: tuple[str, ...] = (),
) -> Path:
    """Write `out_dir/index.html` and its charts (`out_dir/charts/*.png`); return the page.

    Args:
        connection: the store.
        account: the account reported on.
        period: the period; every metric is compared with `period.previous()`.
        settings: engagement rate and basis.
        out_dir: the folder to write to, made if needed; files of an earlier report are replaced.
        period_note: how the period asked for was cut to the store's data, shown by the period.
        comparison_note: why the previous period is a weak comparison (it starts before the
            store's data), shown under the period's note.
        branding: whose name, logo and colours the page shows (tikscope's by default).
        only: the keys of the sections to show (`SECTIONS`), e.g. `("comments",)` for the
            comments report; all of them, with the headline cards, when empty.
    """
    data = gather_account_report(connection, account, period, settings)
    out_dir.mkdir(parents=True, exist_ok=True)
    sections = build_sections(data, out_dir, only)
    page = out_dir / PAGE
    title = f"{SECTIONS_BY_KEY[only[0]].title} report" if len(only) == 1 else "Account report"
    context = {**page_context(data, sections), "period_note": period_note,
               "comparison_note": comparison_note, "branding": branding,
               "report_title": title}  # fmt: skip
    page.write_text(render_page("account.html.j2", context), "utf-8")
    return page


def build_sections(
    data: AccountReportData, out_dir: Path, only: tuple[str, ...] = ()
) -> list[Section]:
    """Every section (or those of `only`) in page order, with its charts drawn into `out_dir`.

    A chart's PNG is named by its section's last word and its key (`viewed_gains.png`).
    """
    sections = [s for s in page_sections(data) if not only or s.key in only]
    named = [(f"{section.key.split()[-1]}_{spec.key}", spec)
             for section in sections for spec in section.charts]  # fmt: skip
    drawn = iter(render_charts(named, out_dir))
    return [
        Section(key=section.key, title=section.title, intro=section.intro, rows=section.lines,
                charts=[next(drawn) for _ in section.charts], cards=section.cards,
                tables=section.tables)
        for section in sections
    ]  # fmt: skip


def page_context(data: AccountReportData, sections: list[Section]) -> dict[str, Any]:
    """What the page template reads."""
    return {
        "account": data.account,
        "period": data.period,
        "previous": data.period.previous(),
        "freshness": data.freshness,
        "last_day": data.last_day,
        "generated_at": data.generated_at,
        "engagement_formula": data.settings.engagement_formula,
        "flags": data.flags,
        "headline": [data.line(name) for name in headline()],
        "sections": sections,
        "metrics": registry.metrics_by_name(),
        "anchor": anchor,
    }


def anchor(title: str) -> str:
    """An id for a heading: lower case, words joined by hyphens."""
    return "-".join("".join(c if c.isalnum() else " " for c in title.lower()).split())
