"""The audience insights page and its API over a real server: analyse, graph, PNG, merge, rename."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Page

from browser_support import log_in, screenshot
from tikscope.audience.insights import as_dict, compute_insights, saved_insights
from tikscope.audience.results import load_result
from tikscope.metrics.query import find_account
from tikscope.reports.audience import graph_layout, graph_png
from tikscope.store.db import open_store
from tikscope.web.state import WebConfig
from web_support import PASSWORD, WebStore, bearer, copy_store, csrf_token, login, serve

HANDLE = "casa_verde_demo"
API = f"/api/workspaces/agency/accounts/{HANDLE}/audience"
PAGE = f"/workspaces/agency/accounts/{HANDLE}/audience"


@pytest.fixture(scope="module")
def analysed_template(
    web_store_template: WebStore, tmp_path_factory: pytest.TempPathFactory
) -> WebStore:
    """The web store with one saved audience result of casa_verde_demo (default options)."""
    store = copy_store(web_store_template, tmp_path_factory.mktemp("analysed") / "web.duckdb")
    with open_store(store.path) as connection:
        account = find_account(connection, HANDLE)
        compute_insights(connection, account.account_id, HANDLE)
    return store


@pytest.fixture(scope="module")
def read_server(
    analysed_template: WebStore, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A server over a copy of the analysed store, for tests that change nothing."""
    store = copy_store(analysed_template, tmp_path_factory.mktemp("read") / "web.duckdb")
    with serve(WebConfig(db=store.path, secure_cookies=False)) as origin:
        yield origin


@pytest.fixture
def analysed_server(analysed_template: WebStore, tmp_path: Path) -> Iterator[tuple[str, WebStore]]:
    """A server of this test's own over a copy of the analysed store: (origin, store)."""
    store = copy_store(analysed_template, tmp_path / "web.duckdb")
    with serve(WebConfig(db=store.path, secure_cookies=False)) as origin:
        yield origin, store


@pytest.fixture
def empty_server(web_store: WebStore) -> Iterator[str]:
    """A server of this test's own over a store with no audience result yet."""
    with serve(WebConfig(db=web_store.path, secure_cookies=False)) as origin:
        yield origin


def client(origin: str) -> httpx.Client:
    """An httpx client for the server (keeps cookies; does not follow redirects)."""
    return httpx.Client(base_url=origin, timeout=60)


def expected_audience(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """`as_dict` of the saved insights in the store at `path` as JSON, and the graph layout."""
    with open_store(path) as connection:
        account = find_account(connection, HANDLE)
        insights = saved_insights(connection, account.account_id, HANDLE)
    return json.loads(json.dumps(as_dict(insights))), json.loads(
        json.dumps(asdict(graph_layout(insights)))
    )


def expected_freshness(path: Path) -> tuple[dict[str, Any], str | None]:
    """The account's data freshness as JSON, and when its newest audience result was made."""
    from fastapi.encoders import jsonable_encoder

    from tikscope.metrics.studio import data_freshness

    with open_store(path) as connection:
        account = find_account(connection, HANDLE)
        freshness = jsonable_encoder(data_freshness(connection, account))
        made = connection.execute("SELECT max(created_at) FROM audience_results").fetchall()[0][0]
    return freshness, None if made is None else made.isoformat()


def cluster_names(body: dict[str, Any]) -> dict[int, tuple[str, int]]:
    """Cluster -> (name, size) from the JSON twin."""
    return {card["cluster"]: (card["name"], card["size"]) for card in body["insights"]["clusters"]}


def test_web_audience_shows_an_empty_state_until_the_first_analysis(
    empty_server: str, web_store: WebStore
) -> None:
    with client(empty_server) as api:
        answer = api.get(API, headers=bearer(web_store.tokens["vera"]))
        png = api.get(f"{API}/graph.png", headers=bearer(web_store.tokens["vera"]))
    assert answer.status_code == 200
    freshness, analysed_at = expected_freshness(web_store.path)
    assert analysed_at is None
    assert answer.json() == {
        "account": {"handle": HANDLE, "account_type": "business", "time_zone": "Europe/Madrid"},
        "insights": None,
        "graph": None,
        "analysed_at": None,
        "freshness": freshness,
        "downloads": {"png_with_labels": f"{API}/graph.png?labels=true",
                      "png_without_labels": f"{API}/graph.png?labels=false"},
    }  # fmt: skip
    assert (png.status_code, png.json()) == (
        404, {"detail": "@casa_verde_demo has no saved audience result yet"},
    )  # fmt: skip
    with client(empty_server) as viewer, client(empty_server) as editor:
        login(viewer, "vera")
        login(editor, "eddie")
        viewer_page, editor_page = viewer.get(PAGE), editor.get(PAGE)
    assert viewer_page.status_code == editor_page.status_code == 200
    assert "No audience analysis yet" in viewer_page.text
    assert f'action="{PAGE}/analyze"' not in viewer_page.text
    assert "An editor of this workspace can start it here" in viewer_page.text
    assert f'action="{PAGE}/analyze"' in editor_page.text
    assert 'id="audience-graph"' not in editor_page.text


def test_web_audience_analysis_runs_for_editors_only(
    empty_server: str, web_store: WebStore
) -> None:
    with client(empty_server) as api:
        refused = api.post(f"{API}/analyze", headers=bearer(web_store.tokens["vera"]), json={})
        too_few = api.post(f"{API}/analyze", headers=bearer(web_store.tokens["eddie"]),
                           json={"clusters": 1})  # fmt: skip
        done = api.post(f"{API}/analyze", headers=bearer(web_store.tokens["eddie"]),
                        json={"clusters": 3, "seed": 11})  # fmt: skip
    assert (refused.status_code, refused.json()) == (
        403, {"detail": "this needs the editor role in agency"},
    )  # fmt: skip
    assert too_few.status_code == 422
    assert done.status_code == 200
    clustering = done.json()["insights"]["clustering"]
    assert (clustering["clusters"], clustering["seed"], done.json()["insights"]["result_id"]) == (
        3, 11, 1,
    )  # fmt: skip
    with client(empty_server) as viewer, client(empty_server) as editor:
        login(viewer, "vera")
        form = {"csrf_token": csrf_token(viewer.get(PAGE).text), "clusters": "", "seed": "7"}
        assert viewer.post(f"{PAGE}/analyze", data=form).status_code == 403
        login(editor, "eddie")
        form = {"csrf_token": csrf_token(editor.get(PAGE).text), "clusters": "", "seed": "7"}
        assert editor.post(f"{PAGE}/analyze", data={**form, "csrf_token": "x"}).status_code == 403
        answer = editor.post(f"{PAGE}/analyze", data=form)
        assert (answer.status_code, answer.headers["location"]) == (303, f"{PAGE}?done=analyzed")
        page = editor.get(answer.headers["location"])
    assert "The audience was analysed and the result saved." in page.text
    assert "in 4 clusters · saved result 2" in page.text
    assert "members with a value: " in page.text  # each attribute's coverage on the cards
    assert "Age and gender are never guessed" in page.text


def test_web_audience_analysis_by_affinities(empty_server: str, web_store: WebStore) -> None:
    with client(empty_server) as api:
        done = api.post(f"{API}/analyze", headers=bearer(web_store.tokens["eddie"]),
                        json={"by": "affinities", "clusters": 4})  # fmt: skip
        wrong = api.post(f"{API}/analyze", headers=bearer(web_store.tokens["eddie"]),
                         json={"by": "likes"})  # fmt: skip
    assert (done.status_code, wrong.status_code) == (200, 422)
    insights = done.json()["insights"]
    assert (insights["clustering"]["mode"], insights["clustering"]["clusters"]) == ("affinities", 4)
    assert any(card["affinities"] for card in insights["clusters"])
    with client(empty_server) as editor:
        login(editor, "eddie")
        form = {"csrf_token": csrf_token(editor.get(PAGE).text), "clusters": "",
                "seed": "7", "by": "affinities"}  # fmt: skip
        answer = editor.post(f"{PAGE}/analyze", data=form)
        assert answer.status_code == 303
        page = editor.get(answer.headers["location"]).text
    assert "<dd>Clustered by the outside accounts members follow; k = " in page
    assert '<option value="affinities" selected>' in page


def test_web_audience_json_twin_equals_the_saved_insights(
    read_server: str, analysed_template: WebStore
) -> None:
    insights, graph = expected_audience(analysed_template.path)
    with client(read_server) as api:
        answer = api.get(API, headers=bearer(analysed_template.tokens["vera"]))
    assert answer.status_code == 200
    freshness, analysed_at = expected_freshness(analysed_template.path)
    assert analysed_at is not None
    assert answer.json() == {
        "account": {"handle": HANDLE, "account_type": "business", "time_zone": "Europe/Madrid"},
        "insights": insights,
        "graph": graph,
        "analysed_at": analysed_at,
        "freshness": freshness,
        "downloads": {"png_with_labels": f"{API}/graph.png?labels=true",
                      "png_without_labels": f"{API}/graph.png?labels=false"},
    }  # fmt: skip
    assert [node["cluster"] for node in graph["nodes"]] == [0, 1, 2, 3]
    assert insights["privacy"] == {
        "min_group_size": 10, "min_cluster_size": 10, "public_followers": 10_000
    }  # fmt: skip


def test_web_audience_names_public_affinities_only(
    read_server: str, analysed_template: WebStore
) -> None:
    with open_store(analysed_template.path) as connection:
        accounts = connection.execute(
            "SELECT handle, verified OR follower_count >= 10000 FROM outside_accounts"
        ).fetchall()
    private = {handle for handle, is_public in accounts if not is_public}
    with client(read_server) as api:
        answer = api.get(API, headers=bearer(analysed_template.tokens["vera"]))
        login(api, "vera")
        page = api.get(PAGE).text
    insights = answer.json()["insights"]
    named = {item["handle"] for card in insights["clusters"] for item in card["affinities"]}
    named |= {item["handle"] for item in insights["summary"]["affinities"]}
    assert named and not named & private
    assert any(card["unnamed_affinities"] for card in insights["clusters"])
    shown = set(re.findall(r"@([\w.]+)</td>", page))
    assert shown and not shown & private
    assert "not a public figure (counted, never named)" in page


def test_web_audience_png_is_transparent_with_or_without_labels(
    read_server: str, analysed_template: WebStore
) -> None:
    with open_store(analysed_template.path) as connection:
        account = find_account(connection, HANDLE)
        insights = saved_insights(connection, account.account_id, HANDLE)
    pictures = {}
    with client(read_server) as api:
        for labels in ("true", "false"):
            answer = api.get(f"{API}/graph.png", params={"labels": labels},
                             headers=bearer(analysed_template.tokens["vera"]))  # fmt: skip
            assert answer.status_code == 200
            assert answer.headers["content-type"] == "image/png"
            pictures[labels] = answer.content
    assert pictures["true"] == graph_png(insights, labels=True)
    assert pictures["false"] == graph_png(insights, labels=False)
    assert pictures["true"] != pictures["false"]
    for content in pictures.values():
        image = Image.open(io.BytesIO(content))
        assert (image.format, image.mode) == ("PNG", "RGBA")
        assert image.getpixel((0, 0))[3] == 0  # the background is transparent
        low, high = image.getchannel("A").getextrema()
        assert low == 0 and high >= 229  # discs are drawn at 90% opacity, labels opaque


def test_web_audience_merge_and_rename_through_the_api(
    analysed_server: tuple[str, WebStore],
) -> None:
    origin, store = analysed_server
    editor = bearer(store.tokens["eddie"])
    with client(origin) as api:
        before = cluster_names(api.get(API, headers=editor).json())
        problems = [
            api.post(f"{API}/merge", headers=editor, json={"clusters": [2, 9]}),
            api.post(f"{API}/rename", headers=editor, json={"cluster": 9, "name": "x"}),
            api.post(f"{API}/rename", headers=editor, json={"cluster": 0, "name": "   "}),
        ]
        short = api.post(f"{API}/merge", headers=editor, json={"clusters": [2]})
        viewer = api.post(f"{API}/merge", headers=bearer(store.tokens["vera"]),
                          json={"clusters": [2, 3]})  # fmt: skip
        merged = api.post(f"{API}/merge", headers=editor, json={"clusters": [2, 3]})
        renamed = api.post(f"{API}/rename", headers=editor,
                           json={"cluster": 0, "name": "Plant parents"})  # fmt: skip
    assert [(answer.status_code, answer.json()) for answer in problems] == [
        (422, {"detail": "merge needs two or more clusters of result 1 (it has 0, 1, 2, 3); "
                         "it has no cluster 9"}),
        (422, {"detail": "result 1 has no cluster 9 (it has 0, 1, 2, 3)"}),
        (422, {"detail": "a cluster name cannot be empty"}),
    ]  # fmt: skip
    assert (short.status_code, viewer.status_code) == (422, 403)
    assert merged.status_code == renamed.status_code == 200
    assert cluster_names(renamed.json()) == {
        0: ("Plant parents", before[0][1]),
        1: before[1],
        2: (before[2][0], before[2][1] + before[3][1]),
    }
    # NOTE: the server still has the file open; DuckDB shares it within one process
    with open_store(store.path) as connection:
        account = find_account(connection, HANDLE)
        saved = load_result(connection, account.account_id)
    assert saved.names == {0: "Plant parents", 1: before[1][0], 2: before[2][0]}


def test_web_audience_merge_and_rename_through_the_page_forms(
    analysed_server: tuple[str, WebStore],
) -> None:
    origin, _ = analysed_server
    with client(origin) as browser:
        login(browser, "eddie")
        page = browser.get(PAGE)
        token = csrf_token(page.text)
        assert f'action="{PAGE}/rename"' in page.text and f'action="{PAGE}/merge"' in page.text
        unsafe = browser.post(f"{PAGE}/rename", data={"cluster": "1", "name": "Makers"})
        unknown = browser.post(f"{PAGE}/rename", data={"csrf_token": token, "cluster": "7",
                                                       "name": "Makers"})  # fmt: skip
        renamed = browser.post(f"{PAGE}/rename", data={"csrf_token": token, "cluster": "1",
                                                       "name": "Makers & menders"})  # fmt: skip
        after_rename = browser.get(renamed.headers["location"])
        merged = browser.post(f"{PAGE}/merge", data={"csrf_token": token, "into": "1",
                                                     "clusters": ["1", "3"]})  # fmt: skip
        after_merge = browser.get(merged.headers["location"])
        nothing = browser.post(f"{PAGE}/merge", data={"csrf_token": token, "into": "1"})
    assert (unsafe.status_code, unknown.status_code, nothing.status_code) == (403, 422, 422)
    assert "result 1 has no cluster 7 (it has 0, 1, 2, 3)" in unknown.text
    assert (renamed.status_code, renamed.headers["location"]) == (303, f"{PAGE}?done=renamed")
    assert "The cluster was renamed." in after_rename.text
    assert "<span data-name>Makers &amp; menders</span>" in after_rename.text
    assert (merged.status_code, merged.headers["location"]) == (303, f"{PAGE}?done=merged")
    assert "The clusters were merged." in after_merge.text
    assert "in 3 clusters" in after_merge.text
    assert 'class="cluster-card" data-cluster="3"' not in after_merge.text


def test_web_audience_is_not_found_from_another_workspace(
    read_server: str, analysed_template: WebStore
) -> None:
    rita = bearer(analysed_template.tokens["rita"])
    with client(read_server) as api:
        answers = [
            api.get(API, headers=rita),
            api.get(f"{API}/graph.png", headers=rita),
            api.post(f"{API}/analyze", headers=rita, json={}),
            api.post(f"{API}/merge", headers=rita, json={"clusters": [0, 1]}),
            api.post(f"{API}/rename", headers=rita, json={"cluster": 0, "name": "x"}),
            api.get(f"/api/workspaces/rival/accounts/{HANDLE}/audience", headers=rita),
        ]
        anonymous = api.get(API)
    assert [answer.status_code for answer in answers] == [404] * 6
    assert answers[0].json() == {"detail": "no workspace 'agency'"}
    assert answers[5].json() == {"detail": f"no account @{HANDLE} in workspace rival"}
    assert anonymous.status_code == 401


def test_page_audience_graph_hover_download_and_rename(
    page: Page, analysed_server: tuple[str, WebStore]
) -> None:
    origin, _ = analysed_server
    log_in(page, origin, "eddie", PASSWORD)
    page.goto(origin + PAGE)
    graph = page.locator("#audience-graph")
    page.wait_for_function("document.getElementById('audience-graph').dataset.drawn === 'true'")
    graph.scroll_into_view_if_needed()
    bubble = graph.locator(".scatterlayer .trace:last-child .point").first.bounding_box()
    assert bubble is not None and bubble["width"] > 100  # the largest cluster, sized by share
    page.mouse.move(bubble["x"] + bubble["width"] / 2, bubble["y"] + bubble["height"] / 2)
    hover = page.locator(".hoverlayer .hovertext")
    hover.wait_for()
    assert hover.text_content() == (
        "monstera · plantmom · pothosCluster 0: 37.1% of the clustered audience, 540 members"
        "Top keywords: monstera, plantmom, pothos, houseplants, philodendron"
    )
    screenshot(page, "audience-graph-hover")
    with page.expect_download() as download:
        page.click("a[data-download=labels]")
    assert download.value.suggested_filename == f"{HANDLE}-clusters.png"
    with Image.open(download.value.path()) as picture:
        assert (picture.format, picture.mode) == ("PNG", "RGBA")
    card = page.locator(".cluster-card[data-cluster='0']")
    card.locator("input[name=name]").fill("Plant parents")
    with page.expect_navigation():
        card.locator("button[type=submit]").click()
    assert page.url == f"{origin}{PAGE}?done=renamed"
    assert page.locator(".cluster-card[data-cluster='0'] [data-name]").inner_text() == (
        "Plant parents"
    )
    page.wait_for_function("document.getElementById('audience-graph').dataset.drawn === 'true'")
    screenshot(page, "audience-renamed")


def test_web_audience_edits_need_the_editor_role_in_every_workspace_of_the_account(
    analysed_template: WebStore, tmp_path: Path
) -> None:
    from tikscope import access
    from tikscope.store.db import open_store

    store = copy_store(analysed_template, tmp_path / "web.duckdb")
    with open_store(store.path) as connection:
        access.add_account(connection, "rival", "casa_verde_demo")
    rename = "/api/workspaces/agency/accounts/casa_verde_demo/audience/rename"
    with serve(WebConfig(db=store.path, secure_cookies=False)) as origin, client(origin) as http:
        refused = http.post(rename, json={"cluster": 0, "name": "Plant parents"},
                            headers=bearer(store.tokens["eddie"]))  # fmt: skip
        assert refused.status_code == 403
        assert refused.json() == {
            "detail": "@casa_verde_demo is also in a workspace where you are not an editor; "
            "ask its owner to make this change"
        }
        page = http.get("/api/workspaces/agency/accounts/casa_verde_demo/audience",
                        headers=bearer(store.tokens["eddie"]))  # fmt: skip
        assert page.status_code == 200
