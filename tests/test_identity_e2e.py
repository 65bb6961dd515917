"""Identity binding through the real stack: a hub process, the real Neo4j and real tokens signed
with the development provider's key (security checklist IDN-01..04, JWT-08).

A sign-in is bound to the identity provider's (issuer, subject) on first sight, by verified
e-mail; afterwards the token's e-mail decides nothing. A person cannot change the fields that
decide what they may do."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import itsdangerous
import pytest

from graph import identity, people
from graph.access import GrantedRole
from graph.driver import Graph
from graph.people import PersonPatch
from graph.teams import Visibility
from hub.auth import keys
from tests import builders, planned
from tests import live_client as lc
from tests.conftest import TEST_ADMIN_EMAIL, TEST_DATA_DIR, Hub, free_port, start_hub
from tests.test_signin import CSRF, sign_in

ME = "{ me { email admin person { id } } }"
RESTRICTED_TEAM = "query($id: ID!) { team(id: $id) { name } }"
PERSON = "query($id: ID!) { person(id: $id) { name email institution { id } } }"
UPDATE = "mutation($id: ID!, $patch: PersonPatch!) { updatePerson(id: $id, patch: $patch) { id email name } }"


async def world(graph: Graph) -> dict[str, str]:
    """Anna, the lead of a restricted team; Boris, who is not in it; a second institution."""
    fm = await builders.institution(graph, "FM")
    vk = await builders.institution(graph, "VK")
    anna = await builders.person(graph, "Anna Ozola", fm["id"], email="anna@t.lv")
    boris = await builders.person(graph, "Boris Liepa", fm["id"], email="boris@t.lv")
    issue = await builders.issue(graph, "Budget reform")
    team = await builders.team(graph, "Audit team", issue["id"], anna["id"], visibility=Visibility.RESTRICTED)
    return {"fm": fm["id"], "vk": vk["id"], "anna": anna["id"], "boris": boris["id"], "team": team["id"]}


def token(hub: Hub, claims: dict[str, Any]) -> str:
    """A token of the hub's development provider with exactly these claims over the usual ones
    (a None value leaves the claim out)."""
    now = int(time.time())
    base = {
        "iss": hub.settings.effective_oidc_issuer,
        "aud": hub.settings.oidc_audience,
        "sub": "s-anna",
        "email": "anna@t.lv",
        "email_verified": True,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    return keys.sign(hub.settings, {k: v for k, v in {**base, **claims}.items() if v is not None})


def post(hub: Hub, bearer: str, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
    return httpx.post(
        hub.base_url + "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {bearer}"},
        timeout=30,
    )


async def stored(graph: Graph, person_id: str) -> dict[str, Any]:
    """The person as the graph holds them (read in-process, as an administrator)."""
    found: dict[str, Any] = (await planned.data(graph, PERSON, {"id": person_id}))["person"]
    return found


def _twice(client: Hub, query: str, variables: dict[str, Any]) -> tuple[httpx.Response, httpx.Response]:
    """The same request twice: the second one's caller comes from the hub's caller cache."""
    body = {"query": query, "variables": variables}
    return client.http.post("/graphql", json=body), client.http.post("/graphql", json=body)


def me(hub: Hub, bearer: str) -> dict[str, Any]:
    response = post(hub, bearer, ME)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()["data"]["me"]
    return found


def browser_me(browser: httpx.Client) -> Any:
    return browser.post("/graphql", json={"query": ME}, headers=CSRF).json()["data"]["me"]


def refused(hub: Hub, bearer: str) -> str:
    response = post(hub, bearer, ME)
    assert response.status_code == 401, response.text
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    message: str = error["message"]
    return message


async def bound_subjects(graph: Graph, person_id: str) -> list[tuple[str, str]]:
    rows = await graph.read(
        "MATCH (i:SignInIdentity)-[:IDENTIFIES]->(:Person {id: $id}) RETURN i.issuer AS issuer, "
        "i.subject AS subject ORDER BY issuer, subject",
        id=person_id,
    )
    return [(r["issuer"], r["subject"]) for r in rows]


# IDN-01: the fields that decide authority are not the person's own to change.


@pytest.mark.parametrize(
    ("field", "value"), [("email", "boris.new@t.lv"), ("institutionId", "vk")], ids=["email", "institution"]
)
async def test_a_person_cannot_change_their_own_email_or_institution(
    hub: Hub, graph: Graph, field: str, value: str
) -> None:
    ids = await world(graph)
    boris = hub.as_user("boris@t.lv")
    before = await builders.count(graph)

    error = boris.error(
        UPDATE, {"id": ids["boris"], "patch": {"name": "Boris", field: ids.get(value, value)}}
    )

    assert error["extensions"] == {"code": "FORBIDDEN", "field": f"patch.{field}"}
    assert error["message"].startswith(f"patch.{field}: only an administrator")
    assert await builders.count(graph) == before
    assert await stored(graph, ids["boris"]) == {
        "name": "Boris Liepa",
        "email": "boris@t.lv",
        "institution": {"id": ids["fm"]},
    }


async def test_a_person_changes_their_own_name_title_and_languages(hub: Hub, graph: Graph) -> None:
    ids = await world(graph)
    patch = {"name": "Boriss Liepa", "title": "Analyst", "languages": ["lv", "en"]}

    changed = hub.as_user("boris@t.lv").data(UPDATE, {"id": ids["boris"], "patch": patch})

    assert changed["updatePerson"] == {"id": ids["boris"], "email": "boris@t.lv", "name": "Boriss Liepa"}


async def test_a_person_cannot_set_their_own_roles(hub: Hub, graph: Graph) -> None:
    ids = await world(graph)

    error = hub.as_user("boris@t.lv").error(
        "mutation($id: ID!) { setPersonRoles(personId: $id, roles: [ADMIN]) { id } }", {"id": ids["boris"]}
    )

    assert error["extensions"]["code"] == "FORBIDDEN"


async def test_an_administrator_changes_a_persons_email_and_institution(hub: Hub, graph: Graph) -> None:
    ids = await world(graph)

    changed = hub.data(
        UPDATE, {"id": ids["boris"], "patch": {"email": "b.liepa@t.lv", "institutionId": ids["vk"]}}
    )

    assert changed["updatePerson"]["email"] == "b.liepa@t.lv"
    assert await stored(graph, ids["boris"]) == {
        "name": "Boris Liepa",
        "email": "b.liepa@t.lv",
        "institution": {"id": ids["vk"]},
    }


async def test_an_administrator_with_a_person_changes_their_own_email(hub: Hub, graph: Graph) -> None:
    ids = await world(graph)
    await identity.set_roles(graph, ids["anna"], [GrantedRole.ADMIN], None)

    changed = hub.as_user("anna@t.lv").data(UPDATE, {"id": ids["anna"], "patch": {"email": "a.ozola@t.lv"}})

    assert changed["updatePerson"]["email"] == "a.ozola@t.lv"


# The e-mail-change attack, end to end.


async def test_changing_an_email_hands_nobody_the_persons_sign_in_and_restricted_team(
    hub: Hub, graph: Graph
) -> None:
    ids = await world(graph)
    anna = token(hub, {"sub": "s-anna", "email": "anna@t.lv"})
    colleague = token(hub, {"sub": "s-colleague", "email": "colleague@t.lv"})  # no Person yet
    assert me(hub, anna)["person"] == {"id": ids["anna"]}  # Anna's sign-in is bound
    assert post(hub, anna, RESTRICTED_TEAM, {"id": ids["team"]}).json()["data"] == {
        "team": {"name": "Audit team"}
    }

    attempt = post(hub, anna, UPDATE, {"id": ids["anna"], "patch": {"email": "colleague@t.lv"}}).json()
    assert attempt["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    hub.data(UPDATE, {"id": ids["anna"], "patch": {"email": "colleague@t.lv"}})  # an administrator's mistake

    assert "already signs in with another account" in refused(hub, colleague)
    assert post(hub, colleague, RESTRICTED_TEAM, {"id": ids["team"]}).status_code == 401
    assert me(hub, anna) == {"email": "colleague@t.lv", "admin": False, "person": {"id": ids["anna"]}}


# IDN-02: once bound, the token's e-mail decides nothing.


async def test_a_token_bound_to_one_person_carrying_anothers_email_signs_in_as_the_bound_one(
    hub: Hub, graph: Graph
) -> None:
    ids = await world(graph)
    me(hub, token(hub, {"sub": "s-anna", "email": "anna@t.lv"}))
    me(hub, token(hub, {"sub": "s-boris", "email": "boris@t.lv"}))

    as_anna = me(hub, token(hub, {"sub": "s-anna", "email": "boris@t.lv"}))

    assert as_anna == {"email": "anna@t.lv", "admin": False, "person": {"id": ids["anna"]}}
    assert me(hub, token(hub, {"sub": "s-boris", "email": "anna@t.lv"}))["person"] == {"id": ids["boris"]}


async def test_a_websocket_signed_in_with_a_bound_token_is_the_bound_person(hub: Hub, graph: Graph) -> None:
    ids = await world(graph)
    me(hub, token(hub, {"sub": "s-anna", "email": "anna@t.lv"}))

    swapped = token(hub, {"sub": "s-anna", "email": "boris@t.lv"})
    async with await lc.connect(hub.ws_url, {"authorization": f"Bearer {swapped}"}) as ws:
        await lc.subscribe(ws, "1", "{ me { person { id } } }")
        assert (await lc.next_payload(ws))["data"] == {"me": {"person": {"id": ids["anna"]}}}


# IDN-03: no binding and no administrator grant without a verified e-mail.


@pytest.mark.parametrize("email_verified", [False, None, "true"], ids=["false", "missing", "a string"])
async def test_a_first_sign_in_without_a_verified_email_is_refused_and_binds_nothing(
    hub: Hub, graph: Graph, email_verified: Any
) -> None:
    ids = await world(graph)

    message = refused(hub, token(hub, {"sub": "s-anna", "email_verified": email_verified}))

    assert "has not verified its e-mail address" in message
    assert await bound_subjects(graph, ids["anna"]) == []
    assert me(hub, token(hub, {"sub": "s-anna"}))["person"] == {"id": ids["anna"]}  # verified: bound now


async def test_a_bound_sign_in_needs_no_verified_email_later(hub: Hub, graph: Graph) -> None:
    ids = await world(graph)
    me(hub, token(hub, {"sub": "s-anna"}))

    assert me(hub, token(hub, {"sub": "s-anna", "email_verified": False}))["person"] == {"id": ids["anna"]}


@pytest.mark.parametrize("email_verified", [False, None], ids=["false", "missing"])
async def test_a_bootstrap_administrator_needs_a_verified_email(
    hub: Hub, graph: Graph, email_verified: bool | None
) -> None:
    unverified = token(hub, {"sub": "s-root", "email": TEST_ADMIN_EMAIL, "email_verified": email_verified})
    assert "has not verified" in refused(hub, unverified)

    verified = token(hub, {"sub": "s-root", "email": TEST_ADMIN_EMAIL})
    assert me(hub, verified) == {"email": TEST_ADMIN_EMAIL, "admin": True, "person": None}


async def test_an_email_not_in_the_hub_is_refused_with_the_reason(hub: Hub, graph: Graph) -> None:
    await world(graph)

    assert refused(hub, token(hub, {"sub": "s-x", "email": "nobody@t.lv"})) == (
        "no person in the hub has this sign-in's e-mail address"
    )


# IDN-04 and JWT-08: RFC 9068 access tokens need no nbf; neither nbf nor iat may be in the future.


async def test_a_token_without_nbf_is_accepted(hub: Hub, graph: Graph) -> None:
    ids = await world(graph)

    assert me(hub, token(hub, {"nbf": None}))["person"] == {"id": ids["anna"]}


async def test_a_token_without_nbf_and_iat_is_accepted(hub: Hub, graph: Graph) -> None:
    ids = await world(graph)

    assert me(hub, token(hub, {"nbf": None, "iat": None}))["person"] == {"id": ids["anna"]}


@pytest.mark.parametrize("claim", ["nbf", "iat"])
async def test_a_token_valid_only_in_the_future_is_refused(hub: Hub, graph: Graph, claim: str) -> None:
    ids = await world(graph)
    future = int(time.time()) + hub.settings.token_leeway_s + 120

    response = post(hub, token(hub, {claim: future}), ME)

    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "invalid or expired token"
    assert await bound_subjects(graph, ids["anna"]) == []  # refused before any lookup


@pytest.mark.parametrize("claim", ["nbf", "iat"])
async def test_a_clock_skew_within_the_leeway_is_accepted(hub: Hub, graph: Graph, claim: str) -> None:
    ids = await world(graph)
    skewed = int(time.time()) + hub.settings.token_leeway_s // 2

    assert me(hub, token(hub, {claim: skewed}))["person"] == {"id": ids["anna"]}


# The remembered callers (hub/auth/callers.py) follow the binding and the e-mail.


async def test_a_remembered_caller_whose_subject_was_bound_to_another_person_is_not_used(
    hub: Hub, graph: Graph
) -> None:
    ids = await world(graph)  # Anna leads the restricted team, Boris does not
    client = Hub(hub.base_url, hub.process, hub.env, email=None)
    client.http.headers["Authorization"] = f"Bearer {token(hub, {'sub': 's-anna', 'email': 'anna@t.lv'})}"
    shown, again = _twice(client, RESTRICTED_TEAM, {"id": ids["team"]})  # Anna, remembered
    assert shown.json()["data"]["team"]["name"] == again.json()["data"]["team"]["name"] == "Audit team"

    await identity.release_sign_ins(graph, ids["anna"], None)
    me(hub, token(hub, {"sub": "s-anna", "email": "boris@t.lv"}))  # the subject is Boris's now

    assert client.data(RESTRICTED_TEAM, {"id": ids["team"]})["team"] is None  # Boris's view, not Anna's


async def test_a_bootstrap_administrator_met_before_their_person_existed_is_bound_to_it_once_it_does(
    hub: Hub, graph: Graph
) -> None:
    ids = await world(graph)
    client = hub.as_user(TEST_ADMIN_EMAIL)
    _twice(client, RESTRICTED_TEAM, {"id": ids["team"]})  # an administrator with no person
    root = await builders.person(graph, "Root Person", ids["fm"], email=TEST_ADMIN_EMAIL)
    _twice(client, RESTRICTED_TEAM, {"id": ids["team"]})

    await people.update(graph, root["id"], PersonPatch(email="root.person@t.lv"), None)

    assert client.data(RESTRICTED_TEAM, {"id": ids["team"]})["team"] is None  # Root Person's view now
    assert await bound_subjects(graph, root["id"]) == [
        (hub.settings.effective_oidc_issuer, keys.dev_subject(TEST_ADMIN_EMAIL))
    ]


async def test_a_remembered_bootstrap_administrator_whose_email_changed_loses_the_grant_at_once(
    hub: Hub, graph: Graph
) -> None:
    ids = await world(graph)
    root = await builders.person(graph, "Root Person", ids["fm"], email=TEST_ADMIN_EMAIL)
    client = hub.as_user(TEST_ADMIN_EMAIL)  # bound to Root Person, an administrator by e-mail
    shown, _ = _twice(client, RESTRICTED_TEAM, {"id": ids["team"]})  # remembered as an administrator
    assert shown.json()["data"]["team"]["name"] == "Audit team"

    await people.update(graph, root["id"], PersonPatch(email="root.person@t.lv"), None)

    assert client.data(RESTRICTED_TEAM, {"id": ids["team"]})["team"] is None
    assert client.data(ME)["me"] == {
        "email": "root.person@t.lv",
        "admin": False,
        "person": {"id": root["id"]},
    }


# Across restarts and issuers.


@pytest.fixture
def own_hub(hub_env: dict[str, str]) -> Iterator[list[Hub]]:
    """Hub processes a test starts itself (on the shared test database); stopped afterwards."""
    started: list[Hub] = []
    yield started
    for hub in started:
        hub.stop()


def spawn(env: dict[str, str], port: int) -> Hub:
    TEST_DATA_DIR.mkdir(parents=True, exist_ok=True)
    return Hub(f"http://127.0.0.1:{port}", start_hub(env, port, TEST_DATA_DIR / f"hub-{port}.log"), env)


async def test_a_binding_holds_after_the_hub_restarts(
    hub_env: dict[str, str], graph: Graph, own_hub: list[Hub]
) -> None:
    ids = await world(graph)
    port = free_port()
    first = spawn(hub_env, port)
    own_hub.append(first)
    me(first, token(first, {"sub": "s-anna", "email": "anna@t.lv"}))
    first.process.terminate()
    first.process.wait(timeout=30)

    second = spawn(hub_env, port)  # the same port: the same issuer
    own_hub.append(second)

    assert me(second, token(second, {"sub": "s-anna", "email": "boris@t.lv"}))["person"] == {
        "id": ids["anna"]
    }


async def test_a_person_signs_in_through_two_issuers_each_bound_once(
    hub: Hub, hub_env: dict[str, str], graph: Graph, own_hub: list[Hub]
) -> None:
    ids = await world(graph)
    other = spawn(hub_env, free_port())  # another port: another issuer, the same graph
    own_hub.append(other)
    assert hub.settings.effective_oidc_issuer != other.settings.effective_oidc_issuer

    me(hub, token(hub, {"sub": "anna-1", "email": "anna@t.lv"}))
    me(other, token(other, {"sub": "anna-2", "email": "anna@t.lv"}))

    assert await bound_subjects(graph, ids["anna"]) == sorted(
        [(hub.settings.effective_oidc_issuer, "anna-1"), (other.settings.effective_oidc_issuer, "anna-2")]
    )
    assert me(other, token(other, {"sub": "anna-2", "email": "boris@t.lv"}))["person"] == {"id": ids["anna"]}
    assert "already signs in" in refused(other, token(other, {"sub": "anna-3", "email": "anna@t.lv"}))
    data = post(other, token(other, {"sub": "anna-2"}), "{ myData }").json()["data"]["myData"]
    assert sorted(s["subject"] for s in data["signIns"]) == ["anna-1", "anna-2"]


async def test_an_administrator_releases_a_persons_sign_ins_over_the_api(hub: Hub, graph: Graph) -> None:
    ids = await world(graph)
    me(hub, token(hub, {"sub": "s-anna-old", "email": "anna@t.lv"}))
    assert "already signs in" in refused(hub, token(hub, {"sub": "s-anna-new"}))

    released = hub.data("mutation($id: ID!) { releaseSignIns(personId: $id) { id } }", {"id": ids["anna"]})

    assert released == {"releaseSignIns": {"id": ids["anna"]}}
    assert me(hub, token(hub, {"sub": "s-anna-new"}))["person"] == {"id": ids["anna"]}
    assert "already signs in" in refused(hub, token(hub, {"sub": "s-anna-old"}))  # released for good


# Browser sign-in: the session holds the bound sign-in.


async def test_a_browser_session_is_bound_and_outlives_an_email_change(hub: Hub, graph: Graph) -> None:
    ids = await world(graph)
    browser, done = sign_in(hub, "anna@t.lv")
    assert done.status_code == 303
    assert await bound_subjects(graph, ids["anna"]) == [(hub.settings.effective_oidc_issuer, ids["anna"])]

    await people.update(graph, ids["anna"], PersonPatch(email="a.ozola@t.lv"), None)

    assert browser_me(browser) == {"email": "a.ozola@t.lv", "admin": False, "person": {"id": ids["anna"]}}


async def test_a_browser_sign_in_that_binds_nobody_is_refused_with_the_reason(hub: Hub, graph: Graph) -> None:
    ids = await world(graph)
    me(hub, token(hub, {"sub": "another-account", "email": "anna@t.lv"}))  # Anna is bound elsewhere

    browser, done = sign_in(hub, "anna@t.lv")

    assert done.status_code == 403
    assert "already signs in with another account" in done.text
    assert browser_me(browser) is None
    assert await bound_subjects(graph, ids["anna"]) == [
        (hub.settings.effective_oidc_issuer, "another-account")
    ]


def session_cookie(hub: Hub, user: dict[str, Any]) -> str:
    """A session cookie as Starlette's SessionMiddleware signs it with the hub's secret."""
    data = base64.b64encode(json.dumps({"user": user}).encode())
    return itsdangerous.TimestampSigner(hub.settings.secret_key.get_secret_value()).sign(data).decode()


async def test_a_session_from_before_binding_holding_only_an_email_signs_nobody_in(
    hub: Hub, graph: Graph
) -> None:
    ids = await world(graph)
    until = int(time.time()) + 600
    issuer = hub.settings.effective_oidc_issuer
    current = {"iss": issuer, "sub": "s-anna", "email": "anna@t.lv", "email_verified": True, "until": until}
    old = {"email": "anna@t.lv", "until": until, "sid": "x"}

    def as_browser(user: dict[str, Any]) -> Any:
        cookies = {"sadarbe_session": session_cookie(hub, user)}
        with httpx.Client(base_url=hub.base_url, cookies=cookies, timeout=30) as browser:
            return browser_me(browser)

    assert as_browser(current) == {"email": "anna@t.lv", "admin": False, "person": {"id": ids["anna"]}}
    assert as_browser(old) is None  # signed out: sign in again
