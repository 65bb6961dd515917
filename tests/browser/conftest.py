"""Browser tests: Debian's headless Chromium driven by Playwright against the real hub, which
serves the built web app (frontend/dist). axe-core runs inside the page; screenshots of each view
go to test-artifacts/screenshots/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from graph.driver import Graph
from graph.embedded import REPO_ROOT
from graph.seed.demo import load_demo
from tests.conftest import Hub

CHROMIUM = "/usr/bin/chromium"
DIST = REPO_ROOT / "frontend" / "dist" / "index.html"
AXE = REPO_ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = REPO_ROOT / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    assert DIST.is_file(), "the web app is not built: run `make test` (or npm run build in frontend/)"
    assert AXE.is_file(), "axe-core is missing: run `npm ci` in frontend/"
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )
    yield browser
    browser.close()


@pytest.fixture
async def demo_hub(hub: Hub, graph: Graph) -> Hub:
    """The hub over a small demo graph: real institutions, plan directions, issues and teams."""
    await load_demo(graph, people=40, seed=1)
    return hub


def new_context(browser: Browser, hub: Hub, lang: str | None = None) -> BrowserContext:
    context = browser.new_context(base_url=hub.base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    if lang:
        context.add_init_script(f"localStorage.setItem('sadarbe.lang', {json.dumps(lang)})")
    return context


@pytest.fixture
def context(browser: Browser, demo_hub: Hub) -> Iterator[BrowserContext]:
    context = new_context(browser, demo_hub)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations on the current page (WCAG 2.x A and AA rules)."""
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def screenshot(page: Page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
