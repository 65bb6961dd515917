"""The benchmark's query mix, once per contender.

For every query: the hub's GraphQL document, the Neo4j GraphQL Library peer's equivalent document
(its generated API: `projectTeams(where: {id: {eq}})`, `…Connection` for relationship properties),
and the floor: the very graph/ functions the hub's resolvers call, with the same round trips in the
same order (concurrent where the hub's DataLoaders batch in the same tick), and the response built
and serialised to JSON without any GraphQL.

Inputs (team ids, skill/institution pairs, issue ids) are picked from the loaded data by `pick_inputs`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from benchmarks.auth import BENCH_ADMIN
from graph import (
    formation,
    identity,
    institutions,
    invitations,
    mapping,
    pages,
    people,
    posts,
    skills,
    teams,
)
from graph.access import SignIn, Viewer
from graph.driver import Graph, Record
from graph.formation import SuggestionInput
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

# --- the floor ---------------------------------------------------------------------------

_SYSTEM = Viewer.system()


def _json_default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _dump(data: dict[str, Any]) -> bytes:
    return json.dumps({"data": data}, default=_json_default, ensure_ascii=False).encode()


def _inst(record: Record | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {"id": record["id"], "code": record["code"], "nameEn": record["nameEn"]}


async def floor_team_page(graph: Graph, args: Input) -> bytes:
    """The hub's one round trip for (a) (graph/pages.py), serialised without GraphQL."""
    return _dump((await pages.team_page(graph, args["id"], _SYSTEM, 20)).data)


async def floor_people_search(graph: Graph, args: Input) -> bytes:
    """The hub's one round trip for (b) (graph/pages.py), serialised without GraphQL."""
    return _dump((await pages.people_search(graph, args["skillId"], args["institutionId"], 50, _SYSTEM)).data)


async def floor_issue_page(graph: Graph, args: Input) -> bytes:
    """The hub's one round trip for (c) (graph/pages.py), serialised without GraphQL."""
    return _dump((await pages.issue_page(graph, args["id"], _SYSTEM, 20)).data)


async def floor_suggest(graph: Graph, args: Input) -> bytes:
    """The hub's round trips for (d): the ranking, then skills, gap institutions and people together,
    then the people's institutions not loaded yet."""
    data = validate(SuggestionInput, {"team_id": args["teamId"], "skills": args["skills"], "limit": 10})
    ranked = await formation.suggest(graph, data, _SYSTEM)
    skill_names, gap_insts, found_people = await asyncio.gather(
        skills.by_ids(graph, sorted({k["skillId"] for r in ranked for k in r["skills"]})),
        institutions.by_ids(graph, sorted({r["gap"]["institutionId"] for r in ranked if r["gap"]})),
        people.by_ids(graph, [r["personId"] for r in ranked]),
    )
    missing = sorted(
        {p["institutionId"] for p in found_people.values() if p.get("institutionId")} - gap_insts.keys()
    )
    insts = {**gap_insts, **(await institutions.by_ids(graph, missing) if missing else {})}
    out = []
    for r in ranked:
        p = found_people.get(r["personId"], {})
        out.append(
            {
                "score": r["score"],
                "freeCapacity": r["freeCapacity"],
                "matchedSkills": [
                    {
                        "level": k["level"],
                        "skill": {"id": k["skillId"], "name": skill_names[k["skillId"]]["name"]},
                    }
                    for k in r["skills"]
                ],
                "institutionGap": r["gap"]
                and {"stake": r["gap"]["stake"], "institution": _inst(insts.get(r["gap"]["institutionId"]))},
                "person": {
                    "id": p.get("id"),
                    "name": p.get("name"),
                    "title": p.get("title"),
                    "institution": _inst(insts.get(p.get("institutionId", ""))),
                },
            }
        )
    return _dump({"suggestMembers": out})


async def floor_issue_map(graph: Graph, args: Input) -> bytes:
    """(e): one round trip, as in the hub; the nodes and edges projected to the fields asked for."""
    found = await mapping.issue_map(
        graph, mapping.MapFilter(direction_id=args["directionId"], limit=20_000), _SYSTEM
    )
    return _dump(
        {
            "issueMap": {
                "truncated": False,
                "nodes": [{k: n.get(k) for k in _MAP_NODE} for n in found.nodes],
                "edges": [{k: e.get(k) for k in _MAP_EDGE} for e in found.edges],
            }
        }
    )


# The floor's callers, looked up once each, as the hub's early path remembers them
# (hub/auth/callers.py); each write confirms its caller in its own first read, on both.
_floor_callers: dict[str, Viewer] = {}
BENCH_ISSUER = "https://benchmark.invalid/floor"  # the floor's own: its bindings meet no hub's


async def floor_write_mix(graph: Graph, args: Input) -> bytes:
    """The four writes of (f) through the graph/ functions the hub's mutations call, one after another:
    the benchmark's administrator invites, posts and updates; the invited person accepts."""

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
        admin.person_id, admin,
    )  # fmt: skip
    invitee = await caller(args["email"])
    accepted = await invitations.accept(graph, invitation["id"], invitee.person_id, invitee)
    post = await posts.create(
        graph,
        validate(posts.PostInput, {"team_id": args["teamId"], "body": "Benchmark post"}),
        admin.person_id,
        admin,
    )
    team = await teams.update(
        graph,
        args["teamId"],
        validate(teams.TeamPatch, {"mandate": f"Benchmark {invitation['id']}"}),
        admin.person_id,
        admin,
    )
    return _dump(
        {
            "invitation": {"id": accepted["id"], "status": accepted["status"]},
            "post": {"id": post["id"]},
            "team": {"id": team["id"], "updatedAt": team.get("updatedAt")},
        }
    )


@dataclass(frozen=True)
class Query:
    key: str
    title: str
    hub: str
    peer: str | None
    floor: Floor
    inputs: str  # which list of pick_inputs() feeds it
    # The same selection with a no-op directive, which the hub answers resolver by resolver (the
    # path before the compiled pages): the "before" column of the same run.
    hub_resolvers: str | None = None


QUERIES: dict[str, Query] = {
    q.key: q
    for q in (
        Query("a", "team page (members + institutions, coverage, latest 20 activities)",
              HUB_TEAM_PAGE, PEER_TEAM_PAGE, floor_team_page, "teams",
              HUB_TEAM_PAGE.replace("team(id: $id) {", "team(id: $id) @include(if: true) {")),
        Query("b", "people search by skill and institution, page of 50",
              HUB_PEOPLE_SEARCH, PEER_PEOPLE_SEARCH, floor_people_search, "pairs"),
        Query("c", "issue with affected institutions, teams, latest 20 activities",
              HUB_ISSUE_PAGE, PEER_ISSUE_PAGE, floor_issue_page, "issues",
              HUB_ISSUE_PAGE.replace("issue(id: $id) {", "issue(id: $id) @include(if: true) {")),
        Query("d", "suggestMembers for a team, two requested skills, top 10 (no peer equivalent)",
              HUB_SUGGEST, None, floor_suggest, "suggest"),
        Query("e", "issueMap for one plan direction (nodes and edges; no peer equivalent)",
              HUB_ISSUE_MAP, None, floor_issue_map, "directions"),
        # (f) sends HUB_WRITE_MIX or PEER_WRITE_MIX (benchmarks/worker.py), not one document.
        Query("f", "write mix: invite, accept, post, update team (one iteration = 4 mutations)",
              "", "", floor_write_mix, "writes"),
    )
}  # fmt: skip


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
    }
