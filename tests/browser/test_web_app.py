"""The web app in a real browser: each flow end to end against the real hub and Neo4j."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import axe_violations, new_context, screenshot
from tests.conftest import Hub

DIRECTION_QUERY = "{ planDirections { id number } }"


def first_id(hub: Hub, query: str, *path: str) -> str:
    data = hub.data(query)
    for key in path:
        data = data[key]
    return str(data["id"] if isinstance(data, dict) else data[0]["id"])


def test_opens_in_latvian_and_switches_to_english_in_one_click(page: Page) -> None:
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "lv")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mans pārskats")
    page.get_by_test_id("lang-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("My dashboard")
    expect(page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="People")).to_be_visible()
    screenshot(page, "dashboard-en")
    page.reload()  # the choice is remembered
    expect(page.get_by_role("heading", level=1)).to_have_text("My dashboard")
    page.get_by_test_id("lang-switch").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mans pārskats")


def test_sign_in_goes_through_the_hubs_login_and_logout_routes(page: Page) -> None:
    page.goto("/signin")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pieteikšanās")
    expect(page.get_by_role("main").get_by_role("link", name="Pieteikties")).to_have_attribute(
        "href", "/auth/login?next=%2F"
    )
    expect(page.get_by_role("main").get_by_role("link", name="Atteikties")).to_have_attribute("href", "/auth/logout")
    screenshot(page, "signin")


def test_creates_an_issue_with_affected_institutions(page: Page, demo_hub: Hub) -> None:
    page.goto("/issues/new")
    page.get_by_label("Nosaukums").fill("Datu koplietošana starp iestādēm")
    page.get_by_label("Apraksts").fill("Vienota pieeja reģistru datu apmaiņai.")
    page.get_by_label("Prioritāte").select_option("HIGH")
    page.get_by_label("Plāna virziens").select_option(index=1)
    page.get_by_role("button", name="Pievienot iestādi").click()
    page.get_by_label("Iestāde 1").select_option(label="Valsts kanceleja")
    page.get_by_role("button", name="Pievienot iestādi").click()
    page.get_by_label("Iestāde 2").select_option(label="Finanšu ministrija")
    page.get_by_label("Iesaiste 2").select_option("CONSULTED")
    screenshot(page, "issue-new")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Izveidot").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Datu koplietošana starp iestādēm")
    rows = page.get_by_test_id("affected").get_by_role("row")
    expect(rows).to_have_text(["Valsts kanceleja Vadošā", "Finanšu ministrija Konsultējamā"])
    issue_id = page.url.rsplit("/", 1)[1]
    stored = demo_hub.data(
        "query($id: ID!) { issue(id: $id) { title priority affected { stake institution { code } } } }",
        {"id": issue_id},
    )["issue"]
    assert stored["title"] == "Datu koplietošana starp iestādēm"
    assert stored["priority"] == "HIGH"
    assert sorted((a["institution"]["code"], a["stake"]) for a in stored["affected"]) == [
        ("FM", "CONSULTED"),
        ("VK", "LEAD"),
    ]
    screenshot(page, "issue")


def test_api_errors_are_shown_as_sentences_in_the_readers_language(page: Page) -> None:
    page.goto("/issues/new")
    page.get_by_label("Nosaukums").fill("   ")  # passes the browser's `required`, refused by the hub
    page.get_by_role("button", name="Izveidot").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Daži dati nav derīgi")
    expect(alert).not_to_contain_text("{")
    page.get_by_test_id("lang-switch").click()
    expect(alert).to_contain_text("Some of the data is not valid")


def test_team_formed_in_one_browser_appears_live_in_another(
    browser: Browser, context: BrowserContext, demo_hub: Hub
) -> None:
    issue = demo_hub.data("{ issues(first: 1, orderBy: TITLE, descending: false) { nodes { id title } } }")[
        "issues"
    ]["nodes"][0]
    watcher = context.new_page()
    watcher.goto(f"/issues/{issue['id']}")  # a deep link, served by the hub's fallback
    expect(watcher.get_by_role("heading", level=1)).to_have_text(issue["title"])
    feed = watcher.get_by_test_id("feed")
    expect(feed.locator("li[data-verb='team.created']")).to_have_count(
        len(demo_hub.data("query($id: ID!) { issue(id: $id) { teams { id } } }", {"id": issue["id"]})["issue"]["teams"])
    )
    before = feed.locator("li[data-verb='team.created']").count()

    second = new_context(browser, demo_hub)
    try:
        former = second.new_page()
        former.goto(f"/formation?issue={issue['id']}")
        former.get_by_label("Minimālais līmenis").select_option("1")
        former.get_by_label("Komandas nosaukums" if False else "Nosaukums").fill("Datu apmaiņas darba grupa")
        lead = former.get_by_label("Vadītājs")
        expect(lead.locator("option")).not_to_have_count(1)
        lead.select_option(index=1)
        screenshot(former, "formation")
        assert axe_violations(former) == []
        former.get_by_role("button", name="Izveidot").click()
        expect(former.get_by_role("heading", level=1)).to_have_text("Datu apmaiņas darba grupa")
        expect(former.get_by_test_id("members").get_by_role("row")).to_have_count(1)
        screenshot(former, "team")
        assert axe_violations(former) == []
    finally:
        second.close()

    # The watcher never reloads: the new activity arrives in place and is announced politely.
    expect(feed.locator("li[data-verb='team.created']")).to_have_count(before + 1)
    expect(feed).to_contain_text("Team created: Datu apmaiņas darba grupa")
    expect(watcher.get_by_role("status").filter(has_text="jauns notikums")).to_have_count(1)
    screenshot(watcher, "issue-live")


def test_live_feed_can_be_paused(page: Page) -> None:
    page.goto("/")
    pause = page.get_by_role("button", name="Apturēt atjaunināšanu")
    pause.click()
    expect(page.get_by_role("button", name="Atsākt atjaunināšanu")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_text("Atjaunināšana apturēta").first).to_be_visible()


def test_map_draws_filters_selects_and_clicks_through(page: Page, demo_hub: Hub) -> None:
    page.goto("/map")
    counts = page.get_by_test_id("map-counts")
    expect(counts).to_contain_text("Uzzīmēts")
    all_text = counts.inner_text()
    total = int(re.match(r"(\d+)", all_text).group(1))  # type: ignore[union-attr]
    assert total > 20
    canvas = page.get_by_test_id("map-canvas").locator("canvas").first
    expect(canvas).to_be_visible()
    screenshot(page, "map")
    assert axe_violations(page) == []

    # Filter by status: only RESOLVED issues (and what hangs off them) remain.
    resolved = demo_hub.data("{ issues(filter: {status: RESOLVED}) { totalCount } }")["issues"]["totalCount"]
    page.get_by_test_id("map-status").select_option("PROPOSED")
    expect(counts).not_to_have_text(all_text)
    page.get_by_test_id("map-status").select_option("")
    expect(counts).to_contain_text(f"{total} ")

    # Selection by clicking a node, then the list view by keyboard and click-through.
    node = page.evaluate(
        """() => { const n = window.__sadarbeMap.cy.nodes('[kind = "issue"]')[0];
                   const p = n.renderedPosition(); return {x: p.x, y: p.y, label: n.data('label')}; }"""
    )
    box = page.get_by_test_id("map-canvas").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + node["x"], box["y"] + node["y"])
    expect(page.get_by_test_id("map-selected")).to_contain_text(node["label"])

    page.get_by_label("Saraksts").check()
    table = page.get_by_test_id("map-list")
    expect(table.get_by_role("row")).to_have_count(total + 1)
    screenshot(page, "map-list")
    assert axe_violations(page) == []
    link = table.get_by_role("link", name=node["label"], exact=True).first
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(node["label"])
    assert resolved >= 0


def test_type_ahead_search_by_keyboard(page: Page, demo_hub: Hub) -> None:
    person = demo_hub.data("{ people(first: 1) { nodes { id name } } }")["people"]["nodes"][0]
    page.goto("/teams")
    box = page.get_by_role("combobox", name="Meklēt visur")
    box.fill(person["name"].split()[0])
    option = page.get_by_role("option", name=re.compile(re.escape(person["name"])))
    expect(option.first).to_be_visible()
    screenshot(page, "search")
    box.press("ArrowDown")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/people/"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()


VIEWS = [
    ("dashboard", "/"),
    ("people", "/people"),
    ("issues", "/issues"),
    ("teams", "/teams"),
    ("formation", "/formation"),
    ("centre", "/centre"),
    ("accessibility", "/accessibility"),
    ("not-found", "/no/such/page"),
]


def test_every_view_has_no_serious_accessibility_violation(page: Page, demo_hub: Hub) -> None:
    person = demo_hub.data("{ people(first: 1) { nodes { id } } }")["people"]["nodes"][0]["id"]
    team = demo_hub.data("{ teams(first: 1) { nodes { id } } }")["teams"]["nodes"][0]["id"]
    views = [*VIEWS, ("person", f"/people/{person}"), ("team-demo", f"/teams/{team}")]
    found = {}
    for lang in ("lv", "en"):
        if lang == "en":
            page.get_by_test_id("lang-switch").click()
        for name, path in views:
            page.goto(path)
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            page.wait_for_load_state("networkidle")
            violations = axe_violations(page)
            if violations:
                found[f"{lang}:{name}"] = violations
            screenshot(page, f"{name}-{lang}")
    assert found == {}


def test_accessibility_statement_in_both_languages(page: Page) -> None:
    page.goto("/accessibility")
    expect(page.get_by_role("heading", level=1)).to_have_text("Paziņojums par piekļūstamību")
    expect(page.get_by_role("main")).to_contain_text("Nr. 445")
    page.get_by_test_id("lang-switch").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility statement")
    expect(page.get_by_role("main")).to_contain_text("Cabinet Regulation No. 445")
