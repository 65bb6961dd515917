"""issueMap: the subgraph around the matching issues, exact on the small world (tests/world.py);
a map above its cap is refused, never cut; restricted teams appear only for their members."""

from __future__ import annotations

import pytest

from graph.driver import Graph, count_queries
from graph.errors import InvalidInput
from graph.issues import IssueStatus
from graph.mapping import MapFilter, MapTooLarge, issue_map
from tests.conftest import Hub
from tests.world import MEMBER, OUTSIDER, build_world


def _nodes(m: object) -> set[tuple[str, str]]:
    return {(n["kind"], n["id"]) for n in m.nodes}  # type: ignore[attr-defined]


def _edges(m: object) -> set[str]:
    return {e["id"] for e in m.edges}  # type: ignore[attr-defined]


async def test_map_of_active_issues_under_a_direction(graph: Graph) -> None:
    await build_world(graph)
    m = await issue_map(graph, MapFilter(direction_id="d1", status=IssueStatus.ACTIVE), OUTSIDER)
    assert _nodes(m) == {
        ("ISSUE", "tax"),
        ("INSTITUTION", "inst_fm"),
        ("INSTITUTION", "inst_vid"),
        ("INSTITUTION", "inst_vk"),
        ("DIRECTION", "d1"),
        ("TEAM", "t_tax"),
    }
    assert _edges(m) == {
        "AFFECTS:tax->inst_fm",
        "AFFECTS:tax->inst_vid",
        "AFFECTS:tax->inst_vk",
        "UNDER_DIRECTION:tax->d1",
        "ADDRESSES:t_tax->tax",
        "SUBORDINATE_TO:inst_vid->inst_fm",
    }


async def test_map_nodes_and_edges_carry_what_a_drawing_needs(graph: Graph) -> None:
    await build_world(graph)
    m = await issue_map(graph, MapFilter(direction_id="d1", status=IssueStatus.ACTIVE), OUTSIDER)
    by_id = {n["id"]: n for n in m.nodes}
    assert by_id["tax"] == {
        "id": "tax",
        "kind": "ISSUE",
        "label": "Nodokļu datu apmaiņa",
        "status": "ACTIVE",
        "priority": "MEDIUM",
        "weight": 5,
    }
    assert by_id["inst_fm"]["weight"] == 2
    assert by_id["t_tax"]["visibility"] == "PUBLIC"
    stakes = {e["target"]: e["stake"] for e in m.edges if e["kind"] == "AFFECTS"}
    assert stakes == {"inst_fm": "LEAD", "inst_vid": "INVOLVED", "inst_vk": "CONSULTED"}


async def test_map_with_people_adds_members_and_where_they_work(graph: Graph) -> None:
    await build_world(graph)
    m = await issue_map(graph, MapFilter(institution_id="inst_vk", include_people=True), OUTSIDER)
    people = {n["id"] for n in m.nodes if n["kind"] == "PERSON"}
    assert people == {"juris", "ilze", "anna"}
    members = {(e["source"], e["role"], e["allocation"]) for e in m.edges if e["kind"] == "MEMBER_OF"}
    assert members == {("juris", "LEAD", 60), ("ilze", "MEMBER", 50), ("anna", "EXPERT", 20)}
    assert {e["id"] for e in m.edges if e["kind"] == "WORKS_AT"} == {
        "WORKS_AT:juris->inst_fm",
        "WORKS_AT:ilze->inst_vid",
        "WORKS_AT:anna->inst_vk",
    }


async def test_map_draws_a_dependency_only_between_issues_on_the_map(graph: Graph) -> None:
    await build_world(graph)
    everything = await issue_map(graph, MapFilter(), OUTSIDER)
    only_health = await issue_map(graph, MapFilter(direction_id="d2"), OUTSIDER)
    assert "DEPENDS_ON:health->tax" in _edges(everything)
    assert not any(e["kind"] == "DEPENDS_ON" for e in only_health.edges)


async def test_map_text_filter_folds_diacritics(graph: Graph) -> None:
    await build_world(graph)
    m = await issue_map(graph, MapFilter(text="nodoklu datu apmain"), OUTSIDER)
    assert {n["id"] for n in m.nodes if n["kind"] == "ISSUE"} == {"tax"}


async def test_map_text_without_words_is_an_empty_map(graph: Graph) -> None:
    await build_world(graph)
    m = await issue_map(graph, MapFilter(text="*:*"), OUTSIDER)
    assert (m.nodes, m.edges) == ([], [])


async def test_map_shows_a_restricted_team_and_its_people_only_to_members(graph: Graph) -> None:
    await build_world(graph)
    outsider = await issue_map(graph, MapFilter(include_people=True), OUTSIDER)
    member = await issue_map(graph, MapFilter(include_people=True), MEMBER)
    assert ("TEAM", "t_secret") not in _nodes(outsider)
    assert {"zane", "liga"}.isdisjoint({n["id"] for n in outsider.nodes})
    assert ("TEAM", "t_secret") in _nodes(member)
    assert {("PERSON", "zane"), ("PERSON", "liga")} <= _nodes(member)


def _issue(id: str, label: str, weight: int) -> dict[str, object]:
    return {
        "id": id,
        "kind": "ISSUE",
        "label": label,
        "status": "ACTIVE",
        "priority": "MEDIUM",
        "weight": weight,
    }


def _institution(id: str, label: str, code: str, weight: int) -> dict[str, object]:
    return {"id": id, "kind": "INSTITUTION", "label": label, "code": code, "institutionKind": "MINISTRY",
            "weight": weight}  # fmt: skip


def _team(id: str, label: str, visibility: str, weight: int) -> dict[str, object]:
    return {
        "id": id,
        "kind": "TEAM",
        "label": label,
        "status": "ACTIVE",
        "visibility": visibility,
        "weight": weight,
    }


def _person(id: str, label: str, weight: int) -> dict[str, object]:
    return {"id": id, "kind": "PERSON", "label": label, "weight": weight}


def _edge(kind: str, source: str, target: str, **extra: object) -> dict[str, object]:
    return {"id": f"{kind}:{source}->{target}", "kind": kind, "source": source, "target": target, **extra}


def _member(person: str, team: str, role: str, allocation: int) -> dict[str, object]:
    return _edge("MEMBER_OF", person, team, role=role, allocation=allocation)


def _sorted(records: list[dict[str, object]]) -> list[dict[str, object]]:
    return sorted(records, key=lambda r: str(r["id"]))


async def test_map_with_people_is_exactly_this_record_by_record(graph: Graph) -> None:
    """Every node and edge with every field, as the map's Cypher answers it in lists and
    `_assembled` makes them records; a restricted team and its people only for its member."""
    await build_world(graph)
    f = MapFilter(direction_id="d2", include_people=True)
    member = await issue_map(graph, f, MEMBER)
    outsider = await issue_map(graph, f, OUTSIDER)
    common_edges = [
        _edge("AFFECTS", "health", "inst_vm", stake="LEAD"),
        _edge("AFFECTS", "health", "inst_fm", stake="INVOLVED"),
        _edge("UNDER_DIRECTION", "health", "d2"),
        _edge("ADDRESSES", "t_health", "health"),
        _member("peteris", "t_health", "LEAD", 50),
        _member("juris", "t_health", "MEMBER", 50),
        _member("ilze", "t_health", "MEMBER", 10),
        _edge("WORKS_AT", "peteris", "inst_vm"),
        _edge("WORKS_AT", "juris", "inst_fm"),  # ilze works at VID, which is not on this map
    ]
    assert _sorted(member.edges) == _sorted(
        [
            *common_edges,
            _edge("ADDRESSES", "t_secret", "health"),
            _member("zane", "t_secret", "LEAD", 80),
            _member("liga", "t_secret", "MEMBER", 40),
            _member("juris", "t_secret", "MEMBER", 10),
            _edge("WORKS_AT", "zane", "inst_vm"),
            _edge("WORKS_AT", "liga", "inst_fm"),
        ]
    )
    assert _sorted(member.nodes) == _sorted(
        [
            _issue("health", "Veselības datu sadarbība", 5),
            _institution("inst_vm", "Veselības ministrija", "VM", 3),
            _institution("inst_fm", "Finanšu ministrija", "FM", 3),
            {"id": "d2", "kind": "DIRECTION", "label": "Cilvēkkapitāls", "number": 2, "weight": 1},
            _team("t_health", "Veselības darba grupa", "INTERNAL", 4),
            _team("t_secret", "Slepenā grupa", "RESTRICTED", 4),
            _person("peteris", "Pēteris Zariņš", 2),
            _person("juris", "Juris Kalniņš", 3),
            _person("ilze", "Ilze Bērziņa", 1),
            _person("zane", "Zane Krūmiņa", 2),
            _person("liga", "Līga Liepa", 2),
        ]
    )
    assert _sorted(outsider.edges) == _sorted(common_edges)
    assert _sorted(outsider.nodes) == _sorted(
        [
            _issue("health", "Veselības datu sadarbība", 4),
            _institution("inst_vm", "Veselības ministrija", "VM", 2),
            _institution("inst_fm", "Finanšu ministrija", "FM", 2),
            {"id": "d2", "kind": "DIRECTION", "label": "Cilvēkkapitāls", "number": 2, "weight": 1},
            _team("t_health", "Veselības darba grupa", "INTERNAL", 4),
            _person("peteris", "Pēteris Zariņš", 2),
            _person("juris", "Juris Kalniņš", 2),
            _person("ilze", "Ilze Bērziņa", 1),
        ]
    )


async def test_map_cap_counts_the_people_the_viewer_sees(graph: Graph) -> None:
    await build_world(graph)
    f = MapFilter(direction_id="d2", include_people=True, limit=10)
    with pytest.raises(MapTooLarge) as exc:
        await issue_map(graph, f, MEMBER)  # 6 nodes without people, 11 with them
    assert (exc.value.count, exc.value.cap) == (11, 10)
    assert len((await issue_map(graph, f, OUTSIDER)).nodes) == 8  # t_secret, zane, liga hidden
    assert len((await issue_map(graph, MapFilter(direction_id="d2", limit=10), MEMBER)).nodes) == 6


async def test_map_is_one_round_trip(graph: Graph) -> None:
    await build_world(graph)
    with count_queries() as counter:
        await issue_map(graph, MapFilter(include_people=True, text="datu"), OUTSIDER)
    assert counter.queries == 1


async def test_map_above_its_cap_is_refused_naming_count_and_cap(graph: Graph) -> None:
    await build_world(graph)
    with pytest.raises(MapTooLarge) as exc:
        await issue_map(graph, MapFilter(limit=10), OUTSIDER)
    assert (exc.value.count, exc.value.cap) == (11, 10)
    assert exc.value.message.startswith("the map would have 11 nodes, above the cap of 10")
    assert len((await issue_map(graph, MapFilter(limit=11), OUTSIDER)).nodes) == 11


@pytest.mark.parametrize("limit", [0, 20_001])
async def test_map_refuses_a_cap_out_of_range(graph: Graph, limit: int) -> None:
    with pytest.raises(InvalidInput) as exc:
        await issue_map(graph, MapFilter(limit=limit), OUTSIDER)
    assert exc.value.message == "filter.limit: must be between 1 and 20000"


async def test_map_over_http(hub: Hub, graph: Graph) -> None:
    await build_world(graph)
    result = hub.post(
        """{ issueMap(filter: {directionId: "d1", status: ACTIVE}) {
               truncated nodes { id kind label weight } edges { id source target kind stake } } }"""
    )
    data = result["data"]["issueMap"]
    assert data["truncated"] is False
    assert {(n["kind"], n["id"], n["weight"]) for n in data["nodes"]} == {
        ("ISSUE", "tax", 5),
        ("INSTITUTION", "inst_fm", 2),
        ("INSTITUTION", "inst_vid", 2),
        ("INSTITUTION", "inst_vk", 1),
        ("DIRECTION", "d1", 1),
        ("TEAM", "t_tax", 1),
    }
    assert {
        "id": "AFFECTS:tax->inst_fm",
        "source": "tax",
        "target": "inst_fm",
        "kind": "AFFECTS",
        "stake": "LEAD",
    } in (data["edges"])
    # The map in the operation's one statement (the test client's caller is then remembered).
    assert result["extensions"]["cypherQueries"] <= 2


async def test_map_over_http_too_large_is_a_map_too_large_error(hub: Hub, graph: Graph) -> None:
    await build_world(graph)
    error = hub.error("{ issueMap(filter: {limit: 3}) { truncated } }")
    assert error["extensions"] == {"code": "MAP_TOO_LARGE", "count": 12, "cap": 3}
    assert error["message"].startswith("the map would have 12 nodes, above the cap of 3")
