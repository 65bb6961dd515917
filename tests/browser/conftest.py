"""Browser tests: Debian's headless Chromium driven by Playwright against the real hub, which
serves the built web app (frontend/dist). axe-core runs inside the page; screenshots of each view
go to test-artifacts/screenshots/.

The hub runs with HUB_TRUSTED_DOCUMENTS_ONLY, as a production deployment serving its web app to
browsers may: the page's cookie session runs only the documents in the manifest the web app's
build wrote, so every journey here also shows that the manifest holds each document the app sends
(a missing one would be refused, and its view would show the error)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    Request,
    async_playwright,
    expect,
)

from graph.driver import Graph
from graph.embedded import REPO_ROOT
from graph.seed.demo import ADMIN, load_demo
from hub.api.trusted_documents import MANIFEST_NAME
from tests import live_client
from tests.conftest import Hub, served_hub

CHROMIUM = "/usr/bin/chromium"
DIST = REPO_ROOT / "frontend" / "dist" / "index.html"
AXE = REPO_ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
MANIFEST = REPO_ROOT / "frontend" / "dist" / MANIFEST_NAME
TIMEOUT_MS = 30_000  # generous: the suite shares two cores with Neo4j and other work

expect.set_options(timeout=TIMEOUT_MS)


# The async API: the sync one runs its own event loop, which clashes with pytest-asyncio's.
@pytest.fixture(scope="session")
async def playwright() -> AsyncIterator[Playwright]:
    assert DIST.is_file(), "the web app is not built: run `make test` (or npm run build in frontend/)"
    assert AXE.is_file(), "axe-core is missing: run `npm ci` in frontend/"
    async with async_playwright() as p:
        yield p


@pytest.fixture(scope="session")
async def browser(playwright: Playwright) -> AsyncIterator[Browser]:
    browser = await playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )
    yield browser
    await browser.close()


@pytest.fixture(scope="session")
def hub_server(hub_env: dict[str, str], session_graph: Graph) -> Iterator[Hub]:
    """The hub the browser tests drive (in place of the shared one): browser sessions may run only
    the web app's registered documents; the tests' own API client has a bearer token."""
    with served_hub({**hub_env, "HUB_TRUSTED_DOCUMENTS_ONLY": "true"}, "hub-browser") as hub:
        yield hub


def registered_documents() -> dict[str, str]:
    """The built web app's manifest: id → document text."""
    documents: dict[str, str] = json.loads(MANIFEST.read_text())
    return documents


def document_id(operation: str) -> str:
    """The id of the web app's document for `operation`, such as "query Me"."""
    (found,) = [
        i for i, text in registered_documents().items() if f"{operation} " in text or f"{operation}(" in text
    ]
    return found


def sent_document(sent: Request | dict[str, Any]) -> str:
    """The text of the registered document the web app sent by its id: in a GraphQL POST, or in a
    graphql-ws subscribe payload (whose `query` graphql-ws requires: empty)."""
    body = json.loads(sent.post_data or "{}") if isinstance(sent, Request) else sent
    assert not body.get("query"), body  # the app sends ids, never text
    return registered_documents()[body["documentId"]]


@pytest.fixture
async def demo_hub(hub: Hub, graph: Graph) -> Hub:
    """The hub over a small demo graph: real institutions, plan directions, issues and teams."""
    await load_demo(graph, people=40, seed=1)
    return hub


async def new_context(browser: Browser, hub: Hub, lang: str | None = None) -> BrowserContext:
    context = await browser.new_context(base_url=hub.base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    if lang:
        await context.add_init_script(f"localStorage.setItem('sadarbe.lang', {json.dumps(lang)})")
    return context


async def sign_in(page: Page, email: str) -> None:
    """The real sign-in flow, as a person does it: the header's Sign in button, the hub's /auth/login,
    the development identity provider's page (type the email, Sign in), the callback, and back."""
    await page.goto("/")
    await page.get_by_test_id("sign-in").click()
    await expect(page.get_by_role("heading", name="Development sign-in")).to_be_visible()
    await page.get_by_placeholder("any person's email").fill(email)
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await expect(page.get_by_test_id("signed-in-as")).to_be_visible()


async def following(hub: Hub, pages: int) -> None:
    """Wait until the hub follows exactly `pages` open pages, one live feed each (one socket, one
    subscription), every one of them started: an activity committed after this reaches them all.
    The page's "live" status says only that its socket is acknowledged; its subscription starts a
    moment later, and a write committed before that is neither in the page's history nor sent to
    it. Counting sockets as well leaves out a page just left, whose subscription may linger."""
    await live_client.until(
        hub.base_url,
        f"{pages} pages following a live feed",
        lambda s: s["connections"] == s["subscriptions"] == s["started"] == pages,
    )


SignedInPage = Callable[[str], Awaitable[Page]]


@pytest.fixture
async def signed_in_page(browser: Browser, demo_hub: Hub) -> AsyncIterator[SignedInPage]:
    """`await signed_in_page(email)`: a page in a browser context of its own (its own cookies),
    signed in as that demo person through the real login flow."""
    contexts: list[BrowserContext] = []

    async def open_as(email: str) -> Page:
        context = await new_context(browser, demo_hub)
        contexts.append(context)
        page = await context.new_page()
        await sign_in(page, email)
        return page

    yield open_as
    for context in contexts:
        await context.close()


@pytest.fixture
async def context(browser: Browser, demo_hub: Hub) -> AsyncIterator[BrowserContext]:
    context = await new_context(browser, demo_hub)
    yield context
    await context.close()


@pytest.fixture
async def anonymous_page(context: BrowserContext) -> Page:
    return await context.new_page()


@pytest.fixture
async def page(signed_in_page: SignedInPage) -> Page:
    """A page signed in as the demo administrator (every view and action open to it)."""
    return await signed_in_page(ADMIN.email)


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations on the current page (WCAG 2.x A and AA rules)."""
    await page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = await page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


async def screenshot(page: Page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
