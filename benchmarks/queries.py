"""The benchmark's query mix, once per contender.

For every query: the hub's GraphQL document, the Neo4j GraphQL Library peer's equivalent document
(its generated API: `projectTeams(where: {id: {eq}})`, `…Connection` for relationship properties),
and the floor: the very Cypher statement the hub's planner compiles the document to (graph/
planner.py), run through the Python driver with its parameters made in advance, the values
finished in Python as the hub finishes them, and the response serialised to JSON, without any
GraphQL. (a)-(f) are the benchmark's own documents; the web app's (Team, Issue, TeamWork,
Person, People, MyDashboard) are taken from frontend/src as the app sends them
(benchmarks/web_documents.py).

Inputs (team ids, skill/institution pairs, issue ids, people) are picked from the loaded data by
`pick_inputs`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from benchmarks.auth import BENCH_ADMIN
from benchmarks.web_documents import reads
from graph import identity, invitations, planner, posts, teams
from graph.access import SignIn, Viewer
from graph.driver import Graph
from graph.planner import Plan, Projection
from graph.validation import validate
from hub.auth import keys

Input = dict[str, Any]
Floor = Callable[[Graph, Input], Awaitable[bytes]]

# --- (a) team page: members with institutions, the issue's affected institutions (coverage),
# and the latest 20 activities -------------------------------------------------------------

HUB_TEAM_PAGE = """
query TeamPage($id: ID!) {
  team(id: $id) {
    id name mandate status visibility startDate endDate
    legalBasis { orderNumber orderDate }
    issue { id title affected { stake institution { id code nameEn } } }
    members { role allocation since person { id name title email institution { id code nameEn } } }
  }
  activities(scopeId: $id, first: 20) { totalCount nodes { id seq at verb summary } }
}
"""

PEER_TEAM_PAGE = """
query TeamPage($id: ID!) {
  projectTeams(where: {id: {eq: $id}}) {
    id name mandate status visibility startDate endDate legalBasisNumber legalBasisDate
    issue {
      id title
      affectedConnection { edges { properties { stake } node { id code nameEn } } }
    }
    membersConnection(sort: [{node: {name: ASC}}]) {
      edges {
        properties { role allocation since }
        node { id name title email institution { id code nameEn } }
      }
    }
    activitiesConnection { totalCount }
    activities(sort: [{seq: DESC}], limit: 20) { id seq at verb summary }
  }
}
"""

# --- (b) people search by skill and institution, a page of 50 --------------------------------

HUB_PEOPLE_SEARCH = """
query PeopleSearch($skillId: ID!, $institutionId: ID!) {
  people(filter: {skillId: $skillId, institutionId: $institutionId}, first: 50) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id name title email institution { id code nameEn } skills { level skill { id name } } }
  }
}
"""

PEER_PEOPLE_SEARCH = """
query PeopleSearch($skillId: ID!, $institutionId: ID!) {
  peopleConnection(
    first: 50
    sort: [{name: ASC}]
    where: {
      institution: {some: {id: {eq: $institutionId}}}
      skillsConnection: {some: {node: {id: {eq: $skillId}}}}
    }
  ) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        id name title email
        institution { id code nameEn }
        skillsConnection(sort: [{edge: {level: DESC}}]) { edges { properties { level } node { id name } } }
      }
    }
  }
}
"""

# --- (c) an issue with affected institutions, teams and latest activities --------------------

HUB_ISSUE_PAGE = """
query IssuePage($id: ID!) {
  issue(id: $id) {
    id title description status priority
    direction { id number titleEn }
    affected { stake institution { id code nameEn } }
    teams { id name status visibility }
  }
  activities(scopeId: $id, first: 20) { totalCount nodes { id seq at verb summary } }
}
"""

PEER_ISSUE_PAGE = """
query IssuePage($id: ID!) {
  horizontalIssues(where: {id: {eq: $id}}) {
    id title description status priority
    direction { id number titleEn }
    affectedConnection { edges { properties { stake } node { id code nameEn } } }
    teams(sort: [{name: ASC}]) { id name status visibility }
    activitiesConnection { totalCount }
    activities(sort: [{seq: DESC}], limit: 20) { id seq at verb summary }
  }
}
"""

# --- (d) suggestMembers: people worth inviting to a team, with the reasons ------------------

HUB_SUGGEST = """
query Suggest($teamId: ID!, $skills: [ID!]) {
  suggestMembers(teamId: $teamId, skills: $skills, limit: 10) {
    score freeCapacity
    matchedSkills { level skill { id name } }
    institutionGap { stake institution { id code nameEn } }
    person { id name title institution { id code nameEn } }
  }
}
"""

# --- (e) issueMap for one plan direction ------------------------------------------------------

HUB_ISSUE_MAP = """
query IssueMap($directionId: ID!) {
  issueMap(filter: {directionId: $directionId, limit: 20000}) {
    truncated
    nodes { id kind label weight status priority code institutionKind visibility number }
    edges { id source target kind stake role allocation weight }
  }
}
"""
_MAP_NODE = (
    "id",
    "kind",
    "label",
    "weight",
    "status",
    "priority",
    "code",
    "institutionKind",
    "visibility",
    "number",
)
_MAP_EDGE = ("id", "source", "target", "kind", "stake", "role", "allocation", "weight")

# --- (f) the write mix: invite, accept, post, update — one client iteration runs all four ------

HUB_WRITE_MIX = (
    """mutation Invite($teamId: ID!, $personId: ID!) {
  inviteMember(input: {teamId: $teamId, personId: $personId, role: MEMBER, allocation: 5,
                       message: "benchmark"}) { id status }
}""",
    """mutation Accept($invitationId: ID!) { acceptInvitation(invitationId: $invitationId) { id status } }""",
    """mutation Post($teamId: ID!, $body: String!) { createPost(input: {teamId: $teamId, body: $body}) { id } }""",
    """mutation Update($teamId: ID!, $mandate: String!) {
  updateTeam(id: $teamId, patch: {mandate: $mandate}) { id updatedAt }
}""",
)

# The same four steps through the Neo4j GraphQL Library's generated mutations: each request makes
# the hub's graph change and, in a second root field, the Activity the hub records with it (same
# verb, target and feeds: IN_SCOPE to the team, its issue and the person). The client makes the
# ids (the library has no id scheme of ours) and passes the team's issue id (the hub reads it in
# its transaction). Not the same work as the hub's: no rule is checked (lead, invitee, member,
# capacity, duplicate or pending invitation), each root field is its own transaction, and the
# activities get no seq (the library cannot number them; see type-defs.graphql).
_PEER_ACTIVITY = """
  createActivities(input: [{id: $activityId, verb: $verb, targetId: $targetId, summary: $summary,
                            %s}]) { activities { id } }"""
_CONNECT_TEAM = "{connect: [{where: {node: {id: {eq: $teamId}}}}]}"
_CONNECT_ISSUE = "{connect: [{where: {node: {id: {eq: $issueId}}}}]}"
_CONNECT_PERSON = "{connect: [{where: {node: {id: {eq: $personId}}}}]}"
_ACTIVITY_VARS = "$activityId: ID!, $verb: String!, $targetId: ID!, $summary: String!"

PEER_WRITE_MIX = (
    f"""mutation Invite({_ACTIVITY_VARS}, $invitationId: ID!, $teamId: ID!, $issueId: ID!,
                 $personId: ID!, $expiresAt: DateTime!) {{
  createInvitations(input: [{{id: $invitationId, role: MEMBER, allocation: 5, message: "benchmark",
                              status: "PENDING", expiresAt: $expiresAt,
                              team: {_CONNECT_TEAM}, person: {_CONNECT_PERSON}}}]) {{
    invitations {{ id status }}
  }}"""
    + _PEER_ACTIVITY % f"teams: {_CONNECT_TEAM}, issues: {_CONNECT_ISSUE}, people: {_CONNECT_PERSON}"
    + "\n}",
    f"""mutation Accept({_ACTIVITY_VARS}, $invitationId: ID!, $teamId: ID!, $issueId: ID!,
                 $personId: ID!, $now: DateTime!, $since: Date!) {{
  updateInvitations(where: {{id: {{eq: $invitationId}}}},
                    update: {{status: {{set: "ACCEPTED"}}, respondedAt: {{set: $now}}}}) {{
    invitations {{ id status }}
  }}
  updateProjectTeams(where: {{id: {{eq: $teamId}}}}, update: {{members: [{{connect: [{{
      where: {{node: {{id: {{eq: $personId}}}}}}, edge: {{role: MEMBER, allocation: 5, since: $since}}}}]}}]}}) {{
    projectTeams {{ id }}
  }}"""
    + _PEER_ACTIVITY
    % f"actorId: $personId, actor: {_CONNECT_PERSON}, teams: {_CONNECT_TEAM}, issues: {_CONNECT_ISSUE}, "
    f"people: {_CONNECT_PERSON}" + "\n}",
    f"""mutation Post({_ACTIVITY_VARS}, $postId: ID!, $teamId: ID!, $issueId: ID!, $body: String!) {{
  createPosts(input: [{{id: $postId, body: $body, team: {_CONNECT_TEAM}}}]) {{ posts {{ id }} }}"""
    + _PEER_ACTIVITY % f"teams: {_CONNECT_TEAM}, issues: {_CONNECT_ISSUE}"
    + "\n}",
    f"""mutation Update({_ACTIVITY_VARS}, $teamId: ID!, $issueId: ID!, $mandate: String!,
                 $now: DateTime!) {{
  updateProjectTeams(where: {{id: {{eq: $teamId}}}},
                     update: {{mandate: {{set: $mandate}}, updatedAt: {{set: $now}}}}) {{
    projectTeams {{ id updatedAt }}
  }}"""
    + _PEER_ACTIVITY % f"issues: {_CONNECT_ISSUE}"
    + "\n}",
)


# --- the web app's own documents (frontend/src), and the library's equivalents -----------------

WEB = reads()

PEER_WEB_TEAM = """
query Team($id: ID!) {
  projectTeams(where: {id: {eq: $id}}) {
    id name mandate status visibility endDate legalBasisNumber legalBasisDate
    issue { id title }
    membersConnection(sort: [{node: {name: ASC}}]) {
      edges { properties { role allocation } node { id name institution { id code } } }
    }
  }
}
"""

PEER_WEB_ISSUE = """
query Issue($id: ID!) {
  horizontalIssues(where: {id: {eq: $id}}) {
    id title description status priority
    direction { id number titleLv titleEn }
    affectedConnection { edges { properties { stake } node { id nameLv nameEn } } }
    dependsOn(sort: [{title: ASC}]) { id title }
    teams(sort: [{name: ASC}]) { id name status membersConnection { edges { properties { role } } } }
  }
}
"""

# Coverage has no generated equivalent: the library reads what it is made from (the affected
# institutions and, for each, its people on this team); the client would work out what is missing.
PEER_WEB_TEAMWORK = """
query TeamWork($id: ID!) {
  projectTeams(where: {id: {eq: $id}}) {
    id
    members { id name }
    issue {
      affectedConnection {
        edges {
          properties { stake }
          node {
            id code nameLv nameEn
            people(where: {memberships: {some: {id: {eq: $id}}}}, sort: [{name: ASC}]) { id name }
          }
        }
      }
    }
    invitations(sort: [{createdAt: DESC}]) { id status role allocation expiresAt person { id name } }
    decisions(sort: [{date: DESC}]) { id text date legalBasis }
    tasks(sort: [{dueDate: ASC}]) { id title status dueDate assignee { id name } }
  }
}
"""

PEER_WEB_PERSON = """
query Person($id: ID!) {
  people(where: {id: {eq: $id}}) {
    id name email title languages
    institution { id nameLv nameEn }
    skillsConnection(sort: [{edge: {level: DESC}}]) { edges { properties { level } node { id name } } }
    membershipsConnection { edges { properties { role allocation } node { id name status } } }
  }
}
"""

PEER_WEB_PEOPLE = """
query People($skillId: ID!) {
  peopleConnection(
    first: 50
    sort: [{name: ASC}]
    where: {archivedAt: {eq: null}, skillsConnection: {some: {node: {id: {eq: $skillId}}}}}
  ) {
    totalCount
    edges {
      node {
        id name title
        institution { id nameLv nameEn }
        skillsConnection(sort: [{edge: {level: DESC}}]) { edges { properties { level } node { id name } } }
      }
    }
  }
}
"""

PEER_WEB_DASHBOARD = """
query MyDashboard($id: ID!) {
  people(where: {id: {eq: $id}}) {
    id name
    membershipsConnection { edges { properties { role allocation } node { id name status } } }
    invitations(sort: [{createdAt: DESC}]) {
      id status role allocation message expiresAt
      team { id name }
      invitedBy { id name }
    }
  }
}
"""

# --- the floor ----------------------------------------------------------------------------

_SYSTEM = Viewer.system()


def _json_default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _dump(data: Mapping[str, Any]) -> bytes:
    return json.dumps({"data": data}, default=_json_default, ensure_ascii=False).encode()


@dataclass(frozen=True)
class Statement:
    """A document's statement as the hub's planner compiles it, and its parameters per input."""

    plan: Plan
    params: dict[str, dict[str, Any]]  # by the input's JSON


def _key(args: Input) -> str:
    return json.dumps(args, sort_keys=True)  # inputs are JSON: this names each one


def compile_floor(document: str, inputs: list[Input]) -> Statement:
    """The floor of a read document: its statement and every input's parameters, made before a
    cell is measured (the hub makes them per request; it is planning, not Cypher)."""
    from hub.api.planning import read_statement
    from hub.api.schema import schema

    params: dict[str, dict[str, Any]] = {}
    plan = None
    for args in inputs:
        plan, params[_key(args)] = read_statement(schema, document, args, _SYSTEM, 100)
    assert plan is not None
    return Statement(plan, params)


async def run_floor(graph: Graph, statement: Statement, args: Input) -> bytes:
    """One request on the floor: the statement, the values finished in Python, the JSON."""
    row = (await graph.read_values(statement.plan.text, **statement.params[_key(args)]))[0]
    data = {key: row[column] for key, column in statement.plan.columns.items()}
    planner.finish(data, statement.plan.finishes)
    return _dump(data)


def _projection(mutation: str) -> Projection:
    """A write-mix mutation's result selection, compiled as the hub appends it to the write."""
    from graphql import get_named_type, parse
    from graphql.execution.values import get_variable_values

    from hub.api.planning import _operation, _plan, graphql_schema
    from hub.api.schema import schema

    core = graphql_schema(schema)
    document = parse(mutation)
    operation = _operation(document, None)
    coerced = get_variable_values(core, (), {})
    assert not isinstance(coerced, list)
    [root] = _plan(core, document, operation, coerced).roots
    type_name = get_named_type(root.definition.type).name
    return planner.compile_projection(type_name, "writtenNode", root.selection, lambda _: {}, _SYSTEM, 100)


# The floor's callers, looked up once each, as the hub's caller cache remembers them
# (hub/auth/callers.py); each write confirms its caller in its own statement, on both.
_floor_callers: dict[str, Viewer] = {}
BENCH_ISSUER = "https://benchmark.invalid/floor"  # the floor's own: its bindings meet no hub's
_projections: dict[int, Projection] = {}


async def floor_write_mix(graph: Graph, args: Input) -> bytes:
    """The four writes of (f) through the graph/ functions the hub's mutations call, one after
    another, each returning the mutation's selection from its own statement as the hub does: the
    benchmark's administrator invites, posts and updates; the invited person accepts."""
    if not _projections:
        _projections.update(enumerate(_projection(m) for m in HUB_WRITE_MIX))

    async def caller(email: str, admin: bool = False) -> Viewer:
        if email not in _floor_callers:
            # Signed in as the hub's tokens sign them in (benchmarks/auth.py), bound on first sight.
            sign_in = SignIn(BENCH_ISSUER, keys.dev_subject(email), email, email_verified=True)
            admins = frozenset({BENCH_ADMIN}) if admin else frozenset()
            _floor_callers[email] = await identity.viewer_for_sign_in(graph, sign_in, admins)
        return _floor_callers[email]

    admin = await caller(BENCH_ADMIN, admin=True)
    invitation = await invitations.invite(
        graph,
        validate(invitations.InvitationInput,
                 {"team_id": args["teamId"], "person_id": args["personId"], "allocation": 5, "message": "benchmark"}),
        admin.person_id, admin, returning=_projections[0],
    )  # fmt: skip
    invitee = await caller(args["email"])
    accepted = await invitations.accept(
        graph, invitation["id"], invitee.person_id, invitee, returning=_projections[1]
    )
    post = await posts.create(
        graph,
        validate(posts.PostInput, {"team_id": args["teamId"], "body": "Benchmark post"}),
        admin.person_id,
        admin,
        returning=_projections[2],
    )
    team = await teams.update(
        graph,
        args["teamId"],
        validate(teams.TeamPatch, {"mandate": f"Benchmark {invitation['id']}"}),
        admin.person_id,
        admin,
        returning=_projections[3],
    )
    return _dump({"inviteMember": invitation, "acceptInvitation": accepted, "createPost": post, "updateTeam": team})


@dataclass(frozen=True)
class Query:
    key: str
    title: str
    hub: str
    peer: str | None
    inputs: str  # which list of pick_inputs() feeds it


QUERIES: dict[str, Query] = {
    q.key: q
    for q in (
        Query("a", "team page (members + institutions, coverage, latest 20 activities)",
              HUB_TEAM_PAGE, PEER_TEAM_PAGE, "teams"),
        Query("b", "people search by skill and institution, page of 50", HUB_PEOPLE_SEARCH, PEER_PEOPLE_SEARCH, "pairs"),
        Query("c", "issue with affected institutions, teams, latest 20 activities",
              HUB_ISSUE_PAGE, PEER_ISSUE_PAGE, "issues"),
        Query("d", "suggestMembers for a team, two requested skills, top 10 (no peer equivalent)",
              HUB_SUGGEST, None, "suggest"),
        Query("e", "issueMap for one plan direction (nodes and edges; no peer equivalent)",
              HUB_ISSUE_MAP, None, "directions"),
        # (f) sends HUB_WRITE_MIX or PEER_WRITE_MIX (benchmarks/worker.py), not one document.
        Query("f", "write mix: invite, accept, post, update team (one iteration = 4 mutations)", "", "", "writes"),
        Query("team", "web app: Team (a team's page)", WEB["Team"], PEER_WEB_TEAM, "teams"),
        Query("issue", "web app: Issue (an issue's page)", WEB["Issue"], PEER_WEB_ISSUE, "issues"),
        Query("teamwork", "web app: TeamWork (coverage, invitations, decisions, tasks)",
              WEB["TeamWork"], PEER_WEB_TEAMWORK, "teams"),
        Query("person", "web app: Person (a profile)", WEB["Person"], PEER_WEB_PERSON, "people"),
        Query("people", "web app: People (search by skill, page of 50)", WEB["People"], PEER_WEB_PEOPLE, "skills"),
        Query("dashboard", "web app: MyDashboard (memberships and invitations)",
              WEB["MyDashboard"], PEER_WEB_DASHBOARD, "people"),
    )
}  # fmt: skip


def floor_of(key: str, inputs: list[Input]) -> Floor:
    """The floor's call for a query, its statements made for these inputs."""
    if key == "f":
        return floor_write_mix
    statement = compile_floor(QUERIES[key].hub, inputs)

    async def call(graph: Graph, args: Input) -> bytes:
        return await run_floor(graph, statement, args)

    return call


async def pick_inputs(graph: Graph, count: int = 200, write_pairs: int = 45_000) -> dict[str, list[Input]]:
    """Realistic, repeatable inputs: the largest teams, the fullest skill/institution pairs, issues by id."""
    team_rows = await graph.read(
        "MATCH (t:ProjectTeam) WITH t, COUNT { (t)<-[:MEMBER_OF]-() } AS size "
        "RETURN t.id AS id, t.status AS status ORDER BY size DESC, id LIMIT $n",
        n=count,
    )
    pair_rows = await graph.read(
        "MATCH (s:Skill)<-[:HAS_SKILL]-(p:Person)-[:WORKS_AT]->(i:Institution) "
        "WITH s.id AS skillId, i.id AS institutionId, count(p) AS size "
        "RETURN skillId, institutionId ORDER BY size DESC, skillId, institutionId LIMIT $n",
        n=count,
    )
    # Writes: people with the fewest memberships and no invitation yet, each paired with an open team
    # they are not in, so no (team, person) pair repeats within a run.
    open_teams = [r["id"] for r in team_rows if r["status"] != "CLOSED"]
    free_rows = await graph.read(
        """
        MATCH (p:Person) WHERE p.archivedAt IS NULL AND NOT EXISTS { (p)<-[:INVITES]-() }
        WITH p ORDER BY COUNT { (p)-[:MEMBER_OF]->() }, p.id LIMIT $n
        WITH collect(p) AS people
        UNWIND range(0, size(people) - 1) AS k
        WITH people[k] AS p, $teams[k % size($teams)] AS teamId
        WHERE NOT EXISTS { (p)-[:MEMBER_OF]->(:ProjectTeam {id: teamId}) }
        RETURN teamId, p.id AS personId, p.email AS email,
               head(COLLECT { MATCH (:ProjectTeam {id: teamId})-[:ADDRESSES]->(i) RETURN i.id }) AS issueId
        """,
        n=write_pairs if open_teams else 0,
        teams=open_teams or [""],
    )
    direction_rows = await graph.read("MATCH (d:PlanDirection) RETURN d.id AS id ORDER BY d.number")
    # People with the most memberships and invitations (a profile and a dashboard with content).
    person_rows = await graph.read(
        "MATCH (p:Person) WHERE p.archivedAt IS NULL "
        "WITH p, COUNT { (p)-[:MEMBER_OF]->() } + COUNT { (p)<-[:INVITES]-() } AS size "
        "RETURN p.id AS id ORDER BY size DESC, id LIMIT $n",
        n=count,
    )
    issue_rows = await graph.read("MATCH (i:HorizontalIssue) RETURN i.id AS id ORDER BY id LIMIT $n", n=count)
    pairs = [{"skillId": r["skillId"], "institutionId": r["institutionId"]} for r in pair_rows]
    common_skills = list(dict.fromkeys(p["skillId"] for p in pairs))
    return {
        "suggest": [
            {
                "teamId": r["id"],
                "skills": [
                    common_skills[i % len(common_skills)],
                    common_skills[(i + 1) % len(common_skills)],
                ],
            }
            for i, r in enumerate([r for r in team_rows if r["status"] != "CLOSED"][:100])
        ]
        if common_skills
        else [],
        "teams": [{"id": r["id"]} for r in team_rows],
        "directions": [{"directionId": r["id"]} for r in direction_rows],
        # email: the invitee accepts with their own token (only the invited person may).
        "writes": [
            {"teamId": r["teamId"], "personId": r["personId"], "email": r["email"], "issueId": r["issueId"]}
            for r in free_rows
        ],
        "pairs": pairs,
        "issues": [{"id": r["id"]} for r in issue_rows],
        "people": [{"id": r["id"]} for r in person_rows],
        # The web app's People page sends a filter; the library's document takes the skill's id.
        "skills": [{"skillId": s, "filter": {"skillId": s}} for s in common_skills],
    }
