"""Web sign-in end to end over HTTP against the built-in development OIDC provider (Authlib's
Starlette client on the hub's side), the session cookie and its CSRF rules, bearer tokens over
HTTP, WebSocket `connection_init` tokens, and `hub token`."""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import websockets

from graph.driver import Graph
from hub.auth import keys
from hub.auth.devprovider import DevProvider
from hub.auth.web import safe_next
from hub.config import Settings
from tests import builders
from tests import live_client as lc
from tests.conftest import Hub

CSRF = {"X-Requested-With": "fetch"}


async def someone(graph: Graph, email: str = "laura@t.lv") -> dict[str, Any]:
    fm = await builders.institution(graph, "FM")
    return await builders.person(graph, "Laura Bērziņa", fm["id"], email=email)


async def someone_else(graph: Graph) -> dict[str, Any]:
    vk = await builders.institution(graph, "VK")
    return await builders.person(graph, "Jānis Ozols", vk["id"], email="janis@t.lv")


def sign_in(hub: Hub, email: str, next_path: str = "/teams") -> tuple[httpx.Client, httpx.Response]:
    """Walk the whole authorization-code flow as a browser would; returns the browser and the
    hub's final redirect."""
    browser = httpx.Client(base_url=hub.base_url, timeout=30)
    start = browser.get("/auth/login", params={"next": next_path})
    assert start.status_code == 302, start.text
    authorize = urlsplit(start.headers["location"])
    params = {k: v[0] for k, v in parse_qs(authorize.query).items()}
    page = browser.get(authorize.path, params=params)
    assert page.status_code == 200 and "Development sign-in" in page.text
    chosen = browser.post(authorize.path, data={**params, "email": email})
    assert chosen.status_code == 303, chosen.text
    callback = urlsplit(chosen.headers["location"])
    done = browser.get(callback.path + "?" + callback.query)
    return browser, done


def me(browser: httpx.Client, headers: dict[str, str] | None = None) -> Any:
    response = browser.post("/graphql", json={"query": "{ me { email } }"}, headers=headers or CSRF)
    return response.json()["data"]["me"]


# In a fresh interpreter: Authlib warns once, when its httpx client module is first imported.
# Its own "always" filter for the warning goes first, so ours goes after it.
NO_AUTHLIB_DEPRECATIONS = """
import warnings
from authlib.deprecate import AuthlibDeprecationWarning
warnings.simplefilter("error", AuthlibDeprecationWarning)
import hub.app
import httpx2
from authlib.integrations.starlette_client import StarletteOAuth2App
assert issubclass(StarletteOAuth2App.client_cls, httpx2.AsyncClient), StarletteOAuth2App.client_cls.__mro__
"""


def test_the_hub_loads_authlib_on_httpx2_without_a_deprecation_warning() -> None:
    loaded = subprocess.run(
        [sys.executable, "-c", NO_AUTHLIB_DEPRECATIONS], capture_output=True, text=True, timeout=120
    )
    assert loaded.returncode == 0, loaded.stderr


async def test_the_login_flow_uses_pkce_s256_state_and_nonce(hub: Hub) -> None:
    browser = httpx.Client(base_url=hub.base_url)
    start = browser.get("/auth/login", params={"next": "/teams"})
    query = parse_qs(urlsplit(start.headers["location"]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"][0] and query["state"][0] and query["nonce"][0]
    assert query["redirect_uri"] == [hub.base_url + "/auth/callback"]


async def test_signing_in_sets_a_session_and_returns_to_the_requested_path(hub: Hub, graph: Graph) -> None:
    await someone(graph)
    browser, done = sign_in(hub, "laura@t.lv")
    assert (done.status_code, done.headers["location"]) == (303, "/teams")
    cookie = done.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert me(browser) == {"email": "laura@t.lv"}


async def test_the_session_cookie_holds_no_token(hub: Hub, graph: Graph) -> None:
    await someone(graph)
    browser, _ = sign_in(hub, "laura@t.lv")
    value = browser.cookies["sadarbe_session"]
    assert len(value) < 400 and "eyJhbGci" not in value.split(".")[0][10:]


async def test_a_cookie_request_without_the_csrf_header_is_anonymous(hub: Hub, graph: Graph) -> None:
    await someone(graph)
    browser, _ = sign_in(hub, "laura@t.lv")
    assert me(browser, headers={"Content-Type": "application/json"}) is None


@pytest.mark.parametrize(
    "headers",
    [{"Origin": "https://evil.example", **CSRF}, {"Sec-Fetch-Site": "cross-site", **CSRF}],
)
async def test_a_cross_site_cookie_request_is_refused_before_it_runs(
    hub: Hub, graph: Graph, headers: dict[str, str]
) -> None:
    await someone(graph)
    browser, _ = sign_in(hub, "laura@t.lv")
    response = browser.post("/graphql", json={"query": "{ me { email } }"}, headers=headers)
    assert (response.status_code, response.json()["errors"][0]["extensions"]["code"]) == (
        403,
        "CROSS_SITE_REQUEST",
    )


async def test_a_same_origin_cookie_request_is_signed_in(hub: Hub, graph: Graph) -> None:
    await someone(graph)
    browser, _ = sign_in(hub, "laura@t.lv")
    assert me(browser, {"Origin": hub.base_url, "Sec-Fetch-Site": "same-origin", **CSRF}) == {
        "email": "laura@t.lv"
    }


async def test_signing_out_ends_the_session(hub: Hub, graph: Graph) -> None:
    await someone(graph)
    browser, _ = sign_in(hub, "laura@t.lv")
    assert browser.post("/auth/logout").status_code == 303
    assert me(browser) is None


async def test_an_open_redirect_target_is_replaced_by_the_home_path(hub: Hub, graph: Graph) -> None:
    await someone(graph)
    _, done = sign_in(hub, "laura@t.lv", next_path="https://evil.example/x")
    assert done.headers["location"] == "/"


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/teams?id=1", "/teams?id=1"),
        ("https://evil.example", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/x\r\nSet-Cookie: a=b", "/"),
        (None, "/"),
    ],
)
def test_only_the_hubs_own_paths_are_redirect_targets(target: str | None, safe: str) -> None:
    assert safe_next(target) == safe


async def test_a_replayed_callback_is_refused(hub: Hub, graph: Graph) -> None:
    await someone(graph)
    browser = httpx.Client(base_url=hub.base_url, timeout=30)
    start = browser.get("/auth/login")
    authorize = urlsplit(start.headers["location"])
    params = {k: v[0] for k, v in parse_qs(authorize.query).items()}
    chosen = browser.post(authorize.path, data={**params, "email": "laura@t.lv"})
    callback = urlsplit(chosen.headers["location"])
    assert browser.get(callback.path + "?" + callback.query).status_code == 303
    replay = browser.get(callback.path + "?" + callback.query)
    assert replay.status_code == 400


async def test_a_callback_with_a_foreign_state_is_refused(hub: Hub, graph: Graph) -> None:
    await someone(graph)
    victim = httpx.Client(base_url=hub.base_url, timeout=30)
    victim.get("/auth/login")
    attacker = httpx.Client(base_url=hub.base_url, timeout=30)
    start = attacker.get("/auth/login")
    authorize = urlsplit(start.headers["location"])
    params = {k: v[0] for k, v in parse_qs(authorize.query).items()}
    chosen = attacker.post(authorize.path, data={**params, "email": "laura@t.lv"})
    callback = urlsplit(chosen.headers["location"])
    forced = victim.get(callback.path + "?" + callback.query)  # login CSRF: the attacker's code
    assert forced.status_code == 400
    assert me(victim) is None


async def test_the_dev_provider_refuses_an_unregistered_redirect_uri(hub: Hub) -> None:
    response = httpx.get(
        hub.base_url + "/dev-oidc/authorize",
        params={
            "response_type": "code",
            "client_id": "sadarbe-hub",
            "redirect_uri": "https://evil.example/cb",
            "scope": "openid",
            "state": "s",
            "code_challenge": "c",
            "code_challenge_method": "S256",
        },
    )
    assert (response.status_code, response.json()["error_description"]) == (
        400,
        "redirect_uri is not registered",
    )


async def test_the_dev_provider_publishes_discovery_and_a_public_jwks(hub: Hub) -> None:
    meta = httpx.get(hub.base_url + "/dev-oidc/.well-known/openid-configuration").json()
    assert meta["issuer"] == hub.base_url + "/dev-oidc"
    jwks = httpx.get(meta["jwks_uri"]).json()
    assert [sorted(k) for k in jwks["keys"]] == [["alg", "e", "kid", "kty", "n", "use"]]


def test_the_dev_provider_refuses_to_start_in_production() -> None:
    production = Settings(HUB_MODE="production")  # type: ignore[call-arg]
    with pytest.raises(keys.DevOnly, match="refuses to start in production"):
        DevProvider(production)
    with pytest.raises(keys.DevOnly):
        keys.signing_key(production)


async def test_a_bad_bearer_token_is_a_401_with_nothing_executed(hub: Hub) -> None:
    response = httpx.post(
        hub.base_url + "/graphql",
        json={"query": "{ me { email } }"},
        headers={"Authorization": "Bearer not.a.token"},
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_an_expired_bearer_token_is_refused(hub: Hub, graph: Graph) -> None:
    await someone(graph)
    token = hub.token_for("laura@t.lv", ttl_s=-120)
    response = httpx.post(
        hub.base_url + "/graphql",
        json={"query": "{ me { email } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 401


async def test_a_valid_token_for_an_unknown_person_is_refused(hub: Hub) -> None:
    response = httpx.post(
        hub.base_url + "/graphql",
        json={"query": "{ me { email } }"},
        headers={"Authorization": f"Bearer {hub.token_for('nobody@t.lv')}"},
    )
    assert response.status_code == 401


async def ws_close_code(hub: Hub, payload: dict[str, Any] | None) -> tuple[int | None, str | None]:
    async with websockets.connect(hub.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(
            json.dumps({"type": "connection_init", **({"payload": payload} if payload is not None else {})})
        )
        try:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            return None, message["type"]
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None, None


@pytest.mark.parametrize(
    "payload",
    [
        None,
        {},
        {"token": "bad"},
        {"token": ""},
        {"token": 42},
        {"Authorization": "Basic eA=="},
        {"authorization": "Bearer "},
        {"authorization": ["Bearer x"]},
    ],
)
async def test_websocket_without_a_valid_token_closes_with_4403(
    hub: Hub, payload: dict[str, Any] | None
) -> None:
    assert await ws_close_code(hub, payload) == (4403, None)


@pytest.mark.parametrize(
    ("key", "scheme"),
    [("token", ""), ("authorization", "Bearer "), ("Authorization", "Bearer "), ("AUTHORIZATION", "bearer ")],
)
async def test_websocket_accepts_the_token_under_each_client_convention(
    hub: Hub, graph: Graph, key: str, scheme: str
) -> None:
    await someone(graph)
    payload = {key: scheme + hub.token_for("laura@t.lv")}
    assert await ws_close_code(hub, payload) == (None, "connection_ack")


async def test_websocket_with_the_same_token_under_two_keys_is_acknowledged(hub: Hub, graph: Graph) -> None:
    await someone(graph)
    token = hub.token_for("laura@t.lv")
    assert await ws_close_code(hub, {"token": token, "authorization": f"Bearer {token}"}) == (
        None,
        "connection_ack",
    )


async def test_websocket_with_two_different_tokens_closes_with_4403(hub: Hub, graph: Graph) -> None:
    await someone(graph)
    await someone_else(graph)
    payload = {"token": hub.token_for("laura@t.lv"), "authorization": f"Bearer {hub.token_for('janis@t.lv')}"}
    assert await ws_close_code(hub, payload) == (4403, None)


async def test_websocket_with_an_expired_token_closes_with_4403(hub: Hub, graph: Graph) -> None:
    await someone(graph)
    assert await ws_close_code(hub, {"token": hub.token_for("laura@t.lv", ttl_s=-120)}) == (4403, None)


async def test_websocket_with_a_valid_token_is_acknowledged(hub: Hub, graph: Graph) -> None:
    await someone(graph)
    assert await ws_close_code(hub, {"token": hub.token_for("laura@t.lv")}) == (None, "connection_ack")


async def test_hub_token_prints_a_token_the_hub_accepts(
    hub: Hub, hub_env: dict[str, str], graph: Graph
) -> None:
    await someone(graph)
    port = urlsplit(hub.base_url).port
    result = subprocess.run(
        [sys.executable, "-m", "hub.cli", "token", "--user", "laura@t.lv", "--port", str(port)],
        env={**__import__("os").environ, **hub_env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    response = httpx.post(
        hub.base_url + "/graphql",
        json={"query": "{ me { email } }"},
        headers={"Authorization": f"Bearer {result.stdout.strip()}"},
    )
    assert response.json()["data"] == {"me": {"email": "laura@t.lv"}}


async def test_hub_token_refuses_in_production(hub_env: dict[str, str]) -> None:
    env = {**__import__("os").environ, **hub_env, "HUB_MODE": "production"}
    result = subprocess.run(
        [sys.executable, "-m", "hub.cli", "token", "--user", "x@t.lv"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2


async def test_a_subscription_ends_with_4403_when_its_token_expires(hub: Hub, graph: Graph) -> None:
    await someone(graph)
    token = hub.token_for("laura@t.lv", ttl_s=5)
    payload = token.split(".")[1]
    expires = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["exp"]
    async with await lc.connect(hub.ws_url, {"token": token}) as ws:
        await lc.subscribe(ws, "1", "subscription { myFeed { cursor } }")

        assert await lc.close_code(ws, wait_s=30) == (4403, "token expired")
        assert expires <= time.time() < expires + 15  # at its `exp`, not before nor much later


async def test_a_websocket_handshake_from_another_site_is_refused_with_403(hub: Hub) -> None:
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(hub.ws_url, subprotocols=[lc.PROTOCOL], origin="https://evil.example")  # type: ignore[list-item,arg-type]
    assert refused.value.response.status_code == 403


async def test_the_session_cookie_signs_in_a_websocket_from_the_hubs_own_page(hub: Hub, graph: Graph) -> None:
    await someone(graph)
    browser, _ = sign_in(hub, "laura@t.lv")
    cookie = f"sadarbe_session={browser.cookies['sadarbe_session']}"
    async with await lc.connect(
        hub.ws_url, {}, origin=hub.base_url, additional_headers={"Cookie": cookie}
    ) as ws:
        await lc.subscribe(ws, "1", "{ me { email } }")
        assert (await lc.next_payload(ws))["data"] == {"me": {"email": "laura@t.lv"}}


async def test_the_session_cookie_without_the_hubs_origin_signs_no_websocket_in(
    hub: Hub, graph: Graph
) -> None:
    await someone(graph)
    browser, _ = sign_in(hub, "laura@t.lv")
    cookie = f"sadarbe_session={browser.cookies['sadarbe_session']}"
    async with websockets.connect(
        hub.ws_url,
        subprotocols=[lc.PROTOCOL],
        additional_headers={"Cookie": cookie},  # type: ignore[list-item]
    ) as ws:
        await lc.send(ws, {"type": "connection_init", "payload": {}})
        assert await lc.close_code(ws) == (4403, "Forbidden")


async def test_a_signed_out_session_signs_no_websocket_in(hub: Hub, graph: Graph) -> None:
    await someone(graph)
    browser, _ = sign_in(hub, "laura@t.lv")
    browser.post("/auth/logout")
    cookie = f"sadarbe_session={browser.cookies.get('sadarbe_session', '')}"
    async with websockets.connect(
        hub.ws_url,
        subprotocols=[lc.PROTOCOL],
        origin=hub.base_url,
        additional_headers={"Cookie": cookie},  # type: ignore[list-item,arg-type]
    ) as ws:
        await lc.send(ws, {"type": "connection_init", "payload": {}})
        assert await lc.close_code(ws) == (4403, "Forbidden")


async def test_signing_out_closes_that_sessions_websockets(hub: Hub, graph: Graph) -> None:
    await someone(graph)
    browser, _ = sign_in(hub, "laura@t.lv")
    cookie = f"sadarbe_session={browser.cookies['sadarbe_session']}"
    async with await lc.connect(
        hub.ws_url, {}, origin=hub.base_url, additional_headers={"Cookie": cookie}
    ) as ws:
        await lc.subscribe(ws, "1", "subscription { myFeed { cursor } }")

        assert browser.post("/auth/logout").status_code == 303

        assert await lc.close_code(ws) == (4403, "signed out")
