"""The media kit: its numbers are the registry's for the same period, its PDF reads back with them,
what the store lacks is named, and the PDF never reaches out to the network."""

from __future__ import annotations

import statistics
import subprocess
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tikscope.audience.insights import compute_insights, saved_insights
from tikscope.cli.main import main
from tikscope.metrics.period_range import held_days
from tikscope.metrics.periods import Period
from tikscope.metrics.query import Settings, compute_metrics, find_account
from tikscope.metrics.sections import demographics, post_list
from tikscope.reports.media_kit import (
    NO_CLUSTERS,
    RECENT_POSTS,
    gather_media_kit,
    media_kit_html,
)
from tikscope.reports.pdf import write_pdf
from tikscope.store.db import open_store
from web_support import WebStore

PERIOD = Period(date(2026, 10, 24), date(2026, 11, 20))  # the store's last 28 days
NO_DEMOGRAPHICS = (
    "no demographics in the store up to the period's end: import Studio's Followers export or "
    "connect the Business API"
)


def test_media_kit_numbers_are_the_registrys_for_the_same_period(
    web_store_template: WebStore,
) -> None:
    with open_store(web_store_template.path) as connection:
        account = find_account(connection, "casa_verde_demo")
        kit = gather_media_kit(connection, account, PERIOD)
        by_views = compute_metrics(connection, account, PERIOD, Settings(engagement_basis="views"))
        by_followers = compute_metrics(
            connection, account, PERIOD, Settings(engagement_basis="followers")
        )
        held = held_days(connection, account)
        assert held is not None
        history = post_list(connection, account, Period(held.first, PERIOD.end), Settings(),
                            columns=("views", "published"), sort="-published")  # fmt: skip
    last = [post["views"] for post in history[:RECENT_POSTS]]
    values = {number.key: number.value for number in kit.numbers}
    assert values == {
        "followers": by_views["followers"].value,
        "followers_growth": by_views["followers_growth"].value,
        "average_views": statistics.fmean(last),
        "median_views": statistics.median(last),
        "engagement_by_views": by_views["engagement"].value,
        "engagement_by_followers": by_followers["engagement"].value,
        "views_per_follower": statistics.fmean(last) / 1500,
        "posting_frequency": 9 / 28 * 7,
    }
    # The same numbers, by hand from the simulated store: 1,500 followers, 64 more than on
    # 2026-10-23, 9 posts in 28 days; the last 30 posts' views average 593.77 (median 195.5).
    assert (values["followers"], values["followers_growth"]) == (1500, 64)
    assert round(values["average_views"] or 0, 2) == 593.77
    assert values["median_views"] == 195.5
    assert kit.number("followers_growth").note == "+4.5% in the period"  # 64 / 1,436
    assert kit.number("posting_frequency").note == "9 posts in 28 days"
    assert kit.number("engagement_by_views").formula == (
        "engagement = mean over posts of (likes + comments + shares) / views × 100"
    )
    assert kit.number("engagement_by_followers").formula == (
        "engagement = mean over posts of (likes + comments + shares) / followers at the "
        "period's end × 100"
    )
    assert [post["views"] for post in kit.top_posts] == sorted(last, reverse=True)[:5]
    assert [part.key for part in kit.audience] == ["gender", "age", "country", "territories"]
    assert [entry.value for entry in kit.audience[0].shares] == ["female", "male", "other"]
    assert (kit.clusters, kit.clusters_missing) == ((), NO_CLUSTERS)


def test_media_kit_of_a_personal_account_names_what_would_give_the_audience(
    web_store_template: WebStore,
) -> None:
    with open_store(web_store_template.path) as connection:
        kit = gather_media_kit(connection, find_account(connection, "other_brand"), PERIOD)
    assert {part.key: (part.shares, part.missing) for part in kit.audience} == {
        "gender": ((), NO_DEMOGRAPHICS), "age": ((), NO_DEMOGRAPHICS),
        "country": ((), NO_DEMOGRAPHICS),
        "territories": ((), "not in the store for this period: connect the Business API"),
    }  # fmt: skip
    assert kit.number("followers").value == 300
    assert kit.recent_posts == 15  # all it has
    page = media_kit_html(kit)
    assert f"Unknown: {NO_DEMOGRAPHICS}" in page.replace("&#39;", "'")
    assert "never guesses anyone's age or gender" in page.replace("&#39;", "'")


def test_media_kit_shows_the_saved_clusters_and_their_affinities(web_store: WebStore) -> None:
    with open_store(web_store.path) as connection:
        account = find_account(connection, "casa_verde_demo")
        compute_insights(connection, account.account_id, account.handle, clusters=4)
        cards = saved_insights(connection, account.account_id, account.handle).cards
        kit = gather_media_kit(connection, account, PERIOD)
    assert kit.clusters_missing is None
    assert [(c.name, c.size, c.share) for c in kit.clusters] == [
        (card.name, card.size, card.share) for card in cards]  # fmt: skip
    for cluster, card in zip(kit.clusters, cards, strict=True):
        standing_out = sorted((s for s in card.attributes["interests"] if s.significant),
                              key=lambda s: (-s.index, s.value))[:3]  # fmt: skip
        assert [a.value for a in cluster.affinities] == [s.value for s in standing_out]
        assert all(affinity.index > 100 for affinity in cluster.affinities)
        assert list(cluster.keywords) == [keyword.term for keyword in card.keywords[:4]]
    assert any(cluster.affinities for cluster in kit.clusters)


def test_media_kit_command_writes_a_pdf_whose_text_has_the_key_numbers(
    capsys: pytest.CaptureFixture[str], web_store_template: WebStore, tmp_path: Path
) -> None:
    out = tmp_path / "kit"
    code = main(["report", "media-kit", "--db", str(web_store_template.path), "--account",
                 "casa_verde_demo", "--from", "2026-10-24", "--to", "2026-11-20", "--out",
                 str(out)])  # fmt: skip
    assert (code, capsys.readouterr().out) == (
        0, f"wrote {out / 'media-kit.html'}\nwrote {out / 'media-kit.pdf'}\n")  # fmt: skip
    pdf = out / "media-kit.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(next(line.split()[-1] for line in info.stdout.splitlines()
                     if line.startswith("Pages:")))  # fmt: skip
    assert 1 <= pages <= 3
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    lines = {" ".join(line.split()) for line in text.splitlines()}
    # Each value is a line of its own (the unit under it): followers, growth, average and
    # median views, engagement by views and by followers, views per follower, posts a week.
    numbers = ["1,500", "64", "594", "196", "7.93", "1.65", "0.40", "2.25"]
    assert [number for number in numbers if number not in lines] == []
    words = " ".join(text.split())
    for expected in (
        "@casa_verde_demo media kit",
        "2026-10-24 to 2026-11-20 (28 days)",
        "per 100 views",
        "per 100 followers",
        "posts a week",
        "+4.5% in the period",
        "Top posts",
        "6,559",
    ):
        assert expected in words, expected
    with open_store(web_store_template.path) as connection:
        people = demographics(connection, find_account(connection, "casa_verde_demo"), PERIOD)
    female = people.of("gender")[0]
    assert female.value == "female" and f"{female.share:.1%}" in lines
    assert (out / "media-kit.html").read_text("utf-8").startswith("<!DOCTYPE html>")


def test_pdf_never_fetches_from_the_network(tmp_path: Path) -> None:
    asked: list[str] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        html = (f'<html><head><link rel="stylesheet" href="{origin}/style.css"></head><body>'
                f'<img src="{origin}/logo.png"><p>Plants 🌵 #1</p></body></html>')  # fmt: skip
        pdf = write_pdf(html, tmp_path / "deep" / "page.pdf")
    finally:
        server.shutdown()
        server.server_close()
    assert asked == []
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    assert "Plants 🌵 #1" in text


def test_media_kit_of_a_studio_only_creator_uses_what_studio_gave(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "studio.duckdb"
    studio = Path(__file__).parent / "fixtures" / "files" / "studio_en"
    assert main(["import", str(studio), "--db", str(db), "--account", "creator_one"]) == 0
    capsys.readouterr()
    with open_store(db) as connection:
        account = find_account(connection, "creator_one")
        kit = gather_media_kit(connection, account, Period(date(2026, 4, 4), date(2026, 5, 1)))
    # Two posts in the Content export: 48,210 and 15,000 views.
    assert (kit.recent_posts, kit.number("average_views").value) == (2, (48_210 + 15_000) / 2)
    assert kit.number("median_views").value == 31_605
    assert kit.number("posting_frequency").note == "1 post in 28 days"
    parts = {part.key: part for part in kit.audience}
    assert [(s.value, s.share) for s in parts["gender"].shares] == [
        ("female", 0.55), ("male", 0.41), ("other", 0.04)]  # fmt: skip
    assert parts["age"].missing == "not in the store: connect the Business API"
    # The Followers export is dated the day it was downloaded, after the period.
    assert (kit.audience_note or "").startswith("no snapshot up to the period's end: the first")
