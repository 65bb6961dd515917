"""The hot mutations answered before Strawberry's pipeline (hub/api/early_mutations.py), over HTTP.

A mutation document takes the early path once Strawberry has validated it (its first request);
the `hub_graphql_early_mutations_total` metric says which path answered. Both paths send the same
JSON, refuse the same way, and never act for a caller the graph no longer knows as they were."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from graph import identity, teams
from graph.access import GrantedRole, Viewer
from graph.driver import Graph
from hub.api.compiled import TEAM_PAGE
from tests import builders
from tests.conftest import Hub
from tests.test_compiled_pages import _world

# The web app's documents as urql sends them (it adds __typename to every selection).
INVITE = """mutation InviteMember($input: InvitationInput!) {
  inviteMember(input: $input) { id status __typename }
}"""
ACCEPT = (
    """mutation AcceptInvitation($id: ID!) { acceptInvitation(invitationId: $id) { id status __typename } }"""
)
POST = """mutation CreatePost($input: PostInput!) { createPost(input: $input) { id __typename } }"""
UPDATE = """mutation UpdateTeam($id: ID!, $mandate: String!) {
  updateTeam(id: $id, patch: {mandate: $mandate}) { id mandate updatedAt }
}"""

LEAD = "zane.lead@example.gov.lv"


def _early(hub: Hub) -> float:
    """How many mutations this hub has answered on the early path."""
    text = httpx.get(hub.base_url + "/metrics").text
    found = re.search(r"^hub_graphql_early_mutations_total (\S+)$", text, re.M)
    assert found is not None
    return float(found.group(1))


def _resolved(document: str) -> str:
    """The document with a no-op directive on its root field: Strawberry always executes it."""
    head, _, tail = document.rpartition(") {")  # the root field's arguments end there
    return head + ") @include(if: true) {" + tail


def _known(client: Hub, ids: dict[str, str]) -> None:
    """The client's caller remembered by the early path as they are in this test's graph (a page
    twice: the second one is early), so that its next mutation can be answered early."""
    for _ in range(2):
        client.data(TEAM_PAGE, {"id": ids["public"]})


def _early_after(client: Hub, document: str, first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """`document` sent once (Strawberry validates it, if no earlier test has), then again: the
    second answer, which must have come from the early path."""
    client.post(document, first)
    before = _early(client)
    result = client.post(document, second)
    assert _early(client) == before + 1
    return result


def _invite(person_id: str, team_id: str, allocation: int = 10) -> dict[str, Any]:
    return {"input": {"teamId": team_id, "personId": person_id, "allocation": allocation}}


def _without_ids(result: dict[str, Any]) -> dict[str, Any]:
    """The response with each field's generated id and time left out (they differ per write)."""
    return {
        root: {k: v for k, v in fields.items() if k not in ("id", "updatedAt")}
        for root, fields in result["data"].items()
    } | {"errors": result.get("errors")}


async def _people(graph: Graph, *names: str) -> list[str]:
    institution = await builders.institution(graph, "TM")
    return [(await builders.person(graph, name, institution["id"]))["id"] for name in names]


async def test_inviting_sends_the_same_json_on_both_paths(hub: Hub, graph: Graph) -> None:
    ids = await _world(graph)
    people = await _people(graph, "Ieva", "Juris", "Karlis")
    lead = hub.as_user(LEAD)
    _known(lead, ids)

    resolved = lead.post(_resolved(INVITE), _invite(people[0], ids["public"]))
    early = _early_after(lead, INVITE, _invite(people[1], ids["public"]), _invite(people[2], ids["public"]))

    assert early["data"]["inviteMember"]["id"] != resolved["data"]["inviteMember"]["id"]
    assert (
        _without_ids(early)
        == _without_ids(resolved)
        == {
            "inviteMember": {"status": "PENDING", "__typename": "Invitation"},
            "errors": None,
        }
    )


async def test_accepting_sends_the_same_json_on_both_paths(hub: Hub, graph: Graph) -> None:
    ids = await _world(graph)
    teams_ = [ids["public"], ids["internal"], ids["restricted"]]
    sent = [hub.as_user(LEAD).data(INVITE, _invite(ids["outsider"], t))["inviteMember"]["id"] for t in teams_]
    olga = hub.as_user("olga@example.gov.lv")
    _known(olga, ids)

    resolved = olga.post(_resolved(ACCEPT), {"id": sent[0]})
    early = _early_after(olga, ACCEPT, {"id": sent[1]}, {"id": sent[2]})

    assert early["data"]["acceptInvitation"]["id"] == sent[2]
    assert (
        _without_ids(early)
        == _without_ids(resolved)
        == {
            "acceptInvitation": {"status": "ACCEPTED", "__typename": "Invitation"},
            "errors": None,
        }
    )
    members = await teams.members_of(graph, [ids["restricted"]], Viewer.system())
    assert ids["outsider"] in {m["personId"] for m in members[ids["restricted"]]}


async def test_posting_sends_the_same_json_on_both_paths(hub: Hub, graph: Graph) -> None:
    ids = await _world(graph)
    lead = hub.as_user(LEAD)
    _known(lead, ids)
    post = {"input": {"teamId": ids["public"], "body": "Hello @anna@example.gov.lv"}}

    resolved = lead.post(_resolved(POST), post)
    early = _early_after(lead, POST, post, post)

    assert (
        _without_ids(early)
        == _without_ids(resolved)
        == {"createPost": {"__typename": "Post"}, "errors": None}
    )


async def test_updating_a_team_sends_the_same_json_on_both_paths(hub: Hub, graph: Graph) -> None:
    ids = await _world(graph)
    lead = hub.as_user(LEAD)
    _known(lead, ids)

    resolved = lead.data(_resolved(UPDATE), {"id": ids["public"], "mandate": "A"})
    early = _early_after(
        lead, UPDATE, {"id": ids["public"], "mandate": "B"}, {"id": ids["public"], "mandate": "C"}
    )

    assert resolved["updateTeam"]["mandate"] == "A"
    assert early["data"]["updateTeam"]["mandate"] == "C"
    assert early["data"]["updateTeam"]["updatedAt"] > resolved["updateTeam"]["updatedAt"]
    team = await teams.by_ids(graph, [ids["public"]], Viewer.system())
    assert team[ids["public"]]["mandate"] == "C"


async def test_a_refusal_in_the_graph_sends_the_same_error_on_both_paths(hub: Hub, graph: Graph) -> None:
    ids = await _world(graph)
    lead = hub.as_user(LEAD)
    _known(lead, ids)
    already = _invite(ids["anna"], ids["public"])  # Anna is a member of the public team

    resolved = lead.post(_resolved(INVITE), already)
    early = _early_after(lead, INVITE, already, already)

    assert (early["data"], early["errors"]) == (resolved["data"], resolved["errors"])
    assert early["data"] is None
    assert early["errors"][0]["message"] == "personId: Anna is already a member of this team"
    assert early["errors"][0]["path"] == ["inviteMember"]
    assert early["errors"][0]["extensions"]["code"] == "CONFLICT"


async def test_input_that_fails_validation_sends_the_same_error_on_both_paths(hub: Hub, graph: Graph) -> None:
    ids = await _world(graph)
    lead = hub.as_user(LEAD)
    _known(lead, ids)
    bad = _invite(ids["outsider"], ids["public"], allocation=250)

    resolved = lead.post(_resolved(INVITE), bad)
    early = _early_after(lead, INVITE, bad, bad)

    assert (early["data"], early["errors"]) == (resolved["data"], resolved["errors"])
    assert early["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert early["errors"][0]["extensions"]["field"] == "allocation"


async def test_a_root_field_rule_refusal_is_left_to_strawberry(hub: Hub, graph: Graph) -> None:
    ids = await _world(graph)
    lead, anna = hub.as_user(LEAD), hub.as_user("anna@example.gov.lv")
    _known(lead, ids)
    _known(anna, ids)
    _early_after(lead, UPDATE, {"id": ids["public"], "mandate": "X"}, {"id": ids["public"], "mandate": "Y"})
    before = _early(hub)

    error = anna.error(UPDATE, {"id": ids["public"], "mandate": "Mine"})  # a member, not the lead

    assert _early(hub) == before
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["message"] == "not allowed: updateTeam requires an administrator or the team's lead"


async def test_a_demoted_administrator_cannot_act_on_the_early_path(hub: Hub, graph: Graph) -> None:
    ids = await _world(graph)
    await identity.set_roles(graph, ids["outsider"], [GrantedRole.ADMIN], None)
    olga = hub.as_user("olga@example.gov.lv")
    _known(olga, ids)  # remembered as an administrator
    _early_after(olga, UPDATE, {"id": ids["public"], "mandate": "X"}, {"id": ids["public"], "mandate": "Y"})

    await identity.set_roles(graph, ids["outsider"], [], None)
    before = _early(hub)
    error = olga.error(UPDATE, {"id": ids["public"], "mandate": "After the demotion"})

    assert _early(hub) == before  # the early write saw the change, wrote nothing, and handed over
    assert error["extensions"]["code"] == "FORBIDDEN"
    team = await teams.by_ids(graph, [ids["public"]], Viewer.system())
    assert team[ids["public"]]["mandate"] == "Y"


@pytest.mark.parametrize(
    "document",
    [
        "mutation($input: InvitationInput!) { inviteMember(input: $input) { id team { id } } }",
        "mutation($input: InvitationInput!) { invited: inviteMember(input: $input) { id } }",
        "mutation($input: InvitationInput!) { inviteMember(input: $input) { id @include(if: true) } }",
    ],
    ids=["a nested object", "an alias", "a directive"],
)
async def test_anything_beyond_plain_fields_is_left_to_strawberry(
    hub: Hub, graph: Graph, document: str
) -> None:
    ids = await _world(graph)
    first, second = await _people(graph, "Ieva", "Juris")
    lead = hub.as_user(LEAD)
    _known(lead, ids)
    lead.data(document, _invite(first, ids["public"]))
    before = _early(hub)

    data = lead.data(document, _invite(second, ids["public"]))

    assert _early(hub) == before
    (invited,) = data.values()
    assert invited["id"].startswith("inv_")
