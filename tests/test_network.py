"""collaborationNetwork and introductionPath: exact answers on small hand-built graphs, failure
modes, and restricted teams never used as a tie or a link for non-members."""

from __future__ import annotations

import pytest

from graph import network
from graph.access import Viewer
from graph.driver import Graph
from graph.errors import InvalidInput, NotFound
from tests import handbuilt as build
from tests.conftest import Hub
from tests.world import MEMBER, OUTSIDER, build_world

# --- collaborationNetwork ---------------------------------------------------------------------


def _ties(edges: list[dict]) -> list[tuple[str, str, int]]:
    return [(e["source"], e["target"], e["weight"]) for e in edges]


async def test_network_ties_institutions_by_the_number_of_teams_they_share(graph: Graph) -> None:
    await build_world(graph)
    nodes, edges = await network.collaboration_network(graph, OUTSIDER)
    assert _ties(edges) == [
        ("inst_fm", "inst_vid", 2),
        ("inst_fm", "inst_vk", 1),
        ("inst_fm", "inst_vm", 1),
        ("inst_vid", "inst_vk", 1),
        ("inst_vid", "inst_vm", 1),
    ]
    assert [(n["id"], n["weight"]) for n in nodes] == [
        ("inst_fm", 3),
        ("inst_vid", 3),
        ("inst_vk", 2),
        ("inst_vm", 2),
    ]


async def test_network_never_ties_through_a_restricted_team_for_non_members(graph: Graph) -> None:
    await build_world(graph)
    _, outsider = await network.collaboration_network(graph, OUTSIDER, min_weight=2)
    _, member = await network.collaboration_network(graph, MEMBER, min_weight=2)
    assert _ties(outsider) == [("inst_fm", "inst_vid", 2)]
    assert _ties(member) == [("inst_fm", "inst_vid", 2), ("inst_fm", "inst_vm", 2)]


async def test_network_keeps_only_teams_under_the_direction(graph: Graph) -> None:
    await build_world(graph)
    nodes, edges = await network.collaboration_network(graph, OUTSIDER, direction_id="d1")
    assert _ties(edges) == [("inst_fm", "inst_vid", 1), ("inst_fm", "inst_vk", 1), ("inst_vid", "inst_vk", 1)]
    assert [n["id"] for n in nodes] == ["inst_fm", "inst_vid", "inst_vk"]


async def test_network_is_empty_when_no_team_spans_two_institutions(graph: Graph) -> None:
    await build.institution(graph, "inst_a", "A")
    await build.person(graph, "p", "P", "inst_a")
    await build.person(graph, "q", "Q", "inst_a")
    await build.issue(graph, "i", "I")
    await build.team(graph, "t", "T", "i", members=[("p", "LEAD", 10), ("q", "MEMBER", 10)])
    assert await network.collaboration_network(graph, OUTSIDER) == ([], [])


async def test_network_refuses_min_weight_below_one(graph: Graph) -> None:
    with pytest.raises(InvalidInput) as exc:
        await network.collaboration_network(graph, OUTSIDER, min_weight=0)
    assert exc.value.message == "minWeight: must be at least 1"


# --- introductionPath -------------------------------------------------------------------------


async def build_chain(graph: Graph) -> None:
    """a@X and b@Y on public T1; b and c both at Y; c and d@Z on public T2; a and d on restricted S;
    e@W knows nobody."""
    for inst in "XYZW":
        await build.institution(graph, f"inst_{inst.lower()}", f"Iestāde {inst}")
    for id, inst in [("a", "x"), ("b", "y"), ("c", "y"), ("d", "z"), ("e", "w")]:
        await build.person(graph, id, id.upper(), f"inst_{inst}")
    await build.issue(graph, "i", "I")
    await build.team(graph, "t1", "Komanda 1", "i", members=[("a", "LEAD", 10), ("b", "MEMBER", 10)])
    await build.team(graph, "t2", "Komanda 2", "i", members=[("c", "LEAD", 10), ("d", "MEMBER", 10)])
    await build.team(
        graph, "s", "Slepenā", "i", visibility="RESTRICTED", members=[("a", "LEAD", 10), ("d", "MEMBER", 10)]
    )


def _steps(path: dict | None) -> list[tuple[str, str, str, str]]:
    assert path is not None
    return [(s["fromId"], s["kind"], s["viaLabel"], s["toId"]) for s in path["steps"]]


async def test_path_links_people_through_teams_and_institutions(graph: Graph) -> None:
    await build_chain(graph)
    path = await network.introduction_path(graph, Viewer(person_id="b", signed_in=True), "a", "d")
    assert _steps(path) == [
        ("a", "SAME_TEAM", "Komanda 1", "b"),
        ("b", "SAME_INSTITUTION", "Iestāde Y", "c"),
        ("c", "SAME_TEAM", "Komanda 2", "d"),
    ]
    assert path is not None
    assert path["people"] == ["a", "b", "c", "d"]
    assert path["hops"] == 3


async def test_path_uses_a_restricted_team_only_for_its_members(graph: Graph) -> None:
    await build_chain(graph)
    path = await network.introduction_path(graph, Viewer(person_id="a", signed_in=True), "a", "d")
    assert _steps(path) == [("a", "SAME_TEAM", "Slepenā", "d")]
    outsider = await network.introduction_path(graph, Viewer(person_id="b", signed_in=True), "a", "d")
    assert len(_steps(outsider)) == 3


async def test_path_is_null_when_nobody_links_the_two(graph: Graph) -> None:
    await build_chain(graph)
    assert await network.introduction_path(graph, Viewer.system(), "a", "e") is None


async def test_path_is_null_when_longer_than_max_hops(graph: Graph) -> None:
    await build_chain(graph)
    viewer = Viewer(person_id="b", signed_in=True)
    assert await network.introduction_path(graph, viewer, "a", "d", max_hops=2) is None
    assert await network.introduction_path(graph, viewer, "a", "d", max_hops=3) is not None


async def test_path_names_an_unknown_person(graph: Graph) -> None:
    await build_chain(graph)
    with pytest.raises(NotFound) as exc:
        await network.introduction_path(graph, Viewer.system(), "a", "nobody")
    assert exc.value.message == "toPersonId: no Person with id 'nobody'"
    with pytest.raises(NotFound) as exc:
        await network.introduction_path(graph, Viewer.system(), "nobody", "a")
    assert exc.value.field == "fromPersonId"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("a", "d", 0), "maxHops: must be between 1 and 10"),
        (("a", "d", 11), "maxHops: must be between 1 and 10"),
        (("a", "a", 6), "toPersonId: must differ from fromPersonId"),
    ],
)
async def test_path_refuses_bad_arguments(graph: Graph, args: tuple[str, str, int], message: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        await network.introduction_path(graph, Viewer.system(), *args)
    assert exc.value.message == message


# --- end to end -------------------------------------------------------------------------------


async def test_network_and_path_over_http(hub: Hub, graph: Graph) -> None:
    await build_chain(graph)
    data = hub.data(
        """query ($from: ID!, $to: ID!) {
          collaborationNetwork { nodes { id kind label weight } edges { source target kind weight } }
          introductionPath(fromPersonId: $from, toPersonId: $to) {
            hops people { name } steps { kind viaLabel from { name } to { name institution { nameLv } } }
          }
          none: introductionPath(fromPersonId: $from, toPersonId: "e") { hops }
        }""",
        {"from": "a", "to": "d"},
    )
    assert data["collaborationNetwork"]["edges"] == [
        {"source": "inst_x", "target": "inst_y", "kind": "SHARES_TEAMS", "weight": 1},
        {"source": "inst_x", "target": "inst_z", "kind": "SHARES_TEAMS", "weight": 1},
        {"source": "inst_y", "target": "inst_z", "kind": "SHARES_TEAMS", "weight": 1},
    ]
    assert data["collaborationNetwork"]["nodes"][0] == {
        "id": "inst_x",
        "kind": "INSTITUTION",
        "label": "Iestāde X",
        "weight": 2,
    }
    # The hub serves every request as the system viewer for now, so the restricted team links.
    assert data["introductionPath"] == {
        "hops": 1,
        "people": [{"name": "A"}, {"name": "D"}],
        "steps": [
            {
                "kind": "SAME_TEAM",
                "viaLabel": "Slepenā",
                "from": {"name": "A"},
                "to": {"name": "D", "institution": {"nameLv": "Iestāde Z"}},
            }
        ],
    }
    assert data["none"] is None


async def test_path_over_http_names_the_unknown_person(hub: Hub, graph: Graph) -> None:
    await build_chain(graph)
    error = hub.error('{ introductionPath(fromPersonId: "a", toPersonId: "zz") { hops } }')
    assert error["extensions"] == {"code": "NOT_FOUND", "field": "toPersonId"}
