"""issueMap, collaborationNetwork, teamHealth and directionMatrix projected from their records
(hub/api/projected.py) give exactly the JSON the resolvers give, for every kind of viewer; any
selection the projection cannot copy (aliases, fragments, resolver fields) runs the resolvers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from graphql import OperationDefinitionNode, parse

from graph.access import Viewer
from graph.driver import Graph
from graph.mapping import MapTooLarge
from hub.api import projected
from hub.api.context import Context
from hub.api.schema import schema
from hub.config import Settings
from tests.conftest import Hub
from tests.world import MEMBER, OUTSIDER, build_world

QUERIES = {
    "issueMap": """query ($d: ID) {
      issueMap(filter: {directionId: $d, includePeople: true}) {
        __typename truncated
        nodes { __typename id kind label weight status priority code institutionKind visibility number }
        edges { id source target kind stake role allocation weight }
      }
    }""",
    "issueMap (every issue)": """{
      issueMap(filter: {includePeople: true}) { nodes { id kind label weight } edges { id kind } }
    }""",
    "collaborationNetwork": """query ($d: ID) {
      collaborationNetwork(directionId: $d) {
        nodes { id kind label weight code institutionKind } edges { id source target kind weight }
      }
    }""",
    "teamHealth": """{
      teamHealth(inactiveDays: 30, invitationDays: 7) {
        teamId name status problems lastActivityAt unansweredInvitations
      }
    }""",
    "directionMatrix": """{
      directionMatrix { directionId number title cells { institutionId code name activeIssues activeTeams } }
    }""",
}

VIEWERS = {"system": Viewer.system(), "restricted member": MEMBER, "signed-in outsider": OUTSIDER}


def _resolved(query: str) -> str:
    """The same selection with a no-op directive on the root field: the resolvers answer it."""
    head, brace, rest = query.partition("{")
    root, paren, args = rest.partition(")")
    if "(" in root:
        return head + brace + root + paren + " @include(if: true)" + args
    name, _, selection = rest.strip().partition(" ")
    return head + brace + " " + name + " @include(if: true) " + selection


async def _execute(graph: Graph, query: str, viewer: Viewer, variables: dict[str, Any]) -> dict[str, Any]:
    result = await schema.execute(
        query, variables, context_value=Context(graph=graph, settings=Settings(), viewer=viewer)
    )
    assert result.errors is None, result.errors
    return json.loads(json.dumps(result.data))


async def _project(graph: Graph, query: str, viewer: Viewer, variables: dict[str, Any]) -> Any:
    operation = parse(query).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    context = Context(graph=graph, settings=Settings(), viewer=viewer)
    return await projected.project(schema._schema, context, operation, variables)


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("root", QUERIES)
async def test_a_projected_result_equals_the_resolvers(graph: Graph, root: str, viewer: str) -> None:
    await build_world(graph)
    query, variables = QUERIES[root], {"d": "d2"}

    fast = await _execute(graph, query, VIEWERS[viewer], variables)
    slow = await _execute(graph, _resolved(query), VIEWERS[viewer], variables)

    assert fast == slow
    assert await _project(graph, query, VIEWERS[viewer], variables) == fast


async def test_the_projected_map_keeps_a_restricted_team_from_a_non_member(graph: Graph) -> None:
    await build_world(graph)

    member = await _project(graph, QUERIES["issueMap"], MEMBER, {"d": "d2"})
    outsider = await _project(graph, QUERIES["issueMap"], OUTSIDER, {"d": "d2"})

    def teams(data: dict[str, Any]) -> list[str]:
        return sorted(n["id"] for n in data["issueMap"]["nodes"] if n["kind"] == "TEAM")

    assert teams(member) == ["t_health", "t_secret"]
    assert teams(outsider) == ["t_health"]


@pytest.mark.parametrize(
    "query",
    [
        "{ teamHealth { teamId team { name } } }",  # a field with its own resolver
        "{ map: issueMap { nodes { id } } }",  # an alias
        "{ issueMap { nodes { ...N } } } fragment N on MapNode { id }",  # a fragment
        "{ issueMap { nodes { id label @skip(if: true) } } }",  # a directive
        "{ issueMap { nodes { id } } directionMatrix { number } }",  # two root fields
        "{ hotspots { code } }",  # not a projected root
    ],
)
async def test_a_selection_the_projection_cannot_copy_runs_the_resolvers(graph: Graph, query: str) -> None:
    await build_world(graph)

    assert await _project(graph, query, Viewer.system(), {}) is None
    await _execute(graph, query, Viewer.system(), {})  # and the resolvers answer it


async def test_a_map_over_its_cap_is_left_to_the_resolvers_which_refuse_it(graph: Graph) -> None:
    await build_world(graph)
    query = "{ issueMap(filter: {limit: 2}) { nodes { id } } }"

    assert await _project(graph, query, Viewer.system(), {}) is None
    result = await schema.execute(
        query, context_value=Context(graph=graph, settings=Settings(), viewer=Viewer.system())
    )
    assert result.errors is not None
    assert isinstance(result.errors[0].original_error, MapTooLarge)


async def test_arguments_that_do_not_coerce_get_the_usual_error(graph: Graph) -> None:
    query = "query ($s: IssueStatus) { issueMap(filter: {status: $s}) { nodes { id } } }"

    assert await _project(graph, query, Viewer.system(), {"s": "NOT_A_STATUS"}) is None
    result = await schema.execute(
        query,
        {"s": "NOT_A_STATUS"},
        context_value=Context(graph=graph, settings=Settings(), viewer=Viewer.system()),
    )
    assert result.errors is not None
    assert "$s" in result.errors[0].message


async def test_a_projected_root_is_refused_to_a_caller_who_is_not_signed_in(hub: Hub, graph: Graph) -> None:
    await build_world(graph)

    result = hub.as_user(None).post("{ issueMap { nodes { id } } }")

    assert result["data"] is None
    assert {e["extensions"]["code"] for e in result["errors"]} == {"UNAUTHENTICATED"}


async def test_the_hub_answers_a_projected_map_over_http_as_the_resolvers_do(hub: Hub, graph: Graph) -> None:
    await build_world(graph)
    query = QUERIES["issueMap"]

    fast = hub.post(query, {"d": "d2"})
    slow = hub.post(_resolved(query), {"d": "d2"})

    assert "errors" not in fast
    assert fast["data"] == slow["data"]
    assert {n["kind"] for n in fast["data"]["issueMap"]["nodes"]} == {
        "ISSUE",
        "INSTITUTION",
        "DIRECTION",
        "TEAM",
        "PERSON",
    }
