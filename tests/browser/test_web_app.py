"""The web app in a real browser: each flow end to end against the real hub and Neo4j."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from playwright.async_api import Page, Route, WebSocketRoute, expect

from graph.seed.demo import ADMIN, COG, MEMBER
from tests.browser.conftest import SignedInPage, axe_violations, document_id, following, screenshot
from tests.conftest import Hub


async def test_opens_in_latvian_and_switches_to_english_in_one_click(page: Page) -> None:
    await page.goto("/")
    await expect(page.locator("html")).to_have_attribute("lang", "lv")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Mans pārskats")
    await page.get_by_test_id("lang-switch").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("heading", level=1)).to_have_text("My dashboard")
    await expect(
        page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="People")
    ).to_be_visible()
    await screenshot(page, "dashboard-en")
    await page.reload()  # the choice is remembered
    await expect(page.get_by_role("heading", level=1)).to_have_text("My dashboard")
    await expect(page.get_by_test_id("signed-in-as")).to_be_visible()  # the header has settled
    await page.get_by_test_id("lang-switch").click()
    await expect(page.locator("html")).to_have_attribute("lang", "lv")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Mans pārskats")


async def test_language_switch_keeps_its_place_when_the_sign_in_control_appears(page: Page) -> None:
    # A control that moves under the pointer loses the click (CI saw exactly that after a reload).
    me_answered = asyncio.Event()

    async def hold_me(route: Route) -> None:
        if (route.request.post_data_json or {}).get("documentId") == document_id("query Me"):
            await me_answered.wait()
        await route.continue_()

    await page.route("**/graphql", hold_me)
    await page.reload()
    switch = page.get_by_test_id("lang-switch")
    await expect(switch).to_be_visible()
    await expect(page.get_by_test_id("signed-in-as")).to_have_count(0)
    before = await switch.bounding_box()
    me_answered.set()
    await expect(page.get_by_test_id("signed-in-as")).to_be_visible()
    assert await switch.bounding_box() == before


async def test_signs_in_through_the_identity_provider_and_out_again(anonymous_page: Page) -> None:
    page = anonymous_page
    await page.goto("/teams")
    sign_in = page.get_by_role("banner").get_by_role("link", name="Pieteikties")
    await expect(sign_in).to_have_attribute("href", "/auth/login?next=%2Fteams")
    await sign_in.click()
    await expect(page.get_by_role("heading", name="Development sign-in")).to_be_visible()
    await page.get_by_placeholder("any person's email").fill(MEMBER.email)
    await page.get_by_role("button", name="Sign in", exact=True).click()

    await expect(page).to_have_url(re.compile(r"/teams$"))  # back where sign-in started
    await expect(page.get_by_test_id("signed-in-as")).to_have_text(f"Pieteicies: {MEMBER.name}")
    assert (await page.evaluate(ME_FROM_THE_PAGE, document_id("query Me")))["me"]["email"] == MEMBER.email
    await screenshot(page, "signed-in")
    assert await axe_violations(page) == []

    await page.get_by_role("button", name="Atteikties").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Jūs esat atteicies")
    await expect(page.get_by_role("banner").get_by_role("link", name="Pieteikties")).to_be_visible()
    assert (await page.evaluate(ME_FROM_THE_PAGE, document_id("query Me")))["me"] is None


# The page's own request, as the web app makes it: the session cookie, the CSRF header, and the
# registered document's id (the hub refuses a browser session's document text).
ME_FROM_THE_PAGE = """(documentId) => fetch('/graphql', {method: 'POST', credentials: 'same-origin',
    headers: {'Content-Type': 'application/json', 'X-Requested-With': 'sadarbe'},
    body: JSON.stringify({documentId})}).then(r => r.json()).then(b => b.data)"""


async def test_creates_an_issue_with_affected_institutions(page: Page, demo_hub: Hub) -> None:
    await page.goto("/issues/new")
    await page.get_by_label("Nosaukums").fill("Datu koplietošana starp iestādēm")
    await page.get_by_label("Apraksts").fill("Vienota pieeja reģistru datu apmaiņai.")
    await page.get_by_label("Prioritāte").select_option("HIGH")
    await page.get_by_label("Plāna virziens").select_option(index=1)
    await page.get_by_role("button", name="Pievienot iestādi").click()
    await page.get_by_label("Iestāde 1").select_option(label="Valsts kanceleja")
    await page.get_by_role("button", name="Pievienot iestādi").click()
    await page.get_by_label("Iestāde 2").select_option(label="Finanšu ministrija")
    await page.get_by_label("Iesaiste 2").select_option("CONSULTED")
    await screenshot(page, "issue-new")
    assert await axe_violations(page) == []
    await page.get_by_role("button", name="Izveidot").click()

    await expect(page.get_by_role("heading", level=1)).to_have_text("Datu koplietošana starp iestādēm")
    rows = page.get_by_test_id("affected").get_by_role("row")
    await expect(rows).to_have_count(2)
    await expect(rows.nth(0).get_by_role("cell")).to_have_text(["Valsts kanceleja", "Vadošā"])
    await expect(rows.nth(1).get_by_role("cell")).to_have_text(["Finanšu ministrija", "Konsultējamā"])
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
    await screenshot(page, "issue")


async def test_api_errors_are_shown_as_sentences_in_the_readers_language(page: Page) -> None:
    await page.goto("/issues/new")
    await page.get_by_label("Nosaukums").fill("   ")  # passes the browser's `required`, refused by the hub
    await page.get_by_role("button", name="Izveidot").click()
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("Daži dati nav derīgi")
    await expect(alert).not_to_contain_text("{")
    await page.get_by_test_id("lang-switch").click()
    await expect(alert).to_contain_text("Some of the data is not valid")


async def test_team_formed_in_one_browser_appears_live_in_another(
    signed_in_page: SignedInPage, demo_hub: Hub
) -> None:
    issue = demo_hub.data("{ issues(first: 1, orderBy: TITLE, descending: false) { nodes { id title } } }")[
        "issues"
    ]["nodes"][0]
    watcher = await signed_in_page(ADMIN.email)
    await watcher.goto(f"/issues/{issue['id']}")  # a deep link, served by the hub's fallback
    await expect(watcher.get_by_role("heading", level=1)).to_have_text(issue["title"])
    feed = watcher.get_by_test_id("feed")
    await expect(feed.locator("li[data-verb='team.created']")).to_have_count(
        len(
            demo_hub.data("query($id: ID!) { issue(id: $id) { teams { id } } }", {"id": issue["id"]})[
                "issue"
            ]["teams"]
        )
    )
    before = await feed.locator("li[data-verb='team.created']").count()
    await following(demo_hub, 1)  # the watcher's feed hears of what is committed from now on

    # The former works in a browser of their own, as centre-of-government staff.
    former = await signed_in_page(COG.email)
    await former.goto(f"/formation?issue={issue['id']}")
    await former.get_by_label("Minimālais līmenis").select_option("1")
    await former.get_by_label("Nosaukums").fill("Datu apmaiņas darba grupa")
    lead = former.get_by_label("Vadītājs")
    await expect(lead.locator("option")).not_to_have_count(1)
    await lead.select_option(index=1)
    await screenshot(former, "formation")
    assert await axe_violations(former) == []
    await former.get_by_role("button", name="Izveidot").click()
    await expect(former.get_by_role("heading", level=1)).to_have_text("Datu apmaiņas darba grupa")
    await expect(former.get_by_test_id("members").get_by_role("row")).to_have_count(1)
    await screenshot(former, "team")
    assert await axe_violations(former) == []

    # The watcher never reloads: the new activity arrives in place and is announced politely.
    await expect(feed.locator("li[data-verb='team.created']")).to_have_count(before + 1)
    await expect(feed).to_contain_text("Team created: Datu apmaiņas darba grupa")
    await expect(watcher.get_by_role("status").filter(has_text="jauns notikums")).to_have_count(1)
    await screenshot(watcher, "issue-live")


async def test_live_feed_can_be_paused(page: Page, demo_hub: Hub) -> None:
    issue = demo_hub.data("{ issues(first: 1) { nodes { id } } }")["issues"]["nodes"][0]
    await page.goto(f"/issues/{issue['id']}")
    pause = page.get_by_role("button", name="Apturēt atjaunināšanu")
    await pause.click()
    await expect(page.get_by_role("button", name="Atsākt atjaunināšanu")).to_have_attribute(
        "aria-pressed", "true"
    )
    await expect(page.get_by_text("Atjaunināšana apturēta").first).to_be_visible()


async def test_an_activity_committed_while_the_feed_starts_is_shown(page: Page, demo_hub: Hub) -> None:
    issue = demo_hub.data("{ issues(first: 1) { nodes { id } } }")["issues"]["nodes"][0]
    title = "Kopīgie reģistri (atjaunināts)"
    committed = asyncio.Event()
    socket: list[WebSocketRoute] = []  # the hub's side of the page's WebSocket
    held: list[str | bytes] = []  # the page's messages from its first `subscribe` until the commit

    def to_hub(message: str | bytes) -> None:
        if not committed.is_set() and (held or '"subscribe"' in str(message)):
            held.append(message)
        else:
            socket[0].send(message)

    def on_socket(ws: WebSocketRoute) -> None:
        socket.append(ws.connect_to_server())
        ws.on_message(to_hub)

    async def on_graphql(route: Route) -> None:
        if (route.request.post_data_json or {}).get("documentId") != document_id("query LiveHistory"):
            await route.fallback()
            return
        # The window, made deterministic: the history is read, then an activity is committed
        # before the page has the history or its subscription has reached the hub.
        response = await route.fetch()
        demo_hub.data(
            "mutation($id: ID!, $t: String!) { updateIssue(id: $id, patch: {title: $t}) { id } }",
            {"id": issue["id"], "t": title},
        )
        committed.set()
        for message in held:
            socket[0].send(message)
        await route.fulfill(response=response)

    await page.route_web_socket(re.compile(r".*/graphql$"), on_socket)
    await page.route("**/graphql", on_graphql)
    await page.goto(f"/issues/{issue['id']}")

    feed = page.get_by_test_id("feed")
    await expect(feed).to_contain_text(f"Issue updated: {title}")
    await expect(feed.locator("li[data-verb='issue.updated']").filter(has_text=title)).to_have_count(1)


async def test_map_draws_filters_selects_and_clicks_through(page: Page, demo_hub: Hub) -> None:
    await page.goto("/map")
    counts = page.get_by_test_id("map-counts")
    await expect(counts).to_contain_text("Uzzīmēts")
    all_text = await counts.inner_text()
    total = int(re.match(r"(\d+)", all_text).group(1))  # type: ignore[union-attr]
    assert total > 20
    canvas = page.get_by_test_id("map-canvas").locator("canvas").first
    await expect(canvas).to_be_visible()
    await screenshot(page, "map")
    assert await axe_violations(page) == []

    # Filter by status: the picture shrinks to PROPOSED issues, and comes back when cleared.
    await page.get_by_test_id("map-status").select_option("PROPOSED")
    await expect(counts).not_to_have_text(all_text)
    await page.get_by_test_id("map-status").select_option("")
    await expect(counts).to_contain_text(f"{total} ")

    # Selection by clicking a node, then the list view by keyboard and click-through.
    node = await page.evaluate("() => window.__sadarbeMap.nodes('issue')[0]")
    box = await page.get_by_test_id("map-canvas").bounding_box()
    assert box is not None
    await page.mouse.click(box["x"] + node["x"], box["y"] + node["y"])
    await expect(page.get_by_test_id("map-selected")).to_contain_text(node["label"])

    await page.get_by_label("Saraksts").click()
    await expect(page.get_by_label("Saraksts")).to_be_checked()
    table = page.get_by_test_id("map-list")
    await expect(table.get_by_role("row")).to_have_count(total + 1)
    await screenshot(page, "map-list")
    assert await axe_violations(page) == []
    link = table.get_by_role("link", name=node["label"], exact=True).first
    await link.focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text(node["label"])


NODE_AT = """([id, x, y]) => { const n = window.__sadarbeMap.nodes('issue').find((n) => n.id === id);
                             return Math.abs(n.x - x) < 0.5 && Math.abs(n.y - y) < 0.5; }"""


async def central_issue(page: Page) -> dict[str, Any]:
    """The drawn issue nearest the middle of the canvas, with where it is drawn."""
    box = await page.get_by_test_id("map-canvas").bounding_box()
    assert box is not None
    issues = await page.evaluate("() => window.__sadarbeMap.nodes('issue')")
    middle = (box["width"] / 2, box["height"] / 2)
    return min(issues, key=lambda n: (n["x"] - middle[0]) ** 2 + (n["y"] - middle[1]) ** 2)  # type: ignore[no-any-return]


async def test_map_zooms_pans_and_opens_a_node_on_double_click(page: Page, demo_hub: Hub) -> None:
    await page.goto("/map")
    await expect(page.get_by_test_id("map-counts")).to_contain_text("Uzzīmēts")
    box = await page.get_by_test_id("map-canvas").bounding_box()
    assert box is not None
    node = await central_issue(page)
    # Zoom in by the button: 1.5 times as far from the middle of the canvas.
    await page.get_by_role("button", name="Tuvināt").click()
    cx, cy = box["width"] / 2 - 1, box["height"] / 2 - 1  # the canvas sits inside a 1 px border
    x, y = cx + (node["x"] - cx) * 1.5, cy + (node["y"] - cy) * 1.5
    await page.wait_for_function(NODE_AT, arg=[node["id"], x, y])
    # Pan by dragging the canvas: the node moves with the pointer.
    await page.mouse.move(box["x"] + 40, box["y"] + 40)
    await page.mouse.down()
    await page.mouse.move(box["x"] + 140, box["y"] + 90, steps=5)
    await page.mouse.up()
    x, y = x + 100, y + 50
    await page.wait_for_function(NODE_AT, arg=[node["id"], x, y])
    # Double-clicking the node opens its page.
    await page.mouse.dblclick(box["x"] + x, box["y"] + y)
    await expect(page.get_by_role("heading", level=1)).to_have_text(node["label"])


async def test_map_updates_in_place_when_an_issue_is_created(page: Page, demo_hub: Hub) -> None:
    first = demo_hub.data("{ issues(first: 1) { nodes { affected { institution { id } } } } }")
    institution = first["issues"]["nodes"][0]["affected"][0]["institution"]["id"]
    await page.goto("/map")
    counts = page.get_by_test_id("map-counts")
    await expect(counts).to_contain_text("Uzzīmēts")
    total = int(re.match(r"(\d+)", await counts.inner_text()).group(1))  # type: ignore[union-attr]
    await page.get_by_role("button", name="Tuvināt").click()
    node = await central_issue(page)
    await following(demo_hub, 1)  # the map's change subscription hears of what is committed from now on

    created = demo_hub.data(
        "mutation($input: IssueInput!) { createIssue(input: $input) { id } }",
        {
            "input": {
                "title": "Jauns kartes jautājums",
                "affected": [{"institutionId": institution, "stake": "LEAD"}],
            }
        },
    )["createIssue"]

    # The subscription brings it in well before the one-minute fallback refresh: one more node, and
    # the view (zoom and pan) stays where it was.
    await expect(counts).to_have_text(re.compile(rf"^{total + 1} "), timeout=20_000)
    ids = await page.evaluate("() => window.__sadarbeMap.nodes('issue').map((n) => n.id)")
    assert created["id"] in ids
    await page.wait_for_function(NODE_AT, arg=[node["id"], node["x"], node["y"]])


async def test_type_ahead_search_by_keyboard(page: Page, demo_hub: Hub) -> None:
    person = demo_hub.data("{ people(first: 1) { nodes { id name } } }")["people"]["nodes"][0]
    await page.goto("/teams")
    box = page.get_by_role("combobox", name="Meklēt visur")
    await box.fill(person["name"].split()[0])
    option = page.get_by_role("option", name=re.compile(re.escape(person["name"])))
    await expect(option.first).to_be_visible()
    await screenshot(page, "search")
    await box.press("ArrowDown")
    await box.press("Enter")
    await expect(page).to_have_url(re.compile(r"/people/"))
    await expect(page.get_by_role("heading", level=1)).to_be_visible()


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


async def test_every_view_has_no_serious_accessibility_violation(page: Page, demo_hub: Hub) -> None:
    person = demo_hub.data("{ people(first: 1) { nodes { id } } }")["people"]["nodes"][0]["id"]
    team = demo_hub.data("{ teams(first: 1) { nodes { id } } }")["teams"]["nodes"][0]["id"]
    views = [*VIEWS, ("person", f"/people/{person}"), ("team-demo", f"/teams/{team}")]
    found = {}
    for lang in ("lv", "en"):
        if lang == "en":
            await page.get_by_test_id("lang-switch").click()
            await expect(page.locator("html")).to_have_attribute("lang", "en")
        for name, path in views:
            await page.goto(path)
            await expect(page.get_by_role("heading", level=1)).to_be_visible()
            await page.wait_for_load_state("networkidle")
            violations = await axe_violations(page)
            if violations:
                found[f"{lang}:{name}"] = violations
            await screenshot(page, f"{name}-{lang}")
    assert found == {}


async def test_accessibility_statement_in_both_languages(page: Page) -> None:
    await page.goto("/accessibility")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Paziņojums par piekļūstamību")
    await expect(page.get_by_role("main")).to_contain_text("Nr. 445")
    await page.get_by_test_id("lang-switch").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility statement")
    await expect(page.get_by_role("main")).to_contain_text("Cabinet Regulation No. 445")
