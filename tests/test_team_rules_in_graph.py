"""Team-lead and member rules enforced by the graph itself, whatever the resolver let through: the
acting person must lead (or be a member of) the team, or hold ADMIN on their Person."""

from __future__ import annotations

from typing import Any

import pytest

from graph import posts, teams
from graph.access import Viewer
from graph.errors import Forbidden
from graph.posts import PostInput
from graph.teams import TeamPatch
from tests import builders, identity_world

SYSTEM = Viewer.system()


async def world(graph: Any) -> dict[str, str]:
    w = await identity_world.build(graph)
    return w.ids


async def test_the_graph_refuses_a_team_update_by_a_member_who_is_not_the_lead(graph: Any) -> None:
    ids = await world(graph)
    before = await builders.count(graph)

    with pytest.raises(Forbidden, match="only the team's lead or an administrator may update the team"):
        await teams.update(graph, ids["teamId"], TeamPatch(mandate="Mine"), ids["memberId"], SYSTEM)

    assert await builders.count(graph) == before


async def test_the_graph_refuses_archiving_a_team_by_centre_of_government_staff(graph: Any) -> None:
    ids = await world(graph)

    with pytest.raises(Forbidden, match="only the team's lead or an administrator may archive the team"):
        await teams.archive(graph, ids["teamId"], ids["cogId"])


async def test_the_graph_lets_the_lead_update_the_team(graph: Any) -> None:
    ids = await world(graph)

    updated = await teams.update(graph, ids["teamId"], TeamPatch(mandate="Reform"), ids["leadId"], SYSTEM)

    assert updated["mandate"] == "Reform"


async def test_the_graph_lets_an_administrator_who_is_not_the_lead_update_the_team(graph: Any) -> None:
    ids = await world(graph)

    updated = await teams.update(graph, ids["teamId"], TeamPatch(mandate="Reform"), ids["adminId"], SYSTEM)

    assert updated["mandate"] == "Reform"


async def test_the_graph_refuses_a_post_by_a_non_member(graph: Any) -> None:
    ids = await world(graph)

    with pytest.raises(Forbidden, match="only members of the team or an administrator may post"):
        await posts.create(graph, PostInput(team_id=ids["teamId"], body="Hi"), ids["civilId"], SYSTEM)


async def test_the_graph_lets_an_administrator_who_is_not_a_member_post(graph: Any) -> None:
    ids = await world(graph)

    post = await posts.create(graph, PostInput(team_id=ids["teamId"], body="Hi"), ids["adminId"], SYSTEM)

    assert post["body"] == "Hi"
