"""A team's life: FORMING → ACTIVE → CLOSED (with an outcome), its one lead, members leaving, deadlines.

A team always has exactly one lead: `createTeam` makes it, `handOverLead` moves it to another
member, and no other path may add, remove or demote a lead. The lead leaves only after handing over.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Annotated, Final, LiteralString

from pydantic import Field, StringConstraints

from graph import entities, membership
from graph.access import TEAM_VISIBLE, Viewer
from graph.driver import Graph, Record, Tx, run
from graph.errors import Conflict, Forbidden, InvalidInput
from graph.model import Asked, Narrowing, Reach, analysis, shape
from graph.teams import Role, TeamStatus
from graph.validation import Input, Percent, validate

# The only moves; anything else is refused with the allowed ones named.
TRANSITIONS: dict[TeamStatus, TeamStatus] = {
    TeamStatus.FORMING: TeamStatus.ACTIVE,
    TeamStatus.ACTIVE: TeamStatus.CLOSED,
}

Outcome = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


class StatusChange(Input):
    status: TeamStatus
    outcome: Outcome | None = None

    def check(self) -> None:
        if self.status is TeamStatus.CLOSED and self.outcome is None:
            raise InvalidInput.one("outcome", "is required to close a team")
        if self.status is not TeamStatus.CLOSED and self.outcome is not None:
            raise InvalidInput.one("outcome", "is given only when closing a team")


class MembershipPatch(Input):
    role: Role | None = None
    allocation: Percent | None = None


async def _read(tx: Tx, id: str) -> Record:
    """The team and its members for the Activity's before/after. Not viewer-filtered: every step
    checks visibility first, and a member who just left a restricted team must still get a result."""
    rows = await run(
        tx,
        "MATCH (t:ProjectTeam {id: $id}) RETURN t {.*, issueId: head([(t)-[:ADDRESSES]->(i) | i.id]),"
        " members: [(t)<-[m:MEMBER_OF]-(p) | {personId: p.id, role: m.role, allocation: m.allocation}]}"
        " AS team",
        id=id,
    )
    team: Record = rows[0]["team"]
    return {**team, "members": sorted(team["members"], key=lambda m: m["personId"])}


Step = Callable[[Tx, str], Awaitable[object]]


async def _team_change(
    graph: Graph,
    team_id: str,
    *,
    verb: str,
    actor_id: str | None,
    apply: Step,
    summary: str,
    people: list[str],
) -> Record:
    """A change to a visible team: rules in `apply(tx, id)`, Activity in the team's, issue's and
    the people's feeds. The people's and then the team's write locks are taken first, so the
    rules read what concurrent changes to them committed (graph/locks.py)."""
    return await entities.change(
        graph,
        label="ProjectTeam",
        id=team_id,
        id_field="teamId",
        verb=verb,
        actor_id=actor_id,
        read=_read,
        apply=lambda tx, _: apply(tx, team_id),
        scope=lambda n: [n["issueId"], *people],
        summary=lambda n: f"{n['name']}: {summary}",
        locking=[*people, team_id],
    )


async def set_status(
    graph: Graph, team_id: str, change: StatusChange, actor_id: str | None, viewer: Viewer
) -> Record:
    change.check()

    async def apply(tx: Tx, id: str) -> None:
        team = await membership.require_team(tx, id, viewer)
        await membership.check_lead(tx, id, actor_id, "change the team's status")
        current = TeamStatus(team["status"])
        if TRANSITIONS.get(current) is not change.status:
            allowed = TRANSITIONS.get(current)
            raise Conflict(
                "status",
                f"a {current.value} team cannot become {change.status.value}"
                + (f"; the next status is {allowed.value}" if allowed else "; a closed team stays closed"),
            )
        await run(
            tx,
            """
            MATCH (t:ProjectTeam {id: $id})
            SET t.status = $status, t.outcome = coalesce($outcome, t.outcome),
                t.startDate = CASE WHEN $status = 'ACTIVE' THEN coalesce(t.startDate, date())
                              ELSE t.startDate END,
                t.closedAt = CASE WHEN $status = 'CLOSED' THEN datetime() ELSE t.closedAt END
            """,
            id=id,
            status=change.status.value,
            outcome=change.outcome,
        )

    return await _team_change(
        graph,
        team_id,
        verb=f"team.{change.status.value.lower()}",
        actor_id=actor_id,
        apply=apply,
        summary=f"now {change.status.value.lower()}",
        people=[],
    )


async def hand_over_lead(
    graph: Graph, team_id: str, to_person_id: str, actor_id: str | None, viewer: Viewer
) -> Record:
    """The member `to_person_id` becomes the lead; the old lead stays on as a MEMBER."""

    async def apply(tx: Tx, id: str) -> None:
        await membership.require_team(tx, id, viewer)
        await entities.require(tx, "Person", to_person_id, "toPersonId")
        await membership.check_lead(tx, id, actor_id, "hand over the lead")
        current = await membership.require_member(tx, id, to_person_id, "toPersonId")
        if current["role"] == Role.LEAD:
            raise Conflict("toPersonId", "is already the lead")
        # The old lead's key goes first: a team's one lead is a uniqueness constraint on leadKey.
        await run(
            tx,
            """
            MATCH (t:ProjectTeam {id: $id})<-[new:MEMBER_OF]-(:Person {id: $to})
            OPTIONAL MATCH (t)<-[old:MEMBER_OF {role: 'LEAD'}]-(:Person)
            SET old.role = 'MEMBER', old.leadKey = null, new.role = 'LEAD', new.leadKey = t.id
            """,
            id=id,
            to=to_person_id,
        )

    return await _team_change(
        graph,
        team_id,
        verb="team.lead_handed_over",
        actor_id=actor_id,
        apply=apply,
        summary="lead handed over",
        people=[to_person_id],
    )


async def _remove(tx: Tx, team_id: str, person_id: str) -> None:
    current = await membership.require_member(tx, team_id, person_id, "personId")
    if current["role"] == Role.LEAD:
        raise Conflict("personId", "the lead cannot leave the team; hand over the lead first")
    await run(
        tx,
        "MATCH (:Person {id: $personId})-[m:MEMBER_OF]->(:ProjectTeam {id: $teamId}) DELETE m",
        personId=person_id,
        teamId=team_id,
    )


async def leave(graph: Graph, team_id: str, person_id: str, actor_id: str | None, viewer: Viewer) -> Record:
    """The person leaves the team themselves."""

    async def apply(tx: Tx, id: str) -> None:
        await membership.require_team(tx, id, viewer)
        await entities.require(tx, "Person", person_id, "personId")
        if actor_id is not None and actor_id != person_id:
            raise Forbidden("personId", "only the person may leave; the lead uses removeMember")
        await _remove(tx, id, person_id)

    return await _team_change(
        graph,
        team_id,
        verb="team.member_left",
        actor_id=actor_id,
        apply=apply,
        summary="a member left",
        people=[person_id],
    )


async def remove_member(
    graph: Graph, team_id: str, person_id: str, actor_id: str | None, viewer: Viewer
) -> Record:
    """The lead takes a member off the team."""

    async def apply(tx: Tx, id: str) -> None:
        await membership.require_team(tx, id, viewer)
        await entities.require(tx, "Person", person_id, "personId")
        await membership.check_lead(tx, id, actor_id, "remove members")
        await _remove(tx, id, person_id)

    return await _team_change(
        graph,
        team_id,
        verb="team.member_removed",
        actor_id=actor_id,
        apply=apply,
        summary="a member was removed",
        people=[person_id],
    )


async def update_membership(
    graph: Graph, team_id: str, person_id: str, patch: MembershipPatch, actor_id: str | None, viewer: Viewer
) -> Record:
    """Change a member's role or allocation; the lead's role changes only through handOverLead."""
    if patch.role is None and patch.allocation is None:
        raise InvalidInput.one("role", "give a role, an allocation or both")
    if patch.role is Role.LEAD:
        raise Conflict("role", "a team has exactly one lead: use handOverLead")

    async def apply(tx: Tx, id: str) -> None:
        team = await membership.require_team(tx, id, viewer)
        await entities.require(tx, "Person", person_id, "personId")
        await membership.check_lead(tx, id, actor_id, "change memberships")
        current = await membership.require_member(tx, id, person_id, "personId")
        if patch.role is not None and current["role"] == Role.LEAD:
            raise Conflict("role", "the lead's role changes only through handOverLead")
        if patch.allocation is not None and team["status"] != TeamStatus.CLOSED:
            await membership.check_capacity(tx, person_id, id, patch.allocation)
        await run(
            tx,
            "MATCH (:Person {id: $personId})-[m:MEMBER_OF]->(:ProjectTeam {id: $teamId}) "
            "SET m.role = coalesce($role, m.role), m.allocation = coalesce($allocation, m.allocation)",
            personId=person_id,
            teamId=id,
            role=patch.role.value if patch.role else None,
            allocation=patch.allocation,
        )

    return await _team_change(
        graph,
        team_id,
        verb="team.membership_updated",
        actor_id=actor_id,
        apply=apply,
        summary="membership updated",
        people=[person_id],
    )


class DueWindow(Input):
    days: Annotated[int, Field(ge=0, le=3650)] = 30


# Open teams with a mandate end or a report due between $from and $to (dates), one row each for
# its nearest date, soonest first: {teamId, dueDate, kind: MANDATE_END | REPORT, daysLeft}.
DUE: Final[LiteralString] = (
    """
    MATCH (t:ProjectTeam)
    WHERE t.status <> 'CLOSED' AND t.archivedAt IS NULL AND """
    + TEAM_VISIBLE
    + """
    WITH t, [d IN coalesce(t.reportingDeadlines, []) | {date: d, kind: 'REPORT'}]
            + CASE WHEN t.endDate IS NULL THEN [] ELSE [{date: t.endDate, kind: 'MANDATE_END'}] END AS due
    UNWIND due AS d
    WITH t, d WHERE $from <= d.date <= $to
    WITH t, d ORDER BY d.date, d.kind
    WITH t, head(collect(d)) AS next
    RETURN {teamId: t.id, dueDate: next.date, kind: next.kind, daysLeft: duration.inDays($from, next.date).days} AS row
    ORDER BY row.dueDate, t.name, t.id
    """
)


def _window(asked: Asked) -> Narrowing:
    days = validate(DueWindow, {"days": asked.args["days"]}).days
    start = date.today()
    return Narrowing(params={"from": start, "to": start + timedelta(days=days)})


# `dueSoon(days)`: the teams the viewer may see whose mandate ends or a report falls due within
# `days` days (today included), soonest first.
DUE_SOON = analysis(DUE, "DueItem", args=_window)
DUE_ITEM = shape(
    "DueItem",
    ("row",),
    {"team": Reach("MATCH ({team}:ProjectTeam {id: {row}.teamId})", "ProjectTeam", "team", many=False)},
)


async def due_soon(graph: Graph, days: int, viewer: Viewer, today: date | None = None) -> list[Record]:
    """`DUE` for `days` from `today`: [{teamId, dueDate, kind, daysLeft}]."""
    start = today or date.today()
    rows = await graph.read(DUE, **{"from": start, "to": start + timedelta(days=days)}, **viewer.params())
    return [r["row"] for r in rows]
