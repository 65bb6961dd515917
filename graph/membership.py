"""Rules every membership change shares: the visible team, who is on it, who leads, time budgets.

Time budget: a person's allocations on open teams — FORMING and ACTIVE, not CLOSED or archived —
may not add up to more than 100%. FORMING counts because accepting an invitation commits the
time from that moment; otherwise several teams forming at once could book the same person twice.
"""

from __future__ import annotations

from typing import Final, LiteralString

from graph import locks
from graph.access import TEAM_VISIBLE, Viewer
from graph.driver import Record, Tx, run
from graph.errors import Conflict, Forbidden, NotFound

# Sum of a person `p`'s allocations on open teams (the capacity rule above), as a Cypher expression.
ALLOCATED: Final[LiteralString] = (
    "reduce(s = 0, a IN [(p)-[m:MEMBER_OF]->(o:ProjectTeam)"
    " WHERE o.status <> 'CLOSED' AND o.archivedAt IS NULL | m.allocation] | s + a)"
)


def keys(person: LiteralString, team: LiteralString, role: LiteralString) -> LiteralString:
    """A MEMBER_OF's keys, as entries of the map it is created with (`person` and `team` are its
    ends, `role` its role): `memberKey` "personId|teamId" and, for the lead, `leadKey` the team's
    id. Uniqueness constraints on them (graph/migrations.py) hold a person to one membership per
    team and a team to one lead, whatever writers race."""
    return (
        "memberKey: " + person + ".id + '|' + " + team + ".id, "
        "leadKey: CASE " + role + " WHEN 'LEAD' THEN " + team + ".id END"
    )


# Full time in percent; the text for Cypher guards (FITS), the number for Python.
_FULL_TIME: Final[LiteralString] = "100"
FULL_TIME: Final = int(_FULL_TIME)


_REQUIRE_TEAM: Final[LiteralString] = (
    "MATCH (t:ProjectTeam {id: $id}) WHERE "
    + TEAM_VISIBLE
    + " RETURN t {.*, issueId: head([(t)-[:ADDRESSES]->(i) | i.id])} AS team"
)


async def require_team(
    tx: Tx, team_id: str, viewer: Viewer, field: str = "teamId", *, locking: bool = False
) -> Record:
    """The team with its issue id, or NotFound — also when the viewer may not see it. `locking`:
    as the transaction's first statement, take the team's write lock before reading it
    (graph/locks.py), for a write whose rules read the team's status or members."""
    if locking:
        rows = await run(tx, locks.BY_ID + _REQUIRE_TEAM, id=team_id, lockIds=[team_id], **viewer.params())
    else:
        rows = await run(tx, _REQUIRE_TEAM, id=team_id, **viewer.params())
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


def standing_on(team: LiteralString) -> LiteralString:
    """The acting person `$actorId` on the team `team` (a node pattern): their id when they exist,
    their role on the team (null when not a member) and whether an administrator granted them
    ADMIN; the graph's own answer, whatever the caller claims. An expression, so a write can read
    it with its other facts."""
    return (
        "{actorId: head(COLLECT { MATCH (actor:Person {id: $actorId}) RETURN actor.id }),"
        " role: head(COLLECT { MATCH (:Person {id: $actorId})-[standing:MEMBER_OF]->" + team + ""
        " RETURN standing.role }),"
        " admin: EXISTS { MATCH (actor:Person {id: $actorId}) WHERE 'ADMIN' IN coalesce(actor.roles, []) }}"
    )


# `standing_on` the team with id `$teamId`.
STANDING: Final[LiteralString] = standing_on("(:ProjectTeam {id: $teamId})")


async def _standing(tx: Tx, team_id: str, actor_id: str) -> Record:
    rows = await run(tx, "RETURN " + STANDING + " AS standing", actorId=actor_id, teamId=team_id)
    standing: Record = rows[0]["standing"]
    return standing


# `require_lead` and `require_membership` as Cypher guards on `standing` (STANDING), for a write
# that checks its rules in its own statement.
LEADS: Final[LiteralString] = "($actorId IS NULL OR standing.role = 'LEAD' OR standing.admin)"
BELONGS: Final[LiteralString] = "($actorId IS NULL OR standing.role IS NOT NULL OR standing.admin)"


def require_lead(standing: Record, actor_id: str | None, action: str) -> None:
    """Only the team's lead, or an administrator (ADMIN on their Person), may `action`. No actor:
    a trusted job, or a person-less bootstrap administrator the hub's rules already admitted."""
    if actor_id is not None and standing["role"] != "LEAD" and not standing["admin"]:
        raise Forbidden("teamId", f"only the team's lead or an administrator may {action}")


def require_membership(standing: Record, actor_id: str | None, action: str) -> None:
    """Only members, or an administrator (ADMIN on their Person), may `action`."""
    if actor_id is not None and standing["role"] is None and not standing["admin"]:
        raise Forbidden("teamId", f"only members of the team or an administrator may {action}")


async def check_lead(tx: Tx, team_id: str, actor_id: str | None, action: str) -> None:
    """`require_lead`, reading the standing."""
    if actor_id is not None:
        require_lead(await _standing(tx, team_id, actor_id), actor_id, action)


async def check_member(tx: Tx, team_id: str, actor_id: str | None, action: str) -> None:
    """`require_membership`, reading the standing."""
    if actor_id is not None:
        require_membership(await _standing(tx, team_id, actor_id), actor_id, action)


# What person `p` joining the team with id `teamId` (a variable) depends on: whether they are on
# it already, and their allocation on open teams other than it.
JOINING: Final[LiteralString] = (
    "{member: EXISTS { (p)-[:MEMBER_OF]->(:ProjectTeam {id: teamId}) },"
    " elsewhere: reduce(total = 0, share IN [(p)-[booked:MEMBER_OF]->(other:ProjectTeam)"
    " WHERE other.id <> teamId AND other.status <> 'CLOSED' AND other.archivedAt IS NULL | booked.allocation]"
    " | total + share)}"
)


async def joining(tx: Tx, person_id: str, team_id: str) -> Record:
    """`JOINING` for the person and team, in one read."""
    rows = await run(
        tx,
        "MATCH (p:Person {id: $personId}) WITH p, $teamId AS teamId RETURN " + JOINING + " AS joining",
        personId=person_id,
        teamId=team_id,
    )
    found: Record = rows[0]["joining"] if rows else {"member": False, "elsewhere": 0}
    return found


# `require_free` as a Cypher guard: `joining` (JOINING) leaves room for `allocation`.
def fits(allocation: LiteralString) -> LiteralString:
    return "(joining.elsewhere + " + allocation + " <= " + _FULL_TIME + ")"


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
    require_free((await joining(tx, person_id, team_id))["elsewhere"], allocation, field)
