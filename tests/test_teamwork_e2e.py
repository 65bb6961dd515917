"""End to end over real HTTP: forming a team from an issue to its first post, the API's error codes,
and a team page whose Cypher round trips do not grow with the number of members."""

from __future__ import annotations

from typing import Any

from graph.driver import Graph
from tests import formation_builders as b
from tests.conftest import Hub, wipe

CREATE_INSTITUTION = """
mutation($code: String!) { createInstitution(input: {code: $code, nameLv: $code, nameEn: $code, kind: MINISTRY}) { id } }
"""
CREATE_PERSON = """
mutation($name: String!, $email: String!, $inst: ID!, $skills: [PersonSkillInput!]!) {
  createPerson(input: {name: $name, email: $email, institutionId: $inst, skills: $skills}) { id }
}
"""
CREATE_TEAM = """
mutation($input: TeamInput!) {
  createTeam(input: $input) { team { id status members { role person { name } } } warnings { code message team { name } } }
}
"""
SUGGEST = """
query($team: ID!, $skills: [ID!]) {
  suggestMembers(teamId: $team, skills: $skills, limit: 5) {
    score freeCapacity person { name }
    matchedSkills { level skill { name } }
    institutionGap { stake institution { code } }
  }
}
"""
INVITE = """
mutation($team: ID!, $person: ID!) {
  inviteMember(input: {teamId: $team, personId: $person, role: EXPERT, allocation: 25, message: "Join us"}) {
    id status role allocation person { name } team { name }
  }
}
"""
COVERAGE = """
query($team: ID!) {
  coverage(teamId: $team) {
    leadInstitutionMissing
    institutions { stake missing institution { code } representatives { name } }
    missing { institution { code } }
  }
}
"""
TEAM_PAGE = """
query($id: ID!) {
  team(id: $id) {
    name status requiresManagerApproval reportingDeadlines
    issue { title affected { stake institution { code } } }
    members { role allocation person { name institution { code } skills { level skill { name } } } }
    invitations { status person { name } }
    coverage { leadInstitutionMissing institutions { stake institution { code } representatives { name } } }
    posts(first: 10) { totalCount nodes { body author { name } mentions { name } replies { body mentions { name } } } }
    decisions { text date }
    tasks { title status assignee { name } }
  }
}
"""


def ids_of(hub: Hub) -> dict[str, Any]:
    ids: dict[str, Any] = {}
    for code in ("VM", "FM", "TM"):
        ids[code] = hub.data(CREATE_INSTITUTION, {"code": code})["createInstitution"]["id"]
    ids["law"] = hub.data('mutation { createSkill(input: {name: "Law"}) { id } }')["createSkill"]["id"]
    for name, inst, level in [("Lead", "VM", 3), ("Anna", "FM", 5), ("Boris", "XX", 0), ("Cilda", "TM", 2)]:
        if inst == "XX":
            continue
        skills = [{"skillId": ids["law"], "level": level}]
        email = f"{name.lower()}@example.lv"
        ids[name] = hub.data(
            CREATE_PERSON, {"name": name, "email": email, "inst": ids[inst], "skills": skills}
        )["createPerson"]["id"]
    ids["issue"] = hub.data(
        """mutation($a: [ImpactInput!]!) { createIssue(input: {title: "Open data", affected: $a}) { id } }""",
        {
            "a": [
                {"institutionId": ids["VM"], "stake": "LEAD"},
                {"institutionId": ids["FM"], "stake": "INVOLVED"},
                {"institutionId": ids["TM"], "stake": "CONSULTED"},
            ]
        },
    )["createIssue"]["id"]
    return ids


def test_forming_a_team_end_to_end(hub: Hub) -> None:
    ids = ids_of(hub)
    created = hub.data(
        CREATE_TEAM,
        {"input": {"name": "Open data team", "issueId": ids["issue"], "leadPersonId": ids["Lead"]}},
    )["createTeam"]
    assert created["warnings"] == []
    assert created["team"]["members"] == [{"role": "LEAD", "person": {"name": "Lead"}}]
    team = created["team"]["id"]

    assert hub.data(COVERAGE, {"team": team})["coverage"] == {
        "leadInstitutionMissing": False,
        "institutions": [
            {
                "stake": "LEAD",
                "missing": False,
                "institution": {"code": "VM"},
                "representatives": [{"name": "Lead"}],
            },
            {"stake": "INVOLVED", "missing": True, "institution": {"code": "FM"}, "representatives": []},
            {"stake": "CONSULTED", "missing": True, "institution": {"code": "TM"}, "representatives": []},
        ],
        "missing": [{"institution": {"code": "FM"}}, {"institution": {"code": "TM"}}],
    }

    suggestions = hub.data(SUGGEST, {"team": team, "skills": [ids["law"]]})["suggestMembers"]
    assert suggestions == [
        {
            "score": 50 + 20 + 10,
            "freeCapacity": 100,
            "person": {"name": "Anna"},
            "matchedSkills": [{"level": 5, "skill": {"name": "Law"}}],
            "institutionGap": {"stake": "INVOLVED", "institution": {"code": "FM"}},
        },
        {
            "score": 20 + 10 + 10,
            "freeCapacity": 100,
            "person": {"name": "Cilda"},
            "matchedSkills": [{"level": 2, "skill": {"name": "Law"}}],
            "institutionGap": {"stake": "CONSULTED", "institution": {"code": "TM"}},
        },
    ]

    invitation = hub.data(INVITE, {"team": team, "person": ids["Anna"]})["inviteMember"]
    assert {k: v for k, v in invitation.items() if k != "id"} == {
        "status": "PENDING",
        "role": "EXPERT",
        "allocation": 25,
        "person": {"name": "Anna"},
        "team": {"name": "Open data team"},
    }
    pending = hub.data(SUGGEST, {"team": team, "skills": [ids["law"]]})["suggestMembers"]
    assert [s["person"]["name"] for s in pending] == ["Cilda"]

    accepted = hub.data(
        "mutation($id: ID!) { acceptInvitation(invitationId: $id) { status team { members { role person { name } } } } }",
        {"id": invitation["id"]},
    )["acceptInvitation"]
    assert accepted == {
        "status": "ACCEPTED",
        "team": {
            "members": [
                {"role": "LEAD", "person": {"name": "Lead"}},
                {"role": "EXPERT", "person": {"name": "Anna"}},
            ]
        },
    }
    coverage = hub.data(COVERAGE, {"team": team})["coverage"]
    assert coverage["institutions"][1]["representatives"] == [{"name": "Anna"}]
    assert coverage["missing"] == [{"institution": {"code": "TM"}}]

    posted = hub.data(
        """mutation($team: ID!) { createPost(input: {teamId: $team, body: "Welcome @anna@example.lv!"}) {
             body mentions { name } } }""",
        {"team": team},
    )["createPost"]
    assert posted == {"body": "Welcome @anna@example.lv!", "mentions": [{"name": "Anna"}]}
    feed = hub.data(
        "query($id: ID!) { activities(scopeId: $id, first: 2) { nodes { verb } } }", {"id": ids["Anna"]}
    )["activities"]["nodes"]
    assert [a["verb"] for a in feed] == ["post.created", "invitation.accepted"]


def test_create_team_warns_about_an_active_team_on_the_issue(hub: Hub) -> None:
    ids = ids_of(hub)
    first = hub.data(
        CREATE_TEAM, {"input": {"name": "First", "issueId": ids["issue"], "leadPersonId": ids["Lead"]}}
    )
    first_id = first["createTeam"]["team"]["id"]
    hub.data("mutation($id: ID!) { setTeamStatus(teamId: $id, status: ACTIVE) { status } }", {"id": first_id})
    second = hub.data(
        CREATE_TEAM, {"input": {"name": "Second", "issueId": ids["issue"], "leadPersonId": ids["Anna"]}}
    )["createTeam"]
    assert second["team"]["status"] == "FORMING"
    assert second["warnings"] == [
        {
            "code": "ISSUE_HAS_ACTIVE_TEAM",
            "message": "The issue already has an active team: First",
            "team": {"name": "First"},
        }
    ]


def test_errors_carry_a_code_and_the_field(hub: Hub) -> None:
    ids = ids_of(hub)
    team = hub.data(
        CREATE_TEAM, {"input": {"name": "T", "issueId": ids["issue"], "leadPersonId": ids["Lead"]}}
    )["createTeam"]["team"]["id"]
    missing = hub.error(INVITE, {"team": "team_" + "0" * 32, "person": ids["Anna"]})
    assert (missing["extensions"]["code"], missing["extensions"]["field"]) == ("NOT_FOUND", "teamId")
    member = hub.error(INVITE, {"team": team, "person": ids["Lead"]})
    assert (member["extensions"]["code"], member["extensions"]["field"]) == ("CONFLICT", "personId")
    bad = hub.error(
        "mutation($t: ID!, $p: ID!) { inviteMember(input: {teamId: $t, personId: $p, allocation: 150}) { id } }",
        {"t": team, "p": ids["Anna"]},
    )
    assert (bad["extensions"]["code"], bad["extensions"]["field"]) == ("BAD_USER_INPUT", "allocation")
    close = hub.error(
        "mutation($id: ID!) { setTeamStatus(teamId: $id, status: CLOSED) { status } }", {"id": team}
    )
    assert (close["extensions"]["code"], close["extensions"]["field"]) == ("BAD_USER_INPUT", "outcome")
    skills = hub.error(SUGGEST, {"team": team, "skills": ["skill_" + "0" * 32]})
    assert (skills["extensions"]["code"], skills["extensions"]["field"]) == ("NOT_FOUND", "skills.0")


async def team_with_members(graph: Graph, n: int) -> str:
    vm = await b.institution(graph, "VM")
    law = await b.skill(graph, "Law")
    issue = await b.issue(graph, "Open data", {vm: "LEAD"})
    lead = await b.person(graph, "Lead", vm, {law: 3})
    team = await b.team(graph, "Team", issue, lead, reporting_deadlines=["2027-01-15"])
    for i in range(n - 1):
        await b.member(graph, team, await b.person(graph, f"Member {i:02}", vm, {law: 2}))
    return team


async def seed_workspace(hub: Hub, team: str) -> None:
    """The same posts, decision and task on both pages. They name no one, so every person on the page
    is a member: a person shared between branches would be a cache hit only on the smaller team."""
    post = hub.data('mutation($t: ID!) { createPost(input: {teamId: $t, body: "Hi"}) { id } }', {"t": team})[
        "createPost"
    ]["id"]
    hub.data(
        'mutation($t: ID!, $p: ID!) { createPost(input: {teamId: $t, body: "Re", replyToId: $p}) { id } }',
        {"t": team, "p": post},
    )
    hub.data(
        'mutation($t: ID!) { recordDecision(input: {teamId: $t, text: "Go", date: "2026-11-20"}) { id } }',
        {"t": team},
    )
    hub.data('mutation($t: ID!) { createTask(input: {teamId: $t, title: "Draft"}) { id } }', {"t": team})


async def page_round_trips(hub: Hub, graph: Graph, members: int) -> tuple[int, int]:
    team = await team_with_members(graph, members)
    await seed_workspace(hub, team)
    result = hub.post(TEAM_PAGE, {"id": team})
    assert "errors" not in result, result["errors"]
    return len(result["data"]["team"]["members"]), result["extensions"]["cypherQueries"]


async def test_a_team_page_costs_the_same_round_trips_for_1_or_20_members(hub: Hub, graph: Graph) -> None:
    one_members, one_queries = await page_round_trips(hub, graph, 1)
    await wipe(graph)
    many_members, many_queries = await page_round_trips(hub, graph, 20)
    assert (one_members, many_members) == (1, 20)
    assert one_queries == many_queries
