"""The team and issue pages and people search answered by one Cypher query (graph/pages.py,
hub/api/compiled.py) give exactly the JSON the resolvers give, for every kind of viewer, in one
round trip."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from graph import people
from graph.access import Viewer
from graph.driver import Graph, run
from graph.ids import new_id
from graph.issues import Stake
from graph.pagination import encode_cursor
from graph.people import PersonSkillInput
from graph.teams import Visibility
from hub.api.compiled import ISSUE_PAGE, PEOPLE_SEARCH, TEAM_PAGE
from hub.api.context import Context
from hub.api.schema import schema
from hub.config import Settings
from tests import builders
from tests.conftest import Hub

# The same selection with a no-op directive: not a compiled shape, so the resolvers answer it.
RESOLVED_TEAM_PAGE = TEAM_PAGE.replace("team(id: $id) {", "team(id: $id) @include(if: true) {")
RESOLVED_ISSUE_PAGE = ISSUE_PAGE.replace("issue(id: $id) {", "issue(id: $id) @include(if: true) {")
RESOLVED_PEOPLE_SEARCH = PEOPLE_SEARCH.replace("first: 50) {", "first: 50) @include(if: true) {")


async def _world(graph: Graph) -> dict[str, str]:
    fm = await builders.institution(graph, "FM")
    varam = await builders.institution(graph, "VARAM")
    vid = await builders.institution(graph, "VID")
    lead = await builders.person(graph, "Zane Lead", fm["id"], title="Head of unit")
    anna = await builders.person(graph, "Anna", varam["id"])
    boris = await builders.person(graph, "Boris", vid["id"])
    outsider = await builders.person(graph, "Olga", fm["id"])
    await graph.write(
        lambda tx: run(
            tx,
            "CREATE (:PlanDirection:Entity {id: 'dir_' + $hex, number: 3, titleEn: 'Digital state'})",
            hex="d" * 32,
        )
    )
    issue = await builders.issue(
        graph,
        "Shared data",
        {vid["id"]: Stake.CONSULTED, varam["id"]: Stake.INVOLVED, fm["id"]: Stake.LEAD},
        description="Who keeps which register",
        direction_id="dir_" + "d" * 32,
    )
    public = await builders.team(
        graph,
        "Register team",
        issue["id"],
        lead["id"],
        visibility=Visibility.PUBLIC,
        legal_basis_number="MK-123",
        legal_basis_date=date(2026, 3, 1),
        start_date=date(2026, 4, 1),
    )
    restricted = await builders.team(
        graph, "Audit team", issue["id"], lead["id"], visibility=Visibility.RESTRICTED
    )
    internal = await builders.team(graph, "Budget team", issue["id"], lead["id"])
    await builders.add_member(graph, public["id"], anna["id"], "EXPERT", 15)
    await builders.add_member(graph, public["id"], boris["id"], "MEMBER", 30)
    await builders.add_member(graph, restricted["id"], anna["id"])
    return {
        "public": public["id"],
        "restricted": restricted["id"],
        "internal": internal["id"],
        "issue": issue["id"],
        "anna": anna["id"],
        "outsider": outsider["id"],
    }


VIEWERS = {
    "system": lambda ids: Viewer.system(),
    "restricted member": lambda ids: Viewer(person_id=ids["anna"], signed_in=True),
    "signed-in outsider": lambda ids: Viewer(person_id=ids["outsider"], signed_in=True),
}


async def _execute(
    graph: Graph, query: str, id: str | dict[str, str], viewer: Viewer
) -> tuple[dict[str, Any], int]:
    """Execute through the hub's schema in process (so the viewer can be chosen): the JSON
    the hub would send, and the Cypher round trips it made."""
    variables = {"id": id} if isinstance(id, str) else id
    result = await schema.execute(
        query, variables, context_value=Context(graph=graph, settings=Settings(), viewer=viewer)
    )
    assert result.errors is None
    assert result.extensions is not None
    return json.loads(json.dumps(result.data)), result.extensions["cypherQueries"]


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("team", ["public", "restricted", "internal"])
async def test_team_page_in_one_query_equals_the_resolvers(graph: Graph, viewer: str, team: str) -> None:
    ids = await _world(graph)
    who = VIEWERS[viewer](ids)

    compiled, trips = await _execute(graph, TEAM_PAGE, ids[team], who)
    resolved, _ = await _execute(graph, RESOLVED_TEAM_PAGE, ids[team], who)

    assert compiled == resolved
    assert trips == 1


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_issue_page_in_one_query_equals_the_resolvers(graph: Graph, viewer: str) -> None:
    ids = await _world(graph)
    who = VIEWERS[viewer](ids)

    compiled, trips = await _execute(graph, ISSUE_PAGE, ids["issue"], who)
    resolved, _ = await _execute(graph, RESOLVED_ISSUE_PAGE, ids["issue"], who)

    assert compiled == resolved
    assert trips == 1


async def test_team_page_shows_members_lead_first_and_the_issue_lead_first(graph: Graph) -> None:
    ids = await _world(graph)

    page, _ = await _execute(graph, TEAM_PAGE, ids["public"], Viewer.system())

    team = page["team"]
    assert [
        (m["role"], m["person"]["name"], m["person"]["institution"]["code"]) for m in team["members"]
    ] == [
        ("LEAD", "Zane Lead", "FM"),
        ("MEMBER", "Boris", "VID"),
        ("EXPERT", "Anna", "VARAM"),
    ]
    assert [(a["stake"], a["institution"]["code"]) for a in team["issue"]["affected"]] == [
        ("LEAD", "FM"),
        ("INVOLVED", "VARAM"),
        ("CONSULTED", "VID"),
    ]
    assert team["legalBasis"] == {"orderNumber": "MK-123", "orderDate": "2026-03-01"}
    assert [a["verb"] for a in page["activities"]["nodes"]] == ["team.created"]


async def test_a_restricted_team_page_is_null_for_an_outsider_and_hides_its_activities(graph: Graph) -> None:
    ids = await _world(graph)

    page, _ = await _execute(graph, TEAM_PAGE, ids["restricted"], VIEWERS["signed-in outsider"](ids))

    assert page == {"team": None, "activities": {"totalCount": 0, "nodes": []}}


async def test_issue_page_lists_only_the_teams_the_viewer_may_see(graph: Graph) -> None:
    ids = await _world(graph)

    outsider, _ = await _execute(graph, ISSUE_PAGE, ids["issue"], VIEWERS["signed-in outsider"](ids))
    member, _ = await _execute(graph, ISSUE_PAGE, ids["issue"], VIEWERS["restricted member"](ids))

    assert [t["name"] for t in outsider["issue"]["teams"]] == ["Budget team", "Register team"]
    assert [t["name"] for t in member["issue"]["teams"]] == ["Audit team", "Budget team", "Register team"]


async def test_variables_that_do_not_coerce_get_the_usual_error(graph: Graph) -> None:
    result = await schema.execute(
        TEAM_PAGE, {}, context_value=Context(graph=graph, settings=Settings(), viewer=Viewer.system())
    )

    assert result.errors is not None
    assert "$id" in result.errors[0].message


@pytest.mark.parametrize("page", [TEAM_PAGE, ISSUE_PAGE])
async def test_a_compiled_page_is_refused_to_a_caller_who_is_not_signed_in(
    hub: Hub, graph: Graph, page: str
) -> None:
    ids = await _world(graph)

    result = hub.as_user(None).post(page, {"id": ids["public"] if page == TEAM_PAGE else ids["issue"]})

    assert result["data"] is None
    assert {e["extensions"]["code"] for e in result["errors"]} == {"UNAUTHENTICATED"}


async def test_the_hub_answers_the_team_page_over_http_in_one_round_trip(hub: Hub, graph: Graph) -> None:
    ids = await _world(graph)

    compiled = hub.post(TEAM_PAGE, {"id": ids["public"]})
    resolved = hub.post(RESOLVED_TEAM_PAGE, {"id": ids["public"]})

    assert compiled["data"] == resolved["data"]
    assert compiled["extensions"]["cypherQueries"] == 1
    assert resolved["extensions"]["cypherQueries"] > 1


async def test_a_page_size_over_the_configured_maximum_gets_the_usual_error(graph: Graph) -> None:
    ids = await _world(graph)
    settings = Settings(HUB_MAX_PAGE_SIZE=10)  # type: ignore[call-arg]

    result = await schema.execute(
        TEAM_PAGE,
        {"id": ids["public"]},
        context_value=Context(graph=graph, settings=settings, viewer=Viewer.system()),
    )

    assert result.errors is not None
    assert "must be between 0 and 10" in result.errors[0].message


async def _staff(graph: Graph) -> dict[str, str]:
    """FM staff with and without the skill (one archived, one untitled), and a holder elsewhere."""
    fm = await builders.institution(graph, "FM")
    varam = await builders.institution(graph, "VARAM")
    law = await builders.skill(graph, "Law")
    data = await builders.skill(graph, "Data")
    anna = await builders.person(graph, "Anna", fm["id"], title="Lawyer")
    boris = await builders.person(graph, "Boris", fm["id"])
    carla = await builders.person(graph, "Carla", fm["id"])
    await builders.person(graph, "Dace", fm["id"])  # no skill
    eva = await builders.person(graph, "Eva", varam["id"])
    for who, skill, level in [
        (anna, law, 2), (anna, data, 5), (boris, law, 4), (carla, law, 3), (eva, law, 5),
    ]:  # fmt: skip
        await people.set_skill(graph, who["id"], PersonSkillInput(skill_id=skill["id"], level=level), None)
    await people.archive(graph, carla["id"], None)
    return {"skillId": law["id"], "institutionId": fm["id"], "data": data["id"], "varam": varam["id"]}


async def test_people_search_in_one_query_equals_the_resolvers(graph: Graph) -> None:
    ids = await _staff(graph)
    search = {"skillId": ids["skillId"], "institutionId": ids["institutionId"]}

    compiled, trips = await _execute(graph, PEOPLE_SEARCH, search, Viewer.system())
    resolved, _ = await _execute(graph, RESOLVED_PEOPLE_SEARCH, search, Viewer.system())

    assert compiled == resolved
    assert trips == 1


async def test_people_search_lists_live_holders_at_the_institution_by_name_skills_strongest_first(
    graph: Graph,
) -> None:
    ids = await _staff(graph)

    page, _ = await _execute(
        graph,
        PEOPLE_SEARCH,
        {"skillId": ids["skillId"], "institutionId": ids["institutionId"]},
        Viewer.system(),
    )

    people_page = page["people"]
    assert people_page["totalCount"] == 2
    assert people_page["pageInfo"] == {"hasNextPage": False, "endCursor": encode_cursor(1)}
    assert [(p["name"], p["title"], p["institution"]["code"]) for p in people_page["nodes"]] == [
        ("Anna", "Lawyer", "FM"),
        ("Boris", None, "FM"),
    ]
    assert [(s["skill"]["name"], s["level"]) for s in people_page["nodes"][0]["skills"]] == [
        ("Data", 5),
        ("Law", 2),
    ]


async def test_people_search_with_no_match_is_an_empty_page_as_the_resolvers_give_it(graph: Graph) -> None:
    ids = await _staff(graph)
    search = {"skillId": ids["data"], "institutionId": ids["varam"]}

    compiled, _ = await _execute(graph, PEOPLE_SEARCH, search, Viewer.system())
    resolved, _ = await _execute(graph, RESOLVED_PEOPLE_SEARCH, search, Viewer.system())

    assert (
        compiled
        == resolved
        == {"people": {"totalCount": 0, "pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": []}}
    )


async def test_people_search_over_one_page_has_a_next_page_as_the_resolvers_give_it(graph: Graph) -> None:
    fm = await builders.institution(graph, "FM")
    law = await builders.skill(graph, "Law")
    await graph.write(
        lambda tx: run(
            tx,
            "MATCH (i:Institution {id: $fm}), (s:Skill {id: $law}) UNWIND range(0, size($ids) - 1) AS k "
            "CREATE (p:Person:Entity {id: $ids[k], name: 'Person ' + k, email: 'p' + k + '@example.gov.lv'}) "
            "CREATE (p)-[:WORKS_AT]->(i), (p)-[:HAS_SKILL {level: 1 + k % 5}]->(s)",
            fm=fm["id"],
            law=law["id"],
            ids=[new_id("Person") for _ in range(52)],
        )
    )
    search = {"skillId": law["id"], "institutionId": fm["id"]}

    compiled, _ = await _execute(graph, PEOPLE_SEARCH, search, Viewer.system())
    resolved, _ = await _execute(graph, RESOLVED_PEOPLE_SEARCH, search, Viewer.system())

    assert compiled == resolved
    assert compiled["people"]["totalCount"] == 52
    assert compiled["people"]["pageInfo"] == {"hasNextPage": True, "endCursor": encode_cursor(49)}
    assert len(compiled["people"]["nodes"]) == 50


async def test_people_search_is_refused_to_a_caller_who_is_not_signed_in(hub: Hub, graph: Graph) -> None:
    ids = await _staff(graph)

    result = hub.as_user(None).post(
        PEOPLE_SEARCH, {"skillId": ids["skillId"], "institutionId": ids["institutionId"]}
    )

    assert result["data"] is None
    assert {e["extensions"]["code"] for e in result["errors"]} == {"UNAUTHENTICATED"}


async def test_the_hub_answers_people_search_over_http_in_one_round_trip(hub: Hub, graph: Graph) -> None:
    ids = await _staff(graph)
    search = {"skillId": ids["skillId"], "institutionId": ids["institutionId"]}

    compiled = hub.post(PEOPLE_SEARCH, search)
    resolved = hub.post(RESOLVED_PEOPLE_SEARCH, search)

    assert compiled["data"] == resolved["data"]
    assert compiled["extensions"]["cypherQueries"] == 1
    assert resolved["extensions"]["cypherQueries"] > 1
