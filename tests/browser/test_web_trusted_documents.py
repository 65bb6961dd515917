"""Trusted documents in the real browser: the web app sends only ids of the documents its build
registered (frontend/dist/persisted-documents.json), over HTTP and over graphql-ws, and works against
a hub that refuses a browser session's document text (HUB_TRUSTED_DOCUMENTS_ONLY, see conftest)."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.async_api import Page, Request, WebSocket, expect

from tests.browser.conftest import registered_documents
from tests.browser.test_web_teamwork import new_team
from tests.conftest import Hub

OPERATION = re.compile(r"\b(?:query|mutation|subscription) \w+")


async def test_every_document_the_web_app_sends_is_a_registered_id(page: Page, demo_hub: Hub) -> None:
    posted: list[dict[str, Any]] = []  # each GraphQL POST body
    subscribed: list[dict[str, Any]] = []  # each graphql-ws subscribe payload

    def on_request(request: Request) -> None:
        if request.url.endswith("/graphql") and request.method == "POST":
            posted.append(json.loads(request.post_data or "{}"))

    def on_websocket(ws: WebSocket) -> None:
        def on_frame(frame: str | bytes) -> None:
            message = json.loads(frame)
            if message.get("type") == "subscribe":
                subscribed.append(message["payload"])

        ws.on("framesent", on_frame)

    page.on("request", on_request)
    page.on("websocket", on_websocket)
    team = new_team(demo_hub, "Uzticamo dokumentu komanda")
    person = demo_hub.data("{ people(first: 1) { nodes { id } } }")["people"]["nodes"][0]["id"]
    issue = demo_hub.data("{ issues(first: 1) { nodes { id } } }")["issues"]["nodes"][0]["id"]
    for path in ["/", "/people", f"/people/{person}", "/issues", f"/issues/{issue}", "/teams", "/map"]:
        await page.goto(path)
        await expect(page.get_by_role("heading", level=1)).to_be_visible()
        await page.wait_for_load_state("networkidle")
        await expect(page.get_by_role("alert")).to_have_count(0)

    # A write, and its event arriving live on the team's feed (a subscription by id).
    await page.goto(f"/teams/{team['id']}")
    await expect(page.get_by_test_id("feed-status")).to_have_text("Tiešraide")
    await page.get_by_label("Jauns ieraksts").fill("Tikai reģistrēti dokumenti")
    await page.get_by_role("button", name="Publicēt").click()
    await expect(page.get_by_test_id("posts").get_by_role("article")).to_have_count(1)
    await expect(page.get_by_test_id("feed").locator("li[data-verb='post.created']")).to_have_count(1)

    registered = registered_documents()
    assert posted and subscribed
    assert [b for b in posted if "query" in b or b.get("documentId") not in registered] == []
    assert [p for p in subscribed if p["query"] != "" or p.get("documentId") not in registered] == []
    sent = {OPERATION.findall(registered[b["documentId"]])[0] for b in posted + subscribed}
    assert {"mutation CreatePost", "subscription TeamLive", "subscription IssueMapLive"} <= sent


async def test_the_pages_own_document_text_is_refused_in_its_session(page: Page) -> None:
    answer = await page.evaluate(
        """() => fetch('/graphql', {method: 'POST', credentials: 'same-origin',
            headers: {'Content-Type': 'application/json', 'X-Requested-With': 'sadarbe'},
            body: JSON.stringify({query: '{ me { email } }'})})
            .then(async (r) => ({status: r.status, body: await r.json()}))"""
    )
    assert answer["status"] == 403
    assert [e["extensions"]["code"] for e in answer["body"]["errors"]] == ["PERSISTED_QUERY_REQUIRED"]
