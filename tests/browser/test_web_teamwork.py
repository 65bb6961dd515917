"""Team formation, the team page, my dashboard and the centre dashboard in a real browser, against
the real hub and Neo4j: invite from suggestions, accept in a second browser, watch it arrive live."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.async_api import Page, expect

from graph.seed.demo import ADMIN
from tests.browser.conftest import (
    SignedInPage,
    axe_violations,
    document_id,
    following,
    screenshot,
    sent_document,
)
from tests.conftest import Hub

CREATE_TEAM = """mutation($input: TeamInput!) { createTeam(input: $input) { team { id name } } }"""


def new_team(hub: Hub, name: str) -> dict[str, Any]:
    """A team (no manager approval) on the demo issue with the most affected institutions."""
    issues = hub.data("{ issues(first: 100) { nodes { id affected { institution { id } } } } }")["issues"][
        "nodes"
    ]
    issue = max(issues, key=lambda i: (len(i["affected"]), i["id"]))
    lead = hub.data("{ people(first: 1) { nodes { id } } }")["people"]["nodes"][0]["id"]
    team: dict[str, Any] = hub.data(
        CREATE_TEAM, {"input": {"name": name, "issueId": issue["id"], "leadPersonId": lead}}
    )["createTeam"]["team"]
    return team


def suggestions(hub: Hub, team_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = hub.data(
        """query($t: ID!) { suggestMembers(teamId: $t, limit: 10) { freeCapacity
             matchedSkills { level skill { name } } institutionGap { stake institution { nameLv } }
             person { id name email } } }""",
        {"t": team_id},
    )["suggestMembers"]
    return rows


# The document id of every GraphQL request the page sends, in order, as the page sends it.
RECORD_DOCUMENTS = """{ const send = window.fetch; window.__documents = [];
    window.fetch = (input, init) => { try { window.__documents.push(JSON.parse(init.body).documentId); }
    catch { /* not a GraphQL request */ } return send(input, init); }; }"""


async def test_invitee_accepts_in_a_second_browser_and_the_lead_sees_it_live(
    signed_in_page: SignedInPage, demo_hub: Hub
) -> None:
    team = new_team(demo_hub, "Reģistru datu darba grupa")
    best = suggestions(demo_hub, team["id"])[0]
    lead = await signed_in_page(ADMIN.email)  # administrators pass the team lead's rules

    # Formation: the hub's suggestions with their reasons; invite the best one.
    await lead.add_init_script(RECORD_DOCUMENTS)
    await lead.goto(f"/formation?team={team['id']}")
    first = lead.get_by_test_id("suggestions").get_by_role("listitem").first
    await expect(first.get_by_role("heading", level=3)).to_contain_text(best["person"]["name"])
    reasons = first.get_by_role("list", name="Kāpēc")
    await expect(reasons).to_contain_text(f"Brīvi {best['freeCapacity']}% darba laika")
    if best["institutionGap"]:
        await expect(reasons).to_contain_text(best["institutionGap"]["institution"]["nameLv"])
    await screenshot(lead, "formation-suggestions")
    assert await axe_violations(lead) == []
    form = first.get_by_role("form", name=f"Uzaicināt: {best['person']['name']}")
    await form.get_by_label("Noslodze").fill("25")
    await form.get_by_role("button", name="Uzaicināt").click()
    await expect(lead.get_by_test_id(f"invited-{best['person']['id']}")).to_have_text("Uzaicināts")
    # The confirmation stays: no refetch of the suggestions (which leave out invited people) takes
    # the row away. urql starts such a refetch as it takes the mutation's result, before React
    # renders the confirmation, so by now it would have been sent.
    sent = await lead.evaluate("() => window.__documents")
    assert document_id("query Suggest") not in sent[sent.index(document_id("mutation InviteMember")) :]

    # The lead's team page lists the pending invitation and follows the team live.
    await lead.goto(f"/teams/{team['id']}")
    invitations = lead.get_by_test_id("invitations")
    await expect(invitations.get_by_role("row")).to_have_count(2)
    await expect(invitations.get_by_role("row").nth(1)).to_contain_text(best["person"]["name"])
    await expect(invitations.get_by_role("row").nth(1)).to_contain_text("Gaida atbildi")
    feed = lead.get_by_test_id("feed")
    await expect(feed.locator("li[data-verb='invitation.sent']")).to_have_count(1)
    await expect(lead.get_by_test_id("feed-status")).to_have_text("Tiešraide")

    # The invitee, signed in in another browser context, accepts on their dashboard.
    invitee = await signed_in_page(best["person"]["email"])
    mine = invitee.get_by_test_id("my-invitations")
    await expect(mine).to_contain_text("Reģistru datu darba grupa")
    await screenshot(invitee, "dashboard-invitation")
    assert await axe_violations(invitee) == []
    await following(demo_hub, 2)  # the lead's team feed and the invitee's own feed, both started
    await invitee.get_by_role("button", name="Pieņemt uzaicinājumu: Reģistru datu darba grupa").click()
    await expect(invitee.get_by_test_id("my-teams")).to_contain_text("Reģistru datu darba grupa")
    await expect(invitee.get_by_text("Nav uzaicinājumu, uz kuriem jāatbild.")).to_be_visible()
    # The invitee's own live feed shows it too.
    await expect(invitee.get_by_test_id("feed").locator("li[data-verb='invitation.accepted']")).to_have_count(
        1
    )
    await screenshot(invitee, "dashboard-accepted")

    # The lead never reloads: the acceptance arrives in place and is announced politely.
    await expect(feed.locator("li[data-verb='invitation.accepted']")).to_have_count(1)
    await expect(lead.get_by_role("status").filter(has_text="jaun")).not_to_have_count(0)
    await screenshot(lead, "team-live-accepted")
    members = demo_hub.data(
        "query($id: ID!) { team(id: $id) { members { allocation person { id } } } }", {"id": team["id"]}
    )["team"]["members"]
    assert {"allocation": 25, "person": {"id": best["person"]["id"]}} in members


async def test_lead_withdraws_a_pending_invitation(page: Page, demo_hub: Hub) -> None:
    team = new_team(demo_hub, "Atsaukuma komanda")
    person = suggestions(demo_hub, team["id"])[0]["person"]
    demo_hub.data(
        "mutation($i: InvitationInput!) { inviteMember(input: $i) { id } }",
        {"i": {"teamId": team["id"], "personId": person["id"], "allocation": 10}},
    )
    await page.goto(f"/teams/{team['id']}")
    row = page.get_by_test_id("invitations").get_by_role("row").nth(1)
    await expect(row).to_contain_text("Gaida atbildi")
    await row.get_by_role("button", name=f"Atsaukt uzaicinājumu: {person['name']}").click()
    await expect(row).to_contain_text("Atsaukts")
    await expect(row.get_by_role("button")).to_have_count(0)
    stored = demo_hub.data("query($id: ID!) { team(id: $id) { invitations { status } } }", {"id": team["id"]})
    assert stored["team"]["invitations"] == [{"status": "WITHDRAWN"}]


async def test_team_page_shows_coverage_and_records_posts_decisions_and_tasks(
    page: Page, demo_hub: Hub
) -> None:
    team = new_team(demo_hub, "Darba komanda")
    coverage = demo_hub.data(
        "query($id: ID!) { coverage(teamId: $id) { leadInstitutionMissing institutions { missing } } }",
        {"id": team["id"]},
    )["coverage"]
    member = demo_hub.data(
        "query($id: ID!) { team(id: $id) { members { person { name email } } } }", {"id": team["id"]}
    )["team"]["members"][0]["person"]
    await page.goto(f"/teams/{team['id']}")
    table = page.get_by_test_id("coverage")
    await expect(table.get_by_role("row")).to_have_count(len(coverage["institutions"]) + 1)
    missing = sum(1 for c in coverage["institutions"] if c["missing"])
    await expect(table.get_by_role("cell", name="Vēl neviena", exact=True)).to_have_count(missing)
    await expect(page.get_by_test_id("lead-missing")).to_have_count(
        1 if coverage["leadInstitutionMissing"] else 0
    )

    # A post mentioning the lead by @e-mail, then a reply to it.
    await page.get_by_label("Jauns ieraksts").fill(f"Sākam darbu, @{member['email']} lūdzu plānu.")
    await page.get_by_role("button", name="Publicēt").click()
    posts = page.get_by_test_id("posts")
    await expect(posts.get_by_role("article")).to_have_count(1)
    await expect(posts).to_contain_text(f"Pieminēti: {member['name']}")
    await posts.get_by_role("button", name="Atbildēt").click()
    await page.get_by_label("Jūsu atbilde").fill("Plāns būs piektdien.")
    await posts.get_by_role("button", name="Atbildēt").click()
    await expect(posts.locator(".replies li")).to_have_count(1)
    await expect(posts.locator(".replies")).to_contain_text("Plāns būs piektdien.")

    # A decision and a task, whose status is then changed.
    await page.get_by_label("Lēmums", exact=True).fill("Apstiprināt darba plānu")
    await page.get_by_label("Lēmuma datums").fill("2026-11-20")
    await page.get_by_role("button", name="Reģistrēt lēmumu").click()
    await expect(page.get_by_test_id("decisions")).to_contain_text("2026-11-20 — Apstiprināt darba plānu")
    await page.get_by_label("Uzdevums", exact=True).fill("Sagatavot ziņojumu")
    await page.get_by_label("Izpildītājs").select_option(label=member["name"])
    await page.get_by_role("button", name="Pievienot uzdevumu").click()
    status = page.get_by_label("Statuss: Sagatavot ziņojumu")
    await expect(status).to_have_value("TODO")
    await status.select_option("IN_PROGRESS")
    await expect(status).to_have_value("IN_PROGRESS")
    await screenshot(page, "team-work")
    assert await axe_violations(page) == []

    stored = demo_hub.data(
        """query($id: ID!) { team(id: $id) { decisions { text date } tasks { title status assignee { name } }
             posts { nodes { body mentions { name } replies { body } } } } }""",
        {"id": team["id"]},
    )["team"]
    assert stored["decisions"] == [{"text": "Apstiprināt darba plānu", "date": "2026-11-20"}]
    assert stored["tasks"] == [
        {"title": "Sagatavot ziņojumu", "status": "IN_PROGRESS", "assignee": {"name": member["name"]}}
    ]
    assert stored["posts"]["nodes"] == [
        {
            "body": f"Sākam darbu, @{member['email']} lūdzu plānu.",
            "mentions": [{"name": member["name"]}],
            "replies": [{"body": "Plāns būs piektdien."}],
        }
    ]


async def test_centre_dashboard_shows_hotspots_overload_health_and_the_heatmap(
    page: Page, demo_hub: Hub
) -> None:
    d = demo_hub.data(
        """{ hotspots(limit: 10) { name } overload(maxTeams: 3) { name }
             teamHealth(inactiveDays: 30, invitationDays: 7) { name }
             directionMatrix { number cells { code activeIssues activeTeams } } }"""
    )
    await page.goto("/centre")
    hotspots = page.get_by_test_id("hotspots").get_by_role("row")
    await expect(hotspots).to_have_count(len(d["hotspots"]) + 1)
    await expect(hotspots.nth(1).get_by_role("cell").first).to_have_text(d["hotspots"][0]["name"])
    if d["overload"]:
        await expect(page.get_by_test_id("overload").get_by_role("row")).to_have_count(len(d["overload"]) + 1)
    if d["teamHealth"]:
        await expect(page.get_by_test_id("team-health").get_by_role("row")).to_have_count(
            len(d["teamHealth"]) + 1
        )
    heatmap = page.get_by_test_id("heatmap")
    await expect(heatmap.locator("tbody tr")).to_have_count(len(d["directionMatrix"]))
    cell = d["directionMatrix"][0]["cells"][0]
    await expect(heatmap.locator("tbody tr").first.locator("td").first).to_have_text(
        f"{cell['activeIssues']}/{cell['activeTeams']}"
    )
    await screenshot(page, "centre-panels")
    assert await axe_violations(page) == []


async def test_a_dropped_socket_reconnects_and_resumes_after_the_last_event(
    page: Page, demo_hub: Hub
) -> None:
    team = new_team(demo_hub, "Atjaunošanas komanda")
    subscribes: list[dict[str, Any]] = []
    cursors: list[str] = []
    routes: list[Any] = []

    # Sit between the page and the hub to watch the protocol and cut the connection.
    async def relay(ws: Any) -> None:
        server = ws.connect_to_server()
        routes.append(ws)

        def to_server(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame.get("type") == "subscribe" and "teamActivity" in sent_document(frame["payload"]):
                subscribes.append(frame["payload"]["variables"])
            server.send(message)

        def to_page(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame.get("type") == "next" and "teamActivity" in json.dumps(frame):
                cursors.append(frame["payload"]["data"]["teamActivity"]["cursor"])
            ws.send(message)

        ws.on_message(to_server)
        server.on_message(to_page)

    await page.route_web_socket(re.compile(r".*/graphql$"), relay)
    await page.goto(f"/teams/{team['id']}")
    feed = page.get_by_test_id("feed")
    await expect(page.get_by_test_id("feed-status")).to_have_text("Tiešraide")
    await following(demo_hub, 1)  # the socket is acknowledged; now its subscription has started too
    # The page subscribed from where its history ends (nothing was committed since it read it).
    history = "query($id: ID!) { activities(scopeId: $id, first: 1) { liveCursor } }"
    read_to = demo_hub.data(history, {"id": team["id"]})["activities"]["liveCursor"]
    post = "mutation($i: PostInput!) { createPost(input: $i) { id } }"
    demo_hub.data(post, {"i": {"teamId": team["id"], "body": "Pirmais"}})
    await expect(feed.locator("li[data-verb='post.created']")).to_have_count(1)
    assert read_to is not None and len(cursors) == 1 and subscribes == [{"id": team["id"], "after": read_to}]

    await routes[0].close(code=1011, reason="test drops the connection")
    demo_hub.data(post, {"i": {"teamId": team["id"], "body": "Otrais, kamēr savienojuma nav"}})
    await expect(feed.locator("li[data-verb='post.created']")).to_have_count(2)
    assert len(routes) == 2  # the page opened a new connection by itself, without a reload
    assert subscribes[-1] == {"id": team["id"], "after": cursors[0]}


async def test_after_a_change_the_web_app_sends_its_bookmark_with_its_next_requests(
    page: Page, demo_hub: Hub
) -> None:
    """Read-your-writes on any replica: the hub answers the withdrawal with a bookmark
    (Sadarbe-Bookmark) and the web app sends it back with the requests that follow."""
    team = new_team(demo_hub, "Grāmatzīmes komanda")
    person = suggestions(demo_hub, team["id"])[0]["person"]
    demo_hub.data(
        "mutation($i: InvitationInput!) { inviteMember(input: $i) { id } }",
        {"i": {"teamId": team["id"], "personId": person["id"], "allocation": 10}},
    )
    handed: list[str] = []
    page.on(
        "response",
        lambda r: handed.append(r.headers["sadarbe-bookmark"]) if "sadarbe-bookmark" in r.headers else None,
    )
    await page.goto(f"/teams/{team['id']}")
    row = page.get_by_test_id("invitations").get_by_role("row").nth(1)
    await row.get_by_role("button", name=f"Atsaukt uzaicinājumu: {person['name']}").click()
    await expect(row).to_contain_text("Atsaukts")
    assert handed, "the withdrawal's response carries a bookmark"
    # The list page renders its heading before its query leaves: wait for the request itself.
    async with page.expect_request(lambda r: r.url.endswith("/graphql")) as next_request:
        await page.get_by_role("link", name="Komandas", exact=True).click()
    request = await next_request.value
    assert request.headers.get("sadarbe-bookmark") == handed[-1]
