from __future__ import annotations

import itertools
import re
import shutil
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tikscope.cli.main import main
from tikscope.metrics.periods import last_days
from tikscope.metrics.post_rows import PostRow, TopPost
from tikscope.metrics.query import Settings, find_account
from tikscope.metrics.registry import METRICS, POST_COLUMNS, metric_sections
from tikscope.metrics.run import metric_report
from tikscope.reports.account import write_account_report
from tikscope.reports.model import POSTS_SECTION
from tikscope.reports.sections import COMMENTS, section_title
from tikscope.simulate.config import AccountType, SimulationConfig
from tikscope.simulate.run import simulate_into_store
from tikscope.store.db import open_store

END = date(2026, 11, 21)
PERIOD = last_days(28, until=END)
NOT_STORED = "not in the store for this period: "
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KINDS: tuple[AccountType, ...] = ("business", "personal")
TIKTOK_POST = re.compile(r"https://www\.tiktok\.com/@casa_verde_demo/video/[0-9]+")


class Page(HTMLParser):
    """What the tests read from a report page: headings, images, URLs, table rows and text."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.images: list[str] = []
        self.urls: list[str] = []
        self.sources: list[str] = []
        self.anchors: list[dict[str, str]] = []
        self.rows: list[dict[str, Any]] = []
        self.text: list[str] = []
        self.tag, self.classes = "", ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tag, self.classes = tag, values.get("class") or ""
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]
        self.sources += [value or "" for name, value in attrs if name == "src"]
        if tag == "a":
            self.anchors.append({name: value or "" for name, value in attrs} | {"text": ""})
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
        elif self.tag == "a" and self.anchors:
            self.anchors[-1]["text"] += data
        elif self.tag == "td" and self.rows:
            self.rows[-1]["cells"][-1] += data.strip()

    def rows_of(self, heading: str) -> list[dict[str, Any]]:
        """The table rows (with cells) under a section heading."""
        return [row for row in self.rows if row["section"] == heading and row["cells"]]

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
    heading = section_title(section)
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
def test_report_account_loads_nothing_from_outside_and_links_only_to_tiktok_posts(
    reports: dict[str, Report], kind: str
) -> None:
    report = reports[kind]
    for loader in ("<script", "<link", "<iframe", "<object", "<embed", "@import", "url("):
        assert loader not in report.html, loader
    assert all(source.startswith("charts/") for source in report.parsed.sources)
    outside = [url for url in report.parsed.urls if not url.startswith(("#", "charts/"))]
    anchors = [anchor["href"] for anchor in report.parsed.anchors]
    assert outside and all(TIKTOK_POST.fullmatch(url) for url in outside)
    assert sorted(outside) == sorted(url for url in anchors if not url.startswith("#"))
    # no address anywhere else: not in text, styles or other attributes
    assert "http://" not in report.html
    assert report.html.count("https://") == len(outside)


def test_report_account_list_of_posts_names_each_post_by_its_caption_linked_to_tiktok(
    reports: dict[str, Report],
) -> None:
    report = reports["business"]
    posts = [anchor for anchor in report.parsed.anchors if not anchor["href"].startswith("#")]
    assert len(posts) == len(report.parsed.rows_of(section_title(POSTS_SECTION))) == 16
    assert posts[0] == {  # the most viewed post; its caption cut at a word, within 40 characters
        "href": "https://www.tiktok.com/@casa_verde_demo/video/7251003972010013881",
        "rel": "noopener noreferrer",
        "title": "Packing orders with us #houseplants #plantsoftiktok #urbanjungle",
        "text": "Packing orders with us #houseplants…",
    }
    for post in posts:
        assert post["rel"] == "noopener noreferrer"
        assert len(post["text"]) <= 40
        assert post["title"].startswith(post["text"].removesuffix("…"))


@pytest.mark.parametrize("kind", KINDS)
def test_report_account_has_every_section_and_metric(reports: dict[str, Report], kind: str) -> None:
    report = reports[kind]
    assert report.parsed.headings == [
        "Community", "Account", "Posts viewed in the period", "Posts published in the period",
        "List of posts", "Studio-style views", "Comments",
    ]  # fmt: skip
    assert {section_title(s) for s in (*metric_sections(), POSTS_SECTION, COMMENTS)} == set(
        report.parsed.headings
    )
    for metric in METRICS:
        cells = metric_row(report, metric.section, metric.label)
        assert len(cells) == (3 if cells[1].startswith(NOT_STORED) else 5), metric.name
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
    assert text.count(Settings().engagement_formula) >= 1 + len(metric_sections())
    for flag in report.flags:
        assert text.count(flag) == 1 + len(metric_sections())


def test_report_account_business_shows_values_compared_with_previous_period(
    reports: dict[str, Report],
) -> None:
    report = reports["business"]
    assert "personal accounts" not in report.html
    assert metric_row(report, "community", "Followers") == ["", "2,000", "1,915", "+4.4%", ""]
    assert metric_row(report, "posts published", "Engagement")[1:] == [
        "8.59",
        "6.52",
        "+31.7%",
        Settings().engagement_formula,
    ]
    assert "unavailable:" not in report.html


def test_report_account_personal_says_what_is_not_available(reports: dict[str, Report]) -> None:
    # The simulated personal account has what the Display API gives: follower counts and
    # post counters. Every other number is missing and names what would provide it.
    report = reports["personal"]
    missing = set()
    for metric in METRICS:
        cells = metric_row(report, metric.section, metric.label)
        if cells[1].startswith(NOT_STORED):
            missing.add(metric.name)
            assert "import Studio" in cells[1] or "connect the" in cells[1], metric.name
            assert cells[2] == "", "the note does not repeat it"
    assert {"video_views", "profile_views", "followers_gained", "views_from_for_you"} <= missing
    assert {"followers", "posts_published", "views_gained", "likes_gained"}.isdisjoint(missing)
    assert (
        "unavailable: no demographics in the store up to the period's end: import Studio's "
        "Followers export or connect the Business API" in unescape(report.html)
    )
    assert "personal accounts" not in report.html
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


def test_report_account_command_notes_a_period_cut_to_the_data(
    reports: dict[str, Report], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the simulated store holds 60 days: 2026-09-23 to 2026-11-21
    store, out = reports["business"].store, tmp_path / "september"
    code = main(["report", "account", "--db", str(store), "--out", str(out),
                 "--from", "2026-09-01", "--to", "2026-09-30"])  # fmt: skip
    note = (
        "the store holds data from 2026-09-23; the period starts there instead of 2026-09-01 "
        "(8 days instead of 30)"
    )
    assert (code, capsys.readouterr().out) == (0, f"wrote {out / 'index.html'}\nnote: {note}\n")
    words = parse((out / "index.html").read_text("utf-8")).words
    assert f"Account report for 2026-09-23 to 2026-09-30 Period: {note}." in words
    assert "Period 2026-09-23 to 2026-09-30 (8 days)" in words
    assert (
        "Comparison: the previous period (2026-09-15 to 2026-09-22) starts before the store's "
        "first day of data, 2026-09-23: it holds none of its days, so there is nothing to "
        "compare with."
    ) in words


def test_report_account_command_refuses_a_period_outside_the_data(
    reports: dict[str, Report], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store, out = reports["business"].store, tmp_path / "old"
    code = main(["report", "account", "--db", str(store), "--out", str(out),
                 "--from", "2025-01-01", "--to", "2025-01-31"])  # fmt: skip
    assert (code, capsys.readouterr().err) == (2, (
        "error: @casa_verde_demo: the store holds data from 2026-09-23 to 2026-11-21; "
        "2025-01-01 to 2025-01-31 is outside it\n"))  # fmt: skip
    assert not out.exists()


def test_report_trend_reads_a_rise_in_unfollows_as_bad_news() -> None:
    from tikscope.reports.html import trend

    assert [trend(12.0, "followers"), trend(12.0, "followers_lost")] == ["up", "down"]
    assert [trend(-12.0, "followers"), trend(-12.0, "followers_lost")] == ["down", "up"]
    assert [trend(0.01, "followers_lost"), trend(None), trend(5.0)] == ["flat", "flat", "up"]


def synthetic_posts(count: int) -> list[PostRow]:
    """Posts an hour apart from 14 Nov 18:05 UTC: a long caption, none, a short one, in turn."""
    captions = ("Repotting a monstera without killing it #plants", None, "Short one")
    return [
        PostRow({"post_id": str(7_300_000_000_000_000_000 + index),
                 "caption": captions[index % 3], "likes": 900 - index, "comments": 40,
                 "shares": 25, "type": "video",
                 "published": datetime(2026, 11, 14, 18, 5) + timedelta(hours=index)})
        for index in range(count)
    ]  # fmt: skip


def synthetic_top_posts(count: int) -> list[TopPost]:
    """The same posts as top posts of a period, with the views they gained."""
    return [
        TopPost(post.post_id, "video", post.published, post.caption, None,
                views_gained=10_000 - index, likes_gained=None, comments_gained=None,
                shares_gained=None)
        for index, post in enumerate(synthetic_posts(count))
    ]  # fmt: skip


def tick_labels(draw: Any, height: float) -> tuple[list[str], list[Any], Any]:
    """The y tick labels of a drawn report chart: texts, their boxes on the canvas, the figure."""
    import matplotlib

    from tikscope.reports.charts import STYLE, draw_figure

    with matplotlib.rc_context(STYLE):
        figure = draw_figure(draw, "A chart", height)
        figure.canvas.draw()
        labels = figure.axes[0].get_yticklabels()
        return [label.get_text() for label in labels], [
            label.get_window_extent() for label in labels], figure  # fmt: skip


def assert_whole_and_apart(boxes: list[Any], figure: Any) -> None:
    """Every label box inside the figure, none overlapping the next."""
    width, height = figure.bbox.width, figure.bbox.height
    for box in boxes:
        assert box.x0 >= 0 and box.x1 <= width and box.y0 >= 0 and box.y1 <= height, box
    ordered = sorted(boxes, key=lambda box: box.y0)
    assert all(low.y1 <= high.y0 for low, high in itertools.pairwise(ordered))


@pytest.mark.parametrize("count", [3, 26, 120])
def test_report_interactions_chart_names_posts_by_caption_and_time_with_whole_labels(
    count: int,
) -> None:
    from tikscope.reports.account_specs import interactions_chart
    from tikscope.reports.draw import draw_spec

    spec = interactions_chart(synthetic_posts(count))
    texts, boxes, figure = tick_labels(partial(draw_spec, spec=spec), spec.height)
    assert texts[0] == "Repotting a monstera without killing it… · 14 Nov 18:05"
    if count == 3:
        assert texts == ["Repotting a monstera without killing it… · 14 Nov 18:05",
                         "video · 14 Nov 19:05", "Short one · 14 Nov 20:05"]  # fmt: skip
    assert 300 <= figure.bbox.height <= 1100
    assert_whole_and_apart(boxes, figure)


def test_report_top_posts_chart_names_posts_by_caption_and_time_with_whole_labels() -> None:
    from tikscope.reports.account_specs import top_posts_chart
    from tikscope.reports.draw import draw_spec

    spec = top_posts_chart(synthetic_top_posts(10))
    texts, boxes, figure = tick_labels(partial(draw_spec, spec=spec), spec.height)
    assert texts[:3] == ["Repotting a monstera without killing it… · 14 Nov 18:05",
                         "video · 14 Nov 19:05", "Short one · 14 Nov 20:05"]  # fmt: skip
    assert_whole_and_apart(boxes, figure)
