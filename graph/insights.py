"""Where cross-cutting work piles up: institution hotspots, overloaded people, unhealthy teams,
and the direction × ministry coverage matrix.

Teams the viewer may not see are left out of every count, so a figure never betrays a
restricted team.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
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


# A team's last sign of life: the newest activity in its feed, else its creation. The facts
# depend only on the graph (cacheable against the activity head, graph/snapshot.py); the
# day thresholds are applied to them at the time of asking.
# One row, times as microseconds since the epoch: decoding a thousand driver records and their
# DateTime values cost several times the query itself (as for the map, graph/mapping.py).
_TEAM_FACTS = (
    """
MATCH (t:ProjectTeam)
WHERE t.status IN ['FORMING', 'ACTIVE'] AND t.archivedAt IS NULL AND """
    + TEAM_VISIBLE
    + """
CALL (t) {
  OPTIONAL MATCH (a:Activity)-[:IN_SCOPE]->(t)
  RETURN max(a.at) AS newest
}
WITH t, coalesce(newest, t.createdAt) AS last
RETURN collect({
  teamId: t.id, name: t.name, status: t.status,
  lastActivityAt: last.epochSeconds * 1000000 + last.nanosecond / 1000,
  hasLead: EXISTS { (t)<-[:MEMBER_OF {role: 'LEAD'}]-(:Person) },
  pendingSince: [(i:Invitation)-[:TO_JOIN]->(t) WHERE i.status = 'PENDING'
                 | i.createdAt.epochSeconds * 1000000 + i.createdAt.nanosecond / 1000]
}) AS teams
"""
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _instant(microseconds: int | None) -> datetime | None:
    return None if microseconds is None else _EPOCH + timedelta(microseconds=microseconds)


async def team_facts(graph: Graph, viewer: Viewer) -> list[Record]:
    """Every FORMING or ACTIVE team the viewer may see: {teamId, name, status, lastActivityAt,
    hasLead, pendingSince (creation times of its pending invitations)}."""
    [row] = await graph.read_values(_TEAM_FACTS, **viewer.params())
    return [
        {**team, "lastActivityAt": _instant(team["lastActivityAt"]),
         "pendingSince": [_instant(at) for at in team["pendingSince"]]}
        for team in row["teams"]
    ]  # fmt: skip


async def team_health(
    graph: Graph,
    viewer: Viewer,
    inactive_days: int = 30,
    invitation_days: int = 7,
    *,
    facts: Callable[[Graph, Viewer], Awaitable[list[Record]]] = team_facts,
    now: datetime | None = None,
) -> list[Record]:
    """FORMING or ACTIVE teams with at least one problem: no lead; no activity for
    `inactive_days`; invitations pending longer than `invitation_days`. `facts` may answer
    from a cache (graph/snapshot.py): the thresholds are applied here, at `now` (the time of
    asking), so a team turns inactive as time passes even when nothing is written."""
    _between("inactiveDays", inactive_days, 1, 3650)
    _between("invitationDays", invitation_days, 0, 3650)
    now = now or datetime.now(UTC)
    inactive_before = now - timedelta(days=inactive_days)
    invited_before = now - timedelta(days=invitation_days)
    rows = []
    for team in await facts(graph, viewer):
        inactive = team["lastActivityAt"] is not None and team["lastActivityAt"] < inactive_before
        stale = sum(1 for at in team["pendingSince"] if at is not None and at < invited_before)
        problems = [
            problem
            for problem, has in (
                (TeamProblem.NO_LEAD, not team["hasLead"]),
                (TeamProblem.INACTIVE, inactive),
                (TeamProblem.UNANSWERED_INVITATIONS, stale > 0),
            )
            if has
        ]
        if problems:
            rows.append(
                {"teamId": team["teamId"], "name": team["name"], "status": team["status"],
                 "lastActivityAt": team["lastActivityAt"], "unansweredInvitations": stale,
                 "problems": [p.value for p in problems]}
            )  # fmt: skip
    rows.sort(key=lambda r: (-len(r["problems"]), r["name"], r["teamId"]))
    return rows


# The State Chancellery is the centre of government; ministries and it form the columns.
_MINISTRY = "m.kind IN ['MINISTRY', 'CENTRE_OF_GOVERNMENT'] AND m.archivedAt IS NULL"

# Counted once over the active issues (status index), not once per direction × ministry cell.
_MATRIX = (
    """
CALL () {
  MATCH (m:Institution) WHERE """
    + _MINISTRY
    + """
  WITH m ORDER BY m.kind = 'CENTRE_OF_GOVERNMENT' DESC, m.code
  RETURN collect({institutionId: m.id, code: m.code, name: m.nameLv}) AS ministries
}
CALL () {
  MATCH (d:PlanDirection)
  WITH d ORDER BY d.number
  RETURN collect({directionId: d.id, number: d.number, title: d.titleLv}) AS directions
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
RETURN ministries, directions, issues, teams
"""
)


async def direction_matrix(graph: Graph, viewer: Viewer) -> list[Record]:
    """One row per plan direction, one cell per ministry (zeroes included, same order in every
    row): active issues affecting the ministry under the direction, and active teams on those
    issues with a member from the ministry."""
    row = (await graph.read(_MATRIX, **viewer.params()))[0]
    issues = {(c["directionId"], c["institutionId"]): c["n"] for c in row["issues"]}
    teams = {(c["directionId"], c["institutionId"]): c["n"] for c in row["teams"]}
    return [
        {**d, "cells": [
            {**m, "activeIssues": issues.get((d["directionId"], m["institutionId"]), 0),
             "activeTeams": teams.get((d["directionId"], m["institutionId"]), 0)}
            for m in row["ministries"]
        ]}
        for d in row["directions"]
    ]  # fmt: skip
