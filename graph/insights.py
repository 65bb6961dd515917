"""Where cross-cutting work piles up: institution hotspots, overloaded people, unhealthy teams,
and the direction × ministry coverage matrix.

Teams the viewer may not see are left out of every count, so a figure never betrays a
restricted team.
"""

from __future__ import annotations

from enum import StrEnum

from graph.access import TEAM_VISIBLE, Viewer
from graph.driver import Graph, Record
from graph.errors import InvalidInput

MAX_HOTSPOTS = 100


class TeamProblem(StrEnum):
    NO_LEAD = "NO_LEAD"
    INACTIVE = "INACTIVE"
    UNANSWERED_INVITATIONS = "UNANSWERED_INVITATIONS"


def _between(field: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise InvalidInput.one(field, f"must be between {low} and {high}")


# score = activeIssues × 2 + activeMemberships: an active issue landing on an institution weighs
# as two seats its people hold on active teams (it brings coordination work even before a team).
# Both counts start from the ACTIVE issues and teams (status indexes), not from every person.
_HOTSPOTS = (
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
RETURN n.id AS institutionId, n.nameLv AS name, n.code AS code, activeIssues, activeMemberships, score
ORDER BY score DESC, activeIssues DESC, name, institutionId
LIMIT $limit
"""
)


async def hotspots(graph: Graph, viewer: Viewer, limit: int = 20) -> list[Record]:
    """Institutions by score, highest first; institutions scoring zero are left out."""
    _between("limit", limit, 1, MAX_HOTSPOTS)
    return await graph.read(_HOTSPOTS, limit=limit, **viewer.params())


_OVERLOAD = (
    """
MATCH (t:ProjectTeam)<-[m:MEMBER_OF]-(p:Person)
WHERE t.status = 'ACTIVE' AND t.archivedAt IS NULL AND p.archivedAt IS NULL AND """
    + TEAM_VISIBLE
    + """
WITH p, m, t ORDER BY m.allocation DESC, t.name
WITH p, sum(m.allocation) AS allocation, count(t) AS teamCount,
     collect({teamId: t.id, name: t.name, role: m.role, allocation: m.allocation}) AS teams
WHERE allocation > 100 OR teamCount > $maxTeams
RETURN p.id AS personId, p.name AS name, head([(p)-[:WORKS_AT]->(i) | i.id]) AS institutionId,
       allocation, teamCount, teams
ORDER BY allocation DESC, teamCount DESC, name, personId
"""
)


async def overload(graph: Graph, viewer: Viewer, max_teams: int = 3) -> list[Record]:
    """People whose active-team allocations sum above 100 % or who sit on more than `max_teams`
    active teams: [{personId, name, institutionId, allocation, teamCount, teams}]."""
    _between("maxTeams", max_teams, 1, 100)
    return await graph.read(_OVERLOAD, maxTeams=max_teams, **viewer.params())


# A team's last sign of life: the newest activity in its feed, else its creation.
_TEAM_HEALTH = (
    """
MATCH (t:ProjectTeam)
WHERE t.status IN ['FORMING', 'ACTIVE'] AND t.archivedAt IS NULL AND """
    + TEAM_VISIBLE
    + """
CALL (t) {
  OPTIONAL MATCH (a:Activity)-[:IN_SCOPE]->(t)
  WITH max(a.at) AS newest
  RETURN coalesce(newest, t.createdAt) AS lastActivityAt
}
WITH t, lastActivityAt,
  EXISTS { (t)<-[:MEMBER_OF {role: 'LEAD'}]-(:Person) } AS hasLead,
  [(i:Invitation)-[:TO_JOIN]->(t) WHERE i.status = 'PENDING'
      AND i.createdAt < datetime() - duration({days: $invitationDays}) | i.createdAt] AS stale
WITH t, hasLead, lastActivityAt, stale,
  lastActivityAt < datetime() - duration({days: $inactiveDays}) AS inactive
WHERE NOT hasLead OR inactive OR size(stale) > 0
RETURN t.id AS teamId, t.name AS name, t.status AS status, lastActivityAt,
  size(stale) AS unansweredInvitations,
  [problem IN [CASE WHEN NOT hasLead THEN 'NO_LEAD' END, CASE WHEN inactive THEN 'INACTIVE' END,
               CASE WHEN size(stale) > 0 THEN 'UNANSWERED_INVITATIONS' END]
     WHERE problem IS NOT NULL] AS problems
ORDER BY size(problems) DESC, name, teamId
"""
)


async def team_health(
    graph: Graph, viewer: Viewer, inactive_days: int = 30, invitation_days: int = 7
) -> list[Record]:
    """FORMING or ACTIVE teams with at least one problem: no lead; no activity for
    `inactive_days`; invitations pending longer than `invitation_days`."""
    _between("inactiveDays", inactive_days, 1, 3650)
    _between("invitationDays", invitation_days, 0, 3650)
    return await graph.read(
        _TEAM_HEALTH, inactiveDays=inactive_days, invitationDays=invitation_days, **viewer.params()
    )


# The State Chancellery is the centre of government; ministries and it form the columns.
_MATRIX = (
    """
MATCH (m:Institution) WHERE m.kind IN ['MINISTRY', 'CENTRE_OF_GOVERNMENT'] AND m.archivedAt IS NULL
WITH m ORDER BY m.kind = 'CENTRE_OF_GOVERNMENT' DESC, m.code
WITH collect(m) AS ministries
MATCH (d:PlanDirection)
WITH ministries, d ORDER BY d.number
UNWIND ministries AS m
CALL (d, m) {
  OPTIONAL MATCH (d)<-[:UNDER_DIRECTION]-(i:HorizontalIssue)-[:AFFECTS]->(m)
  WHERE i.status = 'ACTIVE' AND i.archivedAt IS NULL
  OPTIONAL MATCH (t:ProjectTeam)-[:ADDRESSES]->(i)
  WHERE t.status = 'ACTIVE' AND t.archivedAt IS NULL AND """
    + TEAM_VISIBLE
    + """
    AND EXISTS { (t)<-[:MEMBER_OF]-(:Person)-[:WORKS_AT]->(m) }
  RETURN count(DISTINCT i) AS activeIssues, count(DISTINCT t) AS activeTeams
}
WITH d, collect({institutionId: m.id, code: m.code, name: m.nameLv,
                 activeIssues: activeIssues, activeTeams: activeTeams}) AS cells
RETURN d.id AS directionId, d.number AS number, d.titleLv AS title, cells
ORDER BY number
"""
)


async def direction_matrix(graph: Graph, viewer: Viewer) -> list[Record]:
    """One row per plan direction, one cell per ministry (zeroes included, same order in every
    row): active issues affecting the ministry under the direction, and active teams on those
    issues with a member from the ministry."""
    return await graph.read(_MATRIX, **viewer.params())
