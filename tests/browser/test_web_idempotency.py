"""The web app sends an `Idempotency-Key` with every mutation, fresh for each action and the same on
its retry: in the real browser, against the real hub and Neo4j, an answer lost on its way back is
retried and the post is written once."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page, Route, expect

from tests.browser.conftest import sent_document
from tests.browser.test_web_teamwork import new_team
from tests.conftest import Hub


async def test_a_post_whose_answer_is_lost_is_retried_with_its_key_and_written_once(
    page: Page, demo_hub: Hub
) -> None:
    team = new_team(demo_hub, "Atkārtojuma komanda")
    sent: list[dict[str, Any]] = []  # every GraphQL request the page made: its operation and key

    lost: list[str] = []  # the key of the createPost whose answer was dropped

    async def lose_the_first_posts_answer(route: Route) -> None:
        request = route.request
        query = sent_document(request)
        key = request.headers.get("idempotency-key")
        sent.append({"mutation": query.lstrip().startswith("mutation"), "key": key})
        if "createPost" not in query or lost:
            await route.continue_()
            return
        await route.fetch()  # the hub gets it and writes the post...
        lost.append(key or "")
        await route.abort("connectionreset")  # ...but its answer never reaches the page

    await page.route("**/graphql", lose_the_first_posts_answer)
    await page.goto(f"/teams/{team['id']}")
    posts = page.get_by_test_id("posts")

    await page.get_by_label("Jauns ieraksts").fill("Pirmais ieraksts")
    await page.get_by_role("button", name="Publicēt").click()
    await expect(posts.get_by_role("article")).to_have_count(1)
    await page.get_by_label("Jauns ieraksts").fill("Otrais ieraksts")
    await page.get_by_role("button", name="Publicēt").click()
    await expect(posts.get_by_role("article")).to_have_count(2)

    post_keys = [s["key"] for s in sent if s["mutation"]]
    assert len(post_keys) == 3 and all(post_keys)
    assert post_keys[0] == post_keys[1] != post_keys[2]  # the retry kept its key; a new action got a new one
    assert all(s["key"] is None for s in sent if not s["mutation"])
    stored = demo_hub.data(
        "query($id: ID!) { team(id: $id) { posts { nodes { body } } } }", {"id": team["id"]}
    )["team"]["posts"]["nodes"]
    assert sorted(p["body"] for p in stored) == ["Otrais ieraksts", "Pirmais ieraksts"]
