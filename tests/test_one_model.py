"""One model, many renderers: the registry and SECTIONS keep their rules, and the CLI, the web
API and pages, and the HTML report show the same value, previous value and label of every metric.

The cross-output tests run on the web tests' store (tests/web_support.py), for the business
account and the last 28 days: the CLI in-process, the web API and pages over real HTTP, and the
report written by `tikscope report account`.
"""

from __future__ import annotations

import io
import json
import math
import operator
import re
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field, replace
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest

from tikscope.cli.main import main
from tikscope.metrics import registry
from tikscope.metrics.docs import render_metrics_markdown
from tikscope.metrics.model import Metric
from tikscope.metrics.registry import COMMUNITY, PUBLISHED, VIEWED, check_registry
from tikscope.reports.account import anchor
from tikscope.reports.html import format_change, format_value
from tikscope.reports.sections import SECTIONS, SECTIONS_BY_KEY, check_sections, headline
from tikscope.web.state import WebConfig
from web_support import WebStore, bearer, login, serve

DOC = Path(__file__).parents[1] / "docs" / "metrics.md"
ACCOUNT = "casa_verde_demo"
START, END = date(2026, 10, 24), date(2026, 11, 20)  # the web's default: the last 28 days
API = f"/api/workspaces/agency/accounts/{ACCOUNT}"
PAGE = f"/workspaces/agency/accounts/{ACCOUNT}"
PERIOD = {"start": START.isoformat(), "end": END.isoformat()}
Row = dict[str, Any]


def metric(name: str) -> Metric:
    return registry.metrics_by_name()[name]


# --- the rules ---------------------------------------------------------------------------------


def test_registry_and_sections_keep_their_rules() -> None:
    assert check_registry() == []
    assert check_sections() == []


def without(name: str) -> tuple[Metric, ...]:
    return tuple(entry for entry in registry.METRICS if entry.name != name)


def changed(name: str, **fields: Any) -> tuple[Metric, ...]:
    """The registry with one entry changed in place."""
    return tuple(
        replace(entry, **fields) if entry.name == name else entry for entry in registry.METRICS
    )


def broken_registries() -> dict[str, tuple[tuple[Metric, ...], list[str]]]:
    """A broken copy of the registry for each rule, and what `check_registry` says of it."""
    gained, balance = metric("followers_gained"), metric("followers_balance")
    balance_first = (balance, *without("followers_balance"))
    return {
        "duplicate name": (
            (*registry.METRICS, replace(gained, label="Follows")),
            ["name 'followers_gained' is used twice"],
        ),
        "duplicate label": (
            (*registry.METRICS, replace(gained, name="follows")),
            ["label 'Followers gained' is used twice"],
        ),
        "no description": (
            changed("followers_gained", description=" "),
            ["followers_gained has no description"],
        ),
        "derived from an unknown input": (
            changed("followers_balance", inputs=("followers_gained", "x")),
            ["followers_balance needs x, which is not defined before it"],
        ),
        "derived from a later input": (
            balance_first,
            [
                "followers_balance needs followers_gained, which is not defined before it",
                "followers_balance needs followers_lost, which is not defined before it",
            ],
        ),
        "derived with SQL": (
            changed("followers_balance", sql="sum(1)"),
            ["followers_balance is derived: inputs and combine, no SQL"],
        ),
        "simple without SQL": (
            changed("followers_gained", sql=""),
            ["followers_gained is simple: SQL and sources, no inputs"],
        ),
        "simple without sources": (
            changed("followers_gained", sources=()),
            ["followers_gained is simple: SQL and sources, no inputs"],
        ),
    }


@pytest.mark.parametrize("rule", list(broken_registries()))
def test_check_registry_catches_a_broken_copy(rule: str) -> None:
    broken, problems = broken_registries()[rule]
    assert check_registry(broken) == problems


def test_check_sections_catches_a_metric_in_an_unknown_section() -> None:
    moved = changed("followers", section="fans")
    assert check_sections(moved) == ["metric followers names an unknown section 'fans'"]


def test_check_sections_catches_a_card_naming_an_unknown_metric() -> None:
    published = SECTIONS_BY_KEY[PUBLISHED]
    sections = tuple(
        replace(section, cards=(*section.cards, "reach_per_post")) if section is published
        else section
        for section in SECTIONS
    )  # fmt: skip
    assert check_sections(sections=sections) == [
        "section posts published shows reach_per_post as a card, which is no metric"
    ]


def test_check_sections_catches_a_section_defined_twice() -> None:
    twice = (*SECTIONS, replace(SECTIONS[0], title="Fans"))
    assert check_sections(sections=twice) == ["section community is defined twice"]


def test_every_documented_metric_is_described_and_in_exactly_one_section() -> None:
    metrics_part = DOC.read_text().split("## List of posts: columns")[0]
    documented = re.findall(r"^\| `(\w+)` \|", metrics_part, flags=re.MULTILINE)
    assert sorted(documented) == sorted(entry.name for entry in registry.METRICS)
    for name in documented:
        assert metric(name).description.strip(), name
        assert [section.key for section in SECTIONS if name in section.metrics] == [
            metric(name).section
        ], name


# --- the same numbers everywhere -----------------------------------------------------------------


def matched(actual: Any, expected: Any) -> Any:
    """`actual`, with each float within 1e-12 of the one `expected` has in its place replaced by it.

    # NOTE: two computations of the same metric may differ in the last bit: DuckDB's parallel
    # sums may add floats in another order. Everything else must be equal.
    """
    if isinstance(actual, float) and isinstance(expected, float | int):
        close = math.isclose(actual, expected, rel_tol=1e-12, abs_tol=1e-12)
        return expected if close else actual
    if isinstance(actual, dict) and isinstance(expected, dict):
        return {key: matched(value, expected.get(key)) for key, value in actual.items()}
    if isinstance(actual, list) and isinstance(expected, list) and len(actual) == len(expected):
        return [matched(value, other) for value, other in zip(actual, expected, strict=True)]
    return actual


@dataclass
class Rendered:
    """What a page shows of metrics: table rows and cards, by `data-metric`.

    `rows[name]` is the row's cells (its first cell only the label, without the description);
    `cards` lists (where, card) in page order, `where` being `headline` for the cards at the top
    of the report, else the id of the section around them (or "" outside any).
    """

    rows: dict[str, list[str]] = field(default_factory=dict)
    cards: list[tuple[str, Row]] = field(default_factory=list)

    def cards_in(self, where: str) -> list[Row]:
        return [card for place, card in self.cards if place == where]


CARD_PARTS = ("label", "value", "change", "note")


class MetricParser(HTMLParser):
    """Reads `Rendered` from a report or web page."""

    def __init__(self) -> None:
        super().__init__()
        self.rendered = Rendered()
        self.where = ""
        self.row: list[str] | None = None
        self.card: Row | None = None
        self.part: str | None = None  # the card's part, or "label"/"description"/"cell" of a row

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        classes = values.get("class", "").split()
        if tag == "section":
            self.where = "headline" if "overview" in classes else values.get("id", "")
        elif tag == "tr":
            self.row, self.part = None, None
            if "data-metric" in values:
                self.row = self.rendered.rows.setdefault(values["data-metric"], [])
        elif tag == "td" and self.row is not None:
            self.row.append("")
            self.part = "cell"
        elif tag == "span" and self.row is not None and classes:
            self.part = classes[0]  # the first cell's label and description
        elif tag == "div" and "card" in classes:
            self.card = {"metric": values["data-metric"]}
            self.rendered.cards.append((self.where, self.card))
        elif tag == "div" and self.card is not None:
            part = classes[0].removeprefix("card-") if classes else ""
            if part in CARD_PARTS:
                self.part, self.card[part] = part, ""
            else:  # a div that is no part of a card: the card has ended
                self.card = None

    def handle_endtag(self, tag: str) -> None:
        if tag in ("tr", "table"):
            self.row = None
        if tag == "span" and self.part in ("label", "description"):
            self.part = "cell"

    def handle_data(self, data: str) -> None:
        if self.row and self.part in ("cell", "label"):
            self.row[-1] = " ".join(f"{self.row[-1]} {data}".split())
        elif self.card is not None and self.part in self.card:
            self.card[self.part] = " ".join(f"{self.card[self.part]} {data}".split())


def rendered(html: str) -> Rendered:
    parser = MetricParser()
    parser.feed(html)
    return parser.rendered


def written(row: Row) -> tuple[str, str, str]:
    """A CLI row's value, previous value and % change as the report and web pages write them."""
    unit = row["unit"]
    return (format_value(row["value"], unit), format_value(row["previous"], unit),
            format_change(row["change_percent"]))  # fmt: skip


def report_cells(row: Row) -> list[str]:
    """The cells of a metric's row in the report: the reason alone when it is missing."""
    return [row["label"], row["missing"], ""] if row["missing"] else page_cells(row)


def page_cells(row: Row) -> list[str]:
    """The cells of a metric's row in a metric table of a web page."""
    return [row["label"], *written(row), row["note"]]


def report_card(row: Row) -> Row:
    """A metric's card in the report: the reason alone when it is missing."""
    if row["missing"]:
        return {"metric": row["metric"], "label": row["label"], "value": row["missing"]}
    value, previous, change = written(row)
    return {"metric": row["metric"], "label": row["label"], "value": value,
            "change": f"{change} vs {previous}"}  # fmt: skip


def page_card(row: Row) -> Row:
    """A metric's card on a web page, with its note (the reason when it is missing)."""
    value, previous, change = written(row)
    card = {"metric": row["metric"], "label": row["label"], "value": value,
            "change": f"{change} vs {previous}"}  # fmt: skip
    return card | ({"note": row["note"]} if row["note"] else {})


@dataclass(frozen=True)
class Outputs:
    """One account and period as each output shows it."""

    cli: list[Row]
    api: dict[str, Row]
    overview_page: Rendered
    report: Rendered

    def cli_rows(self, section: str) -> list[Row]:
        return [row for row in self.cli if row["section"] == section]

    def cli_row(self, name: str) -> Row:
        return next(row for row in self.cli if row["metric"] == name)


def run_cli(*args: str) -> str:
    """Run a command in-process; its standard output, asserting it succeeded quietly."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    assert (code, err.getvalue()) == (0, "")
    return out.getvalue()


def cli_json(db: Path) -> list[Row]:
    """`tikscope metrics --compare --format json` for the account and period."""
    rows: list[Row] = json.loads(run_cli(
        "metrics", "--db", str(db), "--account", ACCOUNT, "--from", PERIOD["start"],
        "--to", PERIOD["end"], "--compare", "--format", "json"))  # fmt: skip
    return rows


def written_report(db: Path, out: Path) -> Rendered:
    """`tikscope report account` for the account and period, as the page shows it."""
    run_cli("report", "account", "--db", str(db), "--account", ACCOUNT, "--from", PERIOD["start"],
            "--to", PERIOD["end"], "--out", str(out))  # fmt: skip
    return rendered((out / "index.html").read_text("utf-8"))


def web_outputs(origin: str, store: WebStore) -> tuple[dict[str, Row], Rendered]:
    """The API's overview, community and content answers, and the overview page."""
    with httpx.Client(base_url=origin, timeout=60) as client:
        api = {}
        for name in ("overview", "community", "content"):
            response = client.get(
                f"{API}/{name}", params=PERIOD, headers=bearer(store.tokens["vera"])
            )
            assert response.status_code == 200, response.text
            api[name] = response.json()
        assert login(client, "vera").status_code == 303
        page = client.get(f"{PAGE}/overview", params=PERIOD)
        assert page.status_code == 200, page.text
    return api, rendered(page.text)


def gather_outputs(origin: str, store: WebStore, out: Path) -> Outputs:
    """Every output of the account and period, from the store the server at `origin` serves."""
    api, overview_page = web_outputs(origin, store)
    return Outputs(cli_json(store.path), api, overview_page, written_report(store.path, out))


@pytest.fixture(scope="module")
def outputs(web_server: tuple[str, WebStore], tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    origin, store = web_server
    return gather_outputs(origin, store, tmp_path_factory.mktemp("report"))


def test_cli_and_web_api_give_the_same_rows(outputs: Outputs) -> None:
    api = outputs.api
    assert len(outputs.cli) == len(registry.METRICS)
    assert matched(api["overview"]["metrics"], outputs.cli) == outputs.cli
    headline_rows = [outputs.cli_row(name) for name in headline()]
    assert matched(api["overview"]["headline"], headline_rows) == headline_rows
    blocks = {COMMUNITY: api["community"], VIEWED: api["content"]["viewed"],
              PUBLISHED: api["content"]["published"]}  # fmt: skip
    for key, block in blocks.items():
        section, rows = SECTIONS_BY_KEY[key], outputs.cli_rows(key)
        cards = [outputs.cli_row(name) for name in section.cards] if section.cards else rows
        expected = {"section": key, "title": section.title, "intro": section.intro,
                    "cards": cards, "metrics": rows}  # fmt: skip
        assert matched({name: block[name] for name in expected}, expected) == expected


def test_report_shows_the_cli_values_labels_and_previous_values(outputs: Outputs) -> None:
    report = outputs.report
    assert report.rows == {row["metric"]: report_cells(row) for row in outputs.cli}
    for section in SECTIONS:
        cards = outputs.report.cards_in(anchor(section.title))
        assert cards == [report_card(outputs.cli_row(name)) for name in section.cards], section.key


def test_web_overview_page_shows_the_cli_values_labels_and_previous_values(
    outputs: Outputs,
) -> None:
    page = outputs.overview_page
    assert page.rows == {row["metric"]: page_cells(row) for row in outputs.cli}
    assert page.cards_in("") == [page_card(outputs.cli_row(name)) for name in headline()]


def test_web_overview_headline_is_the_report_headline(outputs: Outputs) -> None:
    names = list(headline())
    report_cards = outputs.report.cards_in("headline")
    page_cards = outputs.overview_page.cards_in("")
    api_cards = outputs.api["overview"]["headline"]
    assert [card["metric"] for card in report_cards] == names
    assert [card["metric"] for card in page_cards] == names
    assert [row["metric"] for row in api_cards] == names
    for report_card_, page_card_, row in zip(report_cards, page_cards, api_cards, strict=True):
        assert row["missing"] is None, "the business account has every headline number"
        shown = {key: report_card_[key] for key in ("label", "value", "change")}
        assert shown == {key: page_card_[key] for key in ("label", "value", "change")}
        assert shown["value"] == format_value(row["value"], row["unit"])


# --- adding a metric -----------------------------------------------------------------------------

INTERACTIONS_PER_POST = registry.derived(
    "interactions_per_post",
    "Interactions per post",
    "Interactions of the posts published in the period divided by their number.",
    inputs=("published_interactions", "posts_published"),
    combine=operator.truediv,
    section=PUBLISHED,
)


def test_a_metric_added_to_the_registry_reaches_every_output(
    monkeypatch: pytest.MonkeyPatch, web_store: WebStore, tmp_path: Path
) -> None:
    # Adding a metric is one entry in registry.METRICS (and its hand-computed value in
    # test_metrics.py): the CLI, the web API and pages, the report and the docs read the registry
    # when they run, so patching that one name is enough.
    monkeypatch.setattr(registry, "METRICS", (*registry.METRICS, INTERACTIONS_PER_POST))
    assert (check_registry(), check_sections()) == ([], [])
    # NOTE: a server of its own: the module's server has answers for this period in its cache.
    with serve(WebConfig(db=web_store.path, secure_cookies=False)) as origin:
        outputs = gather_outputs(origin, web_store, tmp_path / "report")
    added = outputs.cli_row("interactions_per_post")
    interactions, posts = (outputs.cli_row(name) for name in ("published_interactions",
                                                               "posts_published"))  # fmt: skip
    previous = interactions["previous"] / posts["previous"]
    assert {key: added[key] for key in ("section", "label", "value", "previous", "unit")} == {
        "section": PUBLISHED, "label": "Interactions per post",
        "value": interactions["value"] / posts["value"], "previous": previous, "unit": "count",
    }  # fmt: skip
    assert (interactions["value"], posts["value"], added["value"]) == (223, 9, 223 / 9)
    assert matched(outputs.api["overview"]["metrics"], outputs.cli) == outputs.cli
    published = outputs.cli_rows(PUBLISHED)
    assert published[-1] == added
    assert matched(outputs.api["content"]["published"]["metrics"], published) == published
    assert outputs.report.rows["interactions_per_post"] == report_cells(added)
    assert outputs.overview_page.rows["interactions_per_post"] == page_cells(added)
    assert "| `interactions_per_post` | Interactions per post |" in render_metrics_markdown()
