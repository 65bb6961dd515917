"""Serving the built web app: deep links, missing assets, cache headers, and the not-built page."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from hub.web import IMMUTABLE, WebApp


def api(request: object) -> PlainTextResponse:
    return PlainTextResponse("api")


def client_for(dist: Path) -> TestClient:
    app = Starlette(routes=[Route("/graphql", api, methods=["GET", "POST"]), Mount("/", app=WebApp(dist))])
    return TestClient(app)


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>app</title>")
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log(1)")
    (tmp_path / "favicon.svg").write_text("<svg/>")
    return tmp_path


def test_root_serves_index_revalidated(dist: Path) -> None:
    response = client_for(dist).get("/")
    assert response.status_code == 200
    assert response.text == "<!doctype html><title>app</title>"
    assert response.headers["cache-control"] == "no-cache"


def test_deep_link_falls_back_to_index(dist: Path) -> None:
    response = client_for(dist).get("/teams/VGVhbToxMg")
    assert response.status_code == 200
    assert response.text == "<!doctype html><title>app</title>"
    assert response.headers["cache-control"] == "no-cache"


def test_hashed_asset_is_cached_for_a_year(dist: Path) -> None:
    response = client_for(dist).get("/assets/index-abc123.js")
    assert response.status_code == 200
    assert response.text == "console.log(1)"
    assert response.headers["cache-control"] == IMMUTABLE == "public, max-age=31536000, immutable"


def test_unhashed_top_level_file_is_revalidated(dist: Path) -> None:
    response = client_for(dist).get("/favicon.svg")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"


def test_missing_asset_is_404_not_index(dist: Path) -> None:
    assert client_for(dist).get("/assets/gone-000.js").status_code == 404
    assert client_for(dist).get("/assets/gone").status_code == 404
    assert client_for(dist).get("/robots.txt").status_code == 404


def test_path_traversal_is_refused(dist: Path, tmp_path: Path) -> None:
    (tmp_path.parent / "secret.txt").write_text("secret")
    response = client_for(dist).get("/assets/%2e%2e/%2e%2e/secret.txt")
    assert response.status_code == 404
    assert "secret" not in response.text


def test_hidden_files_are_not_served(dist: Path) -> None:
    (dist / ".env").write_text("X=1")
    assert client_for(dist).get("/.env").status_code == 404


def test_api_route_is_not_shadowed(dist: Path) -> None:
    assert client_for(dist).post("/graphql").text == "api"


def test_non_get_method_is_refused(dist: Path) -> None:
    response = client_for(dist).post("/teams/1")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


def test_missing_build_says_how_to_build(tmp_path: Path) -> None:
    response = client_for(tmp_path / "nothing").get("/")
    assert response.status_code == 503
    assert "npm run build" in response.text
    assert "make run" in response.text
