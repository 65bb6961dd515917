"""Rules every membership change shares: the visible team, who is on it, who leads, time budgets.

Time budget: a person's allocations on open teams — FORMING and ACTIVE, not CLOSED or archived —
may not add up to more than 100%. FORMING counts because accepting an invitation commits the
time from that moment; otherwise several teams forming at once could book the same person twice.
"""

from __future__ import annotations

from typing import Final, LiteralString

from graph.access import TEAM_VISIBLE, Viewer
from graph.driver import Record, Tx, run
from graph.errors import Conflict, Forbidden, NotFound

# Sum of a person `p`'s allocations on open teams (the capacity rule above), as a Cypher expression.
ALLOCATED: Final[LiteralString] = (
    "reduce(s = 0, a IN [(p)-[m:MEMBER_OF]->(o:ProjectTeam)"
    " WHERE o.status <> 'CLOSED' AND o.archivedAt IS NULL | m.allocation] | s + a)"
)

FULL_TIME: Final = 100


async def require_team(tx: Tx, team_id: str, viewer: Viewer, field: str = "teamId") -> Record:
    """The team with its issue id, or NotFound — also when the viewer may not see it."""
    rows = await run(
        tx,
        "MATCH (t:ProjectTeam {id: $id}) WHERE "
        + TEAM_VISIBLE
        + " RETURN t {.*, issueId: head([(t)-[:ADDRESSES]->(i) | i.id])} AS team",
        id=team_id,
        **viewer.params(),
    )
    if not rows:
        raise NotFound("ProjectTeam", team_id, field)
    team: Record = rows[0]["team"]
    return team


async def membership(tx: Tx, team_id: str, person_id: str) -> Record | None:
    """The person's membership {role, allocation, since} on the team, or None."""
    rows = await run(
        tx,
        "MATCH (:Person {id: $personId})-[m:MEMBER_OF]->(:ProjectTeam {id: $teamId}) "
        "RETURN m {.*} AS membership",
        personId=person_id,
        teamId=team_id,
    )
    return rows[0]["membership"] if rows else None


async def require_member(tx: Tx, team_id: str, person_id: str, field: str) -> Record:
    found = await membership(tx, team_id, person_id)
    if found is None:
        raise Conflict(field, f"{person_id} is not a member of this team")
    return found


async def _standing(tx: Tx, team_id: str, actor_id: str) -> Record:
    """The acting person's role on the team (None when not a member) and whether an administrator
    granted them ADMIN: the graph's own answer, whatever the caller claims."""
    rows = await run(
        tx,
        "OPTIONAL MATCH (a:Person {id: $actorId}) "
        "OPTIONAL MATCH (a)-[m:MEMBER_OF]->(:ProjectTeam {id: $teamId}) "
        "RETURN m.role AS role, 'ADMIN' IN coalesce(a.roles, []) AS admin",
        actorId=actor_id,
        teamId=team_id,
    )
    return rows[0]


async def check_lead(tx: Tx, team_id: str, actor_id: str | None, action: str) -> None:
    """Only the team's lead, or an administrator (ADMIN on their Person), may `action`. No actor:
    a trusted job, or a person-less bootstrap administrator the hub's rules already admitted."""
    if actor_id is None:
        return
    found = await _standing(tx, team_id, actor_id)
    if found["role"] != "LEAD" and not found["admin"]:
        raise Forbidden("teamId", f"only the team's lead or an administrator may {action}")


async def check_member(tx: Tx, team_id: str, actor_id: str | None, action: str) -> None:
    """Only members, or an administrator (ADMIN on their Person), may `action`."""
    if actor_id is None:
        return
    found = await _standing(tx, team_id, actor_id)
    if found["role"] is None and not found["admin"]:
        raise Forbidden("teamId", f"only members of the team or an administrator may {action}")


async def joining(tx: Tx, person_id: str, team_id: str) -> tuple[bool, int]:
    """Whether the person is already on the team, and their allocation on open teams other than
    it: what joining it depends on, in one read."""
    rows = await run(
        tx,
        "MATCH (p:Person {id: $personId}) "
        "RETURN EXISTS { (p)-[:MEMBER_OF]->(:ProjectTeam {id: $teamId}) } AS member,"
        " reduce(s = 0, a IN [(p)-[m:MEMBER_OF]->(o:ProjectTeam)"
        " WHERE o.id <> $teamId AND o.status <> 'CLOSED' AND o.archivedAt IS NULL | m.allocation]"
        " | s + a) AS elsewhere",
        personId=person_id,
        teamId=team_id,
    )
    return (bool(rows[0]["member"]), int(rows[0]["elsewhere"])) if rows else (False, 0)


def require_free(elsewhere: int, allocation: int, field: str = "allocation") -> None:
    """Conflict naming `field` when `allocation` on top of `elsewhere` would exceed full time."""
    if elsewhere + allocation > FULL_TIME:
        raise Conflict(
            field,
            f"{allocation}% would bring the person to {elsewhere + allocation}% on open teams "
            f"(at most {FULL_TIME}%; {FULL_TIME - elsewhere}% is free)",
        )


async def check_capacity(
    tx: Tx, person_id: str, team_id: str, allocation: int, field: str = "allocation"
) -> None:
    """Conflict naming `field` when `allocation` would push the person above full time."""
    _, elsewhere = await joining(tx, person_id, team_id)
    require_free(elsewhere, allocation, field)
