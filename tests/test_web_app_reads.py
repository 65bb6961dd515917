"""Every read document of the web app (as it sends them, frontend/src) and of the benchmark
answers exactly the hand-written JSON below on the small graph of tests/web_world.py, in one
Cypher statement; reshaped variants of each (fields left out, reordered, aliased, in named and
inline fragments, under @include/@skip) answer the projection of that JSON onto what they
select, in as many statements as the original."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from benchmarks import queries as bench
from benchmarks import reshape
from benchmarks.web_documents import reads
from graph.access import Viewer
from graph.driver import Graph
from graph.pagination import encode_cursor
from hub.api.planning import graphql_schema
from hub.api.schema import schema
from hub.auth import keys
from tests import planned, web_world
from tests.conftest import Hub
from tests.handbuilt import cypher
from tests.web_world import ANNA, BORIS

WEB = reads()
SCHEMA = graphql_schema(schema)


def typed(type_name: str, **fields: Any) -> dict[str, Any]:
    """An object of the web app's answers: urql asks every object for its `__typename`."""
    return {**fields, "__typename": type_name}


def institution(code: str, *fields: str, web: bool = True) -> dict[str, Any]:
    known = {
        "FM": {"id": "inst_fm", "code": "FM", "nameLv": "Finanšu ministrija", "nameEn": "Ministry of Finance",
               "kind": "MINISTRY"},
        "VID": {"id": "inst_vid", "code": "VID", "nameLv": "Valsts ieņēmumu dienests",
                "nameEn": "State Revenue Service", "kind": "AGENCY"},
        "VARAM": {"id": "inst_varam", "code": "VARAM",
                  "nameLv": "Viedās administrācijas un reģionālās attīstības ministrija",
                  "nameEn": "Ministry of Smart Administration and Regional Development", "kind": "MINISTRY"},
        "VK": {"id": "inst_vk", "code": "VK", "nameLv": "Valsts kanceleja", "nameEn": "State Chancellery",
               "kind": "CENTRE_OF_GOVERNMENT"},
    }[code]  # fmt: skip
    found = {k: known[k] for k in fields}
    return typed("Institution", **found) if web else found


def person(key: str, *fields: str, web: bool = True) -> dict[str, Any]:
    known = {
        "zane": {
            "id": "person_zane",
            "name": "Zane Ozola",
            "email": "zane@fm.gov.lv",
            "title": "Head of unit",
        },
        "anna": {"id": "person_anna", "name": "Anna Liepa", "email": "anna@varam.gov.lv", "title": None},
        "boris": {
            "id": "person_boris",
            "name": "Boris Kalns",
            "email": "boris@vid.gov.lv",
            "title": "Analyst",
        },
        "dace": {"id": "person_dace", "name": "Dace Vilka", "email": "dace@vid.gov.lv", "title": None},
    }[key]
    found = {k: known[k] for k in fields}
    return typed("Person", **found) if web else found


LAW = typed("Skill", id="skill_law", name="Law")
DATA = typed("Skill", id="skill_data", name="Data")
REGISTER_TEAM = {"id": "team_reg", "name": "Register team", "status": "ACTIVE"}
ACT_1 = {"id": "act_1", "seq": 1, "at": "2026-03-01T09:00:00+00:00", "verb": "team.created",
         "summary": "Team created: Register team"}  # fmt: skip
ACT_2 = {"id": "act_2", "seq": 2, "at": "2026-03-03T10:00:00+00:00", "verb": "post.created",
         "summary": "Register team: new post"}  # fmt: skip
ACT_4 = {"id": "act_4", "seq": 4, "at": "2026-03-04T08:00:00.123456+00:00", "verb": "issue.updated",
         "summary": "Issue updated: Shared registers"}  # fmt: skip


def _affected(*fields: str, web: bool = True) -> list[dict[str, Any]]:
    rows = [("LEAD", "FM"), ("INVOLVED", "VARAM"), ("CONSULTED", "VID")]
    if web:
        return [typed("Impact", stake=s, institution=institution(c, *fields)) for s, c in rows]
    return [{"stake": s, "institution": institution(c, *fields, web=False)} for s, c in rows]


# name → (variables, viewer, the answer)
EXPECTED: dict[str, tuple[dict[str, Any], Viewer, dict[str, Any]]] = {
    "Me": ({}, ANNA, {"me": typed("SignedIn", email="anna@varam.gov.lv", admin=False,
                                  person=person("anna", "id", "name"))}),
    "DashboardMe": ({}, ANNA, {"me": typed("SignedIn", person=person("anna", "id"))}),
    "MyDashboard": ({"id": "person_boris"}, BORIS, {"person": typed(
        "Person", id="person_boris", name="Boris Kalns",
        memberships=[typed("Membership", role="MEMBER", allocation=10,
                           team=typed("ProjectTeam", id="team_audit", name="Audit team", status="FORMING"))],
        invitations=[typed("Invitation", id="inv_boris", status="PENDING", role="MEMBER", allocation=15,
                           message="Join us", expiresAt="2099-01-01T00:00:00+00:00", teamName="Register team",
                           team=typed("ProjectTeam", id="team_reg"), invitedBy=person("zane", "id", "name"))],
    )}),
    # Zane's restricted team is not among her memberships for Anna.
    "Person": ({"id": "person_zane"}, ANNA, {"person": typed(
        "Person", **person("zane", "id", "name", "email", "title", web=False), languages=["lv", "en"],
        institution=institution("FM", "id", "nameLv", "nameEn"),
        skills=[typed("PersonSkill", level=4, skill=LAW), typed("PersonSkill", level=2, skill=DATA)],
        memberships=[typed("Membership", role="LEAD", allocation=40, team=typed("ProjectTeam", **REGISTER_TEAM))],
    )}),
    "People": ({"filter": {"skillId": "skill_law"}}, ANNA, {"people": typed(
        "PersonConnection", totalCount=3, nodes=[
            typed("Person", **person("boris", "id", "name", "title", web=False),
                  institution=institution("VID", "id", "nameLv", "nameEn"),
                  skills=[typed("PersonSkill", level=3, skill=LAW)]),
            typed("Person", **person("dace", "id", "name", "title", web=False),
                  institution=institution("VID", "id", "nameLv", "nameEn"),
                  skills=[typed("PersonSkill", level=2, skill=LAW)]),
            typed("Person", **person("zane", "id", "name", "title", web=False),
                  institution=institution("FM", "id", "nameLv", "nameEn"),
                  skills=[typed("PersonSkill", level=4, skill=LAW), typed("PersonSkill", level=2, skill=DATA)]),
        ],
    )}),
    "Team": ({"id": "team_reg"}, ANNA, {"team": typed(
        "ProjectTeam", id="team_reg", name="Register team", mandate="Map the registers", status="ACTIVE",
        visibility="PUBLIC", endDate="2026-12-31",
        legalBasis=typed("LegalBasis", orderNumber="MK-12", orderDate="2026-03-01"),
        issue=typed("HorizontalIssue", id="issue_reg", title="Shared registers"),
        members=[
            typed("Membership", role="LEAD", allocation=40,
                  person=typed("Person", id="person_zane", name="Zane Ozola",
                               institution=institution("FM", "id", "code"))),
            typed("Membership", role="EXPERT", allocation=20,
                  person=typed("Person", id="person_anna", name="Anna Liepa",
                               institution=institution("VARAM", "id", "code"))),
        ],
    )}),
    "TeamWork": ({"id": "team_reg"}, ANNA, {"team": typed(
        "ProjectTeam", id="team_reg",
        members=[typed("Membership", person=person("zane", "id", "name")),
                 typed("Membership", person=person("anna", "id", "name"))],
        coverage=typed("Coverage", leadInstitutionMissing=False, institutions=[
            typed("InstitutionCoverage", stake="LEAD", missing=False,
                  institution=institution("FM", "id", "code", "nameLv", "nameEn"),
                  representatives=[person("zane", "id", "name")]),
            typed("InstitutionCoverage", stake="INVOLVED", missing=False,
                  institution=institution("VARAM", "id", "code", "nameLv", "nameEn"),
                  representatives=[person("anna", "id", "name")]),
            typed("InstitutionCoverage", stake="CONSULTED", missing=True,
                  institution=institution("VID", "id", "code", "nameLv", "nameEn"), representatives=[]),
        ]),
        invitations=[typed("Invitation", id="inv_boris", status="PENDING", role="MEMBER", allocation=15,
                           expiresAt="2099-01-01T00:00:00+00:00", person=person("boris", "id", "name"))],
        decisions=[typed("Decision", id="dec_list", text="Adopt the register list", date="2026-04-01",
                         legalBasis="MK-12")],
        tasks=[typed("Task", id="task_draft", title="Draft the list", status="IN_PROGRESS", dueDate="2026-05-01",
                     assignee=person("anna", "id", "name"))],
    )}),
    "TeamPosts": ({"id": "team_reg"}, ANNA, {"team": typed(
        "ProjectTeam", id="team_reg", posts=typed("PostConnection", totalCount=1, nodes=[typed(
            "Post", id="post_kickoff", body="Kick-off", createdAt="2026-03-03T10:00:00+00:00",
            author=person("zane", "id", "name"), mentions=[person("anna", "id", "name")],
            replies=[typed("Post", id="post_reply", body="Thanks", createdAt="2026-03-03T11:30:00.500000+00:00",
                           author=person("anna", "id", "name"), mentions=[])],
        )]),
    )}),
    # The restricted Audit team is not among the issue's teams for Anna.
    "Issue": ({"id": "issue_reg"}, ANNA, {"issue": typed(
        "HorizontalIssue", id="issue_reg", title="Shared registers", description="Who keeps which register",
        status="ACTIVE", priority="HIGH",
        direction=typed("PlanDirection", id="dir_3", number=3, titleLv="Digitālā valsts", titleEn="Digital state"),
        affected=_affected("id", "nameLv", "nameEn"),
        dependsOn=[typed("HorizontalIssue", id="issue_tax", title="Tax data")],
        teams=[typed("ProjectTeam", id="team_reg", name="Register team", status="ACTIVE",
                     members=[typed("Membership", role="LEAD"), typed("Membership", role="EXPERT")])],
    )}),
    "Issues": ({"filter": None}, ANNA, {"issues": typed("HorizontalIssueConnection", totalCount=2, nodes=[
        typed("HorizontalIssue", id="issue_reg", title="Shared registers", status="ACTIVE", priority="HIGH",
              direction=typed("PlanDirection", id="dir_3", number=3), affected=_affected("id", "code")),
        typed("HorizontalIssue", id="issue_tax", title="Tax data", status="PROPOSED", priority="MEDIUM",
              direction=None, affected=[typed("Impact", stake="LEAD", institution=institution("VID", "id", "code"))]),
    ])}),
    "IssueOptions": ({}, ANNA, {"issues": typed("HorizontalIssueConnection", nodes=[
        typed("HorizontalIssue", id="issue_reg", title="Shared registers"),
        typed("HorizontalIssue", id="issue_tax", title="Tax data"),
    ])}),
    "TeamOptions": ({}, ANNA, {"teams": typed("ProjectTeamConnection", nodes=[typed("ProjectTeam", **REGISTER_TEAM)])}),
    "Teams": ({}, ANNA, {"teams": typed("ProjectTeamConnection", totalCount=1, nodes=[typed(
        "ProjectTeam", **REGISTER_TEAM, visibility="PUBLIC", endDate="2026-12-31",
        issue=typed("HorizontalIssue", id="issue_reg", title="Shared registers"),
        members=[typed("Membership", role="LEAD"), typed("Membership", role="EXPERT")],
    )])}),
    "Lookups": ({}, ANNA, {
        "institutions": typed("InstitutionConnection", nodes=[
            institution(code, "id", "code", "nameLv", "nameEn", "kind") for code in ("FM", "VID", "VK", "VARAM")
        ]),
        "skills": typed("SkillConnection", nodes=[DATA, LAW]),
        "planDirections": [typed("PlanDirection", id="dir_3", number=3, titleLv="Digitālā valsts",
                                 titleEn="Digital state")],
    }),
    "TypeAhead": ({"text": "zan"}, ANNA, {"search": [typed(
        "SearchResult", kind="PERSON", id="person_zane", title="Zane Ozola", subtitle="Finanšu ministrija"
    )]}),
    "LiveHistory": ({"scopeId": "team_reg", "first": 5}, ANNA, {"activities": typed("ActivityConnection", liveCursor="web:2", nodes=[
        typed("Activity", **ACT_2, actor=person("zane", "id", "name")),
        typed("Activity", **ACT_1, actor=person("zane", "id", "name")),
    ])}),
    # Boris is invited already, Zane and Anna are members: Dace, with the skill, at VID (no member).
    "Suggest": ({"teamId": "team_reg", "skills": ["skill_law"], "limit": 5}, ANNA, {"suggestMembers": [typed(
        "MemberSuggestion", score=40, freeCapacity=100,
        matchedSkills=[typed("SkillMatch", level=2, skill=LAW)],
        institutionGap=typed("InstitutionGap", stake="CONSULTED", institution=institution("VID", "id", "nameLv", "nameEn")),
        person=typed("Person", id="person_dace", name="Dace Vilka", institution=institution("VID", "id", "nameLv", "nameEn")),
    )]}),
    "Centre": ({}, ANNA, {
        "hotspots": [
            typed("Hotspot", institutionId="inst_fm", name="Finanšu ministrija", code="FM", activeIssues=1,
                  activeMemberships=1, score=3),
            typed("Hotspot", institutionId="inst_varam", name="Viedās administrācijas un reģionālās attīstības ministrija",
                  code="VARAM", activeIssues=1, activeMemberships=1, score=3),
            typed("Hotspot", institutionId="inst_vid", name="Valsts ieņēmumu dienests", code="VID", activeIssues=1,
                  activeMemberships=0, score=2),
        ],
        "overload": [],
        "teamHealth": [typed("TeamHealth", teamId="team_reg", name="Register team", status="ACTIVE",
                             problems=["INACTIVE", "UNANSWERED_INVITATIONS"],
                             lastActivityAt="2026-03-03T10:00:00+00:00", unansweredInvitations=1)],
        "directionMatrix": [typed("MatrixRow", directionId="dir_3", number=3, title="Digitālā valsts", cells=[
            typed("MatrixCell", institutionId="inst_vk", code="VK", name="Valsts kanceleja", activeIssues=0, activeTeams=0),
            typed("MatrixCell", institutionId="inst_fm", code="FM", name="Finanšu ministrija", activeIssues=1, activeTeams=1),
            typed("MatrixCell", institutionId="inst_varam", code="VARAM",
                  name="Viedās administrācijas un reģionālās attīstības ministrija", activeIssues=1, activeTeams=1),
        ])],
    }),
    "IssueMapForView": ({"filter": {"directionId": "dir_3"}}, ANNA, {"issueMap": typed("IssueMap", nodes=[
        typed("MapNode", id="dir_3", kind="DIRECTION", label="Digitālā valsts", code=None, status=None),
        typed("MapNode", id="inst_fm", kind="INSTITUTION", label="Finanšu ministrija", code="FM", status=None),
        typed("MapNode", id="inst_varam", kind="INSTITUTION",
              label="Viedās administrācijas un reģionālās attīstības ministrija", code="VARAM", status=None),
        typed("MapNode", id="inst_vid", kind="INSTITUTION", label="Valsts ieņēmumu dienests", code="VID", status=None),
        typed("MapNode", id="issue_reg", kind="ISSUE", label="Shared registers", code=None, status="ACTIVE"),
        typed("MapNode", id="team_reg", kind="TEAM", label="Register team", code=None, status="ACTIVE"),
    ], edges=[
        typed("MapEdge", kind="ADDRESSES", source="team_reg", target="issue_reg", stake=None),
        typed("MapEdge", kind="AFFECTS", source="issue_reg", target="inst_fm", stake="LEAD"),
        typed("MapEdge", kind="AFFECTS", source="issue_reg", target="inst_varam", stake="INVOLVED"),
        typed("MapEdge", kind="AFFECTS", source="issue_reg", target="inst_vid", stake="CONSULTED"),
        typed("MapEdge", kind="SUBORDINATE_TO", source="inst_vid", target="inst_fm", stake=None),
        typed("MapEdge", kind="UNDER_DIRECTION", source="issue_reg", target="dir_3", stake=None),
    ])}),
}  # fmt: skip


def _map_node(id: str, kind: str, label: str, weight: int, **fields: Any) -> dict[str, Any]:
    blank = dict.fromkeys(("status", "priority", "code", "institutionKind", "visibility", "number"))
    return {"id": id, "kind": kind, "label": label, "weight": weight, **blank, **fields}


def _map_edge(kind: str, source: str, target: str, **fields: Any) -> dict[str, Any]:
    blank = dict.fromkeys(("stake", "role", "allocation", "weight"))
    return {
        "id": f"{kind}:{source}->{target}",
        "source": source,
        "target": target,
        "kind": kind,
        **blank,
        **fields,
    }


# The benchmark's documents: (a)-(e), with Anna as the caller.
BENCH: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "a": (bench.HUB_TEAM_PAGE, {"id": "team_reg"}, {
        "team": {"id": "team_reg", "name": "Register team", "mandate": "Map the registers", "status": "ACTIVE",
                 "visibility": "PUBLIC", "startDate": "2026-03-02", "endDate": "2026-12-31",
                 "legalBasis": {"orderNumber": "MK-12", "orderDate": "2026-03-01"},
                 "issue": {"id": "issue_reg", "title": "Shared registers", "affected": _affected("id", "code", "nameEn", web=False)},
                 "members": [
                     {"role": "LEAD", "allocation": 40, "since": "2026-03-02",
                      "person": {**person("zane", "id", "name", "title", "email", web=False),
                                 "institution": institution("FM", "id", "code", "nameEn", web=False)}},
                     {"role": "EXPERT", "allocation": 20, "since": "2026-03-05",
                      "person": {**person("anna", "id", "name", "title", "email", web=False),
                                 "institution": institution("VARAM", "id", "code", "nameEn", web=False)}},
                 ]},
        "activities": {"totalCount": 2, "nodes": [ACT_2, ACT_1]},
    }),
    "b": (bench.HUB_PEOPLE_SEARCH, {"skillId": "skill_law", "institutionId": "inst_fm"}, {"people": {
        "totalCount": 1,
        "pageInfo": {"hasNextPage": False, "endCursor": encode_cursor("PEOPLE_BY_NAME", ["Zane Ozola", "person_zane"])},
        "nodes": [{**person("zane", "id", "name", "title", "email", web=False),
                   "institution": institution("FM", "id", "code", "nameEn", web=False),
                   "skills": [{"level": 4, "skill": {"id": "skill_law", "name": "Law"}},
                              {"level": 2, "skill": {"id": "skill_data", "name": "Data"}}]}],
    }}),
    # The activity about the restricted Audit team (seq 3) is in the issue's feed, hidden from Anna.
    "c": (bench.HUB_ISSUE_PAGE, {"id": "issue_reg"}, {
        "issue": {"id": "issue_reg", "title": "Shared registers", "description": "Who keeps which register",
                  "status": "ACTIVE", "priority": "HIGH", "direction": {"id": "dir_3", "number": 3, "titleEn": "Digital state"},
                  "affected": _affected("id", "code", "nameEn", web=False),
                  "teams": [{"id": "team_reg", "name": "Register team", "status": "ACTIVE", "visibility": "PUBLIC"}]},
        "activities": {"totalCount": 3, "nodes": [ACT_4, ACT_2, ACT_1]},
    }),
    "d": (bench.HUB_SUGGEST, {"teamId": "team_reg", "skills": ["skill_law", "skill_data"]}, {"suggestMembers": [{
        "score": 40, "freeCapacity": 100,
        "matchedSkills": [{"level": 2, "skill": {"id": "skill_law", "name": "Law"}}],
        "institutionGap": {"stake": "CONSULTED", "institution": institution("VID", "id", "code", "nameEn", web=False)},
        "person": {**person("dace", "id", "name", "title", web=False),
                   "institution": institution("VID", "id", "code", "nameEn", web=False)},
    }]}),
    "e": (bench.HUB_ISSUE_MAP, {"directionId": "dir_3"}, {"issueMap": {"truncated": False, "nodes": [
        _map_node("dir_3", "DIRECTION", "Digitālā valsts", 1, number=3),
        _map_node("inst_fm", "INSTITUTION", "Finanšu ministrija", 2, code="FM", institutionKind="MINISTRY"),
        _map_node("inst_varam", "INSTITUTION", "Viedās administrācijas un reģionālās attīstības ministrija", 1,
                  code="VARAM", institutionKind="MINISTRY"),
        _map_node("inst_vid", "INSTITUTION", "Valsts ieņēmumu dienests", 2, code="VID", institutionKind="AGENCY"),
        _map_node("issue_reg", "ISSUE", "Shared registers", 5, status="ACTIVE", priority="HIGH"),
        _map_node("team_reg", "TEAM", "Register team", 1, status="ACTIVE", visibility="PUBLIC"),
    ], "edges": [
        _map_edge("ADDRESSES", "team_reg", "issue_reg"),
        _map_edge("AFFECTS", "issue_reg", "inst_fm", stake="LEAD"),
        _map_edge("AFFECTS", "issue_reg", "inst_varam", stake="INVOLVED"),
        _map_edge("AFFECTS", "issue_reg", "inst_vid", stake="CONSULTED"),
        _map_edge("SUBORDINATE_TO", "inst_vid", "inst_fm"),
        _map_edge("UNDER_DIRECTION", "issue_reg", "dir_3"),
    ]}}),
}  # fmt: skip

CASES = [(name, WEB[name], *EXPECTED[name]) for name in EXPECTED] + [
    (f"bench-{key}", document, variables, ANNA, data) for key, (document, variables, data) in BENCH.items()
]
IDS = [case[0] for case in CASES]


UNORDERED = {"IssueMapForView", "bench-e"}  # a map's nodes and edges have no order


def _normal(name: str, data: Any) -> Any:
    """The answer to compare: for a map, its lists sorted."""
    if name not in UNORDERED:
        return data
    if isinstance(data, dict):
        return {k: _normal(name, v) for k, v in data.items()}
    if isinstance(data, list):
        return sorted((_normal(name, v) for v in data), key=repr)
    return data


def test_every_read_document_of_the_web_app_has_its_expected_answer() -> None:
    assert set(WEB) == set(EXPECTED)


@pytest.mark.parametrize(("name", "document", "variables", "viewer", "expected"), CASES, ids=IDS)
async def test_a_read_document_answers_its_json_in_one_statement(
    graph: Graph,
    name: str,
    document: str,
    variables: dict[str, Any],
    viewer: Viewer,
    expected: dict[str, Any],
) -> None:
    await web_world.build(graph)

    data, errors, trips = await planned.execute(graph, document, variables, viewer)

    assert errors == []
    assert _normal(name, data) == _normal(name, expected)
    assert trips == 1


@pytest.mark.parametrize(("name", "document", "variables", "viewer", "expected"), CASES, ids=IDS)
async def test_reshaped_variants_answer_the_projection_of_the_json_in_as_many_statements(
    graph: Graph,
    name: str,
    document: str,
    variables: dict[str, Any],
    viewer: Viewer,
    expected: dict[str, Any],
) -> None:
    await web_world.build(graph)

    for variant in reshape.variants(document, SCHEMA, count=4, seed=sum(map(ord, name))):
        data, errors, trips = await planned.execute(graph, variant, {**reshape.FLAGS, **variables}, viewer)

        assert errors == [], variant
        assert _normal(name, data) == _normal(name, reshape.projected(expected, variant)), variant
        assert trips == 1, variant


async def test_a_restricted_teams_page_is_null_for_an_outsider_and_shown_to_its_member(graph: Graph) -> None:
    await web_world.build(graph)

    outsider = await planned.data(graph, WEB["Team"], {"id": "team_audit"}, ANNA)
    member = await planned.data(graph, WEB["Team"], {"id": "team_audit"}, BORIS)

    assert outsider == {"team": None}
    assert member["team"]["name"] == "Audit team"


async def test_every_web_read_takes_two_round_trips_with_the_sign_in_lookup_and_one_once_remembered(
    hub: Hub, graph: Graph
) -> None:
    await web_world.build(graph)
    token = uuid.uuid4().hex[:8]  # callers no earlier request has made the hub remember
    emails = {name: f"{name.lower()}-{token}@varam.gov.lv" for name in EXPECTED}
    # People who have signed in before: their sign-ins are bound (a first sign-in ever also binds
    # it, one write, once; graph/identity.py).
    await cypher(
        graph,
        "MATCH (i:Institution {id: 'inst_varam'}) UNWIND $signIns AS signIn "
        "CREATE (p:Person:Entity {id: 'person_' + signIn.email, name: signIn.email, email: signIn.email,"
        " languages: []})-[:WORKS_AT]->(i) "
        "CREATE (:SignInIdentity {issuer: $issuer, subject: signIn.subject})-[:IDENTIFIES]->(p)",
        issuer=hub.settings.effective_oidc_issuer,
        signIns=[{"email": e, "subject": keys.dev_subject(e)} for e in emails.values()],
    )
    trips = {}
    for name, (variables, _, _) in EXPECTED.items():
        client = hub.as_user(emails[name])
        # First its sign-in lookup, then the document's statement; then the statement alone.
        first, again = client.post(WEB[name], variables), client.post(WEB[name], variables)
        assert "errors" not in first and "errors" not in again
        trips[name] = (first["extensions"]["cypherQueries"], again["extensions"]["cypherQueries"])

    assert trips == dict.fromkeys(EXPECTED, (2, 1))
