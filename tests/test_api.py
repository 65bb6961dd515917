"""The GraphQL API end to end, over real HTTP against a running hub and the real Neo4j."""

from typing import Any

import pytest

from graph.driver import Graph
from tests import builders
from tests.conftest import Hub

CREATE_INSTITUTION = """
mutation($input: InstitutionInput!) {
  createInstitution(input: $input) { id code nameLv nameEn kind parent { code } }
}"""

CREATE_PERSON = """
mutation($input: PersonInput!) { createPerson(input: $input) { id email institution { code } } }"""

CREATE_ISSUE = """
mutation($input: IssueInput!) { createIssue(input: $input) { id title affected { stake institution { code } } } }"""

CREATE_TEAM = """
mutation($input: TeamInput!) { createTeam(input: $input) { team { id name status members { role person { email } } } } }"""


def institution(hub: Hub, code: str, **extra: Any) -> dict[str, Any]:
    data = {"code": code, "nameLv": f"{code} LV", "nameEn": f"{code} EN", "kind": "MINISTRY", **extra}
    created: dict[str, Any] = hub.data(CREATE_INSTITUTION, {"input": data})["createInstitution"]
    return created


def person(hub: Hub, email: str, institution_id: str) -> dict[str, Any]:
    data = {"name": email.split("@")[0], "email": email, "institutionId": institution_id}
    created: dict[str, Any] = hub.data(CREATE_PERSON, {"input": data})["createPerson"]
    return created


def test_create_and_read_back_an_institution_with_its_parent(hub: Hub) -> None:
    fm = institution(hub, "FM")
    vid = institution(hub, "VID", kind="AGENCY", parentId=fm["id"])

    assert vid["parent"] == {"code": "FM"}
    read = hub.data(
        "query($id: ID!) { institution(id: $id) { code subordinates { code } } }", {"id": fm["id"]}
    )
    assert read["institution"] == {"code": "FM", "subordinates": [{"code": "VID"}]}


def test_bad_input_error_names_the_field_and_code(hub: Hub) -> None:
    fm = institution(hub, "FM")
    error = hub.error(CREATE_PERSON, {"input": {"name": "A", "email": "nope", "institutionId": fm["id"]}})

    assert error["message"] == "email: is not a valid email address"
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "email"


def test_unknown_id_error_is_not_found_naming_the_field(hub: Hub) -> None:
    error = hub.error(
        CREATE_PERSON, {"input": {"name": "A", "email": "a@b.lv", "institutionId": "inst_" + "9" * 32}}
    )

    assert error["extensions"] == {"code": "NOT_FOUND", "field": "institutionId"}
    assert hub.data("{ people { totalCount } }")["people"]["totalCount"] == 0


def test_duplicate_email_error_is_a_conflict_on_email(hub: Hub) -> None:
    fm = institution(hub, "FM")
    person(hub, "anna@fm.gov.lv", fm["id"])
    error = hub.error(
        CREATE_PERSON, {"input": {"name": "B", "email": "anna@fm.gov.lv", "institutionId": fm["id"]}}
    )

    assert error["extensions"]["code"] == "CONFLICT"
    assert error["extensions"]["field"] == "email"


def test_dependency_cycle_error_over_the_api(hub: Hub) -> None:
    a = hub.data(CREATE_ISSUE, {"input": {"title": "A"}})["createIssue"]
    b = hub.data(CREATE_ISSUE, {"input": {"title": "B", "dependsOnIds": [a["id"]]}})["createIssue"]
    error = hub.error(
        "mutation($a: ID!, $b: ID!) { addIssueDependency(issueId: $a, dependsOnId: $b) { id } }",
        {"a": a["id"], "b": b["id"]},
    )
    assert error["extensions"] == {"code": "CONFLICT", "field": "dependsOnId"}


def test_node_resolves_any_type_by_global_id(hub: Hub) -> None:
    fm = institution(hub, "FM")
    anna = person(hub, "anna@fm.gov.lv", fm["id"])
    query = "query($id: ID!) { node(id: $id) { __typename id ... on Person { email } } }"

    assert hub.data(query, {"id": anna["id"]})["node"] == {
        "__typename": "Person",
        "id": anna["id"],
        "email": "anna@fm.gov.lv",
    }
    assert hub.data(query, {"id": fm["id"]})["node"]["__typename"] == "Institution"
    assert hub.data(query, {"id": "person_" + "0" * 32})["node"] is None
    assert hub.data(query, {"id": "garbage"})["node"] is None


def test_cursor_pagination_walks_every_item_once(hub: Hub) -> None:
    for code in ["AM", "EM", "FM", "KM", "LM"]:
        institution(hub, code)
    query = """query($after: String) { institutions(first: 2, after: $after, orderBy: CODE) {
        totalCount edges { cursor node { code } } pageInfo { hasNextPage endCursor } } }"""
    seen, after, pages = [], None, 0
    while True:
        page = hub.data(query, {"after": after})["institutions"]
        seen += [e["node"]["code"] for e in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert (seen, pages, page["totalCount"]) == (["AM", "EM", "FM", "KM", "LM"], 3, 5)


@pytest.mark.parametrize("first", [-1, 101, 99999999])
def test_page_size_outside_the_cap_is_refused(hub: Hub, first: int) -> None:
    error = hub.error("query($first: Int) { institutions(first: $first) { totalCount } }", {"first": first})
    assert error["extensions"]["field"] == "first"


def test_a_malformed_cursor_is_refused(hub: Hub) -> None:
    error = hub.error('{ institutions(after: "not-a-cursor") { totalCount } }')
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "field": "after",
        "problems": [{"field": "after", "problem": "is not a valid cursor"}],
    }


def _team_page(hub: Hub, team_id: str) -> dict[str, Any]:
    return hub.post(
        """query($id: ID!) { team(id: $id) { name issue { title affected { stake institution { code } } }
            members { role allocation person { name email institution { code nameEn }
              skills { level skill { name } } } } } }""",
        {"id": team_id},
    )


async def test_a_team_page_costs_at_most_one_round_trip_per_relationship_for_1_or_20_members(
    hub: Hub, graph: Graph
) -> None:
    fm = institution(hub, "FM")
    em = institution(hub, "EM")
    skill = hub.data('mutation { createSkill(input: {name: "Law"}) { id } }')["createSkill"]
    affected = [
        {"institutionId": fm["id"], "stake": "LEAD"},
        {"institutionId": em["id"], "stake": "INVOLVED"},
    ]
    issue = hub.data(CREATE_ISSUE, {"input": {"title": "Tax", "affected": affected}})["createIssue"]
    lead = person(hub, "lead@fm.gov.lv", fm["id"])
    set_skill = (
        "mutation($p: ID!, $s: ID!) { setPersonSkill(personId: $p, input: {skillId: $s, level: 3}) { id } }"
    )
    hub.data(set_skill, {"p": lead["id"], "s": skill["id"]})
    small = hub.data(
        CREATE_TEAM, {"input": {"name": "Small", "issueId": issue["id"], "leadPersonId": lead["id"]}}
    )
    big = hub.data(
        CREATE_TEAM, {"input": {"name": "Big", "issueId": issue["id"], "leadPersonId": lead["id"]}}
    )
    for i in range(19):
        p = person(hub, f"p{i}@em.gov.lv", em["id"] if i % 2 else fm["id"])
        hub.data(set_skill, {"p": p["id"], "s": skill["id"]})
        await builders.add_member(graph, big["createTeam"]["team"]["id"], p["id"])

    one = _team_page(hub, small["createTeam"]["team"]["id"])
    twenty = _team_page(hub, big["createTeam"]["team"]["id"])

    assert len(one["data"]["team"]["members"]) == 1
    assert len(twenty["data"]["team"]["members"]) == 20
    # At most one round trip per relationship field in the query, whatever the list sizes:
    # team, issue, affected, affected.institution, members, person, person.institution, skills,
    # skill. (The two institution fields share one loader; whether their keys land in one batch
    # or two depends on which reply arrives first, so 8 or 9, for either team size.)
    relationship_fields = 9
    assert one["extensions"]["cypherQueries"] <= relationship_fields
    assert twenty["extensions"]["cypherQueries"] <= relationship_fields
