"""A restricted team, and everything under it, is invisible to non-members on every read path
over HTTP: lists, counts, node(id), team(id), an issue's teams, a person's memberships, the
activity feed and activity nodes — while its members and administrators see it."""

from __future__ import annotations

import pytest

from graph.driver import Graph
from tests import builders, identity_world
from tests.conftest import Hub


async def restricted_world(graph: Graph) -> identity_world.World:
    world = await identity_world.build(graph)
    secret = await builders.team(
        graph, "Secret team", world.ids["issueId"], world.ids["leadId"], visibility="RESTRICTED"
    )
    await builders.add_member(graph, secret["id"], world.ids["memberId"])
    world.ids["secretId"] = secret["id"]
    acts = await graph.read("MATCH (a:Activity {targetId: $id}) RETURN a.id AS id", id=secret["id"])
    world.ids["secretActivityId"] = acts[0]["id"]
    return world


OUTSIDERS = ["civil", "cog"]
INSIDERS = ["member", "lead", "admin"]


def reads(hub: Hub, ids: dict[str, str]) -> dict[str, object]:
    names = hub.data("{ teams { totalCount nodes { name } } }")["teams"]
    team = hub.data("query($id: ID!) { team(id: $id) { name } }", {"id": ids["secretId"]})["team"]
    node = hub.data("query($id: ID!) { node(id: $id) { id } }", {"id": ids["secretId"]})["node"]
    issue = hub.data("query($id: ID!) { issue(id: $id) { teams { name } } }", {"id": ids["issueId"]})["issue"]
    member = hub.data(
        "query($id: ID!) { person(id: $id) { memberships { team { name } } } }", {"id": ids["memberId"]}
    )["person"]
    feed = hub.data("{ activities(first: 100) { totalCount nodes { targetId } } }")["activities"]
    scoped = hub.data("query($id: ID!) { activities(scopeId: $id) { totalCount } }", {"id": ids["secretId"]})[
        "activities"
    ]
    act = hub.data("query($id: ID!) { node(id: $id) { id } }", {"id": ids["secretActivityId"]})["node"]
    text = hub.data('{ teams(filter: {text: "Secret"}) { totalCount } }')["teams"]["totalCount"]
    return {
        "listed": "Secret team" in [n["name"] for n in names["nodes"]],
        "count": names["totalCount"],
        "team": team is not None,
        "node": node is not None,
        "issueTeams": "Secret team" in [t["name"] for t in issue["teams"]],
        "memberships": "Secret team" in [m["team"]["name"] for m in member["memberships"]],
        "feed": ids["secretId"] in [n["targetId"] for n in feed["nodes"]],
        "scopedFeed": scoped["totalCount"],
        "activityNode": act is not None,
        "search": text,
    }


@pytest.mark.parametrize("role", OUTSIDERS)
async def test_a_restricted_team_leaks_through_no_read_path(hub: Hub, graph: Graph, role: str) -> None:
    world = await restricted_world(graph)
    assert reads(hub.as_user(f"{role}@t.lv"), world.ids) == {
        "listed": False,
        "count": 1,
        "team": False,
        "node": False,
        "issueTeams": False,
        "memberships": False,
        "feed": False,
        "scopedFeed": 0,
        "activityNode": False,
        "search": 0,
    }


@pytest.mark.parametrize("role", INSIDERS)
async def test_members_and_administrators_see_the_restricted_team(hub: Hub, graph: Graph, role: str) -> None:
    world = await restricted_world(graph)
    seen = reads(hub.as_user(f"{role}@t.lv"), world.ids)
    assert seen == {
        "listed": True,
        "count": 2,
        "team": True,
        "node": True,
        "issueTeams": True,
        "memberships": True,
        "feed": True,
        "scopedFeed": 1,
        "activityNode": True,
        "search": 1,
    }


async def test_a_refused_mutation_on_a_restricted_team_says_nothing_about_it(hub: Hub, graph: Graph) -> None:
    world = await restricted_world(graph)
    error = hub.as_user("cog@t.lv").error(
        'mutation($id: ID!) { updateTeam(id: $id, patch: {name: "x"}) { id } }', {"id": world.ids["secretId"]}
    )
    assert "Secret" not in error["message"]
    assert error["message"] == "not allowed: updateTeam requires an administrator or the team's lead"
