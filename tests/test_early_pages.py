"""The compiled pages answered before Strawberry's pipeline (hub/api/early_pages.py), over HTTP.

A document takes the early path once Strawberry has validated it (its first request); the
`hub_graphql_early_pages_total` metric says which path answered. Each guard of the usual path
holds on the early one, and both send the same JSON."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import parse
from graphql.execution.values import get_variable_values

from graph import identity, people
from graph.access import GrantedRole
from graph.driver import Graph
from hub.api.compiled import ISSUE_PAGE, PEOPLE_SEARCH, TEAM_PAGE, coerced_ids, only_operation
from hub.api.schema import schema
from hub.limits import estimate_cost
from tests.conftest import Hub, free_port, start_hub
from tests.test_compiled_pages import _staff, _world


def _early(hub: Hub) -> float:
    """How many compiled pages this hub has answered on the early path."""
    text = httpx.get(hub.base_url + "/metrics").text
    found = re.search(r"^hub_graphql_early_pages_total (\S+)$", text, re.M)
    assert found is not None
    return float(found.group(1))


def _raw(client: Hub, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return client.http.post("/graphql", json=body, headers=headers or {})


def _twice(client: Hub, query: str, variables: dict[str, Any]) -> tuple[httpx.Response, httpx.Response]:
    """The same request twice: the second one may take the early path."""
    body = {"query": query, "variables": variables}
    return _raw(client, body), _raw(client, body)


@pytest.mark.parametrize("email", [None, "anna@example.gov.lv", "olga@example.gov.lv"])
@pytest.mark.parametrize("team", ["public", "restricted", "internal"])
async def test_the_team_page_sends_the_same_json_on_both_paths(
    hub: Hub, graph: Graph, email: str | None, team: str
) -> None:
    ids = await _world(graph)
    client = hub if email is None else hub.as_user(email)
    resolved = _raw(client, {"query": TEAM_PAGE.replace("team(id: $id) {", "team(id: $id) @include(if: true) {"),
                             "variables": {"id": ids[team]}})  # fmt: skip
    _raw(client, {"query": TEAM_PAGE, "variables": {"id": ids[team]}})  # validated: early from now on
    before = _early(hub)

    early = _raw(client, {"query": TEAM_PAGE, "variables": {"id": ids[team]}})

    assert _early(hub) == before + 1
    assert early.status_code == resolved.status_code == 200
    body, expected = early.json(), resolved.json()
    assert expected["extensions"]["cypherQueries"] > 1  # the resolvers ran
    assert body["extensions"] == {"cypherQueries": 1}
    assert body["data"] == expected["data"]
    assert early.headers["content-type"] == "application/json"


@pytest.mark.parametrize("page", ["issue", "people", "no people"])
async def test_the_issue_page_and_people_search_send_the_same_json_on_both_paths(
    hub: Hub, graph: Graph, page: str
) -> None:
    if page == "issue":
        query, variables = ISSUE_PAGE, {"id": (await _world(graph))["issue"]}
    else:
        staff = await _staff(graph)
        query = PEOPLE_SEARCH
        variables = (
            {"skillId": staff["skillId"], "institutionId": staff["institutionId"]}
            if page == "people"
            else {"skillId": staff["data"], "institutionId": staff["varam"]}
        )
    client = hub.as_user("anna@example.gov.lv") if page == "issue" else hub
    first, second = _twice(client, query, variables)  # Strawberry (compiled in execution), then early
    before = _early(hub)
    third = _raw(client, {"query": query, "variables": variables})

    assert _early(hub) == before + 1
    assert first.json() == second.json() == third.json()
    assert third.json()["extensions"] == {"cypherQueries": 1}


async def test_a_restricted_team_stays_invisible_to_an_outsider_on_the_early_path(
    hub: Hub, graph: Graph
) -> None:
    ids = await _world(graph)
    outsider, member = hub.as_user("olga@example.gov.lv"), hub.as_user("anna@example.gov.lv")

    _twice(outsider, TEAM_PAGE, {"id": ids["restricted"]})
    _twice(member, TEAM_PAGE, {"id": ids["restricted"]})  # each caller remembered as they are now
    before = _early(hub)
    hidden = outsider.data(TEAM_PAGE, {"id": ids["restricted"]})
    shown = member.data(TEAM_PAGE, {"id": ids["restricted"]})

    assert _early(hub) == before + 2
    assert hidden == {"team": None, "activities": {"totalCount": 0, "nodes": []}}
    assert shown["team"]["name"] == "Audit team"


async def test_a_bad_token_is_refused_with_401_on_the_early_path(hub: Hub, graph: Graph) -> None:
    ids = await _world(graph)
    _twice(hub, TEAM_PAGE, {"id": ids["public"]})

    response = hub.http.post(
        "/graphql",
        json={"query": TEAM_PAGE, "variables": {"id": ids["public"]}},
        headers={"Authorization": "Bearer not-a-token"},
    )

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_an_anonymous_caller_is_refused_as_on_the_usual_path(hub: Hub, graph: Graph) -> None:
    ids = await _world(graph)
    _twice(hub, TEAM_PAGE, {"id": ids["public"]})
    before = _early(hub)

    result = hub.as_user(None).post(TEAM_PAGE, {"id": ids["public"]})

    assert _early(hub) == before  # Strawberry reported the refusal
    assert result["data"] is None
    assert {e["extensions"]["code"] for e in result["errors"]} == {"UNAUTHENTICATED"}


async def test_a_demoted_administrator_loses_the_restricted_team_at_once(hub: Hub, graph: Graph) -> None:
    ids = await _world(graph)
    await identity.set_roles(graph, ids["outsider"], [GrantedRole.ADMIN], None)
    admin = hub.as_user("olga@example.gov.lv")
    shown, _ = _twice(admin, TEAM_PAGE, {"id": ids["restricted"]})  # remembered as an administrator
    assert shown.json()["data"]["team"]["name"] == "Audit team"

    await identity.set_roles(graph, ids["outsider"], [], None)
    hidden = admin.data(TEAM_PAGE, {"id": ids["restricted"]})

    assert hidden["team"] is None


async def test_an_archived_person_is_refused_at_once_on_the_early_path(hub: Hub, graph: Graph) -> None:
    ids = await _world(graph)
    client = hub.as_user("olga@example.gov.lv")
    _twice(client, TEAM_PAGE, {"id": ids["public"]})  # the caller is remembered

    await people.archive(graph, ids["outsider"], None)
    response = _raw(client, {"query": TEAM_PAGE, "variables": {"id": ids["public"]}})

    assert response.status_code == 401


async def test_an_oversized_body_is_refused_before_the_early_path(hub: Hub, graph: Graph) -> None:
    ids = await _world(graph)
    _twice(hub, TEAM_PAGE, {"id": ids["public"]})
    limit = hub.settings.max_body_bytes

    response = _raw(hub, {"query": TEAM_PAGE, "variables": {"id": ids["public"], "pad": "x" * limit}})

    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


@pytest.mark.parametrize(
    "change",
    [
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}},
        {"documentId": "team-page"},
        {"operationName": "NotThisOne"},
    ],
    ids=["persisted query", "unknown member", "another operation name"],
)
async def test_requests_with_anything_unusual_are_left_to_strawberry(
    hub: Hub, graph: Graph, change: dict[str, Any]
) -> None:
    ids = await _world(graph)
    _twice(hub, TEAM_PAGE, {"id": ids["public"]})
    before = _early(hub)

    response = _raw(hub, {"query": TEAM_PAGE, "variables": {"id": ids["public"]}, **change})

    assert _early(hub) == before
    assert response.status_code in (200, 400)  # what Strawberry answers (400: no such operation)


async def test_variables_that_do_not_coerce_get_strawberrys_error(hub: Hub, graph: Graph) -> None:
    ids = await _world(graph)
    _twice(hub, TEAM_PAGE, {"id": ids["public"]})
    before = _early(hub)

    error = hub.error(TEAM_PAGE, {"id": 12.5})

    assert _early(hub) == before
    assert "$id" in error["message"]


async def test_an_idempotency_key_is_checked_by_the_usual_path(hub: Hub, graph: Graph) -> None:
    ids = await _world(graph)
    _twice(hub, TEAM_PAGE, {"id": ids["public"]})

    response = _raw(
        hub, {"query": TEAM_PAGE, "variables": {"id": ids["public"]}}, {"Idempotency-Key": "k" * 300}
    )

    assert response.status_code == 400


def _cost(query: str) -> int:
    operation = only_operation(parse(query))
    assert operation is not None
    return estimate_cost(schema._schema, operation, {}, {}, 100)


def _start(hub_env: dict[str, str], tmp_path: Path, **settings: int) -> Hub:
    """A hub of its own with these settings."""
    port = free_port()
    env = {**hub_env, **{k: str(v) for k, v in settings.items()}}
    return Hub(f"http://127.0.0.1:{port}", start_hub(env, port, tmp_path / "hub.log"), env)


@pytest.fixture
def limited_hub(hub_env: dict[str, str], tmp_path: Path) -> Iterator[Hub]:
    """A hub whose rate limit fits two and a half team pages per minute."""
    hub = _start(hub_env, tmp_path, HUB_RATE_LIMIT_POINTS=_cost(TEAM_PAGE) * 5 // 2)
    try:
        yield hub
    finally:
        hub.process.terminate()
        hub.process.wait(timeout=30)


async def test_the_rate_limit_is_charged_and_enforced_on_the_early_path(
    limited_hub: Hub, graph: Graph
) -> None:
    ids = await _world(graph)
    limited_hub.data(TEAM_PAGE, {"id": ids["public"]})  # Strawberry: validated, charged
    limited_hub.data(TEAM_PAGE, {"id": ids["public"]})  # early path, charged

    result = limited_hub.post(TEAM_PAGE, {"id": ids["public"]})

    assert _early(limited_hub) == 2
    assert result["data"] is None
    assert [e["extensions"]["code"] for e in result["errors"]] == ["RATE_LIMITED"]
    assert result["errors"][0]["extensions"]["cost"] == _cost(TEAM_PAGE)


async def test_a_page_over_the_cost_limit_is_never_answered_early(
    hub_env: dict[str, str], tmp_path: Path, graph: Graph
) -> None:
    ids = await _world(graph)
    hub = _start(hub_env, tmp_path, HUB_MAX_QUERY_COST=_cost(TEAM_PAGE) - 1)
    try:
        results = [hub.post(TEAM_PAGE, {"id": ids["public"]}) for _ in range(3)]

        assert _early(hub) == 0
        assert [[e["extensions"]["code"] for e in r["errors"]] for r in results] == [["QUERY_TOO_COSTLY"]] * 3
    finally:
        hub.process.terminate()
        hub.process.wait(timeout=30)


@pytest.mark.parametrize(
    "variables",
    [{"id": "t-1"}, {"id": ""}, {"id": 7}, {"id": 12.5}, {"id": None}, {}, {"id": "t-1", "other": [1]}],
)
def test_page_ids_are_coerced_as_graphql_core_coerces_them(variables: dict[str, Any]) -> None:
    operation = only_operation(parse(TEAM_PAGE))
    assert operation is not None
    values = get_variable_values(schema._schema, operation.variable_definitions or (), variables)
    expected = (
        None if isinstance(values, list) or not isinstance(values.coerced.get("id"), str) else values.coerced
    )

    assert coerced_ids(schema._schema, operation, variables, ("id",)) == expected


def test_a_page_declaring_a_variable_it_does_not_take_is_coerced_by_graphql_core() -> None:
    operation = only_operation(parse(TEAM_PAGE.replace("($id: ID!)", "($id: ID!, $n: Int!)")))
    assert operation is not None

    assert coerced_ids(schema._schema, operation, {"id": "t-1"}, ("id",)) is None  # $n is missing
