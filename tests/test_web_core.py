"""The web app's core over a real server: login, sessions, CSRF, roles, the overview twin."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from tikscope.access.passwords import hash_password, verify_password
from tikscope.web.state import LoginLimiter, WebConfig
from web_support import NOW, PASSWORD, WebStore, bearer, csrf_token, login

OVERVIEW = "/api/workspaces/agency/accounts/casa_verde_demo/overview"


@pytest.fixture
def client(web_server: tuple[str, WebStore]) -> httpx.Client:
    origin, _ = web_server
    with httpx.Client(base_url=origin, timeout=30) as opened:
        yield opened


def test_passwords_verify_only_the_right_password() -> None:
    stored = hash_password("a long enough password")
    assert stored.startswith("scrypt$16384$8$1$")
    assert verify_password("a long enough password", stored)
    assert not verify_password("a long enough passwore", stored)
    assert not verify_password("a long enough password", "not-a-hash")


def test_login_limiter_counts_attempts_up_front_and_forgets_after_the_window() -> None:
    limiter = LoginLimiter(attempts=3, window=timedelta(minutes=10))
    keys = ["user:ana", "address:127.0.0.1"]
    for _ in range(3):
        assert limiter.reserve(keys, NOW) == 0
    assert limiter.reserve(keys, NOW + timedelta(minutes=1)) == 541
    assert limiter.reserve(["user:bob", "address:10.0.0.2"], NOW) == 0
    assert limiter.reserve(keys, NOW + timedelta(minutes=10)) == 0


def test_login_limiter_forgets_the_user_after_a_right_password() -> None:
    limiter = LoginLimiter(attempts=2, window=timedelta(minutes=10))
    keys = ["user:ana", "address:127.0.0.1"]
    assert limiter.reserve(keys, NOW) == 0
    assert limiter.reserve(keys, NOW + timedelta(seconds=1)) == 0
    limiter.succeeded("user:ana", "address:127.0.0.1", NOW + timedelta(seconds=1))
    assert limiter.failures == {"address:127.0.0.1": [NOW]}
    assert limiter.reserve(["user:ana", "address:10.0.0.3"], NOW + timedelta(seconds=2)) == 0


def test_web_simultaneous_wrong_logins_stop_at_the_limit(web_store: WebStore) -> None:
    import concurrent.futures

    from web_support import serve

    config = WebConfig(db=web_store.path, secure_cookies=False)
    with serve(config) as origin:

        def guess(index: int) -> int:
            with httpx.Client(base_url=origin, timeout=60) as guesser:
                return login(guesser, "olivia", f"wrong-password-{index}").status_code

        with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
            codes = sorted(pool.map(guess, range(12)))
    assert codes == [401] * 5 + [429] * 7


def test_web_login_leads_to_the_first_account_overview(client: httpx.Client) -> None:
    response = login(client, "vera")
    assert response.status_code == 303
    page = client.get(response.headers["location"], follow_redirects=True)
    assert page.status_code == 200
    assert str(page.url).endswith("/workspaces/agency/accounts/casa_verde_demo/overview")
    assert "Overview" in page.text and "@casa_verde_demo" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_web_wrong_password_is_refused_without_saying_which_part_was_wrong(
    client: httpx.Client,
) -> None:
    response = login(client, "vera", "wrong-password-1")
    assert response.status_code == 401
    assert "Wrong user name or password." in response.text
    assert login(client, "nobody", PASSWORD).status_code == 401


def test_web_session_cookie_is_http_only_and_same_site(client: httpx.Client) -> None:
    response = login(client, "eddie")
    cookie = response.headers["set-cookie"]
    assert "tikscope_session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie


def test_web_pages_without_login_redirect_to_the_login_form(client: httpx.Client) -> None:
    response = client.get("/workspaces/agency/accounts/casa_verde_demo/overview")
    assert response.status_code == 303
    assert response.headers["location"] == (
        "/login?next=/workspaces/agency/accounts/casa_verde_demo/overview"
    )


def test_web_api_without_credentials_is_401_json(client: httpx.Client) -> None:
    response = client.get(OVERVIEW)
    assert response.status_code == 401
    assert response.json() == {
        "detail": "log in, or send an API token as 'Authorization: Bearer ...'"
    }
    bad = client.get(OVERVIEW, headers=bearer("tks_not-a-token"))
    assert bad.status_code == 401


def test_web_overview_api_compares_with_the_previous_period(
    client: httpx.Client, web_server: tuple[str, WebStore]
) -> None:
    _, store = web_server
    response = client.get(OVERVIEW, params={"days": 7}, headers=bearer(store.tokens["vera"]))
    assert response.status_code == 200
    data = response.json()
    assert data["account"] == {
        "handle": "casa_verde_demo",
        "account_type": "business",
        "time_zone": "Europe/Madrid",
    }
    assert data["period"] == {
        "start": "2026-11-14",
        "end": "2026-11-20",
        "days": 7,
        "note": None,
        "previous": {"start": "2026-11-07", "end": "2026-11-13", "note": None},
    }
    followers = data["headline"][0]
    assert followers["metric"] == "followers"
    assert followers["change"] == followers["value"] - followers["previous"]
    assert len(data["daily"]) == 7 and len(data["previous_daily"]) == 7


def test_web_overview_api_refuses_half_a_custom_period(
    client: httpx.Client, web_server: tuple[str, WebStore]
) -> None:
    _, store = web_server
    response = client.get(
        OVERVIEW, params={"start": "2026-11-01"}, headers=bearer(store.tokens["vera"])
    )
    assert response.status_code == 422
    assert response.json() == {"detail": "start and end go together"}


def test_web_other_workspace_looks_absent(
    client: httpx.Client, web_server: tuple[str, WebStore]
) -> None:
    _, store = web_server
    response = client.get(
        "/api/workspaces/rival/accounts/other_brand/overview", headers=bearer(store.tokens["vera"])
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "no workspace 'rival'"}
    own_workspace_foreign_account = client.get(
        "/api/workspaces/agency/accounts/other_brand/overview",
        headers=bearer(store.tokens["vera"]),
    )
    assert own_workspace_foreign_account.status_code == 404


def test_web_logout_needs_the_csrf_token(client: httpx.Client) -> None:
    page = client.get(login(client, "vera").headers["location"], follow_redirects=True)
    refused = client.post("/logout")
    assert refused.status_code == 403
    assert client.get("/workspaces/agency/accounts/casa_verde_demo/overview").status_code == 200
    done = client.post("/logout", data={"csrf_token": csrf_token(page.text)})
    assert done.status_code == 303
    assert client.get("/workspaces/agency/accounts/casa_verde_demo/overview").status_code == 303


def test_web_download_names_survive_any_handle() -> None:
    from tikscope.web.downloads import attachment

    response = attachment(b"x", "text/csv", 'a"b;\r\nx=小红书.csv')
    assert response.headers["content-disposition"] == (
        'attachment; filename="a_b_x_.csv"; '
        "filename*=UTF-8''a%22b%3B%0D%0Ax%3D%E5%B0%8F%E7%BA%A2%E4%B9%A6.csv"
    )


def test_web_absurd_dates_are_refused_not_crashed(
    client: httpx.Client, web_server: tuple[str, WebStore]
) -> None:
    _, store = web_server
    for start, end in (("0001-01-01", "0001-01-05"), ("9999-12-30", "9999-12-31")):
        response = client.get(
            OVERVIEW, params={"start": start, "end": end}, headers=bearer(store.tokens["vera"])
        )
        assert response.status_code == 422
        assert response.json() == {"detail": "start must be between 2000-01-01 and 2100-12-31"}


def test_web_refuses_other_host_names_when_told_its_own(web_store: WebStore) -> None:
    from web_support import serve

    config = WebConfig(db=web_store.path, secure_cookies=False, allowed_hosts=("127.0.0.1",))
    with serve(config) as origin, httpx.Client(base_url=origin, timeout=30) as client:
        assert client.get("/login").status_code == 200
        rebound = client.get("/login", headers={"Host": "attacker.example"})
        assert rebound.status_code == 400


def test_web_api_answers_are_not_stored_by_caches(
    client: httpx.Client, web_server: tuple[str, WebStore]
) -> None:
    _, store = web_server
    response = client.get(OVERVIEW, headers=bearer(store.tokens["vera"]))
    assert response.headers["cache-control"] == "private, no-store"
    bundle = client.get("/vendor/plotly.min.js")
    assert bundle.headers["cache-control"] == "public, max-age=86400"


def test_web_store_write_gives_up_when_a_sync_keeps_the_lock(web_store: WebStore) -> None:
    import threading

    from tikscope.web.state import ServerStore, StoreBusyError

    store = ServerStore(web_store.path)
    held, release = threading.Event(), threading.Event()

    def sync_like() -> None:
        with store.write_lock:
            held.set()
            release.wait(10)

    worker = threading.Thread(target=sync_like)
    worker.start()
    held.wait(10)
    try:
        with (
            pytest.raises(StoreBusyError, match="another sync or command is running"),
            store.write(wait_seconds=0.1),
        ):
            pass
    finally:
        release.set()
        worker.join()
    with store.write(wait_seconds=1) as cursor:
        assert cursor.execute("SELECT count(*) FROM users").fetchall() == [(4,)]
    store.close()


def test_web_pages_link_only_to_routes_that_exist(web_server: tuple[str, WebStore]) -> None:
    import re

    origin, _ = web_server
    with httpx.Client(base_url=origin, timeout=30) as browser:
        login(browser, "olivia")
        pages = ["/workspaces/agency/settings", "/workspaces/agency/sync"]
        for path in pages:
            page = browser.get(path)
            assert page.status_code == 200
            for link in set(re.findall(r'href="(/[^"#?]*)', page.text)):
                assert browser.get(link).status_code in (200, 303), (path, link)


def test_web_sync_schedule_reads_as_words() -> None:
    from tikscope.web.sync_status import every

    assert [every(60), every(900), every(90), every(7200), every(86_400)] == [
        "every minute", "every 15 minutes", "every 90 seconds", "every 2 hours", "every day"
    ]  # fmt: skip


PAGE = "/workspaces/agency/accounts/casa_verde_demo/overview"
NOT_A_DATE = "start: '2026-13-01' is not a date; use YYYY-MM-DD"


def test_web_bad_period_api_says_what_to_type(
    client: httpx.Client, web_server: tuple[str, WebStore]
) -> None:
    _, store = web_server
    asked = {"start": "2026-13-01", "end": "2026-12-01", "days": "0", "basis": "likes"}
    response = client.get(OVERVIEW, params=asked, headers=bearer(store.tokens["vera"]))
    assert (response.status_code, response.json()) == (422, {"detail": [
        "days: '0' is too small; the least is 1", NOT_A_DATE,
        "basis: 'likes' is not one of 'reach', 'views' or 'followers'"]})  # fmt: skip


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-13-01", "end": "2026-12-01"}, NOT_A_DATE),
        ({"start": "2026-11-20", "end": "2026-11-01"},
         "the period ends (2026-11-01) before it starts (2026-11-20)"),
    ],
)  # fmt: skip
def test_web_bad_period_page_keeps_the_frame_and_says_what_is_wrong(
    client: httpx.Client, query: dict[str, str], message: str
) -> None:
    from html import unescape

    login(client, "vera")
    response = client.get(PAGE, params=query)
    assert response.status_code == 422
    page = unescape(response.text)
    assert f'<p class="error" role="alert">{message}</p>' in page
    assert '<nav class="pages" aria-label="Account pages">' in page
    assert 'data-menu="account"' in page and 'data-menu="workspace"' in page
    assert f'<a href="{PAGE}" aria-current="page">Overview</a>' in page
    assert f'<a href="{PAGE}">Show overview for the last 28 days</a>' in page


# casa_verde_demo's data runs from 2026-07-24 to 2026-11-20 (120 days)
CUT = (
    "the store holds data from 2026-07-24; the period starts there (120 days instead of the "
    "last 1,000)"
)
NOTHING_BEFORE = (
    "the previous period (2026-03-26 to 2026-07-23) starts before the store's first day of data, "
    "2026-07-24: it holds none of its days, so there is nothing to compare with"
)
OUTSIDE = (
    "@casa_verde_demo: the store holds data from 2026-07-24 to 2026-11-20; "
    "2020-01-01 to 2020-02-01 is outside it"
)


def test_web_api_cuts_more_days_than_held_to_the_data_and_says_so(
    client: httpx.Client, web_server: tuple[str, WebStore]
) -> None:
    _, store = web_server
    response = client.get(OVERVIEW, params={"days": 1000}, headers=bearer(store.tokens["vera"]))
    assert response.status_code == 200
    assert response.json()["period"] == {
        "start": "2026-07-24", "end": "2026-11-20", "days": 120, "note": CUT,
        "previous": {"start": "2026-03-26", "end": "2026-07-23", "note": NOTHING_BEFORE},
    }  # fmt: skip


def test_web_api_refuses_a_period_outside_the_data_naming_the_held_days(
    client: httpx.Client, web_server: tuple[str, WebStore]
) -> None:
    _, store = web_server
    asked = {"start": "2020-01-01", "end": "2020-02-01"}
    for path in (OVERVIEW, OVERVIEW.replace("overview", "posts")):
        response = client.get(path, params=asked, headers=bearer(store.tokens["vera"]))
        assert (response.status_code, response.json()) == (422, {"detail": OUTSIDE})
    both = client.get(OVERVIEW, params={**asked, "days": 7}, headers=bearer(store.tokens["vera"]))
    assert (both.status_code, both.json()) == (
        422, {"detail": "give either days or start/end, not both"}
    )  # fmt: skip


def test_web_page_shows_the_note_of_a_period_cut_to_the_data(client: httpx.Client) -> None:
    from html import unescape

    login(client, "vera")
    response = client.get(PAGE, params={"days": 1000})
    assert response.status_code == 200
    page = unescape(response.text)
    assert "2026-07-24 to 2026-11-20 (120 days)" in page
    assert f'<p class="period-note" role="note" data-period-note>Period: {CUT}.</p>' in page
    assert f"data-previous-note>Comparison: {NOTHING_BEFORE}.</p>" in page
    assert '<option value="1000" selected>Last 1,000 days</option>' in page
    week = client.get(PAGE, params={"days": 7}).text
    assert "data-period-note" not in week and "data-previous-note" not in week
    assert '<option value="7" selected>Last 7 days</option>' in week
    assert "Last 1,000 days" not in week


def test_web_page_refuses_a_period_outside_the_data_in_the_frame(client: httpx.Client) -> None:
    from html import unescape

    login(client, "vera")
    response = client.get(PAGE, params={"start": "2020-01-01", "end": "2020-02-01"})
    assert response.status_code == 422
    page = unescape(response.text)
    assert f'<p class="error" role="alert">{OUTSIDE}</p>' in page
    assert '<nav class="pages" aria-label="Account pages">' in page
    assert f'<a href="{PAGE}">Show overview for the last 28 days</a>' in page


def test_web_plotly_loads_only_on_pages_that_draw_charts(client: httpx.Client) -> None:
    plotly = '<script src="/vendor/plotly.min.js"></script>'
    assert "plotly" not in client.get("/login").text
    login(client, "vera")
    account = "/workspaces/agency/accounts/casa_verde_demo"
    names = ("overview", "community", "content", "posts", "activity", "audience")
    loads = {name: plotly in client.get(f"{account}/{name}").text for name in names}
    assert loads == {"overview": True, "community": True, "content": True, "posts": False,
                     "activity": True, "audience": False}  # audience: not analysed yet  # fmt: skip
    assert plotly not in client.get("/workspaces/agency/sync").text
    assert plotly not in client.get(f"{PAGE}?start=2026-13-01&end=2026-12-01").text


def test_web_overview_views_chart_gives_profile_views_their_own_axis(
    client: httpx.Client,
) -> None:
    import json
    import re

    login(client, "vera")
    page = client.get(PAGE).text
    block = re.search(
        r'<script type="application/json" data-figure-for="views">(.*?)</script>', page
    )
    assert block, "the views figure"
    figure = json.loads(block.group(1))
    axes = {trace["name"]: trace["yaxis"] for trace in figure["data"]}
    assert axes == {"Video views": "y", "Profile views": "y2",
                    "Video views, previous period": "y"}  # fmt: skip
    layout = figure["layout"]
    assert layout["yaxis"]["title"]["text"] == "Video views"
    assert {key: layout["yaxis2"][key] for key in ("overlaying", "side", "rangemode")} == {
        "overlaying": "y", "side": "right", "rangemode": "tozero"}  # fmt: skip
    assert layout["yaxis2"]["title"]["text"] == "Profile views"


def test_web_engagement_choices_are_the_metrics_settings() -> None:
    from tikscope.metrics.query import ENGAGEMENT_BASES
    from tikscope.web.params import Basis

    assert [basis.value for basis in Basis] == list(ENGAGEMENT_BASES)
