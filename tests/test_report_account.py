from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tikscope.cli.main import main
from tikscope.metrics.periods import last_days
from tikscope.metrics.query import Settings, find_account
from tikscope.metrics.registry import METRICS, POST_COLUMNS
from tikscope.metrics.run import SECTIONS, metric_report
from tikscope.reports.account import write_account_report
from tikscope.reports.model import POSTS_SECTION, SECTION_TITLES
from tikscope.simulate.config import AccountType, SimulationConfig
from tikscope.simulate.run import simulate_into_store
from tikscope.store.db import open_store

END = date(2026, 11, 21)
PERIOD = last_days(28, until=END)
PERSONAL = "not available for personal accounts"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KINDS: tuple[AccountType, ...] = ("business", "personal")


class Page(HTMLParser):
    """What the tests read from a report page: headings, images, URLs, table rows and text."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.images: list[str] = []
        self.urls: list[str] = []
        self.rows: list[dict[str, Any]] = []
        self.text: list[str] = []
        self.tag, self.classes = "", ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tag, self.classes = tag, values.get("class") or ""
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]
        if tag == "img":
            self.images.append(values["src"] or "")
        if tag == "tr":
            self.rows.append({"section": self.headings[-1] if self.headings else "", "cells": []})
        if tag == "td":
            self.rows[-1]["cells"].append("")

    def handle_endtag(self, tag: str) -> None:
        self.tag = ""

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.tag == "h2":
            self.headings.append(data.strip())
        elif self.tag == "span" and self.classes == "label":
            self.rows[-1]["label"] = data.strip()
        elif self.tag == "td" and self.rows:
            self.rows[-1]["cells"][-1] += data.strip()

    @property
    def words(self) -> str:
        """The page's text with whitespace collapsed."""
        return " ".join(" ".join(self.text).split())


@dataclass(frozen=True)
class Report:
    page: Path
    html: str
    parsed: Page
    flags: list[str]
    store: Path


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def build_report(directory: Path, kind: AccountType) -> Report:
    config = SimulationConfig(
        seed=3, days=60, posts=30, members=2000, end_date=END, account_type=kind
    )
    store = directory / "store.duckdb"
    with open_store(store, create=True) as connection:
        simulate_into_store(connection, config)
        account = find_account(connection, None)
        page = write_account_report(connection, account, PERIOD, Settings(), directory / "report")
        flags = metric_report(connection, account, PERIOD, Settings())[1]
    html = page.read_text("utf-8")
    return Report(page, html, parse(html), flags, store)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    return {kind: build_report(tmp_path_factory.mktemp(kind), kind) for kind in KINDS}


def metric_row(report: Report, section: str, label: str) -> list[str]:
    heading = SECTION_TITLES[section]
    rows = [row for row in report.parsed.rows if row["section"] == heading]
    cells: list[str] = next(row["cells"] for row in rows if row.get("label") == label)
    return cells


@pytest.mark.parametrize("kind", KINDS)
def test_report_account_references_only_its_own_pngs(reports: dict[str, Report], kind: str) -> None:
    report = reports[kind]
    folder = report.page.parent
    assert report.page.name == "index.html"
    assert report.parsed.images, "the page has charts"
    for source in report.parsed.images:
        assert not Path(source).is_absolute() and ".." not in source
        assert source.endswith(".png") and (folder / source).is_file()
    written = {path.relative_to(folder).as_posix() for path in folder.rglob("*.png")}
    assert written == set(report.parsed.images)


@pytest.mark.parametrize("kind", KINDS)
def test_report_account_has_no_external_urls(reports: dict[str, Report], kind: str) -> None:
    report = reports[kind]
    assert "http://" not in report.html and "https://" not in report.html
    assert "<script" not in report.html and "<link" not in report.html
    assert all(url.startswith(("#", "charts/")) for url in report.parsed.urls)


@pytest.mark.parametrize("kind", KINDS)
def test_report_account_has_every_section_and_metric(reports: dict[str, Report], kind: str) -> None:
    report = reports[kind]
    assert report.parsed.headings == [
        "Community", "Account", "Posts viewed in the period", "Posts published in the period",
        "List of posts", "Studio-style views",
    ]  # fmt: skip
    assert {SECTION_TITLES[section] for section in (*SECTIONS, POSTS_SECTION)} == set(
        report.parsed.headings
    )
    for metric in METRICS:
        cells = metric_row(report, metric.section, metric.label)
        assert len(cells) == (3 if cells[1] == PERSONAL else 5), metric.name
    text = unescape("".join(report.parsed.text))
    for column in POST_COLUMNS:
        assert column.name == "link" or column.label in text


@pytest.mark.parametrize("kind", KINDS)
def test_report_account_names_account_period_comparison_and_freshness(
    reports: dict[str, Report], kind: str
) -> None:
    text = reports[kind].parsed.words
    assert f"@casa_verde_demo {kind} account" in text
    assert "Period 2026-10-25 to 2026-11-21 (28 days)" in text
    assert "Compared with 2026-09-27 to 2026-10-24 (the 28 days before)" in text
    assert "daily series 2026-11-22 06:00 UTC (up to 2026-11-21)" in text
    assert "post counters 2026-11-22 00:00 UTC" in text


@pytest.mark.parametrize("kind", KINDS)
def test_report_account_shows_engagement_formula_and_data_quality_notes(
    reports: dict[str, Report], kind: str
) -> None:
    report = reports[kind]
    text = unescape(report.html)
    assert report.flags, "the simulated store has provisional days"
    # once in the overview, once under each of the five metric tables
    assert text.count(Settings().engagement_formula) >= 1 + len(SECTIONS)
    for flag in report.flags:
        assert text.count(flag) == 1 + len(SECTIONS)


def test_report_account_business_shows_values_compared_with_previous_period(
    reports: dict[str, Report],
) -> None:
    report = reports["business"]
    assert PERSONAL not in report.html
    assert metric_row(report, "community", "Followers") == ["", "2,000", "1,915", "+4.4%", ""]
    assert metric_row(report, "posts published", "Engagement")[1:] == [
        "8.59",
        "6.52",
        "+31.7%",
        Settings().engagement_formula,
    ]
    assert "unavailable:" not in report.html


def test_report_account_personal_says_what_is_not_available(reports: dict[str, Report]) -> None:
    report = reports["personal"]
    for metric in METRICS:
        cells = metric_row(report, metric.section, metric.label)
        assert (cells[1] == PERSONAL) is metric.business_only, metric.name
        if metric.business_only:
            assert cells[2] == "", "the note does not repeat it"
    assert "unavailable: personal accounts have no demographics source" in report.html
    assert report.html.count(f"unavailable: {PERSONAL}") == 9
    assert metric_row(report, "community", "Followers")[1:4] == ["2,000", "1,915", "+4.4%"]


@pytest.mark.parametrize("kind", KINDS)
def test_report_account_charts_are_readable_pngs(reports: dict[str, Report], kind: str) -> None:
    folder = reports[kind].page.parent
    charts = sorted((folder / "charts").glob("*.png"))
    assert len(charts) == {"business": 14, "personal": 4}[kind]
    for path in charts:
        assert path.read_bytes()[:8] == PNG_SIGNATURE
        with Image.open(path) as image:
            image.verify()
        with Image.open(path) as image:
            width, height = image.size
            darkest, lightest = image.convert("L").getextrema()
        assert width == 1200 and 300 <= height <= 1100, path.name
        assert 15_000 < path.stat().st_size < 400_000, path.name
        assert darkest < 64 and lightest == 255, f"{path.name}: dark ink on white"


def test_report_account_rewritten_for_personal_removes_business_charts(
    reports: dict[str, Report], tmp_path: Path
) -> None:
    out = tmp_path / "report"
    shutil.copytree(reports["business"].page.parent, out)
    with open_store(reports["personal"].store) as connection:
        account = find_account(connection, None)
        page = write_account_report(connection, account, PERIOD, Settings(), out)
    images = parse(page.read_text("utf-8")).images
    assert {path.relative_to(out).as_posix() for path in out.rglob("*.png")} == set(images)


def test_report_account_command_writes_the_page(
    reports: dict[str, Report], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store, out = reports["business"].store, tmp_path / "week"
    code = main(["report", "account", "--db", str(store), "--out", str(out), "--last", "7",
                 "--engagement-rate", "1000", "--engagement-basis", "views"])  # fmt: skip
    assert (code, capsys.readouterr().out) == (0, f"wrote {out / 'index.html'}\n")
    page = parse((out / "index.html").read_text("utf-8"))
    assert "Period 2026-11-15 to 2026-11-21 (7 days)" in page.words
    assert "Compared with 2026-11-08 to 2026-11-14" in page.words
    assert "(likes + comments + shares) / views × 1000" in page.words


def test_report_trend_reads_a_rise_in_unfollows_as_bad_news() -> None:
    from tikscope.reports.html import trend

    assert [trend(12.0, "followers"), trend(12.0, "followers_lost")] == ["up", "down"]
    assert [trend(-12.0, "followers"), trend(-12.0, "followers_lost")] == ["down", "up"]
    assert [trend(0.01, "followers_lost"), trend(None), trend(5.0)] == ["flat", "flat", "up"]
