"""Forming a team: whom to invite, which affected institutions are covered, overlap with other teams.

Suggestions (`suggest`), one query. Candidates are people who have at least one of the requested
skills or work at an institution the team's issue affects that no member represents yet. Left out:
members, people with a pending (unexpired) or awaiting-approval invitation to this team, archived
people, and people with no free capacity. Free capacity is 100% minus allocations on open teams
(FORMING and ACTIVE; see graph/membership.py) — a person's time, so it counts every team, while
no team the viewer cannot see is ever named.

    score = 10 × Σ level of each requested skill the person has      (level 1–5: 10–50 per skill)
          + institution gap: 30 LEAD, 20 INVOLVED, 10 CONSULTED stake  (unrepresented only)
          + ⌊free capacity / 10⌋                                       (0–10)

Ties go to more free capacity, then name. One strong skill (50) outweighs filling a LEAD gap
(30); a LEAD gap outweighs a level-2 skill (20); capacity only separates otherwise close people.

Overlap warnings (`overlap_warnings`), computed when a team is created; the team is created anyway:
ISSUE_HAS_ACTIVE_TEAM for each active team already addressing the issue, and MEMBERS_OVERLAP for
another active team on which more than half of the proposed members (`proposedMemberIds`; the
lead alone never triggers it) already sit. Only teams the viewer may see are reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any, Final, LiteralString

from pydantic import Field

from graph import teams
from graph.access import TEAM_VISIBLE, Viewer
from graph.driver import Graph, Record, Tx, run
from graph.errors import Conflict, NotFound
from graph.membership import ALLOCATED
from graph.model import Asked, Narrowing, Node, Reach, Value, analysis, shape
from graph.validation import Input, PublicId, validate

SKILL_POINTS_PER_LEVEL = 10
GAP_POINTS = {"LEAD": 30, "INVOLVED": 20, "CONSULTED": 10}
CAPACITY_POINTS_DIVISOR = 10


class SuggestionInput(Input):
    team_id: PublicId
    skills: Annotated[list[PublicId], Field(max_length=20)] = []
    limit: Annotated[int, Field(ge=1, le=50)] = 10


class WarningCode(StrEnum):
    ISSUE_HAS_ACTIVE_TEAM = "ISSUE_HAS_ACTIVE_TEAM"
    MEMBERS_OVERLAP = "MEMBERS_OVERLAP"


# The candidates, best first: one `row` each, {personId, score, freeCapacity, skills:
# [{skillId, level}], gap: {institutionId, stake} or null}; none for a team the viewer may not see.
SUGGESTIONS: Final[LiteralString] = (
    """
    MATCH (t:ProjectTeam {id: $teamId})
    WHERE """
    + TEAM_VISIBLE
    + """
    CALL (t) {
      MATCH (t)-[:ADDRESSES]->(issue:HorizontalIssue)
      // Once per team, not per candidate: who already represents which institution, and who is
      // left out (members; people with a pending, unexpired or awaiting-approval invitation).
      WITH t, issue, COLLECT { MATCH (t)<-[:MEMBER_OF]-(:Person)-[:WORKS_AT]->(i:Institution)
                               RETURN DISTINCT i.id } AS represented,
           COLLECT { MATCH (t)<-[:MEMBER_OF]-(m:Person) RETURN m }
           + COLLECT { MATCH (t)<-[:TO_JOIN]-(v:Invitation)-[:INVITES]->(x:Person)
                       WHERE v.status = 'AWAITING_APPROVAL' OR (v.status = 'PENDING' AND v.expiresAt > datetime())
                       RETURN x } AS excluded
      // Candidates with what earns them points, found from the skills and the unrepresented
      // affected institutions (a person works at one institution: at most one gap each).
      CALL (issue, represented) {
        UNWIND $skillIds AS skillId
        MATCH (s:Skill {id: skillId})<-[h:HAS_SKILL]-(p:Person)
        RETURN p, {skillId: s.id, level: h.level, key: s.key} AS skill, null AS gap
        UNION ALL
        MATCH (issue)-[a:AFFECTS]->(i:Institution) WHERE NOT i.id IN represented
        MATCH (i)<-[:WORKS_AT]-(p:Person)
        RETURN p, null AS skill, {institutionId: i.id, stake: a.stake} AS gap
      }
      WITH p, skill, gap, excluded
      WHERE p.archivedAt IS NULL AND NOT p IN excluded
      WITH p, collect(skill) AS found, head(collect(gap)) AS gap
      WITH p, gap, COLLECT { UNWIND found AS k WITH k ORDER BY k.level DESC, k.key
                             RETURN {skillId: k.skillId, level: k.level} } AS skills
      WITH p, skills, gap, 100 - """
    + ALLOCATED
    + """ AS free
      WHERE free > 0
      WITH p, free, skills, gap,
           $perLevel * reduce(s = 0, k IN skills | s + k.level)
           + coalesce($gapPoints[gap.stake], 0)
           + free / $capacityDivisor AS score
      ORDER BY score DESC, free DESC, p.name, p.id
      LIMIT $limit
      RETURN collect({personId: p.id, score: score, freeCapacity: free, skills: skills, gap: gap})
             AS suggestions
    }
    UNWIND suggestions AS row
    RETURN row
    """
)

# What the rules of suggesting read: the team as the viewer sees it and the unknown skills.
_SUGGEST_FACTS: Final[LiteralString] = (
    "head(COLLECT { OPTIONAL MATCH (t:ProjectTeam {id: $teamId}) WHERE "
    + TEAM_VISIBLE
    + " RETURN {found: t IS NOT NULL, status: t.status,"
    " unknownSkills: [sid IN $skillIds WHERE NOT EXISTS { MATCH (:Skill {id: sid}) }]} })"
)


def _suggestion_params(asked: Asked) -> Narrowing:
    data = validate(
        SuggestionInput,
        {
            "team_id": asked.args["teamId"],
            "skills": asked.args.get("skills") or [],
            "limit": asked.args["limit"],
        },
    )
    return Narrowing(params=_params(data))


def _params(data: SuggestionInput) -> dict[str, Any]:
    return {
        "teamId": data.team_id,
        "skillIds": list(dict.fromkeys(data.skills)),
        "requested": data.skills,
        "limit": data.limit,
        "perLevel": SKILL_POINTS_PER_LEVEL,
        "gapPoints": GAP_POINTS,
        "capacityDivisor": CAPACITY_POINTS_DIVISOR,
    }


def _check_suggestion(facts: Mapping[str, Any], team_id: str, skills: list[str]) -> None:
    """The rules of suggesting, on `_SUGGEST_FACTS`: the first that fails raises."""
    if not facts["found"]:
        raise NotFound("ProjectTeam", team_id, "teamId")
    for i, skill_id in enumerate(skills):
        if skill_id in facts["unknownSkills"]:
            raise NotFound("Skill", skill_id, f"skills.{i}")
    if facts["status"] == "CLOSED":
        raise Conflict("teamId", "the team is closed")


# `suggestMembers(teamId, skills, limit)`: the facts carry what the rules need to explain a
# refusal (the requested ids, as given, for the error's field).
SUGGEST_MEMBERS = analysis(
    SUGGESTIONS,
    "MemberSuggestion",
    args=_suggestion_params,
    facts="{facts: " + _SUGGEST_FACTS + ", teamId: $teamId, requested: $requested}",
    check=lambda found: _check_suggestion(found["facts"], found["teamId"], found["requested"]),
)

MEMBER_SUGGESTION = shape(
    "MemberSuggestion",
    ("row",),
    {
        "matchedSkills": Reach(
            "UNWIND {row}.skills AS {match} MATCH ({skill}:Skill {id: {match}.skillId})",
            "SkillMatch",
            {"match": "match", "skill": "skill"},
        ),
        "institutionGap": Reach(
            "WITH {row}.gap AS {gap} MATCH ({institution}:Institution {id: {gap}.institutionId})",
            "InstitutionGap",
            {"gap": "gap", "institution": "institution"},
            many=False,
        ),
        "person": Reach("MATCH ({person}:Person {id: {row}.personId})", "Person", "person", many=False),
    },
)
SKILL_MATCH = shape(
    "SkillMatch", ("match", "skill"), {"level": Value("{match}.level"), "skill": Node("skill", "Skill")}
)
INSTITUTION_GAP = shape(
    "InstitutionGap",
    ("gap", "institution"),
    {"stake": Value("{gap}.stake"), "institution": Node("institution", "Institution")},
)


async def suggest(graph: Graph, data: SuggestionInput, viewer: Viewer) -> list[Record]:
    """Ranked candidates: [{personId, score, freeCapacity, skills: [{skillId, level}], gap}]."""
    rows = await graph.read(
        "RETURN " + _SUGGEST_FACTS + " AS facts, COLLECT {" + SUGGESTIONS + "} AS suggestions",
        **_params(data),
        **viewer.params(),
    )
    _check_suggestion(rows[0]["facts"], data.team_id, data.skills)
    suggestions: list[Record] = rows[0]["suggestions"]
    return suggestions


# Which affected institutions a team represents: `Coverage` is made from the team.
_REPRESENTED: Final[LiteralString] = (
    "EXISTS { ({institution})<-[:WORKS_AT]-(:Person)-[:MEMBER_OF]->({team}) }"
)
_AFFECTED: Final[LiteralString] = (
    "MATCH ({team})-[:ADDRESSES]->(:HorizontalIssue)-[{rel}:AFFECTS]->({institution}:Institution)"
)
_STAKE_ORDER: Final[LiteralString] = (
    "CASE {rel}.stake WHEN 'LEAD' THEN 0 WHEN 'INVOLVED' THEN 1 ELSE 2 END, {institution}.code"
)
COVERAGE = shape(
    "Coverage",
    ("team",),
    {
        "institutions": Reach(
            _AFFECTED,
            "InstitutionCoverage",
            {"rel": "rel", "institution": "institution", "team": "team"},
            order=_STAKE_ORDER,
        ),
        "missing": Reach(
            _AFFECTED,
            "InstitutionCoverage",
            {"rel": "rel", "institution": "institution", "team": "team"},
            where="NOT " + _REPRESENTED,
            order=_STAKE_ORDER,
        ),
        "leadInstitutionMissing": Value(
            "EXISTS { MATCH ({team})-[:ADDRESSES]->(:HorizontalIssue)-[lead:AFFECTS {stake: 'LEAD'}]->(leadInstitution:Institution)"
            " WHERE NOT EXISTS { (leadInstitution)<-[:WORKS_AT]-(:Person)-[:MEMBER_OF]->({team}) } }"
        ),
    },
)
INSTITUTION_COVERAGE = shape(
    "InstitutionCoverage",
    ("rel", "institution", "team"),
    {
        "stake": Value("{rel}.stake"),
        "institution": Node("institution", "Institution"),
        "representatives": Reach(
            "MATCH ({institution})<-[:WORKS_AT]-({person}:Person)-[:MEMBER_OF]->({team})",
            "Person",
            "person",
            order="{person}.name",
        ),
        "missing": Value("NOT " + _REPRESENTED),
    },
)

# A new team's payload (`createTeam`): made in Python, its teams read by the planner.
OVERLAP_WARNING = shape("OverlapWarning", ("warning",))
CREATE_TEAM_PAYLOAD = shape("CreateTeamPayload", ("payload",))

# `coverage(teamId)`: null for a team the viewer may not see.
COVERAGE_OF_TEAM = Reach(
    "MATCH ({team}:ProjectTeam {id: $teamId})",
    "Coverage",
    {"team": "team"},
    many=False,
    args=lambda asked: Narrowing(params={"teamId": asked.args["teamId"]}),
)


async def overlap_warnings(
    tx: Tx, team_id: str, issue_id: str, proposed_ids: list[str], viewer: Viewer
) -> list[Record]:
    """Warnings [{code, message, teamId}] about other visible active teams (see the module doc)."""
    proposed = list(dict.fromkeys(proposed_ids))
    rows = await run(
        tx,
        """
        CALL () {
          MATCH (:HorizontalIssue {id: $issueId})<-[:ADDRESSES]-(t:ProjectTeam {status: 'ACTIVE'})
          WHERE t.id <> $teamId AND t.archivedAt IS NULL AND """
        + TEAM_VISIBLE
        + """
          RETURN 'ISSUE_HAS_ACTIVE_TEAM' AS code, t, 0 AS shared
          UNION
          UNWIND $proposed AS pid
          MATCH (:Person {id: pid})-[:MEMBER_OF]->(t:ProjectTeam {status: 'ACTIVE'})
          WHERE t.id <> $teamId AND t.archivedAt IS NULL AND """
        + TEAM_VISIBLE
        + """
          WITH t, count(DISTINCT pid) AS shared
          WHERE shared * 2 > size($proposed)
          RETURN 'MEMBERS_OVERLAP' AS code, t, shared
        }
        RETURN code, t.id AS teamId, t.name AS name, shared
        ORDER BY code, shared DESC, name
        """,
        teamId=team_id,
        issueId=issue_id,
        proposed=proposed,
        **viewer.params(),
    )
    return [
        {
            "code": r["code"],
            "teamId": r["teamId"],
            "message": (
                f"The issue already has an active team: {r['name']}"
                if r["code"] == WarningCode.ISSUE_HAS_ACTIVE_TEAM
                else f"{r['shared']} of the {len(proposed)} proposed members already sit on {r['name']}"
            ),
        }
        for r in rows
    ]


async def create_team(
    graph: Graph, data: teams.TeamInput, actor_id: str | None, viewer: Viewer
) -> tuple[Record, list[Record]]:
    """Create the team (graph/teams.py) and, in the same transaction, its overlap warnings."""

    async def work(tx: Tx) -> tuple[Record, list[Record]]:
        node = await teams.create_in(tx, data, actor_id)
        warnings = await overlap_warnings(tx, node["id"], data.issue_id, data.proposed_member_ids, viewer)
        return node, warnings

    return await graph.write(work)
