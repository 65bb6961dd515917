"""Trusted documents (hub/api/trusted_documents.py) through real hub processes over real sockets:
a registered document runs by its `documentId` over HTTP and graphql-ws as its text does; an
unknown id is refused with PERSISTED_QUERY_NOT_FOUND and nothing runs; with
HUB_TRUSTED_DOCUMENTS_ONLY browser sessions (and callers not signed in) run registered documents
only, while bearer-token API clients still send their own. Most tests run against a hub with a
small hand-built manifest and trusted-only mode on; the last ones against the shared test hub,
which loads the built web app's manifest as `make run` does."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from graph.driver import Graph
from graph.embedded import REPO_ROOT
from hub.api import trusted_documents
from hub.api.trusted_documents import ManifestError, TrustedDocuments
from hub.config import Settings
from tests import builders
from tests import live_client as lc
from tests.conftest import TEST_ADMIN_EMAIL, Hub, free_port, served_hub
from tests.test_signin import CSRF, sign_in
from tests.test_subscriptions import CREATE_INSTITUTION, INSTITUTION_FEED, institution, rename

INSTITUTION_NAME = "query Name($id: ID!) { institution(id: $id) { code nameEn } }"
ME = "query Me { me { email } }"
CODES = "{ institutions(first: 100) { nodes { code } } }"
REGISTERED = [INSTITUTION_NAME, ME, CREATE_INSTITUTION, INSTITUTION_FEED]
WEB_MANIFEST = REPO_ROOT / "frontend" / "dist" / trusted_documents.MANIFEST_NAME


def document_id(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("trusted") / "persisted-documents.json"
    path.write_text(json.dumps({document_id(text): text for text in REGISTERED}))
    return path


@pytest.fixture(scope="module")
def trusted_server(hub_env: dict[str, str], session_graph: Graph, manifest: Path) -> Iterator[Hub]:
    env = {**hub_env, "HUB_TRUSTED_DOCUMENTS_ONLY": "true", "HUB_TRUSTED_DOCUMENTS_MANIFEST": str(manifest)}
    with served_hub(env, "hub-trusted") as hub:
        yield hub


@pytest.fixture
async def trusted(trusted_server: Hub, graph: Graph) -> AsyncIterator[Hub]:
    """The trusted-only hub over an emptied graph; its client signs in with a bearer token."""
    await lc.idle(trusted_server.base_url)
    yield trusted_server
    await lc.close_all()


def post(client: httpx.Client, body: dict[str, Any], accept: str | None = None) -> httpx.Response:
    headers = {**CSRF, **({"Accept": accept} if accept else {})}
    return client.post("/graphql", json=body, headers=headers)


def codes(hub: Hub) -> list[str]:
    return [i["code"] for i in hub.data(CODES)["institutions"]["nodes"]]


def refused(response: httpx.Response, status: int, code: str) -> str:
    """The message of a refusal with `status` and `code`, and nothing else in the body."""
    assert response.status_code == status, response.text
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": code}
    assert "data" not in response.json()
    message: str = error["message"]
    return message


async def admin_session(hub: Hub) -> httpx.Client:
    """A browser's cookie session, signed in through the development identity provider."""
    browser, _ = sign_in(hub, TEST_ADMIN_EMAIL)
    return browser


# --- by id over HTTP ------------------------------------------------------------------------------


async def test_a_registered_id_answers_exactly_as_its_document_text(trusted: Hub) -> None:
    fm = institution(trusted, "FM")
    variables = {"id": fm}
    by_text = post(trusted.http, {"query": INSTITUTION_NAME, "variables": variables}).json()
    by_id = post(trusted.http, {"documentId": document_id(INSTITUTION_NAME), "variables": variables}).json()
    assert by_id["data"] == by_text["data"] == {"institution": {"code": "FM", "nameEn": "FM"}}
    assert "errors" not in by_id


async def test_a_cookie_session_runs_registered_documents_and_writes_by_id(trusted: Hub) -> None:
    browser = await admin_session(trusted)
    me = post(browser, {"documentId": document_id(ME)}).json()
    assert me["data"] == {"me": {"email": TEST_ADMIN_EMAIL}} and "errors" not in me
    created = post(browser, {"documentId": document_id(CREATE_INSTITUTION), "variables": {"code": "VK"}})
    assert "errors" not in created.json(), created.text
    assert codes(trusted) == ["VK"]


@pytest.mark.parametrize("accept", ["application/json", "application/graphql-response+json"])
async def test_an_unknown_id_is_refused_with_persisted_query_not_found_and_nothing_runs(
    trusted: Hub, accept: str
) -> None:
    institution(trusted, "FM")
    unregistered = CREATE_INSTITUTION + " "  # a document the manifest does not hold: its id is unknown
    body = {"documentId": document_id(unregistered), "variables": {"code": "VK"}}
    for client in (trusted.http, await admin_session(trusted)):
        message = refused(post(client, body, accept), 400, "PERSISTED_QUERY_NOT_FOUND")
        assert document_id(unregistered) in message
    assert codes(trusted) == ["FM"]


async def test_an_id_sent_together_with_a_document_text_is_refused(trusted: Hub) -> None:
    body = {"documentId": document_id(ME), "query": ME}
    message = refused(post(trusted.http, body), 400, "BAD_REQUEST")
    assert message == "Send either `query` or `documentId`, not both."


async def test_a_document_id_that_is_not_a_string_is_refused(trusted: Hub) -> None:
    message = refused(post(trusted.http, {"documentId": 42}), 400, "BAD_REQUEST")
    assert message == "`documentId` must be a string or null."


# --- trusted-only mode over HTTP ------------------------------------------------------------------


async def test_a_cookie_session_may_not_send_document_text_and_nothing_runs(trusted: Hub) -> None:
    browser = await admin_session(trusted)
    response = post(browser, {"query": CREATE_INSTITUTION, "variables": {"code": "VK"}})
    message = refused(response, 403, "PERSISTED_QUERY_REQUIRED")
    assert "bearer token" in message
    assert codes(trusted) == []


async def test_an_empty_authorization_header_does_not_make_a_cookie_session_an_api_client(
    trusted: Hub,
) -> None:
    browser = await admin_session(trusted)
    response = browser.post(
        "/graphql",
        json={"query": CREATE_INSTITUTION, "variables": {"code": "VK"}},
        headers={**CSRF, "Authorization": ""},
    )
    refused(response, 403, "PERSISTED_QUERY_REQUIRED")
    assert codes(trusted) == []


async def test_a_caller_not_signed_in_may_not_send_document_text(trusted: Hub) -> None:
    anonymous = trusted.as_user(None)
    refused(post(anonymous.http, {"query": ME}), 403, "PERSISTED_QUERY_REQUIRED")
    assert post(anonymous.http, {"documentId": document_id(ME)}).json()["data"] == {"me": None}


async def test_a_bearer_token_client_sends_documents_of_its_own(trusted: Hub) -> None:
    institution(trusted, "FM")  # CREATE_INSTITUTION as text, over the bearer token
    own = "{ institutions(first: 1) { nodes { code nameLv } } }"  # registered nowhere
    assert trusted.data(own) == {"institutions": {"nodes": [{"code": "FM", "nameLv": "FM"}]}}


# --- over graphql-ws ------------------------------------------------------------------------------


async def session_socket(hub: Hub) -> Any:
    browser = await admin_session(hub)
    cookie = f"sadarbe_session={browser.cookies['sadarbe_session']}"
    return await lc.connect(hub.ws_url, {}, origin=hub.base_url, additional_headers={"Cookie": cookie})


def by_id(text: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """A subscribe payload as the npm graphql-ws client sends it for the web app: `query` is empty."""
    return {"query": "", "documentId": document_id(text), "variables": variables or {}}


async def test_a_subscription_by_id_over_graphql_ws_delivers_live_events(trusted: Hub) -> None:
    fm = institution(trusted, "FM")
    ws = await session_socket(trusted)
    await lc.send(ws, {"id": "1", "type": "subscribe", "payload": by_id(INSTITUTION_FEED, {"id": fm})})
    await lc.started(trusted.base_url, 1)

    rename(trusted, fm, "Ministry of Finance")
    got = (await lc.next_payload(ws))["data"]["institutionActivity"]

    assert got["activity"] == {
        "seq": 2,
        "verb": "institution.updated",
        "summary": "Institution FM updated",
        "targetId": fm,
    }


async def test_over_graphql_ws_an_unknown_id_is_an_error_and_the_socket_serves_on(trusted: Hub) -> None:
    ws = await session_socket(trusted)
    await lc.send(ws, {"id": "1", "type": "subscribe", "payload": by_id(ME + " ")})
    error = await lc.receive(ws)
    assert error["type"] == "error" and error["id"] == "1"
    assert [e["extensions"] for e in error["payload"]] == [{"code": "PERSISTED_QUERY_NOT_FOUND"}]

    await lc.send(ws, {"id": "2", "type": "subscribe", "payload": by_id(ME)})
    assert (await lc.next_payload(ws))["data"] == {"me": {"email": TEST_ADMIN_EMAIL}}


async def test_over_graphql_ws_a_session_may_not_send_document_text(trusted: Hub) -> None:
    ws = await session_socket(trusted)
    await lc.subscribe(ws, "1", ME)
    error = await lc.receive(ws)
    assert error["type"] == "error" and error["id"] == "1"
    assert [e["extensions"] for e in error["payload"]] == [{"code": "PERSISTED_QUERY_REQUIRED"}]


async def test_over_graphql_ws_a_token_client_sends_documents_of_its_own(trusted: Hub) -> None:
    ws = await lc.connect(trusted.ws_url, {"authorization": f"Bearer {trusted.token_for(TEST_ADMIN_EMAIL)}"})
    await lc.subscribe(ws, "1", "{ me { email } }")
    assert (await lc.next_payload(ws))["data"] == {"me": {"email": TEST_ADMIN_EMAIL}}


# --- the built web app's manifest, as `make run` serves it ------------------------------------------


def web_document(operation: str) -> tuple[str, str]:
    """The id and text of the built web app's document for `operation` (e.g. "query Me")."""
    manifest: dict[str, str] = json.loads(WEB_MANIFEST.read_text())
    (found,) = [
        (i, text) for i, text in manifest.items() if f"{operation} " in text or f"{operation}(" in text
    ]
    return found


async def test_the_hub_runs_the_built_web_apps_documents_by_id(hub: Hub) -> None:
    assert WEB_MANIFEST.is_file(), "the web app is not built: make web"
    me_id, me_text = web_document("query Me")
    by_id = post(hub.http, {"documentId": me_id}).json()
    assert by_id["data"] == post(hub.http, {"query": me_text}).json()["data"]
    assert by_id["data"]["me"]["email"] == TEST_ADMIN_EMAIL


async def test_without_trusted_only_mode_a_cookie_session_sends_document_text(hub: Hub, graph: Graph) -> None:
    fm = await builders.institution(graph, "FM")
    await builders.person(graph, "Laura Bērziņa", fm["id"], email="laura@t.lv")
    browser, _ = sign_in(hub, "laura@t.lv")
    assert post(browser, {"query": ME}).json()["data"] == {"me": {"email": "laura@t.lv"}}


# --- loading the manifest ---------------------------------------------------------------------------


def settings(**values: Any) -> Settings:
    return Settings(**values)


def test_the_manifest_named_in_the_settings_is_loaded(manifest: Path) -> None:
    loaded = TrustedDocuments.load(settings(HUB_TRUSTED_DOCUMENTS_MANIFEST=str(manifest)))
    assert loaded.documents == {document_id(text): text for text in REGISTERED}
    assert loaded.only is False


def test_without_a_built_web_app_no_document_is_registered_and_text_runs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(trusted_documents, "DIST_DIR", tmp_path)
    loaded = TrustedDocuments.load(settings())
    assert loaded.documents == {}
    assert loaded.query_of({"query": ME}, api_client=False) == ME


def test_trusted_only_mode_without_a_manifest_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(trusted_documents, "DIST_DIR", tmp_path)
    with pytest.raises(ManifestError, match=r"no trusted-documents manifest at .*make web"):
        TrustedDocuments.load(settings(HUB_TRUSTED_DOCUMENTS_ONLY="true"))


def test_a_named_manifest_that_does_not_exist_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="no trusted-documents manifest at"):
        TrustedDocuments.load(settings(HUB_TRUSTED_DOCUMENTS_MANIFEST=str(tmp_path / "missing.json")))


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "cannot be read"),
        ('["query Me { me { email } }"]', "is not a JSON object of id → document"),
        (json.dumps({"Me": ME}), "'Me' is not a `sha256:<hex>` id"),
        (json.dumps({document_id(ME): 42}), "is not a `sha256:<hex>` id of a document text"),
        (json.dumps({document_id(ME + " "): ME}), "is not the SHA-256 of its document"),
    ],
)
def test_a_manifest_the_hub_cannot_use_refuses_to_start_naming_the_problem(
    tmp_path: Path, content: str, problem: str
) -> None:
    path = tmp_path / "persisted-documents.json"
    path.write_text(content)
    with pytest.raises(ManifestError) as error:
        TrustedDocuments.load(settings(HUB_TRUSTED_DOCUMENTS_MANIFEST=str(path)))
    assert problem in str(error.value)


def test_hub_serve_with_an_unusable_manifest_exits_before_anything_starts(
    hub_env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "persisted-documents.json"
    path.write_text(json.dumps({document_id(ME + " "): ME}))
    env = {**hub_env, "HUB_TRUSTED_DOCUMENTS_MANIFEST": str(path)}
    done = subprocess.run(
        [sys.executable, "-m", "hub", "serve", "--no-seed", "--port", str(free_port())],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "is not the SHA-256 of its document" in " ".join((done.stdout + done.stderr).split())


def test_trusted_only_mode_is_refused_with_the_legacy_websocket_protocol() -> None:
    with pytest.raises(ValidationError, match="HUB_WS_LEGACY_PROTOCOL"):
        settings(HUB_TRUSTED_DOCUMENTS_ONLY="true", HUB_WS_LEGACY_PROTOCOL="true")
