"""Where cross-cutting work piles up: institution hotspots, overloaded people, unhealthy teams,
and the direction × ministry coverage matrix.

Teams the viewer may not see are left out of every count, so a figure never betrays a
restricted team. Each analysis is one Cypher query returning a `row` map per result; the planner
runs it inside the operation's statement (the `Reach` below each) and the graph functions run
it alone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Final, LiteralString

from graph.access import TEAM_VISIBLE, Viewer
from graph.driver import Graph, Record
from graph.errors import InvalidInput
from graph.model import Asked, Narrowing, Reach, analysis, shape

MAX_HOTSPOTS = 100


class TeamProblem(StrEnum):
    NO_LEAD = "NO_LEAD"
    INACTIVE = "INACTIVE"
    UNANSWERED_INVITATIONS = "UNANSWERED_INVITATIONS"


def _between(field: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise InvalidInput.one(field, f"must be between {low} and {high}")


async def _rows(graph: Graph, query: LiteralString, **params: Any) -> list[Record]:
    return [r["row"] for r in await graph.read(query, **params)]


# score = activeIssues × 2 + activeMemberships: an active issue landing on an institution weighs
# as two seats its people hold on active teams (it brings coordination work even before a team).
# Both counts start from the ACTIVE issues and teams (status indexes), not from every person.
HOTSPOTS: Final[LiteralString] = (
    """
CALL () {
  MATCH (i:HorizontalIssue)-[:AFFECTS]->(n:Institution)
  WHERE i.status = 'ACTIVE' AND i.archivedAt IS NULL
  RETURN n, 1 AS issue, 0 AS seat
  UNION ALL
  MATCH (t:ProjectTeam)<-[:MEMBER_OF]-(:Person)-[:WORKS_AT]->(n:Institution)
  WHERE t.status = 'ACTIVE' AND t.archivedAt IS NULL AND """
    + TEAM_VISIBLE
    + """
  RETURN n, 0 AS issue, 1 AS seat
}
WITH n, sum(issue) AS activeIssues, sum(seat) AS activeMemberships
WHERE n.archivedAt IS NULL
WITH n, activeIssues, activeMemberships, activeIssues * 2 + activeMemberships AS score
RETURN {institutionId: n.id, name: n.nameLv, code: n.code, activeIssues: activeIssues,
        activeMemberships: activeMemberships, score: score} AS row
ORDER BY score DESC, activeIssues DESC, row.name, row.institutionId
LIMIT $limit
"""
)


def _limit(asked: Asked) -> Narrowing:
    _between("limit", asked.args["limit"], 1, MAX_HOTSPOTS)
    return Narrowing(params={"limit": asked.args["limit"]})


def _by_id(label: LiteralString, key: LiteralString) -> Reach:
    """An entity named by an analysis row's `key` (its rule applies, as everywhere)."""
    return Reach("MATCH ({found}:" + label + " {id: {row}." + key + "})", label, "found", many=False)


HOTSPOTS_FIELD = analysis(HOTSPOTS, "Hotspot", args=_limit)
HOTSPOT = shape("Hotspot", ("row",), {"institution": _by_id("Institution", "institutionId")})


async def hotspots(graph: Graph, viewer: Viewer, limit: int = 20) -> list[Record]:
    """Institutions by score, highest first; institutions scoring zero are left out."""
    _between("limit", limit, 1, MAX_HOTSPOTS)
    return await _rows(graph, HOTSPOTS, limit=limit, **viewer.params())


OVERLOAD: Final[LiteralString] = (
    """
MATCH (t:ProjectTeam)<-[m:MEMBER_OF]-(p:Person)
WHERE t.status = 'ACTIVE' AND t.archivedAt IS NULL AND p.archivedAt IS NULL AND """
    + TEAM_VISIBLE
    + """
WITH p, m, t ORDER BY m.allocation DESC, t.name
WITH p, sum(m.allocation) AS allocation, count(t) AS teamCount,
     collect({teamId: t.id, name: t.name, role: m.role, allocation: m.allocation}) AS teams
WHERE allocation > 100 OR teamCount > $maxTeams
RETURN {personId: p.id, name: p.name, institutionId: head([(p)-[:WORKS_AT]->(i) | i.id]),
        allocation: allocation, teamCount: teamCount, teams: teams} AS row
ORDER BY allocation DESC, teamCount DESC, row.name, row.personId
"""
)


def _max_teams(asked: Asked) -> Narrowing:
    _between("maxTeams", asked.args["maxTeams"], 1, 100)
    return Narrowing(params={"maxTeams": asked.args["maxTeams"]})


OVERLOAD_FIELD = analysis(OVERLOAD, "OverloadedPerson", args=_max_teams)
OVERLOADED_PERSON = shape(
    "OverloadedPerson",
    ("row",),
    {
        "teams": Reach("UNWIND {row}.teams AS {team}", "OverloadTeam", "team"),
        "person": _by_id("Person", "personId"),
    },
)
OVERLOAD_TEAM = shape("OverloadTeam", ("team",))


async def overload(graph: Graph, viewer: Viewer, max_teams: int = 3) -> list[Record]:
    """People whose active-team allocations sum above 100 % or who sit on more than `max_teams`
    active teams: [{personId, name, institutionId, allocation, teamCount, teams}]."""
    _between("maxTeams", max_teams, 1, 100)
    return await _rows(graph, OVERLOAD, maxTeams=max_teams, **viewer.params())


# A forming or active team with at least one problem: no lead; no sign of life (the newest
# activity in its feed, else its creation) since $inactiveBefore; invitations pending since
# before $invitedBefore. Most problems first.
TEAM_HEALTH: Final[LiteralString] = (
    """
MATCH (t:ProjectTeam)
WHERE t.status IN ['FORMING', 'ACTIVE'] AND t.archivedAt IS NULL AND """
    + TEAM_VISIBLE
    + """
CALL (t) {
  OPTIONAL MATCH (a:Activity)-[:IN_SCOPE]->(t)
  RETURN max(a.at) AS newest
}
WITH t, coalesce(newest, t.createdAt) AS last,
     size([(i:Invitation)-[:TO_JOIN]->(t) WHERE i.status = 'PENDING' AND i.createdAt < $invitedBefore | i]) AS stale
WITH t, last, stale,
     [problem IN [['NO_LEAD', NOT EXISTS { (t)<-[:MEMBER_OF {role: 'LEAD'}]-(:Person) }],
                  ['INACTIVE', last IS NOT NULL AND last < $inactiveBefore],
                  ['UNANSWERED_INVITATIONS', stale > 0]] WHERE problem[1] | problem[0]] AS problems
WHERE size(problems) > 0
RETURN {teamId: t.id, name: t.name, status: t.status, problems: problems, lastActivityAt: last,
        unansweredInvitations: stale} AS row
ORDER BY size(problems) DESC, row.name, row.teamId
"""
)


def _health_params(inactive_days: int, invitation_days: int, now: datetime | None) -> dict[str, Any]:
    _between("inactiveDays", inactive_days, 1, 3650)
    _between("invitationDays", invitation_days, 0, 3650)
    now = now or datetime.now(UTC)
    return {
        "inactiveBefore": now - timedelta(days=inactive_days),
        "invitedBefore": now - timedelta(days=invitation_days),
    }


TEAM_HEALTH_FIELD = analysis(
    TEAM_HEALTH,
    "TeamHealth",
    args=lambda asked: Narrowing(
        params=_health_params(asked.args["inactiveDays"], asked.args["invitationDays"], None)
    ),
)
TEAM_HEALTH_ROW = shape("TeamHealth", ("row",), {"team": _by_id("ProjectTeam", "teamId")})


async def team_health(
    graph: Graph,
    viewer: Viewer,
    inactive_days: int = 30,
    invitation_days: int = 7,
    *,
    now: datetime | None = None,
) -> list[Record]:
    """FORMING or ACTIVE teams with at least one problem, at `now` (the time of asking)."""
    return await _rows(
        graph, TEAM_HEALTH, **_health_params(inactive_days, invitation_days, now), **viewer.params()
    )


# The State Chancellery is the centre of government; ministries and it form the columns.
_MINISTRY = "m.kind IN ['MINISTRY', 'CENTRE_OF_GOVERNMENT'] AND m.archivedAt IS NULL"
# One row per plan direction, one cell per ministry (zeroes included, same order in every row):
# active issues affecting the ministry under the direction, and active teams on those issues with
# a member from the ministry. Counted once over the active issues (status index), not per cell.
DIRECTION_MATRIX: Final[LiteralString] = (
    """
CALL () {
  MATCH (m:Institution) WHERE """
    + _MINISTRY
    + """
  WITH m ORDER BY m.kind = 'CENTRE_OF_GOVERNMENT' DESC, m.code
  RETURN collect({institutionId: m.id, code: m.code, name: m.nameLv}) AS ministries
}
CALL () {
  MATCH (d:PlanDirection)<-[:UNDER_DIRECTION]-(i:HorizontalIssue)-[:AFFECTS]->(m:Institution)
  WHERE i.status = 'ACTIVE' AND i.archivedAt IS NULL AND """
    + _MINISTRY
    + """
  WITH d, m, count(DISTINCT i) AS n
  RETURN collect({directionId: d.id, institutionId: m.id, n: n}) AS issues
}
CALL () {
  MATCH (t:ProjectTeam)-[:ADDRESSES]->(i:HorizontalIssue)-[:UNDER_DIRECTION]->(d:PlanDirection)
  WHERE t.status = 'ACTIVE' AND t.archivedAt IS NULL AND i.status = 'ACTIVE' AND i.archivedAt IS NULL
    AND """
    + TEAM_VISIBLE
    + """
  WITH DISTINCT t, i, d
  MATCH (i)-[:AFFECTS]->(m:Institution) WHERE """
    + _MINISTRY
    + """
  WITH DISTINCT t, d, m
  WHERE EXISTS { (t)<-[:MEMBER_OF]-(:Person)-[:WORKS_AT]->(m) }
  WITH d, m, count(t) AS n
  RETURN collect({directionId: d.id, institutionId: m.id, n: n}) AS teams
}
MATCH (d:PlanDirection)
WITH d, ministries, issues, teams ORDER BY d.number
RETURN {directionId: d.id, number: d.number, title: d.titleLv,
        cells: [m IN ministries | m {.*,
          activeIssues: coalesce(head([c IN issues WHERE c.directionId = d.id AND c.institutionId = m.institutionId | c.n]), 0),
          activeTeams: coalesce(head([c IN teams WHERE c.directionId = d.id AND c.institutionId = m.institutionId | c.n]), 0)}]}
       AS row
"""
)

DIRECTION_MATRIX_FIELD = analysis(DIRECTION_MATRIX, "MatrixRow")
MATRIX_ROW = shape(
    "MatrixRow", ("row",), {"cells": Reach("UNWIND {row}.cells AS {cell}", "MatrixCell", "cell")}
)
MATRIX_CELL = shape("MatrixCell", ("cell",))


async def direction_matrix(graph: Graph, viewer: Viewer) -> list[Record]:
    """One row per plan direction, one cell per ministry (see DIRECTION_MATRIX)."""
    return await _rows(graph, DIRECTION_MATRIX, **viewer.params())
